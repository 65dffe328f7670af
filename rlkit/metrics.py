"""Metrics as observers (TF-Agents ``py_metrics`` names and semantics) and ``compute_avg_return``.

    average_return = AverageReturnMetric(buffer_size=10)
    driver = StepDriver(env, policy, observers=[buffer, average_return, EnvironmentSteps()])
    ...
    average_return.result()     # mean undiscounted return of the last 10 completed episodes

A metric takes trajectories from a batched env (fields ``[N, ...]``, one accumulator per env) or an
unbatched one (treated as ``N = 1``). The batch size is fixed by ``batch_size`` or by the first
trajectory; feeding another batch size later is a ``ValueError`` (call ``reset()`` first).

``get_state()`` returns a dict of NumPy arrays (0-d for counters) for checkpoints (``np.savez``,
no pickle); ``set_state(state)`` restores it exactly.
"""
from __future__ import annotations

import abc
from typing import Any, Mapping, NamedTuple

import numpy as np

from rlkit import nest
from rlkit.validation import check_count
from rlkit.core import Env, Observer, Policy
from rlkit.types import StepType, TimeStep, Trajectory

__all__ = [
    "Metric",
    "StreamingMetric",
    "AverageReturnMetric",
    "AverageEpisodeLengthMetric",
    "NumberOfEpisodes",
    "EnvironmentSteps",
    "EvalResult",
    "EpisodeTally",
    "evaluate",
    "compute_avg_return",
]


