"""Memory a run will need, estimated from the env's specs before anything large is allocated, so a
config that cannot fit this machine stops with one line instead of a ``MemoryError`` (or the OOM
killer) minutes later."""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit import nest
from rlkit.train.config import ConfigError

__all__ = ["available_memory", "check_memory", "format_bytes"]

_ROW_OVERHEAD = 16  # step_type, next_step_type, reward, discount of a stored row (bytes)
_ENV_COPIES = 4  # an env's state and the time steps a driver holds per env (observation-sized arrays)


def available_memory() -> int | None:
    """Bytes the kernel says can be allocated without swapping (``MemAvailable``), or ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def format_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count:.1f} TiB"


def _nbytes(spec: Any) -> int:
    return sum(int(np.prod(s.shape, dtype=np.int64)) * np.dtype(s.dtype).itemsize for s in nest.flatten(spec))


def check_memory(config: Any, probe_env: Any, available: int | None = None) -> None:
    """``ConfigError`` naming the key to lower when the replay buffer, the training envs and the eval
    envs together would not fit in the available memory; ``probe_env`` is any env of the run (its
    specs are used)."""
    available = available_memory() if available is None else available
    if available is None:
        return
    row = _nbytes(probe_env.observation_spec()) + _nbytes(probe_env.action_spec()) + _ROW_OVERHEAD
    per_env = _ENV_COPIES * _nbytes(probe_env.observation_spec()) + 64
    workers = config.collect.num_workers if config.collect.engine == "ray" else 1  # replay columns: every collector's envs
    needs = {
        "replay.max_length": row * config.replay.max_length * config.env.num_envs * workers,
        "env.num_envs": per_env * config.env.num_envs,
        "eval.num_episodes": per_env * config.eval.num_episodes,
    }
    total = sum(needs.values())
    if total > available:
        key = max(needs, key=needs.get)
        parts = ", ".join(f"{name.split('.')[0]} {format_bytes(size)}" for name, size in needs.items())
        raise ConfigError(f"{key}: the run needs about {format_bytes(total)} of memory ({parts}) but "
                          f"{format_bytes(available)} is available; lower {key}")
