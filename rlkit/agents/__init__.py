"""Agents (TensorFlow is imported on first use of a name here, not by ``import rlkit.agents``).

    from rlkit.agents import DqnAgent, configure_tensorflow
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DqnAgent": "rlkit.agents.dqn",
    "DqnConfig": "rlkit.agents.dqn.config",
    "configure_tensorflow": "rlkit.networks.tf_runtime",
    "SavedModelPolicy": "rlkit.agents.saved_policy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rlkit.agents' has no attribute {name!r}")
