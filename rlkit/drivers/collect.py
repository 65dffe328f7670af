"""The TF-Agents DQN tutorial's collection helpers, for scripts that follow the tutorial line by line::

    collect_data(train_env, random_policy, batched(replay_buffer), initial_collect_steps)
    for _ in range(num_iterations):
        collect_data(train_env, agent.collect_policy, batched(replay_buffer), collect_steps_per_iteration)
        ...

Unlike :class:`~rlkit.drivers.StepDriver`, every call of :func:`collect_step` is one env step,
boundary steps included (the tutorial's ``collect_step``). The observer receives the trajectory as
the env shapes it (see :mod:`rlkit.drivers.observers`).

:func:`collect_block` is the trainer's form: ``T`` steps of a batched env gathered into one
time-major ``Trajectory`` ``[T, N, ...]`` for ``ReplayBuffer.add_sequence`` and
``Metric.observe_sequence`` (one call each instead of ``T``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rlkit import nest
from rlkit.core import Env, Policy
from rlkit.drivers.drivers import _check_observers_fit, _count, drive_one_step
from rlkit.types import TimeStep, Trajectory

__all__ = ["collect_step", "collect_data", "collect_block"]


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


def collect_block(
    env: Env, policy: Policy, time_step: TimeStep, policy_state: Any, num_steps: int
) -> tuple[Trajectory, TimeStep, Any]:
    """Take ``num_steps`` steps of a batched ``env`` from ``time_step``, boundary steps included.

    Returns ``(trajectories, time_step, policy_state)``: ``trajectories`` has fields
    ``[num_steps, N, ...]`` (the ``num_steps`` trajectories a driver would have handed its observers,
    stacked in time order); ``time_step`` and ``policy_state`` are where the next block continues.
    """
    if env.batch_size is None:
        raise TypeError(f"collect_block needs a batched env (batch_size N), {type(env).__name__} is unbatched")
    num_steps = _count(num_steps, "num_steps", minimum=1)
    act, step = policy.action, env.step
    time_steps, actions, infos = [time_step], [], []
    for _ in range(num_steps):
        policy_step = act(time_step, policy_state)
        time_step = step(policy_step.action)
        policy_state = policy_step.state
        actions.append(policy_step.action)
        infos.append(policy_step.info)
        time_steps.append(time_step)
    step_type = np.stack([ts.step_type for ts in time_steps])
    trajectories = Trajectory(
        step_type=step_type[:-1],
        observation=nest.stack([ts.observation for ts in time_steps[:-1]]),
        action=nest.stack(actions),
        policy_info=nest.stack(infos),
        next_step_type=step_type[1:],
        reward=nest.stack([ts.reward for ts in time_steps[1:]]),
        discount=np.stack([ts.discount for ts in time_steps[1:]]),
    )
    return trajectories, time_step, policy_state
