"""Policies over Q-values: greedy, epsilon-greedy and Boltzmann, acting from a :class:`QValueMirror`.

They take NumPy time steps, batched (observation ``[N, ...]``) or unbatched (``[...]``), and
never call TensorFlow: a ``DqnAgent`` refreshes the mirror from its compiled train call.

    policy = EpsilonGreedyPolicy(env.time_step_spec(), env.action_spec(), q_network.to_mirror(), epsilon=0.1, seed=0)
    action = policy.action(time_step).action
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit.policies.base import SeededPolicy, discrete_action_info
from rlkit.policies.q_mirror import QValueMirror
from rlkit.policies.schedules import ScheduleLike, as_schedule
from rlkit.types import PolicyStep, TimeStep

__all__ = ["GreedyPolicy", "EpsilonGreedyPolicy", "BoltzmannPolicy"]


class _QPolicy(SeededPolicy):
    """Common part: spec checks and observation handling for policies over a Q-value mirror."""

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, q_values: QValueMirror, seed: int | None = None) -> None:
        name = type(self).__name__
        num_actions, minimum, dtype = discrete_action_info(action_spec, name)
        if not isinstance(q_values, QValueMirror):
            raise TypeError(f"{name} acts from a QValueMirror (e.g. q_network.to_mirror()), got {type(q_values).__name__}")
        if q_values.num_actions != num_actions:
            raise ValueError(f"{name}: the Q-network has {q_values.num_actions} outputs but the action spec allows {num_actions} actions")
        obs_spec = time_step_spec.observation
        if not hasattr(obs_spec, "shape"):
            raise TypeError(f"{name} needs a single array observation spec, got {obs_spec!r}")
        if int(np.prod(obs_spec.shape)) != q_values.observation_size:
            raise ValueError(
                f"{name}: observation spec {obs_spec.shape} has {int(np.prod(obs_spec.shape))} features, "
                f"the Q-network expects {q_values.observation_size}"
            )
        super().__init__(time_step_spec, action_spec, seed)
        self._mirror = q_values
        self._num_actions = num_actions
        self._minimum = minimum
        self._scalar = dtype.type
        self._dtype = dtype
        self._obs_ndim = len(obs_spec.shape)
        self._obs_shape = tuple(obs_spec.shape)
        self._obs_size = q_values.observation_size

    @property
    def q_values_mirror(self) -> QValueMirror:
        return self._mirror

    def _single(self, observation: Any) -> np.ndarray | None:
        """The flat float32 observation if ``observation`` is one unbatched observation, else ``None``."""
        obs = observation if type(observation) is np.ndarray else np.asarray(observation)
        if obs.ndim != self._obs_ndim:
            return None
        if obs.shape != self._obs_shape:
            self._bad_shape(obs)
        if obs.dtype != np.float32 or self._obs_ndim != 1:
            if obs.dtype.kind not in "biuf":
                raise ValueError(f"{type(self).__name__}: observation dtype {obs.dtype} is not a real number type; "
                                 f"expected {self._time_step_spec.observation!r}")
            obs = np.ascontiguousarray(obs, dtype=np.float32).reshape(-1)
        return obs

    def _batch(self, observation: Any) -> np.ndarray:
        obs = np.asarray(observation)
        if obs.ndim != self._obs_ndim + 1 or obs.shape[1:] != self._obs_shape:
            self._bad_shape(obs)
        if obs.dtype.kind not in "biuf":
            raise ValueError(f"{type(self).__name__}: observation dtype {obs.dtype} is not a real number type; "
                             f"expected {self._time_step_spec.observation!r}")
        return obs.astype(np.float32, copy=False).reshape(obs.shape[0], -1)

    def _bad_shape(self, obs: np.ndarray) -> None:
        shape = self._obs_shape
        raise ValueError(
            f"{type(self).__name__}: observation shape {obs.shape} is neither one observation {shape} nor a batch "
            f"[N, {', '.join(map(str, shape))}]; pass observations shaped like the env's observation_spec"
        )

    def _to_actions(self, indices: np.ndarray) -> np.ndarray:
        return (indices + self._minimum).astype(self._dtype, copy=False)


class GreedyPolicy(_QPolicy):
    """The action with the highest Q-value (first on ties), like TF-Agents' ``GreedyPolicy(QPolicy)``."""

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, q_values: QValueMirror) -> None:
        super().__init__(time_step_spec, action_spec, q_values, seed=0)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        obs = self._single(time_step.observation)
        if obs is not None:
            return PolicyStep(self._scalar(self._mirror.greedy_action(obs) + self._minimum), policy_state, ())
        return PolicyStep(self._to_actions(self._mirror.greedy_actions(self._batch(time_step.observation))), policy_state, ())


