"""rlkit's interfaces: read this file first. It is the whole contract a plugin may implement.

Data flows ``Env -> Driver -> observers (ReplayBuffer, metrics) -> ReplayBuffer.sample -> Agent.train``.
The TF-Agents DQN tutorial's loop, with a batch-of-one replay buffer fed by a one-env driver::

    >>> import keras, rlkit
    >>> from rlkit.agents import DqnAgent
    >>> from rlkit.drivers import StepDriver
    >>> from rlkit.networks import QNetwork
    >>> from rlkit.replay import UniformReplayBuffer
    >>> env = rlkit.make("envs", "CartPole-v0", seed=0)
    >>> q_network = QNetwork(env.observation_spec(), env.action_spec(), fc_layer_params=(100,), seed=0)
    >>> agent = DqnAgent(env.time_step_spec(), env.action_spec(), q_network, keras.optimizers.Adam(1e-3), seed=0)
    >>> buffer = UniformReplayBuffer(agent.collect_data_spec, batch_size=1, max_length=1_000, seed=0)
    >>> driver = StepDriver(env, agent.collect_policy, observers=[buffer], num_steps=1)
    >>> time_step, policy_state = driver.run()                                   # resets env: FIRST
    >>> for _ in range(64):
    ...     time_step, policy_state = driver.run(time_step, policy_state)        # act and store one step
    >>> experience, info = buffer.sample(sample_batch_size=32, num_steps=2)      # [B, 2, ...] windows
    >>> experience.observation.shape
    (32, 2, 4)
    >>> loss_info = agent.train(experience)                                      # one gradient step
    >>> agent.train_step_counter
    1

Every value is a NumPy array (or a dict/tuple nest of them); there is one implementation of each
concept, whichever backend computes it. Public methods validate, then call a protected hook
(``step`` -> ``_step``), so implementations only write the hooks. What each interface declares:

=================  ==================================================  ===============================
interface          implement                                           optional (working defaults)
=================  ==================================================  ===============================
:class:`Env`       ``observation_spec``, ``action_spec``, ``_reset``,   ``_checked_action``,
                   ``_step``                                            ``get_state``/``set_state``,
                                                                        ``render``, ``close``
:class:`Policy`    ``_action``                                          ``get_initial_state``,
                                                                        ``diagnostics``,
                                                                        ``get_state``/``set_state``
:class:`Observer`  ``__call__``                                         ``observe_sequence``
:class:`ReplayBuffer` ``_add_batch``, ``_sample``, ``num_frames``,      ``add_sequence``, ``sample_block``,
                   ``clear``, ``gather_all``                            ``get_state``/``set_state``
:class:`PrioritizedReplay` the above and ``update_priorities``
:class:`Agent`     ``_train``, ``train_step_counter``                   ``train_block``, ``initialize``,
                                                                        ``get_state``/``set_state``,
                                                                        ``save_policy``
:class:`Driver`    ``_run``
=================  ==================================================  ===============================

Checkpoint state is one verb pair everywhere: ``get_state()`` returns a flat ``dict`` of NumPy
arrays (or nests of them) that ``set_state`` restores exactly, or ``None`` -- the default -- for
"cannot be checkpointed". ``rlkit train`` writes checkpoints only when the agent and the buffer
both return state; an env without state resumes with new episodes.
"""
from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

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
    TDLossInfo,
    TimeStep,
    TrainBlockInfo,
    Trajectory,
)

__all__ = [
    "Env",
    "Policy",
    "Observer",
    "FunctionObserver",
    "as_observer",
    "ReplayBuffer",
    "PrioritizedReplay",
    "Agent",
    "Driver",
    "State",
    "time_step_spec",
    "trajectory_spec",
]

State = Mapping[str, Any]
"""Checkpoint state: a flat mapping of names to NumPy arrays (or nests of them; see ``get_state``)."""


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


