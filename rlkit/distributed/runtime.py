"""Start a local Ray, or join a cluster, for rlkit's Ray engines.

    connect(None)                    # a local Ray on this machine (dashboard off), or the one already running
    connect("10.0.0.5:6379")         # a cluster started with `ray start --head` (rlkit installed on every node)

A local Ray started here gets an ephemeral auth token in the environment (``RAY_AUTH_TOKEN``, the first
place Ray's token-auth docs say it looks), so when Ray turns token auth on (the default for local
clusters from Ray 2.59) it writes no token under the home directory; set ``RAY_AUTH_MODE`` or
``RAY_AUTH_TOKEN`` yourself to choose otherwise. Ray
worker processes find this checkout of rlkit through ``PYTHONPATH``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from rlkit.distributed import require_ray

__all__ = ["connect", "local_environment"]


def local_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables a local Ray started by rlkit needs: an ephemeral token (unless a token or the
    auth mode is chosen already) and ``PYTHONPATH`` with the directory that holds this ``rlkit`` package."""
    environ = dict(os.environ if environ is None else environ)
    updates: dict[str, str] = {}
    if "RAY_AUTH_MODE" not in environ and not environ.get("RAY_AUTH_TOKEN"):
        updates["RAY_AUTH_TOKEN"] = secrets.token_hex(32)  # Ray (>= 2.59) turns token auth on and uses this one
    root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        updates["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return updates


def connect(address: str | None, what: str = "collect.address", **init: Any) -> Any:
    """The ``ray`` module, initialised: already running, joined at ``address``, or started locally
    (``init`` goes to ``ray.init``, e.g. ``num_cpus``). ``ConfigError`` without Ray or when
    ``address`` cannot be reached."""
    ray = require_ray(what)
    if ray.is_initialized():
        return ray
    from rlkit.train.config import ConfigError

    if address is None:
        os.environ.update(local_environment())  # inherited by the raylet and every worker it starts
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **init)
        return ray
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False, **init)
    except (ConnectionError, RuntimeError, ValueError) as err:
        message = " ".join(str(err).split())
        raise ConfigError(f"{what}: cannot join the Ray cluster at {address!r}: {message}; start one with "
                          "`ray start --head` and pass the address it prints") from None
    return ray
