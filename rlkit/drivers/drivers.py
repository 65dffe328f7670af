"""Drivers run a policy in an env and hand the trajectories to observers; :func:`collect_block` is the
one act -> step loop in rlkit, and every driver (and evaluation, and video recording) runs through it.

One step of the loop is::

    policy_step = policy.action(time_step, policy_state)
    next_time_step = env.step(policy_step.action)
    trajectory = from_transition(time_step, policy_step, next_time_step)

A driver gathers ``T`` such steps into one time-major block (fields ``[T, N, ...]`` from a batched
env of ``N`` envs, ``[T, ...]`` from an unbatched one) and hands it to each observer's
``observe_sequence``, in the order given; an observer that only takes single steps gets them one by
one, in time order (:class:`~rlkit.core.Observer`'s default). A replay buffer of ``batch_size=1``
takes an unbatched env's rows as a batch of one.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from rlkit import nest
from rlkit.validation import check_count
from rlkit.core import Driver, Env, Observer, Policy
from rlkit.types import StepType, TimeStep, Trajectory

__all__ = ["BlockDriver", "StepDriver", "EpisodeDriver", "collect_block", "Until"]

Until = Callable[[TimeStep, TimeStep], bool]
"""``until(time_step, next_time_step) -> bool``: stop the loop after this step when it returns True."""

_UNBOUNDED_BLOCK = 1024  # block length when neither a step budget nor a block size bounds it


def collect_block(
    env: Env, policy: Policy, time_step: TimeStep, policy_state: Any, num_steps: int, until: Until | None = None
) -> tuple[Trajectory, TimeStep, Any]:
    """Take up to ``num_steps`` steps of ``env`` from ``time_step``, boundary steps included.

    Returns ``(trajectories, time_step, policy_state)``: ``trajectories`` has fields
    ``[T, N, ...]`` (``[T, ...]`` unbatched), the ``T`` trajectories a per-step driver would have
    produced, stacked in time order; ``time_step`` and ``policy_state`` are where the next block
    continues. ``T = num_steps`` unless ``until`` stopped the loop earlier.
    """
    num_steps = check_count(num_steps, "num_steps", minimum=1)
    act, step = policy.action, env.step
    time_steps, actions, infos = [time_step], [], []
    for _ in range(num_steps):
        policy_step = act(time_step, policy_state)
        next_time_step = step(policy_step.action)
        policy_state = policy_step.state
        actions.append(policy_step.action)
        infos.append(policy_step.info)
        time_steps.append(next_time_step)
        stop = until is not None and until(time_step, next_time_step)
        time_step = next_time_step
        if stop:
            break
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


class BlockDriver(Driver):
    """Takes ``num_steps`` steps of ``env`` per ``run`` (batched steps, boundary steps included) and
    hands observers blocks of at most ``block_size`` steps (default: the whole run as one block).

    ``until(time_step, next_time_step)`` ends a run early (after the step where it returns True);
    with ``num_steps=None`` a run lasts until then. ``block_size=1`` makes observers see each step
    right after it is taken (e.g. to render it).

        driver = BlockDriver(env, agent.collect_policy, observers=[buffer, AverageReturnMetric()], num_steps=100)
        time_step, policy_state = driver.run()                          # resets env if needed
        time_step, policy_state = driver.run(time_step, policy_state)   # the next 100 steps
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Observer | Callable] = (),
                 num_steps: int | None = 1, block_size: int | None = None, until: Until | None = None) -> None:
        super().__init__(env, policy, observers)
        if num_steps is None and until is None:
            raise ValueError("BlockDriver needs num_steps or until (or both) to know when a run ends")
        self._num_steps = None if num_steps is None else check_count(num_steps, "num_steps")
        self._block_size = None if block_size is None else check_count(block_size, "block_size")
        self._until = until

    @property
    def num_steps(self) -> int | None:
        return self._num_steps

    def _run(self, time_step: TimeStep, policy_state: Any) -> tuple[TimeStep, Any]:
        until = self._make_until()
        stopped = [False]

        def until_and_note(before: TimeStep, after: TimeStep) -> bool:
            stopped[0] = until(before, after)
            return stopped[0]

        remaining = self._num_steps
        while remaining is None or remaining > 0:
            cap = self._block_size or (_UNBOUNDED_BLOCK if remaining is None else remaining)
            length = cap if remaining is None else min(cap, remaining)
            block, time_step, policy_state = collect_block(
                self._env, self._policy, time_step, policy_state, length, None if until is None else until_and_note)
            for observer in self._observers:
                observer.observe_sequence(block)
            if remaining is not None:
                remaining -= len(block.step_type)
            if stopped[0]:
                break
        return time_step, policy_state

    def _make_until(self) -> Until | None:
        """The stop rule of one run (counting drivers make a fresh counter per run)."""
        return self._until


class StepDriver(BlockDriver):
    """Takes at least ``num_steps`` env steps per ``run`` (TF-Agents' ``DynamicStepDriver``).

    ``num_steps`` counts env transitions summed over the batch, excluding episode-boundary
    transitions (``LAST -> FIRST``, where the env restarts and ignores the action), as TF-Agents
    does. So a batched env of ``N`` envs takes ``ceil(num_steps / N)`` batched steps when no env
    crosses a boundary, and one more batched step for each round in which boundaries left the
    count short: the count may exceed ``num_steps`` (by less than ``N``), never fall short of it.
    Every batched step, boundary or not, reaches the observers. As in TF-Agents, every observer
    sees step ``t`` before any sees ``t + 1`` (``block_size=1``); a larger ``block_size`` hands
    observers blocks instead, which is faster for block-aware observers (buffers, metrics).
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Observer | Callable] = (), num_steps: int = 1,
                 block_size: int | None = 1) -> None:
        self._target = check_count(num_steps, "num_steps")
        super().__init__(env, policy, observers, num_steps=None, block_size=block_size, until=self._make_until())

    @property
    def num_steps(self) -> int:
        return self._target

    def _make_until(self) -> Until:
        counted = [0]

        def enough(time_step: TimeStep, next_time_step: TimeStep) -> bool:
            counted[0] += int(np.sum(np.asarray(time_step.step_type) != StepType.LAST))
            return counted[0] >= self._target

        return enough


class EpisodeDriver(BlockDriver):
    """Runs until ``num_episodes`` episodes have completed, summed over the batch.

    An episode completes on the transition into its LAST step, as in TF-Agents'
    ``PyDriver(max_episodes=...)``; ``run`` returns right there with that LAST time step, and the
    next ``run`` starts with the boundary transition in which the env restarts. With a batched env,
    several envs can complete on the same step, so the count may exceed ``num_episodes``.
    ``max_steps`` (batched steps per run) guards against episodes that never end. Observers see
    each step as :class:`StepDriver`'s do (``block_size=1`` by default).
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Observer | Callable] = (), num_episodes: int = 1,
                 block_size: int | None = 1, max_steps: int | None = None) -> None:
        self._num_episodes = check_count(num_episodes, "num_episodes")
        super().__init__(env, policy, observers, num_steps=max_steps, block_size=block_size, until=self._make_until())

    @property
    def num_episodes(self) -> int:
        return self._num_episodes

    def _make_until(self) -> Until:
        completed = [0]

        def enough(time_step: TimeStep, next_time_step: TimeStep) -> bool:
            completed[0] += int(np.sum(np.asarray(next_time_step.step_type) == StepType.LAST))
            return completed[0] >= self._num_episodes

        return enough
