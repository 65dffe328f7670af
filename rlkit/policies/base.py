"""Shared pieces of rlkit's policies: seeded RNG with exportable state, spec checks."""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.core import Policy
from rlkit.specs import BoundedArraySpec
from rlkit.types import TimeStep

__all__ = ["SeededPolicy", "discrete_action_info"]


class SeededPolicy(Policy):
    """A :class:`~rlkit.core.Policy` owning a NumPy ``Generator`` whose state can be saved and restored.

    ``get_state()`` returns a JSON-able dict; ``set_state(state)`` restores it so that the following
    actions repeat bit for bit (for checkpoints).
    """

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, seed: int | np.random.SeedSequence | None = None,
                 policy_state_spec: Any = (), info_spec: Any = ()) -> None:
        super().__init__(time_step_spec, action_spec, policy_state_spec, info_spec)
        if isinstance(seed, (bool, np.bool_)) or not (seed is None or isinstance(seed, (int, np.integer, np.random.SeedSequence))):
            raise TypeError(f"{type(self).__name__}: seed must be an int >= 0 or None, got {seed!r}")
        if isinstance(seed, (int, np.integer)) and seed < 0:
            raise ValueError(f"{type(self).__name__}: seed must be an int >= 0 or None, got {seed}")
        self._rng = np.random.Generator(np.random.PCG64(seed))

    @property
    def rng(self) -> np.random.Generator:
        return self._rng

    def get_state(self) -> dict:
        """The RNG state (``bit_generator.state``) as a plain dict."""
        return {"bit_generator": self._rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        """Restore a state returned by :meth:`get_state`."""
        try:
            self._rng.bit_generator.state = state["bit_generator"]
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"not a policy state from get_state(): {err}") from None


def discrete_action_info(action_spec: Any, who: str) -> tuple[int, int, np.dtype]:
    """``(num_actions, minimum, dtype)`` of a scalar integer ``BoundedArraySpec`` (``TypeError``/``ValueError`` otherwise)."""
    if not isinstance(action_spec, BoundedArraySpec):
        raise TypeError(f"{who} needs a scalar integer BoundedArraySpec action spec, got {action_spec!r}")
    if action_spec.shape != () or action_spec.dtype.kind not in "iu":
        raise ValueError(f"{who} supports scalar discrete actions only (shape (), integer dtype), got {action_spec!r}")
    return int(action_spec.maximum) - int(action_spec.minimum) + 1, int(action_spec.minimum), action_spec.dtype
