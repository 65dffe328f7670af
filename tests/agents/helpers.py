"""Small builders shared by the agent tests."""
from __future__ import annotations

import numpy as np

from rlkit.core import time_step_spec
from rlkit.specs import BoundedArraySpec
from rlkit.types import StepType, Trajectory

OBS_SPEC = BoundedArraySpec((2,), np.float32, -10.0, 10.0, name="observation")
ACTION_SPEC = BoundedArraySpec((), np.int64, 0, 1, name="action")
TS_SPEC = time_step_spec(OBS_SPEC)
MID, LAST = int(StepType.MID), int(StepType.LAST)


def window(obs, action, reward, discount, step_type, next_step_type) -> Trajectory:
    """A Trajectory ``[B, T, ...]`` from per-row lists (rows of each window along T)."""
    return Trajectory(
        step_type=np.asarray(step_type, np.int32),
        observation=np.asarray(obs, np.float32),
        action=np.asarray(action, np.int64),
        policy_info=(),
        next_step_type=np.asarray(next_step_type, np.int32),
        reward=np.asarray(reward, np.float32),
        discount=np.asarray(discount, np.float32),
    )


def random_experience(rng: np.random.Generator, outer: tuple, steps: int = 2, obs_dim: int = 2, num_actions: int = 2,
                      last_probability: float = 0.1) -> Trajectory:
    shape = (*outer, steps)
    next_last = rng.random(shape) < last_probability
    step_type = np.full(shape, MID, np.int32)
    step_type[..., 1:] = np.where(next_last[..., :-1], LAST, MID)
    step_type[..., 0] = np.where(rng.random(outer) < last_probability, LAST, MID)
    return Trajectory(
        step_type=step_type,
        observation=rng.standard_normal((*shape, obs_dim)).astype(np.float32),
        action=rng.integers(0, num_actions, shape),
        policy_info=(),
        next_step_type=np.where(next_last, LAST, MID).astype(np.int32),
        reward=rng.standard_normal(shape).astype(np.float32),
        discount=np.where(next_last & (rng.random(shape) < 0.5), 0.0, 1.0).astype(np.float32),
    )
