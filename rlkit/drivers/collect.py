"""The TF-Agents DQN tutorial's collection helpers, for scripts that follow the tutorial line by line::

    collect_data(train_env, random_policy, batched(replay_buffer), initial_collect_steps)
    for _ in range(num_iterations):
        collect_data(train_env, agent.collect_policy, batched(replay_buffer), collect_steps_per_iteration)
        ...

Unlike :class:`~rlkit.drivers.StepDriver`, every call of :func:`collect_step` is one env step,
boundary steps included (the tutorial's ``collect_step``). The observer receives the trajectory as
the env shapes it (see :mod:`rlkit.drivers.observers`).
"""
from __future__ import annotations

from typing import Any, Callable

from rlkit.core import Env, Policy
from rlkit.drivers.drivers import _check_observers_fit, _count, drive_one_step
from rlkit.types import Trajectory

__all__ = ["collect_step", "collect_data"]


def collect_step(env: Env, policy: Policy, observer: Callable[[Trajectory], Any]) -> Trajectory:
    """Take one env step from ``env.current_time_step()`` (resetting first if there is none).

    Stateless policies only, as in the tutorial (the policy state is the initial one each call).
    Returns the trajectory handed to ``observer``.
    """
    _check_observers_fit(env, [observer])
    time_step = env.current_time_step()
    if time_step is None:
        time_step = env.reset()
    policy_state = policy.get_initial_state(env.batch_size)
    trajectory, _, _ = drive_one_step(env, policy, time_step, policy_state, [observer])
    return trajectory


def collect_data(env: Env, policy: Policy, observer: Callable[[Trajectory], Any], steps: int) -> None:
    """Call :func:`collect_step` ``steps`` times."""
    steps = _count(steps, "steps", minimum=0)
    for _ in range(steps):
        collect_step(env, policy, observer)
