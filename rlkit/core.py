"""rlkit's interfaces: read this file first.

Data flows ``Env -> Driver -> observers (ReplayBuffer, metrics) -> ReplayBuffer.sample -> Agent.train``::

    env = rlkit.envs.load("CartPole-v0")
    agent = rlkit.agents.DqnAgent(env.time_step_spec(), env.action_spec(), q_network, optimizer)
    buffer = rlkit.replay.UniformReplayBuffer(agent.collect_data_spec, batch_size=1, max_length=100_000)
    driver = rlkit.drivers.StepDriver(env, agent.collect_policy, observers=[buffer], num_steps=1)

    time_step, policy_state = env.reset(), ()
    for _ in range(num_iterations):
        time_step, policy_state = driver.run(time_step, policy_state)   # act and store
        experience, _ = buffer.sample(sample_batch_size=64, num_steps=2)  # [B, 2, ...] windows
        loss_info = agent.train(experience)                              # one gradient step

Every value is a NumPy array (or a dict/tuple nest of them); there is one implementation of each
concept, whichever backend computes it. Public methods validate, then call a protected hook
(``step`` -> ``_step``), so implementations only write the hooks.
"""
from __future__ import annotations

import abc
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from rlkit import nest
from rlkit.specs import ArraySpec, BoundedArraySpec, validate_nest, zeros_nest
from rlkit.types import (
    DISCOUNT_DTYPE,
    REWARD_DTYPE,
    STEP_TYPE_DTYPE,
    BufferInfo,
    LossInfo,
    PolicyStep,
    TimeStep,
    Trajectory,
)

__all__ = [
    "Env",
    "Policy",
    "ReplayBuffer",
    "Agent",
    "Driver",
    "Observer",
    "time_step_spec",
    "trajectory_spec",
]


def time_step_spec(observation_spec: Any, reward_spec: ArraySpec | None = None) -> TimeStep:
    """The ``TimeStep`` of specs for an env with ``observation_spec`` (TF-Agents' ``ts.time_step_spec``)."""
    return TimeStep(
        step_type=ArraySpec((), STEP_TYPE_DTYPE, name="step_type"),
        reward=reward_spec if reward_spec is not None else ArraySpec((), REWARD_DTYPE, name="reward"),
        discount=BoundedArraySpec((), DISCOUNT_DTYPE, 0.0, 1.0, name="discount"),
        observation=observation_spec,
    )


def trajectory_spec(step_spec: TimeStep, action_spec: Any, info_spec: Any = ()) -> Trajectory:
    """The ``Trajectory`` of specs a replay buffer stores (an agent's ``collect_data_spec``)."""
    return Trajectory(
        step_type=step_spec.step_type,
        observation=step_spec.observation,
        action=action_spec,
        policy_info=info_spec,
        next_step_type=step_spec.step_type,
        reward=step_spec.reward,
        discount=step_spec.discount,
    )


# ----------------------------------------------------------------------------------------------
# Env
# ----------------------------------------------------------------------------------------------


