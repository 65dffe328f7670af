"""A sweep worker: one long-lived process that imports TensorFlow once and runs trials back to back.

The sweep process talks to each worker over a ``multiprocessing`` pipe::

    worker -> sweep   ("ready", pid, startup_seconds)          once TensorFlow is imported and configured
    sweep  -> worker  Task(...)                                  run this trial
    worker -> sweep   ("done", trial_key, TrialResult)           after each trial (also written to trial.json)
    sweep  -> worker  None                                       exit

A worker sits in its own process group, so a Ctrl-C on the terminal reaches only the sweep process,
which forwards one SIGINT to each worker: a training trial finishes its chunk, writes a checkpoint
and stops (the trainer's own Ctrl-C handling); an idle worker exits.
"""
from __future__ import annotations

import json
import os
import signal
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Task", "TrialResult", "worker_main", "write_trial_file", "TRIAL_FILE"]

TRIAL_FILE = "trial.json"


@dataclass(frozen=True)
class Task:
    """One trial to run: ``load_config(base, overrides)`` trained in ``run_dir``."""

    key: str
    base: str | None
    overrides: tuple[str, ...]
    run_dir: str
    resume: bool
    video: bool


@dataclass
class TrialResult:
    """How a trial ended: ``completed``, ``interrupted`` (checkpoint written) or ``failed`` (with ``error``).

    ``seconds`` is the trial's wall time in its worker: loading its config, training, every output.
    """

    status: str
    seconds: float
    error: str | None = None
    traceback: str | None = None
    resumed: bool = False
    worker_pid: int | None = None
    started_at: float | None = None    # Unix time the worker took the trial
    finished_at: float | None = None   # Unix time it was done with it (trial.json written just after)


def write_trial_file(run_dir: Path, result: TrialResult) -> None:
    """``run_dir/trial.json``: the trial's status as the sweep saw it (its error, if it failed)."""
    from rlkit.fileio import atomic_write

    run_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(run_dir / TRIAL_FILE, "w") as handle:
        json.dump(asdict(result), handle, indent=2)


def _run_task(task: Task) -> TrialResult:
    from rlkit.train.config import load_config
    from rlkit.train.trainer import Trainer, TrainingInterrupted

    began, started_at = time.perf_counter(), time.time()
    run_dir = Path(task.run_dir)
    try:
        config = load_config(task.base, task.overrides)
        with open(os.devnull, "w") as devnull:
            Trainer(config, run_dir, resume=task.resume, video=task.video, progress=False, stream=devnull,
                    started=began).run()
        result = TrialResult("completed", time.perf_counter() - began)
    except (TrainingInterrupted, KeyboardInterrupt):
        result = TrialResult("interrupted", time.perf_counter() - began)
    except Exception as err:  # noqa: BLE001 - a failed trial is recorded; the sweep goes on
        message = " ".join(str(err).split()) or type(err).__name__
        result = TrialResult("failed", time.perf_counter() - began, error=f"{type(err).__name__}: {message}",
                             traceback=traceback.format_exc())
    result.resumed, result.worker_pid = task.resume, os.getpid()
    result.started_at, result.finished_at = started_at, time.time()
    write_trial_file(run_dir, result)
    return result


def prepare_worker(num_threads: int) -> None:
    """Set a worker up once for many trials (call it under ``quiet_tensorflow_logs``): the XLA cache,
    TensorFlow with ``num_threads`` threads and its thread pools started, every trainer import paid."""
    from rlkit.cli_runtime import enable_xla_cache

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    enable_xla_cache()
    from rlkit.networks.tf_runtime import configure_tensorflow, start_runtime

    configure_tensorflow(num_threads=num_threads)
    start_runtime()  # now: each trainer then keeps these thread pools
    import rlkit.train.trainer  # noqa: F401 - pay every import once, before the first trial


def worker_main(conn: Any, num_threads: int) -> None:
    """The worker process: set up TensorFlow with ``num_threads`` threads, then serve tasks from ``conn``."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    began = time.perf_counter()
    from rlkit.cli_runtime import quiet_tensorflow_logs

    with quiet_tensorflow_logs():
        try:
            prepare_worker(num_threads)
            conn.send(("ready", os.getpid(), time.perf_counter() - began))
            while (task := conn.recv()) is not None:
                result = _run_task(task)
                conn.send(("done", task.key, result))
                if result.status == "interrupted":
                    break
        except (KeyboardInterrupt, EOFError, BrokenPipeError):
            pass  # Ctrl-C while idle, or the sweep process went away
