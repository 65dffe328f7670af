"""Small, exact fakes of rlkit's interfaces for tests (no kernels, no TensorFlow).

* ``FakeEnv``: a batched counting env. Observation ``[obs_dim]`` float32 = the step count within
  the episode (every element); reward = the action taken (float32); episodes last ``episode_length``
  steps and then truncate (LAST, discount 1), or terminate (discount 0) when ``terminate=True``.
  Next-step autoreset: the step after LAST returns FIRST and ignores the action.
* ``FakePolicy``: always the same action, or uniform random ones with ``rng``.
* ``FakeReplayBuffer``: a list of rows that samples uniformly, with no window checks; for driver tests.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.core import Env, Policy, ReplayBuffer
from rlkit.specs import BoundedArraySpec
from rlkit.types import BufferInfo, PolicyStep, StepType, TimeStep, Trajectory


class FakeEnv(Env):
    """Counting env with ``num_envs`` copies (``num_envs=None``: unbatched)."""

    def __init__(
        self,
        num_envs: int | None = 1,
        episode_length: int = 5,
        obs_dim: int = 2,
        num_actions: int = 2,
        terminate: bool = False,
    ) -> None:
        self._num_envs = num_envs
        self._episode_length = episode_length
        self._obs_spec = BoundedArraySpec((obs_dim,), np.float32, 0.0, float(episode_length), name="observation")
        self._action_spec = BoundedArraySpec((), np.int64, 0, num_actions - 1, name="action")
        self._terminate = terminate
        n = 1 if num_envs is None else num_envs
        self._t = np.zeros(n, np.int64)
        self._done = np.zeros(n, bool)
        self.closed = False

    @property
    def batch_size(self) -> int | None:
        return self._num_envs

    def observation_spec(self) -> BoundedArraySpec:
        return self._obs_spec

    def action_spec(self) -> BoundedArraySpec:
        return self._action_spec

    def _time_step(self, step_type: np.ndarray, reward: np.ndarray, discount: np.ndarray) -> TimeStep:
        obs = np.repeat(self._t.astype(np.float32)[:, None], self._obs_spec.shape[0], axis=1)
        ts = TimeStep(step_type.astype(np.int32), reward.astype(np.float32), discount.astype(np.float32), obs)
        if self._num_envs is None:
            ts = TimeStep(*(np.asarray(field[0]) for field in ts))
        return ts

    def _reset(self, seed: int | None) -> TimeStep:
        self._t[:] = 0
        self._done[:] = False
        n = self._t.shape[0]
        return self._time_step(np.full(n, StepType.FIRST), np.zeros(n), np.ones(n))

    def _step(self, action: Any) -> TimeStep:
        action = np.atleast_1d(np.asarray(action))
        restarting = self._done.copy()
        self._t = np.where(restarting, 0, self._t + 1)
        self._done = ~restarting & (self._t >= self._episode_length)
        step_type = np.where(restarting, StepType.FIRST, np.where(self._done, StepType.LAST, StepType.MID))
        reward = np.where(restarting, 0.0, action.astype(np.float32))
        discount = np.where(self._done & self._terminate, 0.0, 1.0)
        return self._time_step(step_type, reward, discount)

    def render(self, env_index: int = 0) -> np.ndarray:
        frame = np.zeros((16, 16, 3), np.uint8)
        frame[..., 0] = min(255, int(self._t[env_index]) * 40)
        return frame

    def close(self) -> None:
        self.closed = True


class FakePolicy(Policy):
    """Returns ``action`` for every env, or uniform random actions when ``rng`` is given."""

    def __init__(self, time_step_spec: TimeStep, action_spec: BoundedArraySpec, action: int = 0,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__(time_step_spec, action_spec)
        self._fixed = action
        self._rng = rng

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        outer = np.shape(time_step.step_type)
        if self._rng is not None:
            action = self.action_spec.sample(self._rng, outer)
        else:
            action = np.full(outer, self._fixed, dtype=self.action_spec.dtype)
        return PolicyStep(action, policy_state, ())


class FakeReplayBuffer(ReplayBuffer):
    """Keeps rows in Python lists; samples uniform windows of rows of one env (no boundary checks)."""

    def __init__(self, data_spec: Trajectory, batch_size: int = 1, max_length: int = 1000) -> None:
        super().__init__(data_spec, batch_size * max_length, batch_size)
        self._max_length = max_length
        self._rows: list[list[Trajectory]] = [[] for _ in range(batch_size)]
        self._rng = np.random.default_rng(0)

    def _add_batch(self, items: Trajectory) -> None:
        rows = np.shape(items.step_type)
        if rows != (self._batch_size,):
            raise ValueError(f"add_batch expected step_type of shape ({self._batch_size},), got {rows}")
        for b in range(self._batch_size):
            row = Trajectory(*(field if isinstance(field, tuple) else np.asarray(field)[b] for field in items))
            self._rows[b].append(row)
            del self._rows[b][: -self._max_length]

    def num_frames(self) -> int:
        return sum(len(rows) for rows in self._rows)

    def clear(self) -> None:
        self._rows = [[] for _ in range(self._batch_size)]

    def gather_all(self) -> Trajectory:
        return Trajectory(*(np.stack([np.stack([getattr(r, f) for r in rows]) for rows in self._rows])
                            if not isinstance(getattr(self._rows[0][0], f), tuple) else ()
                            for f in Trajectory._fields))

    def _sample(self, sample_batch_size: int, num_steps: int, rng: np.random.Generator | None) -> tuple[Trajectory, BufferInfo]:
        rng = rng if rng is not None else self._rng
        windows = []
        for _ in range(sample_batch_size):
            b = int(rng.integers(self._batch_size))
            if len(self._rows[b]) < num_steps:
                raise ValueError(f"not enough rows to sample windows of {num_steps}: have {len(self._rows[b])}")
            start = int(rng.integers(len(self._rows[b]) - num_steps + 1))
            windows.append(self._rows[b][start : start + num_steps])
        data = Trajectory(*(
            np.stack([np.stack([getattr(r, f) for r in w]) for w in windows])
            if not isinstance(getattr(windows[0][0], f), tuple) else ()
            for f in Trajectory._fields
        ))
        ones = np.ones(sample_batch_size, np.float32)
        return data, BufferInfo(np.zeros(sample_batch_size, np.int64), ones / max(1, self.num_frames()), ones)


