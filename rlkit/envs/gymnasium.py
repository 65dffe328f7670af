"""Gymnasium -> rlkit: any gymnasium env (or vector env) as an rlkit ``Env`` (TF-Agents' ``suite_gym``).

    env = rlkit.envs.load("gymnasium:Acrobot-v1")             # unbatched, like suite_gym.load
    env = rlkit.envs.load("gymnasium:Acrobot-v1", num_envs=8) # gymnasium.make_vec, batched
    env = GymnasiumEnv(gymnasium.make("MountainCar-v0"))

``terminated`` -> LAST with discount 0; ``truncated`` -> LAST with discount 1; the step after a
LAST resets (FIRST, reward 0, the action ignored), whatever autoreset mode a vector env uses.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit import nest
from rlkit.core import Env
from rlkit.specs import from_gymnasium_space
from rlkit.types import DISCOUNT_DTYPE, REWARD_DTYPE, STEP_TYPE_DTYPE, StepType, TimeStep

__all__ = ["GymnasiumEnv", "GymnasiumVectorEnv", "load_gymnasium"]


def _cast(spec: Any, value: Any) -> Any:
    """``value`` (a gymnasium observation) as arrays of ``spec``'s dtypes (a nest for Dict/Tuple spaces)."""
    if isinstance(spec, dict):
        return {key: _cast(spec[key], value[key]) for key in spec}
    if isinstance(spec, (tuple, list)):
        return tuple(_cast(s, v) for s, v in zip(spec, value))
    return np.asarray(value, dtype=spec.dtype)


def _to_gym_action(spec: Any, action: Any) -> Any:
    """A validated rlkit action as gymnasium expects it (Python int for ``Discrete``)."""
    if isinstance(spec, dict):
        return {key: _to_gym_action(spec[key], action[key]) for key in spec}
    if isinstance(spec, (tuple, list)):
        return tuple(_to_gym_action(s, a) for s, a in zip(spec, action))
    if spec.shape == () and spec.dtype.kind in "iu":
        return int(action)
    return np.asarray(action)


class GymnasiumEnv(Env):
    """An unbatched rlkit ``Env`` around a gymnasium ``Env``.

    Args:
      gym_env: the gymnasium env (its wrappers, e.g. ``TimeLimit``, stay in place).
      discount: the discount of MID and truncated steps (1.0, as in TF-Agents' ``suite_gym``).
    """

    def __init__(self, gym_env: Any, discount: float = 1.0) -> None:
        import gymnasium

        if not isinstance(gym_env, gymnasium.Env):
            raise TypeError(f"GymnasiumEnv wraps a gymnasium.Env, got {type(gym_env).__name__}; "
                            "for vector envs use GymnasiumVectorEnv")
        self._gym_env = gym_env
        self._discount = np.asarray(_check_discount(discount), DISCOUNT_DTYPE)
        self._observation_spec = from_gymnasium_space(gym_env.observation_space, name="observation")
        self._action_spec = from_gymnasium_space(gym_env.action_space, name="action")
        self._done = False
        self._closed = False

    @property
    def gym_env(self) -> Any:
        """The wrapped gymnasium env."""
        return self._gym_env

    def observation_spec(self) -> Any:
        return self._observation_spec

    def action_spec(self) -> Any:
        return self._action_spec

    def _first(self, observation: Any) -> TimeStep:
        self._done = False
        return TimeStep(np.asarray(StepType.FIRST, STEP_TYPE_DTYPE), np.asarray(0.0, REWARD_DTYPE),
                        np.asarray(1.0, DISCOUNT_DTYPE), _cast(self._observation_spec, observation))

    def _reset(self, seed: int | None) -> TimeStep:
        _check_open(self)
        observation, _ = self._gym_env.reset(seed=seed)
        return self._first(observation)

    def _step(self, action: Any) -> TimeStep:
        _check_open(self)
        if self._done:
            observation, _ = self._gym_env.reset()
            return self._first(observation)
        observation, reward, terminated, truncated, _ = self._gym_env.step(_to_gym_action(self._action_spec, action))
        self._done = bool(terminated or truncated)
        step_type = StepType.LAST if self._done else StepType.MID
        discount = np.asarray(0.0, DISCOUNT_DTYPE) if terminated else self._discount.copy()
        return TimeStep(np.asarray(step_type, STEP_TYPE_DTYPE), np.asarray(reward, REWARD_DTYPE), discount,
                        _cast(self._observation_spec, observation))

    def render(self, env_index: int = 0) -> np.ndarray:
        """The gymnasium env's ``render()`` frame (make it with ``render_mode="rgb_array"``)."""
        _check_open(self)
        if env_index != 0:
            raise IndexError(f"an unbatched env has only env_index 0, got {env_index}")
        if self._gym_env.render_mode != "rgb_array":
            raise RuntimeError(f"cannot render: the gymnasium env has render_mode={self._gym_env.render_mode!r}; "
                               "create it with render_mode='rgb_array'")
        return np.asarray(self._gym_env.render())

    def close(self) -> None:
        self._closed = True
        self._gym_env.close()

    def __repr__(self) -> str:
        return f"GymnasiumEnv({self._gym_env})"


