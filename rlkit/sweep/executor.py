"""The local executor: N worker processes (``rlkit.sweep.worker``) fed one trial at a time.

    with LocalExecutor(num_workers=2, num_threads=1) as pool:
        for key, result in pool.run(tasks):          # results in completion order
            ...

Workers are started with ``spawn`` (no fork of a process that may hold TensorFlow or threads).
A worker that dies (killed, out of memory) fails its trial with the signal or exit code and is
replaced while trials remain. ``KeyboardInterrupt`` in the sweep process forwards one SIGINT to
each worker and waits for their interrupted trials to checkpoint; a second one kills them.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Iterator

from rlkit.sweep.worker import Task, TrialResult, worker_main

__all__ = ["LocalExecutor", "default_threads", "available_cores"]


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask; ``os.cpu_count()`` where there is none)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_threads(num_workers: int, cores: int | None = None) -> int:
    """TensorFlow threads per worker so that ``workers x threads <= cores`` (at least 1)."""
    cores = cores or available_cores()
    return max(1, cores // max(1, num_workers))


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    task: Task | None = None
    ready: bool = False
    ran: int = 0
    startup_seconds: float | None = None


@dataclass
class LocalExecutor:
    """``num_workers`` long-lived processes, each running trials with ``num_threads`` TensorFlow threads."""

    num_workers: int
    num_threads: int
    workers: list[_Worker] = field(default_factory=list)
    interrupted: bool = False

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start_worker(self) -> _Worker:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=worker_main, args=(child, self.num_threads), name="rlkit-sweep-worker", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process.is_alive() and w.process.pid is not None]

    def run(self, tasks: list[Task]) -> Iterator[tuple[str, TrialResult]]:
        """Run ``tasks``; yields ``(key, result)`` as trials end. Stops early (``interrupted``) after Ctrl-C."""
        pending = deque(tasks)
        for _ in range(min(self.num_workers, len(pending))):
            self._start_worker()
        while self.workers and (pending or any(w.task for w in self.workers)):
            try:
                for worker in self.workers:
                    if worker.ready and worker.task is None and pending and not self.interrupted:
                        worker.task = pending.popleft()
                        worker.conn.send(worker.task)
                if self.interrupted and not any(w.task for w in self.workers):
                    break
                yield from self._poll(pending)
            except KeyboardInterrupt:
                if self.interrupted:  # the second Ctrl-C: stop now
                    self.kill()
                    raise
                self.interrupted = True
                for worker in self.workers:
                    if worker.process.is_alive():
                        os.kill(worker.process.pid, signal.SIGINT)

    def _poll(self, pending: deque[Task]) -> Iterator[tuple[str, TrialResult]]:
        handles = {}
        for worker in self.workers:
            handles[worker.conn] = worker
            handles[worker.process.sentinel] = worker
        for handle in wait(list(handles), timeout=1.0):
            worker = handles[handle]
            if worker not in self.workers:
                continue
            if handle is worker.conn or worker.conn.poll():
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    message = None
                if message is not None:
                    if message[0] == "ready":
                        worker.ready, worker.startup_seconds = True, float(message[2])
                    elif message[0] == "done":
                        worker.task, worker.ran = None, worker.ran + 1
                        yield message[1], message[2]
                    continue
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                continue
            self.workers.remove(worker)
            if worker.task is not None:
                yield worker.task.key, _died(worker)
            if pending and not self.interrupted and worker.ready:
                self._start_worker()  # replace it (one that died before it was ready is not: it would again)

    def kill(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self.workers:
            worker.process.join(timeout=5)
        self.workers.clear()

    def close(self) -> None:
        """Ask idle workers to exit; kill any still running after a few seconds."""
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for worker in self.workers:
            worker.process.join(timeout=10)
        self.kill()


def _died(worker: _Worker) -> TrialResult:
    code = worker.process.exitcode
    how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
    return TrialResult("failed", 0.0, error=f"WorkerDied: the worker process running this trial died ({how})",
                       resumed=bool(worker.task and worker.task.resume), worker_pid=worker.process.pid)
