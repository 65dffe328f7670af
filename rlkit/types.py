"""The values that flow between rlkit's parts (TF-Agents / dm_env semantics, NumPy arrays).

Shapes: an unbatched env produces scalars and ``observation_spec.shape`` arrays; a batched env of
``N`` envs prepends ``[N]`` to every field. A replay sample prepends ``[B, T]`` (batch, time).
"""
from __future__ import annotations

import enum
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "StepType",
    "TimeStep",
    "PolicyStep",
    "Trajectory",
    "LossInfo",
    "TDLossInfo",
    "TrainBlockInfo",
    "BufferInfo",
    "restart",
    "transition",
    "termination",
    "truncation",
    "from_transition",
    "make_time_step",
]


class StepType(enum.IntEnum):
    """Where a time step sits in its episode."""

    FIRST = 0  # the first step of an episode: reward and discount are meaningless (0 and 1)
    MID = 1  # any step that is neither first nor last
    LAST = 2  # the final step: discount 0 on termination, 1 on truncation (time limit)

    def first(self) -> bool:
        return self is StepType.FIRST

    def mid(self) -> bool:
        return self is StepType.MID

    def last(self) -> bool:
        return self is StepType.LAST


STEP_TYPE_DTYPE = np.int32
REWARD_DTYPE = np.float32
DISCOUNT_DTYPE = np.float32


class TimeStep(NamedTuple):
    """What an env returns from ``reset`` and ``step``.

    Attributes:
      step_type: ``StepType`` value, int32 scalar or ``[N]``.
      reward: float32 scalar or ``[N]``: the reward for the transition into this step.
      discount: float32 scalar or ``[N]`` in [0, 1]: 0 when the episode terminated here.
      observation: array (or nest) of ``observation_spec`` shape, with ``[N]`` prepended when batched.
    """

    step_type: Any
    reward: Any
    discount: Any
    observation: Any

    def is_first(self) -> Any:
        return np.equal(self.step_type, StepType.FIRST)

    def is_mid(self) -> Any:
        return np.equal(self.step_type, StepType.MID)

    def is_last(self) -> Any:
        return np.equal(self.step_type, StepType.LAST)


class PolicyStep(NamedTuple):
    """What ``Policy.action`` returns: the action, the next policy state and extra info (a nest)."""

    action: Any
    state: Any = ()
    info: Any = ()


class Trajectory(NamedTuple):
    """One transition as stored by replay buffers (TF-Agents layout; each frame stored once).

    ``step_type``, ``observation``, ``action`` and ``policy_info`` describe step ``t``;
    ``next_step_type``, ``reward`` and ``discount`` come from step ``t + 1``.
    """

    step_type: Any
    observation: Any
    action: Any
    policy_info: Any
    next_step_type: Any
    reward: Any
    discount: Any

    def is_boundary(self) -> Any:
        """True where ``t`` is LAST: the pair (t, t+1) crosses an episode boundary."""
        return np.equal(self.step_type, StepType.LAST)

    def is_last(self) -> Any:
        return np.equal(self.next_step_type, StepType.LAST)


class LossInfo(NamedTuple):
    """What ``Agent.train`` returns: the scalar loss and a nest of extra diagnostics."""

    loss: Any
    extra: Any = ()


class TDLossInfo(NamedTuple):
    """``LossInfo.extra`` of an agent's ``train`` when it computes TD errors (TF-Agents' ``DqnLossInfo``).

    Attributes:
      td_loss: float32 ``[B]``: each sample's weighted element-wise loss.
      td_error: float32 ``[B]``: ``td_target - Q(s, a)`` (masked); prioritized replay uses ``|td_error|``.
    """

    td_loss: Any
    td_error: Any


class TrainBlockInfo(NamedTuple):
    """``LossInfo.extra`` of ``Agent.train_block`` over ``K`` batches.

    Attributes:
      losses: float32 ``[K]``: the loss of each training step.
      td_error: float32 ``[K, B]``, or ``None`` when the agent reports no TD errors.
    """

    losses: Any
    td_error: Any = None


class BufferInfo(NamedTuple):
    """What ``ReplayBuffer.sample`` returns beside the data.

    Attributes:
      ids: int64 ``[B]``: the buffer id of each window's first row (for ``update_priorities``).
      probabilities: float32 ``[B]``: the probability with which each window was drawn.
      weights: float32 ``[B]``: importance-sampling weights (all ones for uniform sampling).
    """

    ids: Any
    probabilities: Any
    weights: Any


def _outer(batch_size: int | None, value: float, dtype: Any) -> Any:
    if batch_size is None:
        return np.asarray(value, dtype=dtype)
    return np.full((batch_size,), value, dtype=dtype)


