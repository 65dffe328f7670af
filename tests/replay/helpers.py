"""Shared builders for the replay tests."""
from __future__ import annotations

import numpy as np

from rlkit.core import time_step_spec, trajectory_spec
from rlkit.specs import BoundedArraySpec
from rlkit.testing.conformance_replay import counting_rows, counting_spec
from rlkit.types import Trajectory

__all__ = ["cartpole_spec", "counting_rows", "counting_spec", "fill", "CHI2_CRITICAL_19_DF"]

# chi-square critical value for 19 degrees of freedom at p = 0.001 (scipy is not installed)
CHI2_CRITICAL_19_DF = 43.82


def cartpole_spec() -> Trajectory:
    """The tutorial's data spec: obs float32[4], action int64 in {0, 1}, int32 step types, float32 reward/discount."""
    high = np.array([4.8, np.finfo(np.float32).max, 0.42, np.finfo(np.float32).max], np.float32)
    observation = BoundedArraySpec((4,), np.float32, -high, high, name="observation")
    return trajectory_spec(time_step_spec(observation), BoundedArraySpec((), np.int64, 0, 1, name="action"))


def fill(buffer, num_rows: int, episode_length: int = 4, start: int = 0) -> None:
    for t in range(start, start + num_rows):
        buffer.add_batch(counting_rows(t, buffer.batch_size, episode_length))
