"""DQN on a Keras 3 Q-network: :class:`DqnAgent` (imports TensorFlow on first use), :class:`DqnConfig`, pure losses.

``rlkit.agents.dqn.config`` (the options) loads without TensorFlow, so a training config can be
checked before any heavy import.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DqnAgent": "rlkit.agents.dqn.agent",
    "DqnLossInfo": "rlkit.agents.dqn.agent",
    "DqnBlockLossInfo": "rlkit.agents.dqn.agent",
    "DqnConfig": "rlkit.agents.dqn.config",
}

__all__ = ["DqnAgent", "DqnConfig", "DqnLossInfo", "DqnBlockLossInfo"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rlkit.agents.dqn' has no attribute {name!r}")
