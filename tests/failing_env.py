"""An env for fault tests: CartPole-v0 that raises on a chosen batched step, as a plugin simulator might."""
from __future__ import annotations

from typing import Any

from rlkit.testing.slow_env import SlowEnv
from rlkit.types import TimeStep


class FailingEnv(SlowEnv):
    """CartPole-v0 whose ``fail_at``-th batched step raises ``RuntimeError`` (counted per env object)."""

    def __init__(self, fail_at: int = 1000, num_envs: int | None = None, **env_options: Any) -> None:
        super().__init__("CartPole-v0", step_cost_ms=0.0, num_envs=num_envs, **env_options)
        self.fail_at, self.steps = int(fail_at), 0

    def _step(self, action: Any) -> TimeStep:
        self.steps += 1
        if self.steps == self.fail_at:
            raise RuntimeError("the simulator lost its license server")
        return super()._step(action)
