"""Step and episode drivers: run a policy in an env and hand each ``Trajectory`` to the observers.

One driver step is::

    policy_step = policy.action(time_step, policy_state)
    next_time_step = env.step(policy_step.action)
    trajectory = from_transition(time_step, policy_step, next_time_step)
    for observer in observers: observer(trajectory)      # in the order given

Observers receive trajectories shaped like the env's time steps: fields ``[N, ...]`` from a batched
env of ``N`` envs, unbatched fields from an unbatched env (TF-Agents' ``PyDriver``). A replay buffer
needs rows ``[batch_size, ...]``: with an unbatched env pass ``batched(buffer)`` (see
:mod:`rlkit.drivers.observers`); the driver refuses a bare buffer there with a ``TypeError`` that
says so. Metrics accept both shapes.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

import numpy as np

from rlkit.core import Driver, Env, Policy
from rlkit.drivers.observers import stores_batched_rows
from rlkit.types import PolicyStep, TimeStep, Trajectory, from_transition

__all__ = ["StepDriver", "EpisodeDriver", "drive_one_step"]

Observer = Callable[[Trajectory], Any]


def drive_one_step(
    env: Env, policy: Policy, time_step: TimeStep, policy_state: Any, observers: Sequence[Observer]
) -> tuple[Trajectory, TimeStep, Any]:
    """Act, step the env and notify ``observers``; returns ``(trajectory, next_time_step, next_policy_state)``."""
    policy_step: PolicyStep = policy.action(time_step, policy_state)
    next_time_step = env.step(policy_step.action)
    trajectory = from_transition(time_step, policy_step, next_time_step)
    for observer in observers:
        observer(trajectory)
    return trajectory, next_time_step, policy_step.state


def _count(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum``, or a ``TypeError`` / ``ValueError`` naming ``name``."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {number}")
    return number


def _check_observers_fit(env: Env, observers: Sequence[Observer]) -> None:
    if env.batch_size is not None:
        return
    for observer in observers:
        if stores_batched_rows(observer):
            raise TypeError(
                f"observer {observer!r} stores rows [batch_size, ...] but {type(env).__name__} is unbatched "
                "(batch_size None): pass rlkit.drivers.batched(buffer) to add the batch dim"
            )


class StepDriver(Driver):
    """Takes at least ``num_steps`` env steps per ``run`` (TF-Agents' ``DynamicStepDriver``).

    ``num_steps`` counts env transitions summed over the batch, excluding episode-boundary
    transitions (``LAST -> FIRST``, where the env restarts and ignores the action), as TF-Agents
    does. So a batched env of ``N`` envs takes ``ceil(num_steps / N)`` batched steps when no env
    crosses a boundary, and one more batched step for each round in which boundaries left the
    count short: the count may exceed ``num_steps`` (by less than ``N``), never fall short of it.
    Every batched step, boundary or not, reaches the observers.
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Observer] = (), num_steps: int = 1) -> None:
        super().__init__(env, policy, observers)
        _check_observers_fit(env, self._observers)
        self._num_steps = _count(num_steps, "num_steps")

    @property
    def num_steps(self) -> int:
        return self._num_steps

    def _run(self, time_step: TimeStep, policy_state: Any) -> tuple[TimeStep, Any]:
        counted = 0
        while counted < self._num_steps:
            trajectory, time_step, policy_state = drive_one_step(
                self._env, self._policy, time_step, policy_state, self._observers
            )
            counted += int(np.sum(~trajectory.is_boundary()))
        return time_step, policy_state


class EpisodeDriver(Driver):
    """Runs until ``num_episodes`` episodes have completed, summed over the batch.

    An episode completes on the transition into its LAST step (``trajectory.is_last()``), as in
    TF-Agents' ``PyDriver(max_episodes=...)``; ``run`` returns right there with that LAST time step,
    and the next ``run`` starts with the boundary transition in which the env restarts.
    (TF-Agents' ``DynamicEpisodeDriver`` takes that boundary step too before returning.) With a
    batched env, several envs can complete on the same step, so the count may exceed ``num_episodes``.
    """

    def __init__(
        self, env: Env, policy: Policy, observers: Sequence[Observer] = (), num_episodes: int = 1
    ) -> None:
        super().__init__(env, policy, observers)
        _check_observers_fit(env, self._observers)
        self._num_episodes = _count(num_episodes, "num_episodes")

    @property
    def num_episodes(self) -> int:
        return self._num_episodes

    def _run(self, time_step: TimeStep, policy_state: Any) -> tuple[TimeStep, Any]:
        completed = 0
        while completed < self._num_episodes:
            trajectory, time_step, policy_state = drive_one_step(
                self._env, self._policy, time_step, policy_state, self._observers
            )
            completed += int(np.sum(trajectory.is_last()))
        return time_step, policy_state
