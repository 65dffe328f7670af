"""Policies that act on NumPy time steps: random, greedy, epsilon-greedy, Boltzmann; schedules.

The Q-value policies act from :class:`QValueMirror`, a compiled (Cython / Numba / NumPy) copy of a Keras Q-network's
weights, so importing and using this package never imports TensorFlow.
"""
from rlkit.policies.base import SeededPolicy
from rlkit.policies.q_mirror import MIRROR_ACTIVATIONS, QValueMirror
from rlkit.policies.q_policies import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy
from rlkit.policies.random_policy import RandomPolicy
from rlkit.policies.schedules import (
    ConstantSchedule,
    ExponentialSchedule,
    LinearSchedule,
    Schedule,
    as_schedule,
)

__all__ = [
    "SeededPolicy",
    "RandomPolicy",
    "GreedyPolicy",
    "EpsilonGreedyPolicy",
    "BoltzmannPolicy",
    "QValueMirror",
    "MIRROR_ACTIVATIONS",
    "Schedule",
    "ConstantSchedule",
    "LinearSchedule",
    "ExponentialSchedule",
    "as_schedule",
]