def _cannot_restore(owner: Any) -> NotImplementedError:
    return NotImplementedError(f"{type(owner).__name__} cannot restore checkpoint state (its get_state() returns None); "
                               "implement get_state() and set_state() to make it checkpointable")


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

    Implementations write ``observation_spec``, ``action_spec``, ``_reset`` and ``_step``; a fast
    env may also write ``_checked_action`` (accept known-good actions without the generic check).
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

    @property
    def reward_threshold(self) -> float | None:
        """The average return at which the task counts as solved (``None``: no such threshold)."""
        return None

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
        self._current_time_step = self._step(self._checked_action(action))
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

    def _checked_action(self, action: Any) -> Any:
        """Hook: ``action`` ready for ``_step`` or a ``ValueError``; the default is :meth:`validate_action`."""
        return self.validate_action(action)

    @abc.abstractmethod
    def _reset(self, seed: int | None) -> TimeStep:
        """Hook for ``reset``."""

    @abc.abstractmethod
    def _step(self, action: Any) -> TimeStep:
        """Hook for ``step``; ``action`` has passed ``_checked_action``."""

    # -- checkpoints -------------------------------------------------------------------------
    def get_state(self) -> State | None:
        """Everything needed to continue bit for bit (episode states, clocks, RNG streams, the
        current time step) as a flat dict of NumPy arrays, or ``None`` if this env cannot save
        itself (the default; a resumed run then starts new episodes)."""
        return None

    def set_state(self, state: State) -> None:
        """Continue from a :meth:`get_state` of an env built with the same arguments."""
        raise _cannot_restore(self)

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

    def diagnostics(self) -> dict[str, float]:
        """Scalars that describe how the policy acts now, for logs (e.g. ``{"epsilon": 0.1}``); default ``{}``."""
        return {}

    def get_state(self) -> State | None:
        """RNG streams and schedule positions as a flat dict of arrays, or ``None`` (the default) if
        this policy has no state worth checkpointing."""
        return None

    def set_state(self, state: State) -> None:
        """Restore a :meth:`get_state` of a policy built with the same arguments."""
        raise _cannot_restore(self)


# ----------------------------------------------------------------------------------------------
# Observers
# ----------------------------------------------------------------------------------------------


class Observer(abc.ABC):
    """Receives the trajectories a driver produces (replay buffers, metrics, loggers, recorders).

    ``__call__(trajectory)`` takes one step: fields ``[N, ...]`` from a batched env of ``N`` envs,
    unbatched fields from an unbatched env. ``observe_sequence(trajectories)`` takes ``T``
    consecutive steps at once, fields ``[T, N, ...]`` (``[T, ...]`` unbatched); its default calls
    ``__call__`` once per row in time order, so a per-step observer works with every driver.
    Drivers accept plain callables too (wrapped by :func:`as_observer`).
    """

    @abc.abstractmethod
    def __call__(self, trajectory: Trajectory) -> None:
        """Observe one step."""

    def observe_sequence(self, trajectories: Trajectory) -> None:
        """Observe ``T`` steps, fields ``[T, ...]``; the default loops over the rows."""
        for t in range(np.shape(trajectories.step_type)[0]):
            self(nest.index(trajectories, t))


