"""Start a local Ray, or join a cluster, for rlkit's Ray engines.

    connect(None)                    # a local Ray on this machine (dashboard off), or the one already running
    connect("10.0.0.5:6379")         # a cluster started with `ray start --head` (rlkit installed on every node)

A local Ray started here gets token auth chosen explicitly, with an ephemeral token in the environment
(``RAY_AUTH_MODE=token`` and ``RAY_AUTH_TOKEN``, the first place Ray's token-auth docs say it looks):
Ray (which turns token auth on by default for local clusters from 2.59) then writes no token under the
home directory and prints no notice about it; set ``RAY_AUTH_MODE`` or ``RAY_AUTH_TOKEN`` yourself to
choose otherwise. Ray worker processes find this checkout of rlkit through ``PYTHONPATH``.
"""
from __future__ import annotations

import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from rlkit.distributed import RAY_EXTRA, require_ray

__all__ = ["connect", "local_environment", "ray_is_running"]


def local_environment(environ: dict[str, str] | None = None, choose_mode: bool = True) -> dict[str, str]:
    """Environment variables a local Ray started by rlkit needs: token auth with an ephemeral token (unless
    a token or the auth mode is chosen already; ``choose_mode=False``: the token only, for a process in
    which Ray has read its settings already) and ``PYTHONPATH`` with the directory that holds this
    ``rlkit`` package."""
    environ = dict(os.environ if environ is None else environ)
    updates: dict[str, str] = {}
    if "RAY_AUTH_MODE" not in environ and not environ.get("RAY_AUTH_TOKEN"):
        if choose_mode:
            updates["RAY_AUTH_MODE"] = "token"  # chosen, so Ray prints no "token auth is enabled" notice
        updates["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        updates["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return updates


def ray_is_running() -> bool:
    """Whether this process is connected to a Ray already (without importing Ray)."""
    ray = sys.modules.get("ray")
    return ray is not None and ray.is_initialized()


def connect(address: str | None, what: str = "collect.address", **init: Any) -> Any:
    """The ``ray`` module, initialised: already running, joined at ``address``, or started locally
    (``init`` goes to ``ray.init``, e.g. ``num_cpus``). ``ConfigError`` without Ray or when
    ``address`` cannot be reached."""
    require_ray(what)
    from rlkit.train.config import ConfigError

    if address is None and "ray" not in sys.modules:
        os.environ.update(local_environment())  # before Ray reads its settings; inherited by every Ray process
    try:
        import ray
    except ImportError as err:
        raise ConfigError(f"{what}: Ray is installed but cannot be imported ({err}); reinstall it with: "
                          f"{RAY_EXTRA}") from None
    if ray.is_initialized():
        return ray
    if address is None:
        os.environ.update(local_environment(choose_mode=False))  # Ray was imported before: its own default mode
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **init)
        return ray
    _check_reachable(address, what)
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False, **init)
    except (ConnectionError, RuntimeError, ValueError) as err:
        message = " ".join(str(err).split())
        raise ConfigError(f"{what}: cannot join the Ray cluster at {address!r}: {message}; start one with "
                          "`ray start --head` and pass the address it prints") from None
    return ray


def _check_reachable(address: str, what: str, timeout: float = 5.0) -> None:
    """``ConfigError`` unless ``address`` (``host:port``, ``ray://host:port`` or ``auto``) answers on its
    port within ``timeout`` seconds: ``ray.init`` would otherwise retry an unreachable address for minutes."""
    from rlkit.train.config import ConfigError
    from rlkit.train.config.schema import split_ray_address

    try:
        host_port = split_ray_address(address)
    except ValueError as err:
        raise ConfigError(f"{what}: {err}") from None
    if host_port is None:  # auto: Ray finds the cluster this machine belongs to
        return
    try:
        socket.create_connection(host_port, timeout=timeout).close()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise ConfigError(f"{what}: cannot join the Ray cluster at {address!r}: nothing answers there ({reason}); "
                          "start one with `ray start --head` and pass the address it prints") from None
