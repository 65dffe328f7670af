"""An env that costs a fixed amount of CPU per step, for measuring collection without a real simulator.

    env = SlowEnv(env="CartPole-v1", step_cost_ms=1.0, num_envs=4)   # 4 ms of busy CPU per batched step

From a config, by its ``module:Attr`` path (``env.kwargs`` pass through; ``env`` names the wrapped env
and its own options follow)::

    env:
      name: rlkit.testing.slow_env:SlowEnv
      num_envs: 4
      kwargs: {env: CartPole-v1, step_cost_ms: 1.0, max_episode_steps: 200}

Every batched step (boundary steps included) spins until the calling thread has used ``step_cost_ms``
of CPU time per env of the batch, as a Python-level simulator would; results are those of the wrapped
env exactly. ``stall_ms`` with ``stall_probability`` adds occasional long steps (a level load, a
collision-heavy frame): each batched step, with that probability, costs ``stall_ms`` more, drawn from a
stream seeded by ``reset(seed)``; stalls change timing only, never results.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from rlkit.core import Env, State
from rlkit.types import TimeStep

__all__ = ["SlowEnv", "busy_wait"]


def busy_wait(seconds: float) -> None:
    """Spin until this thread has used ``seconds`` of CPU time (no sleep: the cost is CPU time, like a
    simulator's, so processes sharing a core take longer in wall time, as real simulators would)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


class SlowEnv(Env):
    """``env`` (a registered name, ``gymnasium:<id>`` or ``module:Attr``) with ``step_cost_ms`` of CPU per env step.

    Args:
      env: the env to wrap, built with ``make("envs", env, num_envs=num_envs, **env_options)``.
      step_cost_ms: busy CPU milliseconds per env per step (>= 0).
      num_envs: ``None`` (unbatched) or the batch size, as for every env.
      stall_ms: extra busy CPU milliseconds of a stalled batched step (>= 0).
      stall_probability: chance in [0, 1] that a batched step stalls.
      **env_options: keyword arguments of the wrapped env (``max_episode_steps``, ``seed``, ...).
    """

    def __init__(self, env: str = "CartPole-v1", step_cost_ms: float = 1.0, num_envs: int | None = None,
                 stall_ms: float = 0.0, stall_probability: float = 0.0, **env_options: Any) -> None:
        from rlkit.registry import make

        for name, value, top in (("step_cost_ms", step_cost_ms, None), ("stall_ms", stall_ms, None),
                                 ("stall_probability", stall_probability, 1.0)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or (top and value > top):
                unit = "a probability in [0, 1]" if top else "a number of milliseconds >= 0"
                raise ValueError(f"{name} must be {unit}, got {value!r}")
        self._env = make("envs", env, num_envs=num_envs, **env_options)
        self._cost = float(step_cost_ms) / 1000.0 * (1 if num_envs is None else int(num_envs))
        self.step_cost_ms = float(step_cost_ms)
        self.stall_ms, self.stall_probability = float(stall_ms), float(stall_probability)
        self._stalls = np.random.default_rng(0)

    @property
    def wrapped(self) -> Env:
        return self._env

    def observation_spec(self) -> Any:
        return self._env.observation_spec()

    def action_spec(self) -> Any:
        return self._env.action_spec()

    def reward_spec(self) -> Any:
        return self._env.reward_spec()

    @property
    def batch_size(self) -> int | None:
        return self._env.batch_size

    @property
    def reward_threshold(self) -> float | None:
        return self._env.reward_threshold

    def _checked_action(self, action: Any) -> Any:
        return action  # the wrapped env's step checks it

    def _reset(self, seed: int | None) -> TimeStep:
        if seed is not None:
            self._stalls = np.random.default_rng(seed)
        return self._env.reset(seed)

    def _step(self, action: Any) -> TimeStep:
        stalled = self.stall_probability and self._stalls.random() < self.stall_probability
        busy_wait(self._cost + (self.stall_ms / 1000.0 if stalled else 0.0))
        return self._env.step(action)

    def get_state(self) -> State | None:
        return self._env.get_state()

    def set_state(self, state: State) -> None:
        self._env.set_state(state)
        self._current_time_step = self._env.current_time_step()

    def render(self, env_index: int = 0) -> np.ndarray:
        return self._env.render(env_index)

    def close(self) -> None:
        self._env.close()

    def __repr__(self) -> str:
        stalls = f", stall_ms={self.stall_ms}, stall_probability={self.stall_probability}" if self.stall_probability else ""
        return f"SlowEnv({self._env!r}, step_cost_ms={self.step_cost_ms}{stalls})"
