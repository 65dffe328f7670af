"""Options of the built-in CartPole env besides ``num_envs`` (no NumPy work here)."""
from __future__ import annotations

from typing import ClassVar, Optional

from rlkit.backend import BACKENDS
from rlkit.options import Float, NonNegativeInt, Options, PositiveInt, choice

__all__ = ["CartPoleOptions"]


class CartPoleOptions(Options):
    """Options of `CartPole` (registered defaults: `CartPole-v0` 200 steps / 195, `CartPole-v1` 500 / 475).

    Attributes:
      max_episode_steps: time limit of an episode (truncation); null for none.
      reward_threshold: the return at which the task counts as solved; null for none.
      seed: seed of the initial states (rlkit train seeds through reset instead).
      backend: kernel backend of the dynamics (`rlkit train` passes `train.backend`).
    """

    derived: ClassVar[frozenset[str]] = frozenset({"backend"})

    max_episode_steps: Optional[PositiveInt] = 500
    reward_threshold: Optional[Float] = 475.0
    seed: Optional[NonNegativeInt] = None
    backend: Optional[choice(*BACKENDS)] = None