class _ScheduledPolicy(_QPolicy):
    """A Q-policy with one scheduled exploration parameter, evaluated at the step given to :meth:`set_step`."""

    _parameter = "value"

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, q_values: QValueMirror,
                 value: ScheduleLike, seed: int | None) -> None:
        super().__init__(time_step_spec, action_spec, q_values, seed)
        self._schedule = as_schedule(value, self._parameter)
        self._step = 0
        self._value = self._check(self._schedule(0))

    def _check(self, value: float) -> float:
        return float(value)

    def set_step(self, step: int) -> None:
        """Evaluate the schedule at ``step`` (the agent calls this with its train step after each train call)."""
        self._step = int(step)
        self._value = self._check(self._schedule(self._step))

    @property
    def step(self) -> int:
        return self._step

    def diagnostics(self) -> dict[str, float]:
        """``{"epsilon": ...}`` or ``{"temperature": ...}`` at the current step."""
        return {self._parameter: self._value}

    def get_state(self) -> dict:
        return {**super().get_state(), "step": self._step}

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self.set_step(int(state.get("step", 0)))


class EpsilonGreedyPolicy(_ScheduledPolicy):
    """With probability ``epsilon`` a uniform random action, else the greedy one (TF-Agents semantics).

    Args:
      epsilon: a float in [0, 1] or a schedule ``callable(step) -> float`` evaluated at :meth:`set_step`.
      seed: seeds the policy's ``Generator`` (one uniform draw per env and action).
    """

    _parameter = "epsilon"

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, q_values: QValueMirror,
                 epsilon: ScheduleLike = 0.1, seed: int | None = None) -> None:
        super().__init__(time_step_spec, action_spec, q_values, epsilon, seed)

    def _check(self, value: float) -> float:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {value} (at step {getattr(self, '_step', 0)})")
        return value

    @property
    def epsilon(self) -> float:
        return self._value

    def _one(self, obs: np.ndarray) -> int:
        """The action index for one flat observation (one uniform draw, as the batched path takes per env)."""
        epsilon = self._value
        u = self._rng.random()
        if u < epsilon:  # u / epsilon is uniform in [0, 1) given u < epsilon: reuse it for the action
            return min(int(u / epsilon * self._num_actions), self._num_actions - 1)
        return self._mirror.greedy_action(obs)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        epsilon = self._value
        obs = self._single(time_step.observation)
        if obs is not None:
            return PolicyStep(self._scalar(self._one(obs) + self._minimum), policy_state, ())
        batch = self._batch(time_step.observation)
        if batch.shape[0] == 1:  # a batch of one env (the trainer's default): the scalar path, same draws
            return PolicyStep(np.array([self._one(batch[0]) + self._minimum], self._dtype), policy_state, ())
        u = self._rng.random(batch.shape[0])
        explore = u < epsilon
        index = self._mirror.greedy_actions(batch)
        if explore.any():
            random_index = np.minimum((u / max(epsilon, 1e-300) * self._num_actions).astype(np.int64), self._num_actions - 1)
            index = np.where(explore, random_index, index)
        return PolicyStep(self._to_actions(index), policy_state, ())


class BoltzmannPolicy(_ScheduledPolicy):
    """Samples actions with probabilities ``softmax(Q / temperature)`` (TF-Agents ``BoltzmannPolicy``).

    Args:
      temperature: a float > 0 or a schedule ``callable(step) -> float`` evaluated at :meth:`set_step`.
      seed: seeds the policy's ``Generator`` (one uniform draw per env and action).
    """

    _parameter = "temperature"

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, q_values: QValueMirror,
                 temperature: ScheduleLike = 1.0, seed: int | None = None) -> None:
        super().__init__(time_step_spec, action_spec, q_values, temperature, seed)

    def _check(self, value: float) -> float:
        value = float(value)
        if not value > 0.0:
            raise ValueError(f"temperature must be > 0, got {value}")
        return value

    @property
    def temperature(self) -> float:
        return self._value

    def probabilities(self, observations: Any) -> np.ndarray:
        """Action probabilities ``[N, A]`` (float64) for observations ``[N, D]``."""
        logits = self._mirror.q_values(observations).astype(np.float64) / self._value
        if not np.isfinite(logits).all():
            raise ValueError(f"{type(self).__name__}: the Q-values are not finite (NaN or inf observations, or "
                             f"temperature {self._value} too small): {logits}")
        logits -= logits.max(axis=-1, keepdims=True)
        weights = np.exp(logits)
        return weights / weights.sum(axis=-1, keepdims=True)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        single = self._single(time_step.observation)
        batch = single[None, :] if single is not None else self._batch(time_step.observation)
        cdf = np.cumsum(self.probabilities(batch), axis=-1)
        u = self._rng.random(batch.shape[0])
        index = np.minimum((cdf <= u[:, None]).sum(axis=-1), self._num_actions - 1)
        actions = self._to_actions(index)
        return PolicyStep(actions[0] if single is not None else actions, policy_state, ())
