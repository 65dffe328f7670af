"""``rlkit sweep``: plan the trials, run the unfinished ones on local workers, aggregate, report.

    outcome = run_sweep(spec, Path("runs/my-sweep"), num_workers=2, video=False)
    outcome.exit_code        # 0 all completed, 1 some failed, 130 interrupted

A trial whose run directory has a ``completed`` ``summary.json`` is never rerun; one with a
checkpoint resumes from it (``Trainer(..., resume=True)``: training continues, or, from the last
iteration's checkpoint, only the outputs are written again); any other (never started, crashed
before its first checkpoint) starts again from scratch.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rlkit.sweep.executor import LocalExecutor, default_threads
from rlkit.sweep.plan import SweepSpec, Trial
from rlkit.sweep.worker import Task, TrialResult, write_trial_file

__all__ = ["run_sweep", "SweepOutcome", "trial_state", "EXIT_FAILED", "EXIT_INTERRUPTED"]

EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
_CHECKPOINT = re.compile(r"ckpt-(\d+)$")


@dataclass
class SweepOutcome:
    """Counts of the trials by how they ended in this invocation (``skipped``: already completed before)."""

    completed: int = 0
    failed: int = 0
    interrupted: int = 0
    skipped: int = 0
    not_run: int = 0
    stopped: bool = False          # Ctrl-C
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0: every trial completed; 1: some failed (or could not run); 130: stopped by Ctrl-C."""
        if self.stopped:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed or self.not_run else 0


def trial_state(run_dir: Path) -> str:
    """``"done"``, ``"resume"`` (a checkpoint: training continues from it, or, when it is the last
    iteration's, only the outputs are written again) or ``"fresh"`` for a trial's run directory."""
    summary = run_dir / "summary.json"
    if summary.is_file():
        try:
            if json.loads(summary.read_text()).get("status") == "completed":
                return "done"
        except (OSError, ValueError):
            pass
    saved = [int(m.group(1)) for p in (run_dir / "checkpoints").glob("ckpt-*")
             if p.is_dir() and (m := _CHECKPOINT.fullmatch(p.name))]
    return "resume" if saved else "fresh"


def _line(trial: Trial, result: TrialResult, run_dir: Path) -> str:
    text = f"{trial.point} seed {trial.seed}: {result.status}"
    if result.status == "completed":
        try:
            summary = json.loads((run_dir / "summary.json").read_text())
            solved = summary.get("first_iteration_at_threshold")
            reached = f", reached {summary['reward_threshold']:g} at iteration {solved}" if solved is not None else ""
            text += (f" in {result.seconds:.1f} s; final return {summary['final_return']:.1f}, "
                     f"best {summary['best_return']:.1f}{reached}")
        except (OSError, ValueError, KeyError, TypeError):
            pass
    elif result.error:
        text += f": {result.error}"
    return text


def _progress_bar(total: int, stream: TextIO | None):
    if stream is None or not stream.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="trial", dynamic_ncols=True, file=stream, desc="sweep", smoothing=0.0)


def _executor(kind: str, workers: int, threads: int, address: str | None) -> Any:
    """The trial executor: local worker processes, or worker actors on Ray (:mod:`rlkit.distributed.sweep`)."""
    if kind == "local":
        return LocalExecutor(workers, threads)
    from rlkit.distributed import require_ray

    require_ray("--executor ray")
    from rlkit.distributed.sweep import RayExecutor

    return RayExecutor(workers, threads, address)


def run_sweep(spec: SweepSpec, sweep_dir: Path, num_workers: int, video: bool = True, stream: TextIO | None = None,
              progress_stream: TextIO | None = None, executor: str = "local", address: str | None = None) -> SweepOutcome:
    """Run every unfinished trial of ``spec`` (validated already) and return how they ended.

    ``stream`` gets one line per finished trial (default ``sys.stdout``); ``progress_stream`` a tqdm bar
    (trials done, ETA) when it is a terminal. ``executor``: ``"local"`` worker processes or ``"ray"``
    worker actors (on the cluster at ``address``, or a local Ray).
    """
    stream = stream if stream is not None else sys.stdout
    spec.validate()  # every trial's config, before anything runs
    outcome = SweepOutcome()
    began = time.perf_counter()
    tasks, trials = [], {}
    for trial in spec.trials():
        run_dir = trial.run_dir(sweep_dir)
        state = trial_state(run_dir)
        if state == "done":
            outcome.skipped += 1
            continue
        if state == "fresh" and run_dir.exists():
            shutil.rmtree(run_dir)
        trials[trial.key] = trial
        tasks.append(Task(trial.key, None if spec.base is None else str(spec.base), trial.overrides, str(run_dir),
                          resume=state == "resume", video=video))
    if outcome.skipped:
        print(f"{outcome.skipped} of {outcome.skipped + len(tasks)} trials already completed", file=stream, flush=True)
    if tasks:
        workers = max(1, min(num_workers, len(tasks)))
        threads = default_threads(workers)
        where = " on Ray" if executor == "ray" else ""
        print(f"running {len(tasks)} trials on {workers} workers{where} ({threads} TensorFlow thread{'s' * (threads > 1)} each)",
              file=stream, flush=True)
        bar = _progress_bar(len(tasks), progress_stream)
        done: set[str] = set()
        try:
            with _executor(executor, workers, threads, address) as pool:
                for key, result in pool.run(tasks):
                    trial = trials[key]
                    run_dir = trial.run_dir(sweep_dir)
                    if result.error and result.error.startswith("WorkerDied"):
                        write_trial_file(run_dir, result)
                    done.add(key)
                    setattr(outcome, result.status, getattr(outcome, result.status) + 1)
                    line = _line(trial, result, run_dir)
                    if bar is not None:
                        bar.clear()
                    print(line, file=stream, flush=True)
                    if bar is not None:
                        bar.update(1)
                        bar.refresh()
                outcome.stopped = pool.interrupted
        except KeyboardInterrupt:  # the second Ctrl-C: workers killed
            outcome.stopped = True
        finally:
            if bar is not None:
                bar.close()
        outcome.not_run = len(tasks) - len(done)
    outcome.seconds = time.perf_counter() - began
    return outcome