class Env(abc.ABC):
    """A (possibly batched) environment that speaks ``TimeStep`` (TF-Agents ``PyEnvironment``).

    The loop::

        time_step = env.reset(seed=0)          # FIRST
        while True:
            time_step = env.step(action)       # MID ... LAST
            if time_step.is_last():            # terminated (discount 0) or truncated (discount 1)
                ...                            # the next step() restarts: it returns FIRST and ignores the action

    Batched envs (``batch_size`` = N) take actions ``[N, ...]`` and return every field with ``[N]``
    prepended; each env in the batch auto-resets independently on the step after its LAST
    (gymnasium's "next-step" autoreset). Unbatched envs have ``batch_size is None``.

    Implementations write ``observation_spec``, ``action_spec``, ``_reset`` and ``_step``.
    """

    _current_time_step: TimeStep | None = None

    # -- specs -------------------------------------------------------------------------------
    @abc.abstractmethod
    def observation_spec(self) -> Any:
        """The spec (or nest of specs) of one observation, without batch dims."""

    @abc.abstractmethod
    def action_spec(self) -> Any:
        """The spec (or nest of specs) of one action, without batch dims."""

    def reward_spec(self) -> ArraySpec:
        return ArraySpec((), REWARD_DTYPE, name="reward")

    def time_step_spec(self) -> TimeStep:
        return time_step_spec(self.observation_spec(), self.reward_spec())

    @property
    def batch_size(self) -> int | None:
        """Number of envs stepped together, or ``None`` for an unbatched env."""
        return None

    @property
    def batched(self) -> bool:
        return self.batch_size is not None

    @property
    def outer_shape(self) -> tuple[int, ...]:
        """Leading dims of every array this env exchanges: ``()`` or ``(batch_size,)``."""
        return () if self.batch_size is None else (self.batch_size,)

    # -- the loop ----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> TimeStep:
        """Start new episodes in every env of the batch; with ``seed``, reseed first.

        Returns a FIRST ``TimeStep``.
        """
        self._current_time_step = self._reset(seed)
        return self._current_time_step

    def step(self, action: Any) -> TimeStep:
        """Apply ``action`` (validated against ``action_spec``; ``ValueError`` naming the spec if not)."""
        if self._current_time_step is None:
            raise RuntimeError(f"{type(self).__name__}.step() called before reset(): call env.reset() first")
        action = self.validate_action(action)
        self._current_time_step = self._step(action)
        return self._current_time_step

    def validate_action(self, action: Any) -> Any:
        """``action`` as arrays of the spec's dtypes, or a ``ValueError`` that names the action spec."""
        try:
            return validate_nest(self.action_spec(), action, self.outer_shape)
        except ValueError as err:
            raise ValueError(f"invalid action for {type(self).__name__}: {err}") from None

    def current_time_step(self) -> TimeStep | None:
        """The last ``TimeStep`` returned, or ``None`` before the first ``reset``."""
        return self._current_time_step

    @abc.abstractmethod
    def _reset(self, seed: int | None) -> TimeStep:
        """Hook for ``reset``."""

    @abc.abstractmethod
    def _step(self, action: Any) -> TimeStep:
        """Hook for ``step``; ``action`` is already validated."""

    # -- checkpoints -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, np.ndarray] | None:
        """Everything needed to continue bit for bit (episode states, clocks, RNG streams, the
        current time step) as a flat dict of NumPy arrays, or ``None`` if this env cannot save
        itself (the default). Trainers store it in checkpoints; see :meth:`restore`."""
        return None

    def restore(self, snapshot: Mapping[str, np.ndarray]) -> None:
        """Continue from a :meth:`snapshot` of an env built with the same arguments."""
        raise NotImplementedError(f"{type(self).__name__} cannot restore snapshots (its snapshot() returns None)")

    # -- the rest ----------------------------------------------------------------------------
    def render(self, env_index: int = 0) -> np.ndarray:
        """An RGB ``uint8`` frame ``[H, W, 3]`` of env ``env_index`` of the batch."""
        raise NotImplementedError(f"{type(self).__name__} does not render")

    def close(self) -> None:
        """Release resources; the env is unusable afterwards."""

    def __enter__(self) -> "Env":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ----------------------------------------------------------------------------------------------
# Policy
# ----------------------------------------------------------------------------------------------


class Policy(abc.ABC):
    """Maps time steps to actions (TF-Agents ``PyPolicy``), batched or not.

    The loop::

        policy_state = policy.get_initial_state(env.batch_size)
        policy_step = policy.action(time_step, policy_state)   # PolicyStep(action, state, info)
        time_step = env.step(policy_step.action)
        policy_state = policy_step.state

    Implementations write ``_action``; the batch size is that of ``time_step.step_type``.
    """

    def __init__(
        self,
        time_step_spec: TimeStep,
        action_spec: Any,
        policy_state_spec: Any = (),
        info_spec: Any = (),
    ) -> None:
        self._time_step_spec = time_step_spec
        self._action_spec = action_spec
        self._policy_state_spec = policy_state_spec
        self._info_spec = info_spec

    @property
    def time_step_spec(self) -> TimeStep:
        return self._time_step_spec

    @property
    def action_spec(self) -> Any:
        return self._action_spec

    @property
    def policy_state_spec(self) -> Any:
        return self._policy_state_spec

    @property
    def info_spec(self) -> Any:
        return self._info_spec

    @property
    def policy_step_spec(self) -> PolicyStep:
        return PolicyStep(self._action_spec, self._policy_state_spec, self._info_spec)

    def get_initial_state(self, batch_size: int | None = None) -> Any:
        """Zeros of ``policy_state_spec`` (``()`` for stateless policies)."""
        outer = () if batch_size is None else (batch_size,)
        return zeros_nest(self._policy_state_spec, outer)

    def action(self, time_step: TimeStep, policy_state: Any = ()) -> PolicyStep:
        """The ``PolicyStep`` for ``time_step``."""
        return self._action(time_step, policy_state)

    @abc.abstractmethod
    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        """Hook for ``action``."""