class GymnasiumVectorEnv(Env):
    """A batched rlkit ``Env`` around a gymnasium ``VectorEnv`` (``batch_size = num_envs``).

    Any autoreset mode is turned into rlkit's next-step semantics: with ``NEXT_STEP`` the vector
    env's own resets are used; with ``SAME_STEP`` and ``DISABLED`` the envs that ended are reset
    with ``reset(options={"reset_mask": ...})`` on the following step (``SAME_STEP``: the final
    observation from ``info["final_obs"]`` is the LAST observation).
    """

    def __init__(self, vector_env: Any, discount: float = 1.0) -> None:
        import gymnasium
        from gymnasium.vector import AutoresetMode

        if not isinstance(vector_env, gymnasium.vector.VectorEnv):
            raise TypeError(f"GymnasiumVectorEnv wraps a gymnasium.vector.VectorEnv, got {type(vector_env).__name__}")
        self._env = vector_env
        self._num_envs = int(vector_env.num_envs)
        mode = vector_env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        self._mode = mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)
        self._modes = AutoresetMode
        self._discount = _check_discount(discount)
        self._observation_spec = from_gymnasium_space(vector_env.single_observation_space, name="observation")
        self._action_spec = from_gymnasium_space(vector_env.single_action_space, name="action")
        self._done = np.zeros(self._num_envs, bool)
        self._closed = False

    @property
    def batch_size(self) -> int:
        return self._num_envs

    @property
    def vector_env(self) -> Any:
        return self._env

    @property
    def autoreset_mode(self) -> Any:
        """The wrapped vector env's ``gymnasium.vector.AutoresetMode``."""
        return self._mode

    def observation_spec(self) -> Any:
        return self._observation_spec

    def action_spec(self) -> Any:
        return self._action_spec

    def _reset(self, seed: int | None) -> TimeStep:
        _check_open(self)
        observation, _ = self._env.reset(seed=seed)
        self._done[:] = False
        n = self._num_envs
        return TimeStep(np.full(n, StepType.FIRST, STEP_TYPE_DTYPE), np.zeros(n, REWARD_DTYPE),
                        np.ones(n, DISCOUNT_DTYPE), _cast(self._observation_spec, observation))

    def _step(self, action: Any) -> TimeStep:
        _check_open(self)
        restarting = self._done.copy()
        if self._mode == self._modes.DISABLED and restarting.any():
            self._env.reset(options={"reset_mask": restarting})  # leave the terminal states before stepping
        observation, reward, terminated, truncated, info = self._env.step(action)
        terminated = np.asarray(terminated, bool)
        truncated = np.asarray(truncated, bool)
        if self._mode == self._modes.SAME_STEP:
            ended = terminated | truncated
            if ended.any() and "final_obs" in info:
                observation = nest.map_structure(np.copy, observation) if nest.is_nested(observation) else np.copy(observation)
                for i in np.flatnonzero(ended):
                    _assign_row(observation, i, info["final_obs"][i])
        if self._mode != self._modes.NEXT_STEP and restarting.any():
            fresh, _ = self._env.reset(options={"reset_mask": restarting})
            observation = _merge_rows(observation, fresh, restarting)
        ended = ~restarting & (terminated | truncated)
        self._done = ended
        step_type = np.where(restarting, StepType.FIRST, np.where(ended, StepType.LAST, StepType.MID))
        reward = np.where(restarting, 0.0, np.asarray(reward, np.float64)).astype(REWARD_DTYPE)
        discount = np.where(~restarting & terminated, 0.0, np.where(restarting, 1.0, self._discount))
        return TimeStep(step_type.astype(STEP_TYPE_DTYPE), reward, discount.astype(DISCOUNT_DTYPE),
                        _cast(self._observation_spec, observation))

    def render(self, env_index: int = 0) -> np.ndarray:
        """Frame ``env_index`` of the vector env's ``render()`` (make it with ``render_mode="rgb_array"``)."""
        _check_open(self)
        if not 0 <= env_index < self._num_envs:
            raise IndexError(f"env_index {env_index} is out of range for {self._num_envs} envs")
        frames = self._env.render()
        if frames is None:
            raise RuntimeError("cannot render: create the vector env with render_mode='rgb_array'")
        return np.asarray(frames[env_index])

    def close(self) -> None:
        self._closed = True
        self._env.close()

    def __repr__(self) -> str:
        return f"GymnasiumVectorEnv({self._env})"


