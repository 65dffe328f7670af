"""rlkit on Ray: distributed collection (``collect.engine: ray``) and sweeps (``rlkit sweep --executor ray``).

Ray is an optional extra (``pip install "rlkit[ray]"``); nothing here imports it until asked, and
asking without it installed is a one-line :class:`~rlkit.train.config.ConfigError` naming the extra.
Modules: ``runtime`` (start or join Ray), ``collector`` (the collector actor: env + NumPy acting
policy, no TensorFlow), ``engine`` (the learner's side of Ray collection), ``sweep`` (the sweep
executor on Ray). See docs/scaling.md.
"""
from __future__ import annotations

import importlib.util

__all__ = ["require_ray", "RAY_EXTRA"]

RAY_EXTRA = 'pip install "rlkit[ray]"'


def require_ray(what: str) -> None:
    """A one-line ``ConfigError`` saying that ``what`` needs the ``ray`` extra, unless Ray is installed.

    Checked without importing Ray: Ray reads its auth settings from the environment when first imported,
    and :func:`rlkit.distributed.runtime.connect` chooses them just before."""
    try:
        found = importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        from rlkit.train.config import ConfigError

        raise ConfigError(f"{what}: Ray is not installed; install the extra with: {RAY_EXTRA}") from None
