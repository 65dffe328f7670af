"""``EnergyPolicy``: solve MountainCar without learning by pumping energy into the car.

Pushing in the direction the car already moves always adds mechanical energy, so the swings grow
until the car crests the right hill: in about 110-125 steps from every start, well inside the 200-step
limit (a return near -120; ``MountainCar-v0``'s reward threshold is -110). A baseline for learned agents.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.core import Policy
from rlkit.specs import BoundedArraySpec
from rlkit.types import PolicyStep, TimeStep

__all__ = ["EnergyPolicy"]

PUSH_LEFT = 0
PUSH_RIGHT = 2


class EnergyPolicy(Policy):
    """Push right when the velocity is >= 0, else push left (a stateless, deterministic policy).

    Args:
      time_step_spec: the env's ``time_step_spec()``; observations ``[..., 2]`` = (position, velocity).
      action_spec: the env's ``action_spec()``: a scalar integer spec with 0 = left and 2 = right.
    """

    def __init__(self, time_step_spec: TimeStep, action_spec: Any) -> None:
        observation_spec = time_step_spec.observation
        if getattr(observation_spec, "shape", None) != (2,):
            raise ValueError(
                f"EnergyPolicy needs (position, velocity) observations of shape (2,), got {observation_spec!r}"
            )
        if not isinstance(action_spec, BoundedArraySpec) or action_spec.shape != () or action_spec.dtype.kind not in "iu":
            raise ValueError(f"EnergyPolicy needs a scalar integer BoundedArraySpec of actions, got {action_spec!r}")
        if not (action_spec.minimum <= PUSH_LEFT and PUSH_RIGHT <= action_spec.maximum):
            raise ValueError(f"EnergyPolicy needs actions {PUSH_LEFT} (left) and {PUSH_RIGHT} (right); {action_spec!r} lacks them")
        super().__init__(time_step_spec, action_spec)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        velocity = np.asarray(time_step.observation)[..., 1]
        action = np.where(velocity >= 0, PUSH_RIGHT, PUSH_LEFT).astype(self.action_spec.dtype)
        return PolicyStep(action, policy_state, ())