# ----------------------------------------------------------------------------------------------
# ReplayBuffer
# ----------------------------------------------------------------------------------------------


class ReplayBuffer(abc.ABC):
    """Stores ``Trajectory`` rows from ``batch_size`` parallel envs and samples windows of them.

    The loop::

        buffer = UniformReplayBuffer(agent.collect_data_spec, batch_size=env.batch_size or 1, max_length=100_000)
        driver = StepDriver(env, policy, observers=[buffer])           # a buffer is an observer
        experience, info = buffer.sample(sample_batch_size=64, num_steps=2)  # fields [64, 2, ...]
        loss_info = agent.train(experience)

    A window never covers unwritten slots or the write head and never starts on a LAST step.
    Implementations write ``_add_batch``, ``_sample``, ``num_frames``, ``clear``, ``gather_all``.
    """

    def __init__(self, data_spec: Trajectory, capacity: int) -> None:
        self._data_spec = data_spec
        self._capacity = int(capacity)

    @property
    def data_spec(self) -> Trajectory:
        return self._data_spec

    @property
    def capacity(self) -> int:
        """Total number of rows the buffer holds across all its parallel envs."""
        return self._capacity

    def add_batch(self, items: Trajectory) -> None:
        """Append one row per env: every field ``[batch_size, ...]`` (``ValueError`` on a mismatch)."""
        self._add_batch(items)

    def add_sequence(self, items: Trajectory) -> None:
        """Append ``T`` rows per env: every field ``[T, batch_size, ...]`` (time-major); the same as
        ``T`` :meth:`add_batch` calls, which is what this default does (buffers may do it in one go)."""
        for t in range(len(nest.flatten(items.step_type)[0])):
            self.add_batch(nest.index(items, t))

    def __call__(self, trajectory: Trajectory) -> None:
        """Observer form of :meth:`add_batch`."""
        self.add_batch(trajectory)

    def sample(
        self, sample_batch_size: int, num_steps: int = 2, rng: np.random.Generator | None = None
    ) -> tuple[Trajectory, BufferInfo]:
        """``sample_batch_size`` windows of ``num_steps`` consecutive rows: fields ``[B, num_steps, ...]``."""
        return self._sample(sample_batch_size, num_steps, rng)

    def sample_block(self, num_blocks: int, sample_batch_size: int, num_steps: int = 2,
                     rng: np.random.Generator | None = None) -> tuple[Trajectory, BufferInfo]:
        """``num_blocks`` independent batches: fields ``[K, B, num_steps, ...]``, info fields ``[K, B]``.

        This default stacks ``K`` :meth:`sample` calls; buffers may draw them in one go.
        """
        draws = [self.sample(sample_batch_size, num_steps, rng) for _ in range(int(num_blocks))]
        return nest.stack([experience for experience, _ in draws]), nest.stack([info for _, info in draws])

    def as_dataset(self, sample_batch_size: int, num_steps: int = 2) -> Iterator[tuple[Trajectory, BufferInfo]]:
        """An endless iterator of ``sample(...)`` results (TF-Agents' ``as_dataset`` feel, NumPy batches)."""
        while True:
            yield self.sample(sample_batch_size, num_steps)

    @abc.abstractmethod
    def _add_batch(self, items: Trajectory) -> None: ...

    @abc.abstractmethod
    def _sample(
        self, sample_batch_size: int, num_steps: int, rng: np.random.Generator | None
    ) -> tuple[Trajectory, BufferInfo]: ...

    @abc.abstractmethod
    def num_frames(self) -> int:
        """Rows currently stored (at most ``capacity``)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Forget everything stored."""

    @abc.abstractmethod
    def gather_all(self) -> Trajectory:
        """Every stored row in insertion order: fields ``[batch_size, num_rows, ...]``."""


