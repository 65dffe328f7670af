"""The sweep executor on Ray (``rlkit sweep --executor ray [--address ADDR]``): plain Ray actors.

    with RayExecutor(num_workers=2, num_threads=1, address=None) as pool:
        for key, result in pool.run(tasks):          # results in completion order, as LocalExecutor's
            ...

Each worker actor imports TensorFlow once (``num_threads`` intra-op threads, ``num_threads`` Ray CPUs)
and runs trials back to back with the same code as a local worker (:func:`rlkit.sweep.worker._run_task`),
so a trial's results equal the local executor's on the same machine. Trial run directories must be on a
filesystem every node sees (one machine, or a shared mount). A trial whose worker dies is retried on a
fresh worker, resuming from its last checkpoint (at most ``retries`` times); Ctrl-C stops the workers,
and ``rlkit sweep --resume`` continues, as after the sweep process itself died.
"""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Iterator

from rlkit.distributed.runtime import connect, ray_is_running
from rlkit.sweep.worker import Task, TrialResult, prepare_worker

__all__ = ["RayExecutor", "SweepWorker"]


class SweepWorker:
    """A Ray actor that sets TensorFlow up once and runs trials."""

    def __init__(self, num_threads: int) -> None:
        began = time.perf_counter()
        from rlkit.cli_runtime import quiet_tensorflow_logs

        with quiet_tensorflow_logs():
            prepare_worker(num_threads)
        self.startup_seconds = time.perf_counter() - began

    def pid(self) -> int:
        return os.getpid()

    def run(self, task: Task) -> TrialResult:
        from rlkit.cli_runtime import quiet_tensorflow_logs
        from rlkit.sweep.worker import _run_task

        with quiet_tensorflow_logs():
            return _run_task(task)


@dataclasses.dataclass
class RayExecutor:
    """``num_workers`` worker actors on a local Ray or the cluster at ``address``."""

    num_workers: int
    num_threads: int
    address: str | None = None
    retries: int = 2
    interrupted: bool = False
    workers: list[Any] = dataclasses.field(default_factory=list)
    worker_pids: dict[Any, int] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self._owns_ray = not ray_is_running()
        self.ray = connect(self.address, what="--address")
        from rlkit.train.config import ConfigError

        cpus = self.ray.cluster_resources().get("CPU", 0)
        if self.num_threads > cpus:
            raise ConfigError(f"--executor ray: a worker needs {self.num_threads} CPUs, the Ray cluster has {cpus:g}")
        self._actor = self.ray.remote(num_cpus=self.num_threads, max_restarts=0)(SweepWorker)

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, count: int = 1) -> list[Any]:
        """``count`` new workers, ready (TensorFlow imported)."""
        workers = [self._actor.remote(self.num_threads) for _ in range(count)]
        self.workers += workers
        self.worker_pids.update(zip(workers, self.ray.get([worker.pid.remote() for worker in workers])))
        return workers

    def pids(self) -> list[int]:
        """Process ids of the live workers (on their nodes)."""
        return [self.worker_pids[worker] for worker in self.workers]

    def run(self, tasks: list[Task]) -> Iterator[tuple[str, TrialResult]]:
        """Run ``tasks``; yields ``(key, result)`` as trials end."""
        pending, running, tries = list(tasks), {}, {task.key: 0 for task in tasks}
        idle = self._start(min(self.num_workers, len(pending)))
        try:
            while pending or running:
                while idle and pending:
                    worker, task = idle.pop(), pending.pop(0)
                    running[worker.run.remote(task)] = (worker, task)
                done, _ = self.ray.wait(list(running), num_returns=1, timeout=1.0)
                for future in done:
                    worker, task = running.pop(future)
                    try:
                        result = self.ray.get(future)
                    except self.ray.exceptions.RayActorError as err:
                        self.workers.remove(worker)
                        tries[task.key] += 1
                        if tries[task.key] > self.retries:
                            yield task.key, _died(task, err)
                        else:  # retry on a fresh worker, from the trial's last checkpoint if it wrote one
                            pending.insert(0, dataclasses.replace(task, resume=Path(task.run_dir).exists()))
                        if pending:
                            idle += self._start()
                        continue
                    idle.append(worker)
                    yield task.key, result
        except KeyboardInterrupt:
            self.interrupted = True  # trials resume from their checkpoints with rlkit sweep --resume
            self.close()

    def close(self) -> None:
        for worker in self.workers:
            self.ray.kill(worker)
        self.workers.clear()
        if self._owns_ray and self.ray.is_initialized():  # a local Ray started for this sweep ends with it
            self.ray.shutdown()


def _died(task: Task, err: Exception) -> TrialResult:
    first = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
    return TrialResult("failed", 0.0, error=f"WorkerDied: the Ray worker running this trial died ({first})",
                       resumed=task.resume)