def _check_open(env: Env) -> None:
    if env._closed:  # type: ignore[attr-defined]
        raise RuntimeError(f"{type(env).__name__} is closed: create a new env (e.g. rlkit.envs.load(...)) to keep stepping")


def _check_discount(discount: Any) -> float:
    if isinstance(discount, (bool, np.bool_)) or not isinstance(discount, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(discount) <= 1.0:
        raise ValueError(f"discount must be a number in [0, 1] (1.0 as in suite_gym), got {discount!r}")
    return float(discount)


def _assign_row(batch: Any, index: int, value: Any) -> None:
    if isinstance(batch, dict):
        for key in batch:
            _assign_row(batch[key], index, value[key])
    elif isinstance(batch, tuple):
        for sub, val in zip(batch, value):
            _assign_row(sub, index, val)
    else:
        batch[index] = value


def _merge_rows(batch: Any, fresh: Any, mask: np.ndarray) -> Any:
    if isinstance(batch, dict):
        return {key: _merge_rows(batch[key], fresh[key], mask) for key in batch}
    if isinstance(batch, tuple):
        return tuple(_merge_rows(b, f, mask) for b, f in zip(batch, fresh))
    return np.where(mask.reshape((-1,) + (1,) * (np.ndim(batch) - 1)), fresh, batch)


def load_gymnasium(
    env_id: str,
    num_envs: int | None = None,
    render_mode: str | None = None,
    discount: float = 1.0,
    **kwargs: Any,
) -> Env:
    """The gymnasium env ``env_id`` as an rlkit ``Env`` (``rlkit.envs.load("gymnasium:<id>")`` calls this).

    ``num_envs=None`` gives an unbatched env from ``gymnasium.make``; ``num_envs=N`` a batched one
    from ``gymnasium.make_vec`` (its ``vectorization_mode`` may be passed in ``kwargs``; ``sync``
    and ``async`` vector envs are made with next-step autoreset). Other ``kwargs`` go to gymnasium.
    """
    import gymnasium

    if num_envs is None:
        if "vectorization_mode" in kwargs:
            raise ValueError("vectorization_mode needs num_envs: pass num_envs=N for a batched gymnasium env")
        return GymnasiumEnv(gymnasium.make(env_id, render_mode=render_mode, **kwargs), discount=discount)
    mode = kwargs.pop("vectorization_mode", None)
    vector_kwargs = kwargs.pop("vector_kwargs", None)
    if mode in ("sync", "async") and vector_kwargs is None:
        vector_kwargs = {"autoreset_mode": gymnasium.vector.AutoresetMode.NEXT_STEP}
    vector_env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode, vector_kwargs=vector_kwargs,
                                    render_mode=render_mode, **kwargs)
    return GymnasiumVectorEnv(vector_env, discount=discount)
