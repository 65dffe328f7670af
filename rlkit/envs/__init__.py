"""Environments: rlkit's compiled CartPole and gymnasium envs in both directions.

    env = rlkit.envs.load("CartPole-v0")                  # like TF-Agents' suite_gym.load
    env = rlkit.envs.load("CartPole-v1", num_envs=1024)   # batched, compiled
    env = rlkit.envs.load("gymnasium:Acrobot-v1")         # any gymnasium env
    gym_env = gymnasium.make("rlkit/CartPole-v1")         # rlkit's CartPole inside gymnasium
"""
from __future__ import annotations

from typing import Any

from rlkit import registry
from rlkit.core import Env
from rlkit.envs.cartpole import CartPole
from rlkit.envs.gymnasium import GymnasiumEnv, GymnasiumVectorEnv, load_gymnasium

__all__ = ["CartPole", "GymnasiumEnv", "GymnasiumVectorEnv", "load", "load_gymnasium", "register_gymnasium_envs"]


def load(name: str, **kwargs: Any) -> Env:
    """The env registered as ``name`` (``"CartPole-v0"``, ``"gymnasium:<id>"``, a plugin, ``"pkg.mod:Attr"``)."""
    return registry.make("envs", name, **kwargs)


def register_gymnasium_envs() -> None:
    """Register rlkit's envs with gymnasium (``rlkit/CartPole-v0``, ``-v1``); idempotent, imports gymnasium."""
    from rlkit.envs.as_gymnasium import register_gymnasium_envs as _register

    _register()


register_gymnasium_envs()
