"""Crash points for kill tests: ``RLKIT_KILL_AT=NAME[:N]`` makes the process SIGKILL itself the N-th
time (default 1) it passes the point ``NAME``, as a power cut or ``kill -9`` would stop it there.

rlkit's crash-safety tests (``tests/train/test_kill_points.py``) use it to prove that a run killed at
any of these points is completed by ``rlkit train --resume`` and ends equal to a run never killed.
Unset (always, outside those tests), a point costs one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

__all__ = ["crash_point"]

_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process if ``RLKIT_KILL_AT`` names this point (and its count is reached)."""
    target = os.environ.get("RLKIT_KILL_AT")
    if not target:
        return
    point, _, count = target.partition(":")
    if point != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
