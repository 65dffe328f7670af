"""Metric outputs of a run: ``metrics.csv``, ``metrics.jsonl`` and TensorBoard event files.

Every row has the same columns (``COLUMNS``); a value not measured at that iteration is left
empty in the CSV and omitted from the JSONL line and TensorBoard. Rows are flushed as written, so
a crashed run keeps its metrics up to the crash; on resume the files are truncated to the
checkpoint's iteration first so that they match the resumed run.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = ["COLUMNS", "MetricsRecorder", "open_recorder", "read_metrics"]

COLUMNS = (
    "iteration",  # training iterations done (one collect + one train step each)
    "env_steps",  # environment steps collected so far (initial collection included, episode-reset steps not)
    "episodes",  # completed training episodes
    "loss",  # TD loss of the train step at this iteration
    "epsilon",  # exploration rate of the collect policy
    "train_return",  # average return of the last 10 training episodes
    "eval_return",  # average return of the greedy policy over eval.num_episodes episodes
    "eval_episode_length",  # average eval episode length (steps)
    "steps_per_second",  # iterations per second of the chunk that ended at this row (the first includes XLA compilation)
    "wall_seconds",  # seconds since the command started
)


class ScalarWriter(Protocol):
    """Where rows go besides the files, e.g. ``rlkit.agents.tensorboard.TensorBoardWriter``."""

    def write(self, step: int, scalars: dict[str, float]) -> None: ...

    def close(self) -> None: ...


class MetricsRecorder:
    """Appends metric rows to ``run_dir/metrics.csv`` and ``metrics.jsonl`` and to an optional ``scalar_writer``."""

    def __init__(self, run_dir: str | Path, scalar_writer: ScalarWriter | None = None,
                 resume_from_iteration: int | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.csv_path = self.run_dir / "metrics.csv"
        self.jsonl_path = self.run_dir / "metrics.jsonl"
        if resume_from_iteration is not None:
            self._truncate_after(resume_from_iteration)
        new_file = not self.csv_path.exists()
        self._csv_handle = open(self.csv_path, "a", newline="")
        self._csv = csv.DictWriter(self._csv_handle, fieldnames=COLUMNS)
        if new_file:
            self._csv.writeheader()
        self._jsonl = open(self.jsonl_path, "a")
        self._writer = scalar_writer

    def record(self, **values: Any) -> None:
        """Write one row; keys must be in ``COLUMNS`` and ``iteration`` is required."""
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown metric columns {sorted(unknown)}; known: {', '.join(COLUMNS)}")
        if "iteration" not in values:
            raise ValueError("a metrics row needs an 'iteration'")
        row = {key: _clean(value) for key, value in values.items() if value is not None}
        self._csv.writerow(row)
        self._csv_handle.flush()
        self._jsonl.write(json.dumps(row) + "\n")
        self._jsonl.flush()
        if self._writer is not None:
            self._writer.write(int(row["iteration"]), {k: v for k, v in row.items() if k != "iteration"})

    def close(self) -> None:
        self._csv_handle.close()
        self._jsonl.close()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _truncate_after(self, iteration: int) -> None:
        rows = read_metrics(self.csv_path) if self.csv_path.exists() else []
        kept = [row for row in rows if row["iteration"] <= iteration]
        with open(self.csv_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in kept:
                writer.writerow({k: v for k, v in row.items() if v is not None})
        with open(self.jsonl_path, "w") as handle:
            for row in kept:
                handle.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")


def open_recorder(run_dir: Path, tensorboard: bool, resume_from_iteration: int | None = None) -> MetricsRecorder:
    """The recorder of a run; with ``tensorboard``, rows also go to ``run_dir/tensorboard`` (imports TensorFlow)."""
    writer = None
    if tensorboard:
        from rlkit.agents.tensorboard import TensorBoardWriter

        writer = TensorBoardWriter(run_dir / "tensorboard")
    return MetricsRecorder(run_dir, writer, resume_from_iteration)


def _clean(value: Any) -> Any:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a ``metrics.csv`` with numbers parsed (``None`` where empty)."""
    rows = []
    with open(path, newline="") as handle:
        for raw in csv.DictReader(handle):
            row: dict[str, Any] = {}
            for key in COLUMNS:
                text = raw.get(key, "")
                if text in ("", None):
                    row[key] = None
                elif key in ("iteration", "env_steps", "episodes"):
                    row[key] = int(float(text))
                else:
                    row[key] = float(text)
            rows.append(row)
    return rows