class FunctionObserver(Observer):
    """A plain callable ``fn(trajectory)`` as an :class:`Observer`."""

    def __init__(self, fn: Callable[[Trajectory], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"observer {fn!r} is not callable: observers are called with each Trajectory")
        self.fn = fn

    def __call__(self, trajectory: Trajectory) -> None:
        self.fn(trajectory)

    def __repr__(self) -> str:
        return f"FunctionObserver({self.fn!r})"


def as_observer(observer: Observer | Callable[[Trajectory], Any]) -> Observer:
    """``observer`` itself if it is an :class:`Observer`, else a :class:`FunctionObserver` around it."""
    return observer if isinstance(observer, Observer) else FunctionObserver(observer)


# ----------------------------------------------------------------------------------------------
# ReplayBuffer
# ----------------------------------------------------------------------------------------------


def _trajectory(items: Any, method: str) -> Trajectory:
    if not isinstance(items, Trajectory):
        raise TypeError(f"{method} takes an rlkit.types.Trajectory, got {type(items).__name__}")
    return items


class ReplayBuffer(Observer):
    """Stores ``Trajectory`` rows from ``batch_size`` parallel envs and samples windows of them.

    The loop::

        buffer = UniformReplayBuffer(agent.collect_data_spec, batch_size=env.batch_size or 1, max_length=100_000)
        driver = StepDriver(env, policy, observers=[buffer])           # a buffer is an observer
        experience, info = buffer.sample(sample_batch_size=64, num_steps=2)  # fields [64, 2, ...]
        loss_info = agent.train(experience)

    A window never covers unwritten slots or the write head and never starts on a LAST step.
    A buffer of ``batch_size=1`` also takes unbatched rows (an unbatched env's trajectories), as
    TF-Agents' batch of one does. Implementations write ``_add_batch``, ``_sample``, ``num_frames``,
    ``clear`` and ``gather_all``; ``add_sequence`` and ``sample_block`` have working defaults.
    """

    def __init__(self, data_spec: Trajectory, capacity: int, batch_size: int = 1) -> None:
        self._data_spec = data_spec
        self._capacity = int(capacity)
        self._batch_size = int(batch_size)

    @property
    def data_spec(self) -> Trajectory:
        return self._data_spec

    @property
    def capacity(self) -> int:
        """Total number of rows the buffer holds across all its parallel envs."""
        return self._capacity

    @property
    def batch_size(self) -> int:
        """Parallel envs whose rows each ``add_batch`` appends (one row each)."""
        return self._batch_size

    def add_batch(self, items: Trajectory) -> None:
        """Append one row per env: every field ``[batch_size, ...]`` (``ValueError`` on a mismatch).

        With ``batch_size=1``, unbatched fields (one env's trajectory) are taken as a batch of one.
        """
        if self._batch_size == 1 and np.ndim(_trajectory(items, "add_batch").step_type) == 0:
            items = nest.map_structure(lambda leaf: np.expand_dims(np.asarray(leaf), 0), items)
        self._add_batch(items)

    def add_sequence(self, items: Trajectory) -> None:
        """Append ``T`` rows per env: every field ``[T, batch_size, ...]`` (time-major; ``[T, ...]``
        unbatched with ``batch_size=1``), the same as ``T`` :meth:`add_batch` calls."""
        if self._batch_size == 1 and np.ndim(_trajectory(items, "add_sequence").step_type) == 1:
            items = nest.map_structure(lambda leaf: np.expand_dims(np.asarray(leaf), 1), items)
        self._add_sequence(items)

    def __call__(self, trajectory: Trajectory) -> None:
        """Observer form of :meth:`add_batch`."""
        self.add_batch(trajectory)

    def observe_sequence(self, trajectories: Trajectory) -> None:
        """Observer form of :meth:`add_sequence`."""
        self.add_sequence(trajectories)

    def sample(
        self, sample_batch_size: int, num_steps: int = 2, rng: np.random.Generator | None = None
    ) -> tuple[Trajectory, BufferInfo]:
        """``sample_batch_size`` windows of ``num_steps`` consecutive rows: fields ``[B, num_steps, ...]``."""
        return self._sample(sample_batch_size, num_steps, rng)

    def sample_block(self, num_blocks: int, sample_batch_size: int, num_steps: int = 2,
                     rng: np.random.Generator | None = None) -> tuple[Trajectory, BufferInfo]:
        """``num_blocks`` independent batches: fields ``[K, B, num_steps, ...]``, info fields ``[K, B]``
        (the same as ``K`` :meth:`sample` calls)."""
        return self._sample_block(num_blocks, sample_batch_size, num_steps, rng)

    def _add_sequence(self, items: Trajectory) -> None:
        """Hook for ``add_sequence`` (fields ``[T, batch_size, ...]``); this default calls ``_add_batch``
        per row, buffers may write the block in one go."""
        for t in range(len(nest.flatten(items.step_type)[0])):
            self._add_batch(nest.index(items, t))

    def _sample_block(self, num_blocks: int, sample_batch_size: int, num_steps: int,
                      rng: np.random.Generator | None) -> tuple[Trajectory, BufferInfo]:
        """Hook for ``sample_block``; this default stacks ``K`` :meth:`sample` calls, buffers may draw
        them in one go."""
        draws = [self.sample(sample_batch_size, num_steps, rng) for _ in range(int(num_blocks))]
        return nest.stack([experience for experience, _ in draws]), nest.stack([info for _, info in draws])

    def as_dataset(self, sample_batch_size: int, num_steps: int = 2) -> Iterator[tuple[Trajectory, BufferInfo]]:
        """An endless iterator of ``sample(...)`` results (TF-Agents' ``as_dataset`` feel, NumPy batches)."""
        while True:
            yield self.sample(sample_batch_size, num_steps)

    def get_state(self) -> State | None:
        """Stored rows, counters and RNG state as a flat dict of arrays, or ``None`` (the default)
        if this buffer cannot be checkpointed."""
        return None

    def set_state(self, state: State) -> None:
        """Restore a :meth:`get_state` of a buffer built with the same arguments."""
        raise _cannot_restore(self)

    @abc.abstractmethod
    def _add_batch(self, items: Trajectory) -> None:
        """Hook for ``add_batch``: fields ``[batch_size, ...]``."""

    @abc.abstractmethod
    def _sample(
        self, sample_batch_size: int, num_steps: int, rng: np.random.Generator | None
    ) -> tuple[Trajectory, BufferInfo]:
        """Hook for ``sample``."""

    @abc.abstractmethod
    def num_frames(self) -> int:
        """Rows currently stored (at most ``capacity``)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Forget everything stored."""

    @abc.abstractmethod
    def gather_all(self) -> Trajectory:
        """Every stored row in insertion order: fields ``[batch_size, num_rows, ...]``."""


class PrioritizedReplay(ReplayBuffer):
    """A replay buffer that samples by priority: ``sample`` returns importance ``weights`` in its
    ``BufferInfo`` for the loss, and the learner reports new priorities (e.g. ``|td_error|``)::

        experience, info = buffer.sample(64)
        loss_info = agent.train(experience, weights=info.weights)
        buffer.update_priorities(info.ids, np.abs(loss_info.extra.td_error))
    """

    @abc.abstractmethod
    def update_priorities(self, ids: Any, priorities: Any, skip_stale: bool = False) -> None:
        """Set the priorities of the windows ``ids`` (int64 ``[M]``) to ``priorities`` (``[M]``, >= 0).

        ``skip_stale``: ignore ids whose rows were overwritten since they were sampled (else an error).
        """


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
        loss_info = agent.train_block(block)         # K steps at once: fields [K, B, T, ...]
        eval_policy = agent.policy                   # exploits (e.g. greedy)
        agent.save_policy("policy/")                 # export (False if the agent cannot)

    Implementations write ``_train`` and ``train_step_counter``. ``train`` returns a ``LossInfo``
    whose ``extra`` is a :class:`~rlkit.types.TDLossInfo` when the agent computes TD errors (then
    prioritized replay can use them).
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

    def train_block(self, experience: Trajectory, weights: Any = None) -> LossInfo:
        """``K`` training steps, one per batch of ``experience`` (fields ``[K, B, T, ...]``; ``weights``
        ``[K, B]``). Returns ``LossInfo(mean loss, extra)`` whose ``extra`` has ``losses`` ``[K]`` and
        ``td_error`` ``[K, B]`` (or ``None``), as :class:`~rlkit.types.TrainBlockInfo` does."""
        return self._train_block(experience, weights)

    def _train_block(self, experience: Trajectory, weights: Any) -> LossInfo:
        """Hook for ``train_block``. This default calls :meth:`train` ``K`` times; agents may fuse the
        steps (DQN runs them in one compiled call). ``td_error`` is filled when every step's ``extra``
        is a ``TDLossInfo``."""
        count = np.shape(experience.step_type)[0]
        infos = [self.train(nest.index(experience, k), None if weights is None else np.asarray(weights)[k])
                 for k in range(count)]
        losses = np.array([float(info.loss) for info in infos], np.float32)
        td_error = None
        if infos and all(isinstance(info.extra, TDLossInfo) for info in infos):
            td_error = np.stack([np.asarray(info.extra.td_error, np.float32) for info in infos])
        return LossInfo(np.float32(losses.mean()) if count else np.float32(0.0), TrainBlockInfo(losses, td_error))

    @abc.abstractmethod
    def _train(self, experience: Trajectory, weights: Any) -> LossInfo:
        """Hook for ``train``."""

    def get_state(self) -> State | None:
        """Weights, optimizer slots, counters and RNG states as a flat dict of arrays, or ``None``
        (the default) if this agent cannot be checkpointed."""
        return None

    def set_state(self, state: State) -> None:
        """Restore a :meth:`get_state` of an agent built with the same arguments."""
        raise _cannot_restore(self)

    def save_policy(self, path: str | Path) -> bool:
        """Export ``policy`` to the directory ``path`` so it can act without this code; returns
        ``False`` (the default, writing nothing) if this agent cannot export one."""
        return False


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------


class Driver(abc.ABC):
    """Runs ``policy`` in ``env`` and hands the trajectories to ``observers`` (TF-Agents drivers).

    The loop::

        driver = StepDriver(env, policy, observers=[buffer, metric], num_steps=100)
        time_step, policy_state = driver.run()                         # resets env if needed
        time_step, policy_state = driver.run(time_step, policy_state)  # continues where it stopped

    Observers may be :class:`Observer` instances or plain callables (see :func:`as_observer`).
    """

    def __init__(self, env: Env, policy: Policy, observers: Sequence[Observer | Callable[[Trajectory], Any]] = ()) -> None:
        self._env = env
        self._policy = policy
        self._observers = [as_observer(observer) for observer in observers]

    @property
    def env(self) -> Env:
        return self._env

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def observers(self) -> list[Observer]:
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
    def _run(self, time_step: TimeStep, policy_state: Any) -> tuple[TimeStep, Any]:
        """Hook for ``run``."""
