"""Test-only reference of ``rlkit.replay.nstep`` (used only while that module does not exist yet).

Semantics: reward = discounted n-step return stopping at an episode end; discount = gamma**m times
the product of env discounts (0 after a termination); next_observation = the observation at the
bootstrap step; mask = 0 where the window starts on LAST. Leading dims are free.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from rlkit.types import StepType, Trajectory


class NStepTransition(NamedTuple):
    observation: Any
    action: Any
    reward: Any
    discount: Any
    next_observation: Any
    mask: Any


def to_n_step_transition(experience: Trajectory, gamma: float) -> NStepTransition:
    step_type = np.asarray(experience.step_type)
    next_step_type = np.asarray(experience.next_step_type)
    reward = np.asarray(experience.reward, np.float64)
    discount = np.asarray(experience.discount, np.float64)
    obs = np.asarray(experience.observation)
    outer, n = step_type.shape[:-1], step_type.shape[-1] - 1
    ret = np.zeros(outer)
    acc = np.ones(outer)
    alive = np.ones(outer, bool)
    boot = np.full(outer, n)
    for i in range(n):
        ret = np.where(alive, ret + acc * reward[..., i], ret)
        acc = np.where(alive, acc * gamma * discount[..., i], acc)
        ended = alive & (next_step_type[..., i] == StepType.LAST)
        boot = np.where(ended, i + 1, boot)
        alive &= ~ended
    index = boot.reshape(*outer, 1, *([1] * (obs.ndim - step_type.ndim)))
    next_obs = np.take_along_axis(obs, np.broadcast_to(index, (*outer, 1, *obs.shape[step_type.ndim:])), axis=step_type.ndim - 1)
    return NStepTransition(
        observation=obs[..., 0, :] if obs.ndim > step_type.ndim else obs[..., 0],
        action=np.asarray(experience.action)[..., 0],
        reward=ret.astype(np.float32),
        discount=acc.astype(np.float32),
        next_observation=np.squeeze(next_obs, axis=step_type.ndim - 1),
        mask=(step_type[..., 0] != StepType.LAST).astype(np.float32),
    )
