"""``MountainCar``: gymnasium's MountainCar-v0 as a batched rlkit ``Env`` with Numba dynamics.

Registered through the ``rlkit.envs`` entry point ``MountainCarPlugin-v0``::

    import rlkit
    env = rlkit.make("envs", "MountainCarPlugin-v0", num_envs=4)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.core import Env
from rlkit.specs import BoundedArraySpec
from rlkit.types import TimeStep
from rlkit_mountaincar import _dynamics
from rlkit_mountaincar.render import render_frame

__all__ = ["MountainCar"]


class MountainCar(Env):
    """Drive an under-powered car up the right hill (Moore, 1990; gymnasium ``MountainCar-v0``).

    | observation | meaning                 | min   | max  |
    |-------------|-------------------------|-------|------|
    | 0           | position of the car (m) | -1.2  | 0.6  |
    | 1           | velocity of the car     | -0.07 | 0.07 |

    | action | meaning          |
    |--------|------------------|
    | 0      | accelerate left  |
    | 1      | do not accelerate|
    | 2      | accelerate right |

    Reward -1 per step. An episode starts at a position uniform in [-0.6, -0.4] with velocity 0,
    terminates (LAST, discount 0) when position >= 0.5 and velocity >= ``goal_velocity``, and is
    truncated (LAST, discount 1) after ``max_episode_steps`` steps. The step after LAST restarts
    that car (FIRST; the action is ignored). Observations are float32; the state is float64, as in
    gymnasium, so trajectories match gymnasium's exactly.

    Args:
      num_envs: cars stepped together (every field gets a leading ``[num_envs]``), or ``None``
        for one unbatched car.
      max_episode_steps: the time limit (gymnasium's ``MountainCar-v0`` uses 200).
      goal_velocity: minimum velocity at the goal for termination (gymnasium's default 0).
      seed: seed of the start positions; ``reset(seed=...)`` reseeds.
    """

    def __init__(
        self,
        num_envs: int | None = None,
        max_episode_steps: int = 200,
        goal_velocity: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if num_envs is not None and (isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1):
            raise ValueError(f"num_envs must be None (unbatched) or a positive int, got {num_envs!r}")
        if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, (int, np.integer)) or max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be a positive int, got {max_episode_steps!r}")
        self._num_envs = None if num_envs is None else int(num_envs)
        self._max_episode_steps = int(max_episode_steps)
        self._goal_velocity = float(goal_velocity)
        self._rng = np.random.default_rng(seed)
        n = 1 if num_envs is None else int(num_envs)
        self._state = np.zeros((n, 2), np.float64)
        self._elapsed = np.zeros(n, np.int64)
        self._needs_reset = np.zeros(n, np.bool_)
        self._start_position = np.zeros(n, np.float64)
        self._observation_spec = BoundedArraySpec(
            (2,), np.float32,
            minimum=[_dynamics.MIN_POSITION, -_dynamics.MAX_SPEED],
            maximum=[_dynamics.MAX_POSITION, _dynamics.MAX_SPEED],
            name="observation",
        )
        self._action_spec = BoundedArraySpec((), np.int64, minimum=0, maximum=2, name="action")

    # -- specs -------------------------------------------------------------------------------
    @property
    def batch_size(self) -> int | None:
        return self._num_envs

    def observation_spec(self) -> BoundedArraySpec:
        return self._observation_spec

    def action_spec(self) -> BoundedArraySpec:
        return self._action_spec

    @property
    def max_episode_steps(self) -> int:
        return self._max_episode_steps

    @property
    def state(self) -> np.ndarray:
        """A copy of the float64 ``[N, 2]`` (position, velocity) state, ``N = 1`` when unbatched."""
        return self._state.copy()

    def set_physical_state(self, state: np.ndarray) -> None:
        """Overwrite the (position, velocity) state, shape ``[N, 2]`` (or ``[2]`` when unbatched).

        For tests and demonstrations; the episode step counters are unchanged.
        """
        state = np.asarray(state, np.float64)
        expected = self._state.shape if self._num_envs is not None else (2,)
        if state.shape != expected:
            raise ValueError(f"state must have shape {expected} (position, velocity), got {state.shape}")
        self._state[...] = state.reshape(self._state.shape)

    # -- the loop ----------------------------------------------------------------------------
    def _reset(self, seed: int | None) -> TimeStep:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        n = self._state.shape[0]
        self._state[:, 0] = self._rng.uniform(_dynamics.START_LOW, _dynamics.START_HIGH, size=n)
        self._state[:, 1] = 0.0
        self._elapsed[:] = 0
        self._needs_reset[:] = False
        observation = self._state.astype(np.float32)
        step_type = np.zeros(n, np.int32)
        reward = np.zeros(n, np.float32)
        discount = np.ones(n, np.float32)
        return self._time_step(step_type, reward, discount, observation)

    def _step(self, action: Any) -> TimeStep:
        n = self._state.shape[0]
        action = np.ascontiguousarray(action, dtype=np.int64).reshape(n)
        restarting = self._needs_reset
        if restarting.any():
            self._start_position[restarting] = self._rng.uniform(
                _dynamics.START_LOW, _dynamics.START_HIGH, size=int(restarting.sum())
            )
        observation = np.empty((n, 2), np.float32)
        step_type = np.empty(n, np.int32)
        reward = np.empty(n, np.float32)
        discount = np.empty(n, np.float32)
        _dynamics.step_batch(
            self._state, self._elapsed, self._needs_reset, action, self._start_position,
            self._max_episode_steps, self._goal_velocity, observation, step_type, reward, discount,
        )
        return self._time_step(step_type, reward, discount, observation)

    def _time_step(self, step_type: np.ndarray, reward: np.ndarray, discount: np.ndarray, observation: np.ndarray) -> TimeStep:
        if self._num_envs is None:
            return TimeStep(np.asarray(step_type[0]), np.asarray(reward[0]), np.asarray(discount[0]), observation[0])
        return TimeStep(step_type, reward, discount, observation)

    # -- the rest ----------------------------------------------------------------------------
    def render(self, env_index: int = 0) -> np.ndarray:
        """An RGB ``uint8`` frame ``[400, 600, 3]`` of car ``env_index``: hill, flag and car."""
        n = self._state.shape[0]
        if isinstance(env_index, bool) or not isinstance(env_index, (int, np.integer)) or not 0 <= env_index < n:
            raise ValueError(f"env_index must be an int in [0, {n}), got {env_index!r}")
        return render_frame(float(self._state[env_index, 0]))

    def __repr__(self) -> str:
        return (
            f"MountainCar(num_envs={self._num_envs}, max_episode_steps={self._max_episode_steps}, "
            f"goal_velocity={self._goal_velocity})"
        )
