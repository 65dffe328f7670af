"""An env for fault tests: CartPole-v0 that raises on a chosen batched step, as a plugin simulator might."""
from __future__ import annotations

import errno
import os
from typing import Any

from rlkit.testing.slow_env import SlowEnv
from rlkit.types import TimeStep


class FailingEnv(SlowEnv):
    """CartPole-v0 whose ``fail_at``-th batched step raises (counted per env object): ``RuntimeError``, or
    with ``missing_file`` a ``FileNotFoundError`` (an OSError the CLI has no disk advice for)."""

    def __init__(self, fail_at: int = 1000, missing_file: bool = False, num_envs: int | None = None,
                 **env_options: Any) -> None:
        super().__init__("CartPole-v0", step_cost_ms=0.0, num_envs=num_envs, **env_options)
        self.fail_at, self.missing_file, self.steps = int(fail_at), bool(missing_file), 0

    def _step(self, action: Any) -> TimeStep:
        self.steps += 1
        if self.steps == self.fail_at and self.missing_file:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), "assets/level-2.bin")
        if self.steps == self.fail_at:
            raise RuntimeError("the simulator lost its license server")
        return super()._step(action)
