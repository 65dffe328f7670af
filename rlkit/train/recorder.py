"""Metric outputs of a run: ``metrics.csv``, ``metrics.jsonl`` and TensorBoard event files.

Every row has the same columns (``COLUMNS``); a value not measured at that iteration is left
empty in the CSV and omitted from the JSONL line and TensorBoard. Rows are flushed as written, so
a crashed run keeps its metrics up to the crash. A new ``metrics.csv`` appears with its header
already in it (written to a temporary file and renamed), so a kill at any moment leaves either no
file or a file with a header. On resume the files are rewritten (atomically) with the rows up to the
checkpoint's iteration, and the TensorBoard events are written anew from those rows, so no
(tag, step) appears twice.
"""
from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rlkit.faults import crash_point
from rlkit.fileio import CorruptFileError, atomic_write

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
        kept = self._truncate_after(resume_from_iteration) if resume_from_iteration is not None else []
        if not self.csv_path.exists():
            with atomic_write(self.csv_path, "w") as handle:
                csv.DictWriter(handle, fieldnames=COLUMNS).writeheader()
        self._csv_handle = open(self.csv_path, "a", newline="")
        self._csv = csv.DictWriter(self._csv_handle, fieldnames=COLUMNS)
        self._jsonl = open(self.jsonl_path, "a")
        self._writer = scalar_writer
        crash_point("metrics_created")
        for row in kept if scalar_writer is not None else []:
            scalar_writer.write(row["iteration"], {k: v for k, v in row.items() if k != "iteration" and v is not None})

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
        crash_point("metrics_row")

    def close(self) -> None:
        self._csv_handle.close()
        self._jsonl.close()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _truncate_after(self, iteration: int) -> list[dict[str, Any]]:
        """Keep the rows up to ``iteration`` (rewritten atomically); returns them."""
        try:
            rows = read_metrics(self.csv_path) if self.csv_path.exists() else []
        except CorruptFileError:
            rows = []
        backup = _read_jsonl(self.jsonl_path)  # the same rows: used when the CSV was damaged or cut short
        kept = [row for row in rows if row["iteration"] <= iteration]
        kept_backup = [row for row in backup if row["iteration"] <= iteration]
        if len(kept_backup) > len(kept):
            kept = kept_backup
        with atomic_write(self.csv_path, "w") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in kept:
                writer.writerow({k: v for k, v in row.items() if v is not None})
        with atomic_write(self.jsonl_path, "w") as handle:
            for row in kept:
                handle.write(json.dumps({k: v for k, v in row.items() if v is not None}) + "\n")
        return kept


def open_recorder(run_dir: Path, tensorboard: bool, resume_from_iteration: int | None = None) -> MetricsRecorder:
    """The recorder of a run; with ``tensorboard``, rows also go to ``run_dir/tensorboard`` (imports TensorFlow)."""
    writer = None
    if tensorboard:
        from rlkit.agents.tensorboard import TensorBoardWriter

        if resume_from_iteration is not None:  # the kept rows are written anew: no (tag, step) twice
            shutil.rmtree(run_dir / "tensorboard", ignore_errors=True)
        writer = TensorBoardWriter(run_dir / "tensorboard")
    return MetricsRecorder(run_dir, writer, resume_from_iteration)


def _clean(value: Any) -> Any:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a ``metrics.csv`` with numbers parsed (``None`` where empty).

    Raises :class:`~rlkit.fileio.CorruptFileError` naming the file and line when the header or a
    value is not what rlkit writes."""
    rows = []
    try:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is not None and tuple(reader.fieldnames) != COLUMNS:
                raise CorruptFileError(f"{path}: line 1 is not rlkit's metrics header ({','.join(COLUMNS)})")
            for raw in reader:
                row: dict[str, Any] = {}
                for key in COLUMNS:
                    text = raw.get(key)
                    if text == "":
                        row[key] = None
                    elif key in ("iteration", "env_steps", "episodes"):
                        row[key] = int(text)
                    else:
                        row[key] = float(text)
                rows.append(row)
    except UnicodeDecodeError as err:
        raise CorruptFileError(f"{path}: not text ({err.reason}); the file was damaged: restore it or delete it") from None
    except (ValueError, TypeError) as err:
        if isinstance(err, CorruptFileError):
            raise CorruptFileError(f"{err}; the file was edited or damaged: restore it or delete it (rlkit plot "
                                   "needs it; rlkit train --resume rewrites it from the checkpoint's rows)") from None
        raise CorruptFileError(f"{path}: line {reader.line_num} is not a metrics row ({err}); the file was edited or "
                               "damaged: restore it or delete it") from None
    return rows


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The complete rows of ``metrics.jsonl`` up to the first damaged line (``[]`` if none)."""
    rows = []
    try:
        with open(path) as handle:
            for line in handle:
                value = json.loads(line)
                if not isinstance(value, dict) or not isinstance(value.get("iteration"), int) or set(value) - set(COLUMNS):
                    break
                rows.append({key: value.get(key) for key in COLUMNS})
    except (OSError, ValueError):
        pass
    return rows