# ----------------------------------------------------------------------------------------------
# Agent
# ----------------------------------------------------------------------------------------------


class Agent(abc.ABC):
    """Learns from experience and exposes the policies to act with (TF-Agents ``TFAgent``).

    The loop::

        agent.initialize()
        collect_policy = agent.collect_policy        # explores (e.g. epsilon-greedy)
        ... collect Trajectory rows shaped like agent.collect_data_spec ...
        loss_info = agent.train(experience)          # experience fields [B, agent.train_sequence_length, ...]
        eval_policy = agent.policy                   # exploits (e.g. greedy)
    """

    def __init__(
        self,
        time_step_spec: TimeStep,
        action_spec: Any,
        policy: Policy,
        collect_policy: Policy,
        train_sequence_length: int | None = 2,
    ) -> None:
        self._time_step_spec = time_step_spec
        self._action_spec = action_spec
        self._policy = policy
        self._collect_policy = collect_policy
        self._train_sequence_length = train_sequence_length

    @property
    def time_step_spec(self) -> TimeStep:
        return self._time_step_spec

    @property
    def action_spec(self) -> Any:
        return self._action_spec

    @property
    def policy(self) -> Policy:
        """The policy to evaluate and deploy."""
        return self._policy

    @property
    def collect_policy(self) -> Policy:
        """The policy to gather training data with."""
        return self._collect_policy

    @property
    def collect_data_spec(self) -> Trajectory:
        """The spec of the rows ``train`` expects (and replay buffers store)."""
        return trajectory_spec(self._time_step_spec, self._action_spec, self._collect_policy.info_spec)

    @property
    def train_sequence_length(self) -> int | None:
        """The ``num_steps`` of the windows ``train`` expects (2 for one-step TD)."""
        return self._train_sequence_length

    @property
    @abc.abstractmethod
    def train_step_counter(self) -> int:
        """Gradient steps taken so far."""

    def initialize(self) -> None:
        """Prepare for training (e.g. copy online weights into the target network)."""

    def train(self, experience: Trajectory, weights: Any = None) -> LossInfo:
        """One training step on ``experience`` (fields ``[B, T, ...]``); ``weights`` ``[B]`` scale each sample's loss."""
        return self._train(experience, weights)

    @abc.abstractmethod
    def _train(self, experience: Trajectory, weights: Any) -> LossInfo: ...


# ----------------------------------------------------------------------------------------------
# Driver and observers
# ----------------------------------------------------------------------------------------------


@runtime_checkable
class Observer(Protocol):
    """Anything called with each ``Trajectory`` a driver produces (replay buffers, metrics, loggers)."""

    def __call__(self, trajectory: Trajectory) -> None: ...


class Driver(abc.ABC):
    """Runs ``policy`` in ``env`` and hands every transition to ``observers`` (TF-Agents drivers).

    The loop::

        driver = StepDriver(env, policy, observers=[buffer, metric], num_steps=100)
        time_step, policy_state = driver.run()                         # resets env if needed
        time_step, policy_state = driver.run(time_step, policy_state)  # continues where it stopped
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Callable[[Trajectory], None]] = ()) -> None:
        for observer in observers:
            if not callable(observer):
                raise TypeError(f"observer {observer!r} is not callable: observers are called with each Trajectory")
        self._env = env
        self._policy = policy
        self._observers = list(observers)

    @property
    def env(self) -> Env:
        return self._env

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def observers(self) -> list:
        return self._observers

    def run(self, time_step: TimeStep | None = None, policy_state: Any = None) -> tuple[TimeStep, Any]:
        """Drive until the driver's budget is spent; returns the final ``(time_step, policy_state)``."""
        if time_step is None:
            time_step = self._env.current_time_step()
            if time_step is None:
                time_step = self._env.reset()
        if policy_state is None:
            policy_state = self._policy.get_initial_state(self._env.batch_size)
        return self._run(time_step, policy_state)

    @abc.abstractmethod
    def _run(self, time_step: TimeStep, policy_state: Any) -> tuple[TimeStep, Any]: ...

