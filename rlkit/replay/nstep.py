"""Turn sampled windows into n-step transitions, correct when an episode ends inside the window.

A window of ``n + 1`` rows (``buffer.sample(B, num_steps=n + 1)``) holds, for row ``i``:
``step_type_i``, ``observation_i``, ``action_i``, ``next_step_type_i``, ``reward_i`` (= r_{i+1}) and
``discount_i`` (= d_{i+1}). With ``m`` the first row ``i`` in ``1..n`` that is LAST (else ``n``)::

    reward   = sum_{i<m} gamma**i * (prod_{j<i} discount_j) * reward_i
    discount = gamma**m * prod_{j<m} discount_j     # 0 after a termination, gamma**m after a truncation
    next_observation = observation_m

so a TD target is ``reward + discount * max_a Q(next_observation, a)`` (rlax's ``r_t``, ``discount_t``).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from rlkit import nest
from rlkit.types import DISCOUNT_DTYPE, REWARD_DTYPE, StepType, Trajectory

__all__ = ["NStepTransition", "to_n_step_transition"]


class NStepTransition(NamedTuple):
    """An n-step transition per window (leading dims of the window, e.g. ``[B]`` or ``[K, B]``).

    Attributes:
      observation: observation of row 0 (nest as in the spec).
      action: action of row 0.
      reward: float32, the discounted n-step return (truncated at the episode end).
      discount: float32, the factor of the bootstrap value: ``gamma**m * prod discounts``.
      next_observation: observation of row ``m`` (the bootstrap state).
      mask: float32, 1 where row 0 is not LAST (a valid transition), else 0.
    """

    observation: Any
    action: Any
    reward: np.ndarray
    discount: np.ndarray
    next_observation: Any
    mask: np.ndarray


def to_n_step_transition(experience: Trajectory, gamma: float) -> NStepTransition:
    """The ``NStepTransition`` of windows ``experience`` (fields ``[..., n + 1, ...]``, ``n >= 1``).

    The window axis is the last axis of ``step_type`` / ``reward`` / ``discount``; every leading dim
    (``[B]``, ``[K, B]``, ...) is kept. ``gamma`` is the agent's discount in ``[0, 1]``.
    """
    if not 0.0 <= float(gamma) <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma!r}")
    step_type = np.asarray(experience.step_type)
    if step_type.ndim < 1 or step_type.shape[-1] < 2:
        raise ValueError(
            f"to_n_step_transition needs windows of n + 1 >= 2 rows on the last axis of step_type, got shape "
            f"{step_type.shape}; sample with num_steps=n + 1"
        )
    axis = step_type.ndim - 1
    n = step_type.shape[-1] - 1
    reward = np.asarray(experience.reward, np.float64)
    discount = np.asarray(experience.discount, np.float64)
    if reward.shape != step_type.shape or discount.shape != step_type.shape:
        raise ValueError(
            f"reward {reward.shape} and discount {discount.shape} must have step_type's shape {step_type.shape}"
        )
    is_last = step_type[..., 1:] == StepType.LAST  # rows 1..n
    m = np.where(is_last.any(axis=-1), np.argmax(is_last, axis=-1) + 1, n)  # [...]
    rows = np.arange(n)
    # prod_{j<i} discount_j for i = 0..n (exclusive cumulative product)
    prefix = np.concatenate([np.ones_like(discount[..., :1]), np.cumprod(discount[..., :n], axis=-1)], axis=-1)
    gammas = float(gamma) ** np.arange(n + 1)
    inside = rows < m[..., None]
    n_step_reward = np.sum(np.where(inside, gammas[:n] * prefix[..., :n] * reward[..., :n], 0.0), axis=-1)
    bootstrap = gammas[m] * np.take_along_axis(prefix, m[..., None], axis=-1)[..., 0]

    def row(values: Any, index: Any) -> np.ndarray:
        values = np.asarray(values)
        if np.ndim(index) == 0:
            return np.take(values, index, axis=axis)
        expanded = np.reshape(index, index.shape + (1,) * (values.ndim - axis))
        return np.take_along_axis(values, expanded, axis=axis).squeeze(axis)

    return NStepTransition(
        observation=nest.map_structure(lambda x: row(x, 0), experience.observation),
        action=nest.map_structure(lambda x: row(x, 0), experience.action),
        reward=n_step_reward.astype(REWARD_DTYPE),
        discount=bootstrap.astype(DISCOUNT_DTYPE),
        next_observation=nest.map_structure(lambda x: row(x, m), experience.observation),
        mask=(step_type[..., 0] != StepType.LAST).astype(np.float32),
    )
