"""The TF-Agents DQN tutorial's collection helpers, for scripts that follow the tutorial line by line::

    collect_data(train_env, random_policy, replay_buffer, initial_collect_steps)
    for _ in range(num_iterations):
        collect_data(train_env, agent.collect_policy, replay_buffer, collect_steps_per_iteration)
        ...

Unlike :class:`~rlkit.drivers.StepDriver`, every call of :func:`collect_step` is one env step,
boundary steps included (the tutorial's ``collect_step``). Both are a
:class:`~rlkit.drivers.BlockDriver` run; the observer (a replay buffer, a metric, any callable)
receives the trajectories shaped as the env gives them.
"""
from __future__ import annotations

from typing import Any, Callable

from rlkit.core import Env, Observer, Policy
from rlkit.validation import check_count
from rlkit.drivers.drivers import BlockDriver, collect_block  # collect_block: the act -> step loop
from rlkit.types import Trajectory

__all__ = ["collect_step", "collect_data", "collect_block"]


def _start(env: Env) -> Any:
    time_step = env.current_time_step()
    return env.reset() if time_step is None else time_step


def collect_step(env: Env, policy: Policy, observer: Observer | Callable[[Trajectory], Any]) -> Trajectory:
    """Take one env step from ``env.current_time_step()`` (resetting first if there is none).

    Stateless policies only, as in the tutorial (the policy state is the initial one each call).
    Returns the trajectory handed to ``observer``.
    """
    seen: list[Trajectory] = []
    BlockDriver(env, policy, [observer, seen.append], num_steps=1).run(_start(env))
    return seen[0]


def collect_data(env: Env, policy: Policy, observer: Observer | Callable[[Trajectory], Any], steps: int) -> None:
    """Take ``steps`` env steps (as ``steps`` :func:`collect_step` calls), handing them to ``observer``
    as one block."""
    steps = check_count(steps, "steps", minimum=0)
    if steps:
        BlockDriver(env, policy, [observer], num_steps=steps).run(_start(env))

