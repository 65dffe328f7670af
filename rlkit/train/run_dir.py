"""Run directories: where a new run goes, and reading a finished one back (for ``rlkit eval | video | plot``).

Layout of ``runs/<name>-<timestamp>/``::

    config.yaml      the resolved config (every key)       train.log       the log lines
    metrics.csv      one row per log/eval iteration       metrics.jsonl   the same rows as JSON lines
    tensorboard/     tf.summary event files               returns.png     average return vs iterations
    trained.mp4      the greedy policy                     random.mp4      uniform random actions
    policy/          the exported SavedModel policy        summary.json    final/best returns, timings
    checkpoints/ckpt-<iteration>/   MANIFEST.json, arrays.npz, state.json, replay.npz
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Iterable

from rlkit.train.config import Config, ConfigError, load_config

__all__ = ["new_run_dir", "check_new_run_dir", "load_run_config", "RUN_CONFIG"]

RUN_CONFIG = "config.yaml"


def new_run_dir(config: Config) -> Path:
    """``<output.dir>/<output.name or env name>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... if taken)."""
    name = config.output.name or re.sub(r"[^A-Za-z0-9._-]+", "-", config.env.name).strip("-").lower()
    base = Path(config.output.dir) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, suffix = base, 2
    while path.exists():
        path, suffix = base.with_name(f"{base.name}-{suffix}"), suffix + 1
    return path


def check_new_run_dir(path: Path) -> None:
    """A new run must not overwrite another: ``ConfigError`` if ``path`` already holds one."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path}: exists and is not a directory")
    if (path / RUN_CONFIG).exists() or (path / "checkpoints").exists():
        raise ConfigError(f"--out {path}: already holds a run; continue it with `rlkit train --resume {path}` "
                          "or choose another --out")


def load_run_config(run_dir: str | Path, overrides: Iterable[str] = ()) -> Config:
    """The config a run was made with (``run_dir/config.yaml``), with ``overrides`` applied."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such run directory")
    if not (run_dir / RUN_CONFIG).is_file():
        raise ConfigError(f"{run_dir}: not a run directory (no {RUN_CONFIG}); pass the directory `rlkit train` wrote")
    if not (run_dir / RUN_CONFIG).read_text().strip():
        raise ConfigError(f"{run_dir / RUN_CONFIG} is empty (damaged); restore it from a copy of the run -- the run's "
                          "settings are not guessed from defaults")
    return load_config(run_dir / RUN_CONFIG, overrides)
