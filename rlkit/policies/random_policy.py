"""Uniform random actions within the action spec (TF-Agents ``RandomPyPolicy``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.policies.base import SeededPolicy
from rlkit.specs import BoundedArraySpec, sample_nest
from rlkit import nest
from rlkit.types import PolicyStep, TimeStep

__all__ = ["RandomPolicy"]


class RandomPolicy(SeededPolicy):
    """Uniform actions of any bounded spec (or nest of them), batched or not.

    Args:
      time_step_spec: the env's ``time_step_spec()``.
      action_spec: a ``BoundedArraySpec`` (or nest); integer specs give uniform integers in
        ``[minimum, maximum]``, float specs uniform floats.
      seed: seeds the policy's own ``Generator`` (state exposed by ``get_state``/``set_state``).
    """

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, seed: int | None = None) -> None:
        for spec in nest.flatten(action_spec):
            if not isinstance(spec, BoundedArraySpec):
                raise TypeError(f"RandomPolicy needs bounded action specs to sample from, got {spec!r}")
        super().__init__(time_step_spec, action_spec, seed)
        self._discrete = None
        if isinstance(action_spec, BoundedArraySpec) and action_spec.shape == () and action_spec.dtype.kind in "iu":
            self._discrete = (int(action_spec.minimum), int(action_spec.maximum), action_spec.dtype)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        outer = np.shape(time_step.step_type)
        if self._discrete is not None:  # fast path for the common scalar discrete spec
            low, high, dtype = self._discrete
            action = self._rng.integers(low, high, size=outer or None, dtype=dtype, endpoint=True)
            return PolicyStep(dtype.type(action) if not outer else action, policy_state, ())
        return PolicyStep(sample_nest(self._action_spec, self._rng, outer), policy_state, ())
