"""Run directories: where a new run goes, and reading a finished one back (for ``rlkit eval | video | plot``).

Layout of ``runs/<name>-<timestamp>/``::

    config.yaml      the resolved config (every key)       train.log       the log lines
    metrics.csv      one row per log/eval iteration       metrics.jsonl   the same rows as JSON lines
    tensorboard/     tf.summary event files               returns.png     average return vs iterations
    trained.mp4      the greedy policy                     random.mp4      uniform random actions
    policy/          the exported SavedModel policy        summary.json    final/best returns, timings
    checkpoints/ckpt-<iteration>/   MANIFEST.json, arrays.npz, state.json, replay.npz
    .lock            flock'ed by the one process writing the run (``rlkit train``, ``--resume``)
"""
from __future__ import annotations

import contextlib
import re
import shutil
import time
from pathlib import Path
from typing import Iterable, Iterator

from rlkit.fileio import LockHeldError, exclusive_lock
from rlkit.train.config import Config, ConfigError, load_config

__all__ = ["new_run_dir", "check_new_run_dir", "load_run_config", "lock_run_dir", "RunDirInUseError", "RUN_CONFIG",
           "LOCK_FILE"]

RUN_CONFIG = "config.yaml"
LOCK_FILE = ".lock"


class RunDirInUseError(ConfigError):
    """Another process is writing the run directory (``rlkit`` reports it as a one-line error, exit 2)."""


@contextlib.contextmanager
def lock_run_dir(run_dir: str | Path) -> Iterator[Path]:
    """Be the only writer of ``run_dir`` for the block: an exclusive lock on ``run_dir/.lock``.

    Creates ``run_dir`` if needed, and removes it again if the block ends before the run began (no
    ``config.yaml``, no checkpoints), so a refused new run leaves no files. A second writer gets ``RunDirInUseError``
    at once and touches nothing. The kernel releases the lock when the holder dies (SIGKILL included).
    """
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path}: exists and is not a directory; choose another --out")
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        with exclusive_lock(path / LOCK_FILE):
            yield path
    except LockHeldError as err:
        holder = f"process {err.pid}" if err.pid else "another process"
        raise RunDirInUseError(f"{path}: {holder} is writing this run (its lock {path / LOCK_FILE} is held); wait "
                               "for it to finish, or train into another --out") from None
    finally:
        if created and not _holds_a_run(path):  # refused before it began: leave no directory behind
            shutil.rmtree(path, ignore_errors=True)


def _holds_a_run(path: Path) -> bool:
    return (path / RUN_CONFIG).exists() or (path / "checkpoints").exists()


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
    if _holds_a_run(path):
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
