"""rlkit -> Gymnasium: rlkit envs as ``gymnasium.Env`` / ``gymnasium.vector.VectorEnv``, and their registration.

After ``register_gymnasium_envs()`` (called on ``import rlkit``)::

    env = gymnasium.make("rlkit/CartPole-v1", render_mode="rgb_array")   # TimeLimit(500) etc. as usual
    envs = gymnasium.make_vec("rlkit/CartPole-v1", num_envs=1024)        # one compiled batched CartPole
    env = gymnasium.make("rlkit:rlkit/CartPole-v1")                       # imports rlkit first

Any other rlkit env converts with ``GymnasiumAdapter(env)`` (unbatched) or
``GymnasiumVectorAdapter(env)`` (batched; next-step autoreset, like rlkit itself).
"""
from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from rlkit.core import Env
from rlkit.specs import to_gymnasium_space
from rlkit.types import StepType

__all__ = [
    "GymnasiumAdapter",
    "GymnasiumVectorAdapter",
    "CartPoleGymEnv",
    "CartPoleGymVectorEnv",
    "GYMNASIUM_IDS",
    "register_gymnasium_envs",
]

_LAST = int(StepType.LAST)


def _check_options(options: dict | None) -> None:
    if options:
        raise ValueError(f"reset options {sorted(options)} are not supported by rlkit envs; pass options=None")


def _inner_seed(np_random: np.random.Generator) -> int:
    """An rlkit seed drawn from gymnasium's ``np_random`` (seeded by ``reset(seed=...)``)."""
    return int(np_random.integers(0, 2**63))


class GymnasiumAdapter(gymnasium.Env):
    """An unbatched rlkit ``Env`` as a ``gymnasium.Env``.

    ``reset(seed=s)`` seeds gymnasium's ``np_random`` with ``s`` and the rlkit env from it, so equal
    seeds give equal episodes. ``terminated`` = LAST with discount 0, ``truncated`` = LAST with
    discount > 0. Invalid actions raise the rlkit env's ``ValueError``.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50}

    def __init__(self, env: Env, render_mode: str | None = None, observation_space: Any = None,
                 action_space: Any = None) -> None:
        if env.batch_size is not None:
            raise ValueError(f"GymnasiumAdapter needs an unbatched env (batch_size None), got batch_size={env.batch_size}; "
                             "use GymnasiumVectorAdapter for batched envs")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self._env = env
        self.render_mode = render_mode
        self.observation_space = observation_space or to_gymnasium_space(env.observation_spec())
        self.action_space = action_space or to_gymnasium_space(env.action_spec())
        self._seeded = False

    @property
    def rlkit_env(self) -> Env:
        """The rlkit env stepped by this adapter."""
        return self._env

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        _check_options(options)
        inner = _inner_seed(self.np_random) if seed is not None or not self._seeded else None
        self._seeded = True
        return self._env.reset(seed=inner).observation, {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        time_step = self._env.step(action)
        last = int(time_step.step_type) == _LAST
        terminated = last and float(time_step.discount) == 0.0
        return time_step.observation, float(time_step.reward), terminated, last and not terminated, {}

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() was called with render_mode=None; create the env with render_mode='rgb_array'")
            return None
        return self._env.render()

    def close(self) -> None:
        self._env.close()


class GymnasiumVectorAdapter(gymnasium.vector.VectorEnv):
    """A batched rlkit ``Env`` as a gymnasium ``VectorEnv`` with ``AutoresetMode.NEXT_STEP``.

    After a sub-env ends, its next ``step`` returns the reset observation with reward 0 and
    ``terminated = truncated = False`` (as gymnasium's own ``CartPoleVectorEnv``). ``reset(seed=s)``
    takes one int: sub-env ``i`` draws from a stream derived from ``(s, i)``.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, env: Env, render_mode: str | None = None, single_observation_space: Any = None,
                 single_action_space: Any = None) -> None:
        if env.batch_size is None:
            raise ValueError("GymnasiumVectorAdapter needs a batched env (batch_size N); use GymnasiumAdapter otherwise")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self._env = env
        self.num_envs = int(env.batch_size)
        self.render_mode = render_mode
        self.single_observation_space = single_observation_space or to_gymnasium_space(env.observation_spec())
        self.single_action_space = single_action_space or to_gymnasium_space(env.action_spec())
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._seeded = False

    @property
    def rlkit_env(self) -> Env:
        return self._env

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"reset(seed=...) takes one int for all sub-envs (env i's stream derives from (seed, i)), got {seed!r}")
        super().reset(seed=seed)
        _check_options(options)
        inner = _inner_seed(self.np_random) if seed is not None or not self._seeded else None
        self._seeded = True
        return self._env.reset(seed=inner).observation, {}

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict]:
        time_step = self._env.step(actions)
        last = time_step.step_type == _LAST
        terminated = last & (time_step.discount == 0.0)
        return time_step.observation, time_step.reward, terminated, last & ~terminated, {}

    def render(self) -> tuple[np.ndarray, ...] | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() was called with render_mode=None; create the env with render_mode='rgb_array'")
            return None
        return tuple(self._env.render(i) for i in range(self.num_envs))

    def close_extras(self, **kwargs: Any) -> None:
        self._env.close()


class CartPoleGymEnv(GymnasiumAdapter):
    """rlkit's compiled CartPole as a ``gymnasium.Env`` (``gymnasium.make("rlkit/CartPole-v1")``).

    Spaces are gymnasium's CartPole spaces except that the unbounded velocities are bounded by
    +-float32 max (as rlkit's spec and TF-Agents show them), so ``check_env`` raises no warning.

    The time limit comes from gymnasium's ``TimeLimit`` wrapper (the spec's ``max_episode_steps``);
    ``max_episode_steps`` here sets the env's own limit (default none).
    """

    def __init__(self, render_mode: str | None = None, max_episode_steps: int | None = None,
                 backend: str | None = None) -> None:
        from rlkit.envs.cartpole import CartPole

        super().__init__(CartPole(num_envs=None, max_episode_steps=max_episode_steps, backend=backend),
                         render_mode=render_mode)


class CartPoleGymVectorEnv(GymnasiumVectorAdapter):
    """rlkit's compiled batched CartPole as a gymnasium ``VectorEnv`` (``gymnasium.make_vec("rlkit/CartPole-v1", N)``)."""

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = 500, render_mode: str | None = None,
                 backend: str | None = None) -> None:
        from rlkit.envs.cartpole import CartPole

        super().__init__(CartPole(num_envs=num_envs, max_episode_steps=max_episode_steps, backend=backend),
                         render_mode=render_mode)

    def __repr__(self) -> str:
        return f"CartPoleGymVectorEnv(num_envs={self.num_envs}, backend={self.rlkit_env.backend!r})"


GYMNASIUM_IDS = {"rlkit/CartPole-v0": (200, 195.0), "rlkit/CartPole-v1": (500, 475.0)}


def register_gymnasium_envs() -> None:
    """Register rlkit's envs with gymnasium (string entry points: nothing loads until made). Idempotent."""
    from gymnasium.envs.registration import register, registry

    for env_id, (max_episode_steps, reward_threshold) in GYMNASIUM_IDS.items():
        if env_id in registry:
            continue
        register(
            id=env_id,
            entry_point="rlkit.envs.as_gymnasium:CartPoleGymEnv",
            vector_entry_point="rlkit.envs.as_gymnasium:CartPoleGymVectorEnv",
            max_episode_steps=max_episode_steps,
            reward_threshold=reward_threshold,
        )