def _batch_size_of(reward: Any) -> int | None:
    reward = np.asarray(reward)
    return None if reward.ndim == 0 else int(reward.shape[0])


def restart(observation: Any, batch_size: int | None = None) -> TimeStep:
    """A FIRST step: reward 0, discount 1."""
    return TimeStep(
        _outer(batch_size, StepType.FIRST, STEP_TYPE_DTYPE),
        _outer(batch_size, 0.0, REWARD_DTYPE),
        _outer(batch_size, 1.0, DISCOUNT_DTYPE),
        observation,
    )


def transition(observation: Any, reward: Any, discount: Any = 1.0) -> TimeStep:
    """A MID step."""
    reward = np.asarray(reward, dtype=REWARD_DTYPE)
    batch_size = _batch_size_of(reward)
    discount = np.broadcast_to(np.asarray(discount, DISCOUNT_DTYPE), reward.shape).copy()
    return TimeStep(_outer(batch_size, StepType.MID, STEP_TYPE_DTYPE), reward, discount, observation)


def termination(observation: Any, reward: Any) -> TimeStep:
    """A LAST step ended by the task: discount 0, so no bootstrapping past it."""
    reward = np.asarray(reward, dtype=REWARD_DTYPE)
    batch_size = _batch_size_of(reward)
    return TimeStep(
        _outer(batch_size, StepType.LAST, STEP_TYPE_DTYPE),
        reward,
        _outer(batch_size, 0.0, DISCOUNT_DTYPE),
        observation,
    )


def truncation(observation: Any, reward: Any, discount: Any = 1.0) -> TimeStep:
    """A LAST step ended by a time limit: discount stays 1, so value targets still bootstrap."""
    reward = np.asarray(reward, dtype=REWARD_DTYPE)
    batch_size = _batch_size_of(reward)
    discount = np.broadcast_to(np.asarray(discount, DISCOUNT_DTYPE), reward.shape).copy()
    return TimeStep(_outer(batch_size, StepType.LAST, STEP_TYPE_DTYPE), reward, discount, observation)


def from_transition(time_step: TimeStep, action_step: PolicyStep, next_time_step: TimeStep) -> Trajectory:
    """The ``Trajectory`` for ``time_step --action--> next_time_step`` (TF-Agents' ``trajectory.from_transition``)."""
    return Trajectory(
        step_type=time_step.step_type,
        observation=time_step.observation,
        action=action_step.action,
        policy_info=action_step.info,
        next_step_type=next_time_step.step_type,
        reward=next_time_step.reward,
        discount=next_time_step.discount,
    )


def make_time_step(step_type: Any, reward: Any, discount: Any, observation: Any,
                   batch_size: int | None = None) -> TimeStep:
    """A ``TimeStep`` of fresh arrays with the contract's dtypes, from a kernel's outputs.

    ``batch_size=None`` (an unbatched env): ``step_type``, ``reward`` and ``discount`` become 0-d
    arrays (never NumPy scalars) and a leading axis of 1 is dropped everywhere, so ``[1]``-shaped
    kernel outputs can be passed as they are. Batched: every field must have ``[batch_size]`` first.
    Every array (observation leaves included) is copied, so the env may reuse its buffers::

        return make_time_step(self._step_type, self._reward, self._discount, self._obs, self.batch_size)
    """
    outer = () if batch_size is None else (int(batch_size),)

    def field(name: str, value: Any, dtype: Any) -> np.ndarray:
        array = np.array(value, dtype=dtype)  # a copy
        if batch_size is None and array.shape == (1,):
            array = array.reshape(())
        if array.shape != outer:
            raise ValueError(f"make_time_step: {name} must have shape {outer} for batch_size={batch_size}, "
                             f"got {array.shape}")
        return array

    def leaf(value: Any) -> np.ndarray:
        array = np.array(value)  # a copy, dtype kept
        if batch_size is None and array.ndim and array.shape[0] == 1 and np.ndim(step_type) == 1:
            return array[0].copy()
        if batch_size is not None and array.shape[:1] != outer:
            raise ValueError(f"make_time_step: observation leaves must start with [{batch_size}], got {array.shape}")
        return array

    if isinstance(observation, dict):
        obs: Any = {key: leaf(value) for key, value in observation.items()}
    elif isinstance(observation, (tuple, list)):
        obs = type(observation)(leaf(value) for value in observation)
    else:
        obs = leaf(observation)
    return TimeStep(field("step_type", step_type, STEP_TYPE_DTYPE), field("reward", reward, REWARD_DTYPE),
                    field("discount", discount, DISCOUNT_DTYPE), obs)
