"""``summary.json`` of a run: status, returns, the first iteration at the reward threshold, timings."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlkit import __version__
from rlkit.fileio import atomic_write

__all__ = ["PhaseTimer", "write_summary"]


@dataclass
class PhaseTimer:
    """Wall-clock seconds spent in each phase of a run (summed over resumptions)."""

    seconds: dict[str, float] = field(default_factory=lambda: {"setup": 0.0, "collect": 0.0, "train": 0.0,
                                                                  "eval": 0.0, "checkpoint": 0.0, "outputs": 0.0})

    def add(self, phase: str, since: float) -> float:
        """Add the time since ``since`` (a ``perf_counter()``) to ``phase``; returns now."""
        now = time.perf_counter()
        self.seconds[phase] += now - since
        return now


def write_summary(path: Path, *, status: str, env_name: str, iteration: int, env_steps: int, episodes: int,
                  evaluations: list[dict[str, float]], reward_threshold: float | None, timer: PhaseTimer,
                  started: float, seconds_to_policy: float | None, backend: str | None,
                  collect: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``summary.json`` atomically and return it (``started``: ``perf_counter()`` at process start;
    ``collect``: the collection engine and its figures, e.g. the async policy lag)."""
    returns = [e["average_return"] for e in evaluations]
    best = int(np.argmax(returns)) if returns else None
    solved = next((e["iteration"] for e in evaluations
                   if reward_threshold is not None and e["average_return"] >= reward_threshold), None)
    seconds = timer.seconds
    loop_seconds = seconds["collect"] + seconds["train"]
    summary = {
        "status": status,
        "rlkit_version": __version__,
        "env": env_name,
        "iterations": iteration,
        "env_steps": env_steps,
        "episodes": episodes,
        "final_return": returns[-1] if returns else None,
        "best_return": returns[best] if best is not None else None,
        "best_iteration": evaluations[best]["iteration"] if best is not None else None,
        "reward_threshold": reward_threshold,
        "first_iteration_at_threshold": solved,
        "evaluations": len(returns),
        "seconds": {**{k: round(v, 4) for k, v in seconds.items()},
                    "to_saved_policy": round(seconds_to_policy, 4) if seconds_to_policy is not None else None,
                    "total": round(time.perf_counter() - started, 4)},
        "iterations_per_second": round(iteration / loop_seconds, 1) if loop_seconds else None,
        "env_steps_per_second": round(env_steps / loop_seconds, 1) if loop_seconds else None,
        "backend": backend,
        "collect": collect or {"engine": "local"},
    }
    with atomic_write(path, "w") as handle:
        json.dump(summary, handle, indent=2, allow_nan=False, default=_json_default)
    return summary


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")