def _rows(trajectory: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``step_type, next_step_type, reward`` as ``[N]`` arrays (``N = 1`` for an unbatched trajectory)."""
    step_type = np.asarray(trajectory.step_type)
    if step_type.ndim > 1:
        raise ValueError(
            f"metrics take trajectories with step_type of shape () or [batch_size], got {step_type.shape}; "
            "pass the driver's trajectories, not replay samples [B, T, ...]"
        )
    return (
        np.atleast_1d(step_type),
        np.atleast_1d(np.asarray(trajectory.next_step_type)),
        np.atleast_1d(np.asarray(trajectory.reward, dtype=np.float64)),
    )


class Metric(Observer):
    """An observer with a ``result()``; ``reset()`` forgets everything seen."""

    def __init__(self, name: str) -> None:
        self.name = name

    @abc.abstractmethod
    def __call__(self, trajectory: Trajectory) -> None: ...

    @abc.abstractmethod
    def result(self) -> Any: ...

    @abc.abstractmethod
    def reset(self) -> None: ...

    @abc.abstractmethod
    def get_state(self) -> dict[str, np.ndarray]: ...

    @abc.abstractmethod
    def set_state(self, state: Mapping[str, Any]) -> None: ...

    def observe_columns(self, trajectories: Trajectory, first: int, batch_size: int) -> None:
        """``observe_sequence`` for a block of envs ``first .. first + n`` of the ``batch_size`` envs this
        metric tracks (fields ``[T, n, ...]``): asynchronous collection hands each collector's block over
        on its own. A metric with per-env state must override this; the default refuses."""
        raise NotImplementedError(f"{type(self).__name__} cannot take a block of some of its envs "
                                  "(override observe_columns)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, result={self.result()!r})"


class StreamingMetric(Metric):
    """Mean of a value over the last ``buffer_size`` completed episodes, with one accumulator per env.

    ``result()`` is a float32 scalar: the mean over the window, or 0.0 before any episode completed.
    """

    def __init__(self, name: str, buffer_size: int = 10, batch_size: int | None = None) -> None:
        super().__init__(name)
        self._buffer_size = check_count(buffer_size, "buffer_size")
        self._configured_batch_size = None if batch_size is None else check_count(batch_size, "batch_size")
        self.reset()

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @property
    def batch_size(self) -> int | None:
        """Number of parallel envs the accumulators track (``None`` until the first trajectory)."""
        return None if self._accumulators is None else int(self._accumulators.shape[0])

    def reset(self) -> None:
        self._window = np.zeros(self._buffer_size, np.float64)  # circular; oldest at _start
        self._start = 0
        self._length = 0
        batch = self._configured_batch_size
        self._accumulators = None if batch is None else np.zeros(batch, np.float64)

    def values(self) -> np.ndarray:
        """The values in the window, oldest first (float64 ``[<= buffer_size]``)."""
        return np.roll(self._window, -self._start)[: self._length].copy()

    def result(self) -> np.float32:
        if self._length == 0:
            return np.float32(0.0)
        return np.float32(np.mean(self._window[: self._length]))

    def _add(self, values: np.ndarray) -> None:
        for value in values:
            index = (self._start + self._length) % self._buffer_size
            self._window[index] = value
            if self._length < self._buffer_size:
                self._length += 1
            else:
                self._start = (self._start + 1) % self._buffer_size

    def __call__(self, trajectory: Trajectory) -> None:
        step_type, next_step_type, reward = _rows(trajectory)
        self._check_batch(step_type.shape[0])
        self._update(self._accumulators, step_type, next_step_type, reward)

    def observe_sequence(self, trajectories: Trajectory) -> None:
        """``T`` steps at once: rows where an episode starts or ends go through ``_update`` one by one,
        the stretches between them are summed in one ``_accumulate`` call."""
        step_type, next_step_type, reward = self._block(trajectories)
        self._check_batch(step_type.shape[1])
        self._observe(self._accumulators, step_type, next_step_type, reward)

    def observe_columns(self, trajectories: Trajectory, first: int, batch_size: int) -> None:
        step_type, next_step_type, reward = self._block(trajectories)
        self._check_batch(batch_size)
        if not 0 <= first <= batch_size - step_type.shape[1]:
            raise ValueError(f"{self.name}: envs {first}..{first + step_type.shape[1] - 1} are not among the "
                             f"{batch_size} envs it tracks")
        self._observe(self._accumulators[first:first + step_type.shape[1]], step_type, next_step_type, reward)

    @staticmethod
    def _block(trajectories: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        step_type = np.asarray(trajectories.step_type)
        next_step_type = np.asarray(trajectories.next_step_type)
        reward = np.asarray(trajectories.reward, dtype=np.float64)
        if step_type.ndim == 1:  # unbatched [T]
            step_type, next_step_type, reward = step_type[:, None], next_step_type[:, None], reward[:, None]
        if step_type.ndim != 2:
            raise ValueError(f"observe_sequence takes step_type of shape [T] or [T, batch_size], got {step_type.shape}")
        return step_type, next_step_type, reward

    def _observe(self, accumulators: np.ndarray, step_type: np.ndarray, next_step_type: np.ndarray,
                 reward: np.ndarray) -> None:
        """Update ``accumulators`` (a view of the envs' accumulators, ``[N]``) from rows ``[T, N]``."""
        events = np.flatnonzero(np.any(step_type == StepType.FIRST, axis=1) | np.any(next_step_type == StepType.LAST, axis=1))
        start = 0
        for t in events.tolist():
            if t > start:
                self._accumulate(accumulators, step_type[start:t], reward[start:t])
            self._update(accumulators, step_type[t], next_step_type[t], reward[t])
            start = t + 1
        if start < step_type.shape[0]:
            self._accumulate(accumulators, step_type[start:], reward[start:])

    def _check_batch(self, batch_size: int) -> None:
        if self._accumulators is None:
            self._accumulators = np.zeros(batch_size, np.float64)
        elif self._accumulators.shape[0] != batch_size:
            raise ValueError(
                f"{self.name} tracks {self._accumulators.shape[0]} envs but got a trajectory of batch size "
                f"{batch_size}; call reset() before switching envs (or pass batch_size)"
            )

    @abc.abstractmethod
    def _update(self, accumulators: np.ndarray, step_type: np.ndarray, next_step_type: np.ndarray,
                reward: np.ndarray) -> None:
        """Update ``accumulators`` in place and ``_add`` the values of episodes completed now."""

    @abc.abstractmethod
    def _accumulate(self, accumulators: np.ndarray, step_type: np.ndarray, reward: np.ndarray) -> None:
        """``_update`` for rows ``[T, N]`` in which no episode starts or ends (so nothing completes)."""

    def get_state(self) -> dict[str, np.ndarray]:
        accumulators = np.zeros(0, np.float64) if self._accumulators is None else self._accumulators.copy()
        return {"window": self.values(), "accumulators": accumulators}

    def set_state(self, state: Mapping[str, Any]) -> None:
        window = np.asarray(state["window"], np.float64)
        accumulators = np.asarray(state["accumulators"], np.float64)
        if window.ndim != 1 or window.shape[0] > self._buffer_size:
            raise ValueError(f"{self.name}: state window must be 1-D with <= {self._buffer_size} values, got {window.shape}")
        if accumulators.ndim != 1:
            raise ValueError(f"{self.name}: state accumulators must be 1-D, got shape {accumulators.shape}")
        self.reset()
        self._add(window)
        self._accumulators = accumulators.copy() if accumulators.size else None


class AverageReturnMetric(StreamingMetric):
    """Average undiscounted return of the last ``buffer_size`` completed episodes."""

    def __init__(self, name: str = "AverageReturn", buffer_size: int = 10, batch_size: int | None = None) -> None:
        super().__init__(name, buffer_size, batch_size)

    def _update(self, returns, step_type, next_step_type, reward) -> None:
        returns[step_type == StepType.FIRST] = 0.0
        returns += reward
        self._add(returns[next_step_type == StepType.LAST])

    def _accumulate(self, returns, step_type, reward) -> None:
        returns += reward.sum(axis=0)


class AverageEpisodeLengthMetric(StreamingMetric):
    """Average length (env steps, boundary steps excluded) of the last ``buffer_size`` completed episodes."""

    def __init__(self, name: str = "AverageEpisodeLength", buffer_size: int = 10,
                 batch_size: int | None = None) -> None:
        super().__init__(name, buffer_size, batch_size)

    def _update(self, steps, step_type, next_step_type, reward) -> None:
        steps[step_type != StepType.LAST] += 1
        is_last = next_step_type == StepType.LAST
        self._add(steps[is_last])
        steps[is_last] = 0.0

    def _accumulate(self, steps, step_type, reward) -> None:
        steps += np.count_nonzero(step_type != StepType.LAST, axis=0)


class _Counter(Metric):
    _key = "count"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._count = np.int64(0)

    def reset(self, value: int = 0) -> None:
        self._count = np.int64(check_count(value, "value", 0))

    def result(self) -> np.int64:
        return self._count

    def get_state(self) -> dict[str, np.ndarray]:
        return {self._key: np.asarray(self._count, np.int64)}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self.reset(int(np.asarray(state[self._key])))

    def observe_sequence(self, trajectories: Trajectory) -> None:
        self(trajectories)  # the counters sum over every axis

    def observe_columns(self, trajectories: Trajectory, first: int, batch_size: int) -> None:
        self(trajectories)  # no per-env state


class NumberOfEpisodes(_Counter):
    """Episodes completed (transitions into a LAST step), summed over the batch."""

    _key = "number_episodes"

    def __init__(self, name: str = "NumberOfEpisodes") -> None:
        super().__init__(name)

    def __call__(self, trajectory: Trajectory) -> None:
        self._count += np.int64(np.sum(np.asarray(trajectory.next_step_type) == StepType.LAST))


class EnvironmentSteps(_Counter):
    """Env steps taken, summed over the batch, excluding boundary steps (``LAST -> FIRST``) as TF-Agents does."""

    _key = "environment_steps"

    def __init__(self, name: str = "EnvironmentSteps") -> None:
        super().__init__(name)

    def __call__(self, trajectory: Trajectory) -> None:
        self._count += np.int64(np.sum(np.asarray(trajectory.step_type) != StepType.LAST))


class EvalResult(NamedTuple):
    """What :func:`evaluate` measured: mean return and length, and each episode's (float64 ``[num_episodes]``)."""

    average_return: float
    average_length: float
    returns: np.ndarray
    lengths: np.ndarray


class EpisodeTally(Observer):
    """Undiscounted returns and lengths of ``num_episodes`` episodes assigned to the envs of a batch.

    Env ``i`` of ``N`` runs episodes ``i, i + N, i + 2N, ...`` (an unbatched env is ``N = 1``); steps
    after an env's last assigned episode are ignored. ``until`` is the matching driver stop rule: it
    ends the run on the step where the last assigned episode completes.
    """

    def __init__(self, num_episodes: int, batch_size: int | None) -> None:
        self.num_episodes = check_count(num_episodes, "num_episodes")
        n = 1 if batch_size is None else batch_size
        self.returns = np.zeros(self.num_episodes, np.float64)
        self.lengths = np.zeros(self.num_episodes, np.float64)
        self._episode_of = np.arange(n, dtype=np.int64)  # the episode each env is running (>= num_episodes: done)
        self._running_return = np.zeros(n, np.float64)
        self._running_length = np.zeros(n, np.float64)
        self._needed = np.array([len(range(i, self.num_episodes, n)) for i in range(n)], np.int64)
        self._completed = np.zeros(n, np.int64)

    @property
    def done(self) -> bool:
        return bool(np.all(self._episode_of >= self.num_episodes))

    def until(self, time_step: TimeStep, next_time_step: TimeStep) -> bool:
        self._completed += np.atleast_1d(np.asarray(next_time_step.step_type)) == StepType.LAST
        return bool(np.all(self._completed >= self._needed))

    def __call__(self, trajectory: Trajectory) -> None:
        self.observe_sequence(nest.map_structure(lambda leaf: np.asarray(leaf)[None], trajectory))

    def observe_sequence(self, trajectories: Trajectory) -> None:
        step_type = np.asarray(trajectories.step_type)
        shape = (step_type.shape[0], -1)
        step_type = step_type.reshape(shape)
        next_step_type = np.asarray(trajectories.next_step_type).reshape(shape)
        reward = np.asarray(trajectories.reward, np.float64).reshape(shape)
        for t in range(step_type.shape[0]):
            running = (self._episode_of < self.num_episodes) & (step_type[t] != StepType.LAST)
            self._running_return += np.where(running, reward[t], 0.0)
            self._running_length += running
            finished = np.flatnonzero(running & (next_step_type[t] == StepType.LAST))
            self.returns[self._episode_of[finished]] = self._running_return[finished]
            self.lengths[self._episode_of[finished]] = self._running_length[finished]
            self._running_return[finished] = 0.0
            self._running_length[finished] = 0.0
            self._episode_of[finished] += len(self._episode_of)


def evaluate(env: Env, policy: Policy, num_episodes: int = 10, seed: int | None = None) -> EvalResult:
    """Run ``num_episodes`` episodes of ``policy`` and return their undiscounted returns and lengths.

    Resets ``env`` first (with ``seed``, if given, so that an evaluation can be repeated exactly).
    An unbatched env runs the episodes one after another, each after a ``reset()``, exactly as the
    tutorial does. A batched env of ``N`` envs runs them in parallel: episodes are assigned to envs
    up front -- env ``i`` runs episodes ``i, i + N, i + 2N, ...`` -- and each env's later episodes
    follow on by autoreset. Assigning episodes (rather than keeping the first ``num_episodes`` to
    finish) does not bias the mean toward short episodes. Returns are summed in float64; lengths
    count env steps (boundary steps excluded). Both are an :class:`EpisodeTally` fed by a driver.
    """
    from rlkit.drivers import BlockDriver, EpisodeDriver

    tally = EpisodeTally(num_episodes, env.batch_size)
    if env.batch_size is None:
        driver = EpisodeDriver(env, policy, [tally], num_episodes=1)
        for episode in range(tally.num_episodes):
            driver.run(env.reset(seed=seed if episode == 0 else None), policy.get_initial_state(None))
    else:
        BlockDriver(env, policy, [tally], num_steps=None, until=tally.until).run(
            env.reset(seed=seed), policy.get_initial_state(env.batch_size))
    return EvalResult(float(tally.returns.mean()), float(tally.lengths.mean()), tally.returns, tally.lengths)


def compute_avg_return(env: Env, policy: Policy, num_episodes: int = 10, seed: int | None = None) -> float:
    """Mean undiscounted return of ``num_episodes`` episodes of ``policy`` (the DQN tutorial's function);
    see :func:`evaluate`."""
    return evaluate(env, policy, num_episodes, seed).average_return
