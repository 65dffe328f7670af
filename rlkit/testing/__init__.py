"""Test kit for rlkit and its plugin authors: conformance mixins (pytest classes) and small fakes.

Subclass a mixin and give it one fixture to test a plugin::

    from rlkit.testing import EnvConformance

    class TestMyEnv(EnvConformance):
        @pytest.fixture
        def make_env(self):
            return lambda: MyEnv()

Names load lazily so that importing the kit does not import pytest-free code paths twice.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EnvConformance": "rlkit.testing.conformance_env",
    "PolicyConformance": "rlkit.testing.conformance_policy",
    "ReplayBufferConformance": "rlkit.testing.conformance_replay",
    "ReplayBufferWindowConformance": "rlkit.testing.conformance_replay",
    "FakeEnv": "rlkit.testing.fakes",
    "FakePolicy": "rlkit.testing.fakes",
    "FakeReplayBuffer": "rlkit.testing.fakes",
    "SlowEnv": "rlkit.testing.slow_env",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rlkit.testing' has no attribute {name!r}")
