"""CartPole as a compiled, batched rlkit ``Env``: gymnasium's ``CartPole`` physics, many times faster.

    env = rlkit.envs.load("CartPole-v0")           # unbatched, time limit 200 (like suite_gym.load)
    env = CartPole(num_envs=1024, seed=0)          # 1024 cart-poles stepped by one kernel call
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from rlkit import backend as _backend
from rlkit.validation import check_count
from rlkit.core import Env
from rlkit.envs.render import cartpole_frame
from rlkit.kernels import cartpole as _kernel
from rlkit.specs import ArraySpec, BoundedArraySpec
from rlkit.types import DISCOUNT_DTYPE, REWARD_DTYPE, STEP_TYPE_DTYPE, StepType, TimeStep

__all__ = ["CartPole"]

_F32_MAX = float(np.finfo(np.float32).max)
_OBS_HIGH = np.array([_kernel.X_THRESHOLD * 2, _F32_MAX, _kernel.THETA_THRESHOLD_RADIANS * 2, _F32_MAX], np.float32)


def _constant(value: float, dtype: Any) -> np.ndarray:
    array = np.array(value, dtype)
    array.setflags(write=False)
    return array


# Read-only 0-d fields of an unbatched TimeStep, indexed by the kernel's outcome code
# (FIRST, MID, TERMINATED, TRUNCATED): shared between steps instead of allocated per step.
_STEP_TYPES = tuple(_constant(v, STEP_TYPE_DTYPE) for v in (StepType.FIRST, StepType.MID, StepType.LAST, StepType.LAST))
_REWARDS = tuple(_constant(v, REWARD_DTYPE) for v in (0.0, 1.0, 1.0, 1.0))
_DISCOUNTS = tuple(_constant(v, DISCOUNT_DTYPE) for v in (1.0, 1.0, 0.0, 1.0))


def check_seed(seed: Any) -> int:
    """``seed`` as an int in ``[0, 2**64)``, or a ``TypeError``/``ValueError`` saying what is accepted."""
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be an int in [0, 2**64) or None, got the bool {seed!r}")
    try:
        number = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be an int in [0, 2**64) or None, got {seed!r}") from None
    if not 0 <= number < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {number}")
    return number


def check_snapshot(snapshot: Any, sim: Any, names: tuple[str, ...]) -> None:
    """``ValueError`` naming the field unless ``snapshot`` fits ``sim``'s arrays and holds values a
    CartPole can reach: finite state and outputs, step types 0-2, done 0/1, clocks in
    ``[0, max_episode_steps]``, discounts in [0, 1]. Nothing is written before it passes."""
    if not hasattr(snapshot, "__contains__") or not hasattr(snapshot, "__getitem__"):
        raise ValueError(f"not a CartPole snapshot: expected a dict of arrays from get_state(), got {type(snapshot).__name__}")
    missing = [name for name in (*names, "started") if name not in snapshot]
    if missing:
        raise ValueError(f"not a CartPole snapshot: missing {', '.join(missing)}")
    values = {}
    for name in names:
        target = getattr(sim, name)
        value = values[name] = np.asarray(snapshot[name])
        if value.shape != target.shape or value.dtype != target.dtype:
            raise ValueError(f"CartPole snapshot field {name!r}: {value.dtype}{list(value.shape)} does not fit this env's "
                             f"{target.dtype}{list(target.shape)} (built with another num_envs?)")
    started = np.asarray(snapshot["started"])
    if started.shape != (2,) or started.dtype != np.bool_:
        raise ValueError(f"CartPole snapshot field 'started': expected bool[2], got {started.dtype}{list(started.shape)}")
    rules = (("state", np.isfinite(values["state"]), "finite"), ("obs", np.isfinite(values["obs"]), "finite"),
             ("reward", np.isfinite(values["reward"]), "finite"),
             ("discount", (values["discount"] >= 0) & (values["discount"] <= 1), "in [0, 1]"),
             ("step_type", (values["step_type"] >= 0) & (values["step_type"] <= 2), "0, 1 or 2 (FIRST, MID, LAST)"),
             ("done", values["done"] <= 1, "0 or 1"),
             ("elapsed", (values["elapsed"] >= 0) & (values["elapsed"] <= sim.max_episode_steps),
              f"in [0, {sim.max_episode_steps}] (the time limit)"))
    for name, ok, what in rules:
        if not ok.all():
            bad = values[name].reshape(-1)[int(np.argmin(ok.reshape(-1)))]
            raise ValueError(f"CartPole snapshot field {name!r} must be {what}, got {bad}; restore a state taken "
                             "by CartPole.get_state() (the file may be corrupt)")


class CartPole(Env):
    """Gymnasium's CartPole, compiled and batched.

    A pole is hinged on a cart moving along a frictionless track; push the cart left or right to
    keep the pole upright. Physics are gymnasium's ``CartPoleEnv`` exactly (float64, explicit
    Euler, tau = 0.02 s), checked in lockstep against it.

    | Observation (float32 ``[4]``) | Min | Max |
    |---|---|---|
    | 0 cart position (m) | -4.8 | 4.8 |
    | 1 cart velocity (m/s) | -3.4e38 | 3.4e38 |
    | 2 pole angle (rad) | -0.418 | 0.418 |
    | 3 pole angular velocity (rad/s) | -3.4e38 | 3.4e38 |

    | Action (int64 scalar) | Meaning |
    |---|---|
    | 0 | push the cart left (10 N) |
    | 1 | push the cart right (10 N) |

    Reward 1 for every step, including the last. An episode terminates (LAST, discount 0) when
    ``|x| > 2.4`` or ``|theta| > 12 deg``, and is truncated (LAST, discount 1) after
    ``max_episode_steps`` steps. Starting state: each variable uniform in ``[-0.05, 0.05)``.
    After a LAST step, that env's next ``step`` resets it (FIRST, reward 0; the action is ignored).

    Args:
      num_envs: ``None`` for one unbatched env (scalar fields, ``batch_size is None``), or ``N``
        for a batch (every field gets a leading ``[N]``).
      max_episode_steps: time limit (500 for ``CartPole-v1``, 200 for ``-v0``); ``None``: none.
      reward_threshold: the average return that counts as solved (metadata only).
      seed: seed of the first ``reset()`` (``None``: fresh entropy). Env ``i`` of the batch replays
        the same episodes for the same seed, whatever ``num_envs`` and backend.
      backend: kernel implementation, ``"cython"``, ``"numba"`` or ``"numpy"`` (default: ``rlkit.backend.default()``).
    """

    def __init__(
        self,
        num_envs: int | None = None,
        max_episode_steps: int | None = 500,
        reward_threshold: float | None = 475.0,
        seed: int | None = None,
        backend: str | None = None,
    ) -> None:
        self._num_envs = check_count(num_envs, "num_envs", allow_none=True)
        self._max_episode_steps = check_count(max_episode_steps, "max_episode_steps", allow_none=True)
        self._reward_threshold = None if reward_threshold is None else float(reward_threshold)
        self._seed = None if seed is None else check_seed(seed)
        self._backend = backend or _backend.default()
        n = 1 if self._num_envs is None else self._num_envs
        limit = _kernel.NO_TIME_LIMIT if self._max_episode_steps is None else self._max_episode_steps
        self._sim = _backend.load("cartpole", self._backend).Simulator(n, limit)
        self._seeded = False
        self._closed = False
        self._obs_row = self._sim.obs[0]
        self._action_shape = (n,)
        self._observation_spec = BoundedArraySpec((4,), np.float32, -_OBS_HIGH, _OBS_HIGH, name="observation")
        self._action_spec = BoundedArraySpec((), np.int64, 0, 1, name="action")

    # -- description ---------------------------------------------------------------------------
    @property
    def batch_size(self) -> int | None:
        return self._num_envs

    @property
    def num_envs(self) -> int:
        """Number of cart-poles simulated (1 for an unbatched env)."""
        return self._sim.num_envs

    @property
    def max_episode_steps(self) -> int | None:
        return self._max_episode_steps

    @property
    def reward_threshold(self) -> float | None:
        return self._reward_threshold

    @property
    def backend(self) -> str:
        """The kernel backend stepping this env."""
        return self._backend

    def observation_spec(self) -> BoundedArraySpec:
        return self._observation_spec

    def action_spec(self) -> BoundedArraySpec:
        return self._action_spec

    def reward_spec(self) -> ArraySpec:
        return ArraySpec((), REWARD_DTYPE, name="reward")

    def __repr__(self) -> str:
        return (f"CartPole(num_envs={self._num_envs}, max_episode_steps={self._max_episode_steps}, "
                f"backend={self._backend!r})")

    # -- the loop ------------------------------------------------------------------------------
    def _reset(self, seed: int | None) -> TimeStep:
        self._check_open()
        if seed is not None:
            self._sim.seed(check_seed(seed))
        elif not self._seeded:
            fresh = self._seed if self._seed is not None else int(np.random.SeedSequence().generate_state(2, np.uint64)[0])
            self._sim.seed(fresh)
        self._seeded = True
        self._sim.reset()
        return self._time_step()

    def _checked_action(self, action: Any) -> Any:
        """Known-good actions (a Python/NumPy int 0 or 1 unbatched; C-contiguous int64 ``[N]``
        batched) pass as they are, the kernels range-check them; anything else takes the
        generic check, which raises the ``ValueError`` naming the spec."""
        if self._num_envs is None:
            kind = type(action)
            if (kind is int or kind is np.int64) and -1 < action < 2:
                return action
            return int(self.validate_action(action))
        if (type(action) is np.ndarray and action.dtype == np.int64 and action.shape == self._action_shape
                and action.flags.c_contiguous):
            return action
        return np.ascontiguousarray(self.validate_action(action))

    def _step(self, action: Any) -> TimeStep:
        if self._num_envs is None:
            code = self._sim.step_one(action)
            return TimeStep(_STEP_TYPES[code], _REWARDS[code], _DISCOUNTS[code], self._obs_row.copy())
        if self._sim.step(action) >= 0:  # an action out of range: nothing was stepped
            self.validate_action(action)  # raises the ValueError naming the spec
        return self._time_step()

    def _time_step(self) -> TimeStep:
        sim = self._sim
        if self._num_envs is None:
            return TimeStep(np.array(sim.step_type[0]), np.array(sim.reward[0]), np.array(sim.discount[0]), self._obs_row.copy())
        return TimeStep(sim.step_type.copy(), sim.reward.copy(), sim.discount.copy(), sim.obs.copy())

    # -- state, rollouts, rendering -----------------------------------------------------------
    def physical_state(self) -> np.ndarray:
        """A copy of the physical state, float64 ``[N, 4]`` (``[4]`` unbatched): x, x_dot, theta, theta_dot."""
        state = self._sim.state.copy()
        return state[0] if self._num_envs is None else state

    def set_physical_state(self, states: Any) -> None:
        """Overwrite the physical state with ``states`` (float64 ``[N, 4]``, ``[4]`` unbatched).

        The next ``step`` integrates from it. Episode clocks and RNG streams are unchanged, and so
        is ``current_time_step()``. Used to align with another simulator (lockstep tests).
        """
        shape = (4,) if self._num_envs is None else (self._sim.num_envs, 4)
        array = np.asarray(states, dtype=np.float64)
        if array.shape != shape:
            raise ValueError(f"set_physical_state expects float64 states of shape {shape} (x, x_dot, theta, theta_dot), got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError("set_physical_state expects finite states, got NaN or inf")
        self._sim.set_state(array.reshape(self._sim.num_envs, 4))

    _SNAPSHOT_ARRAYS = ("state", "elapsed", "done", "rng", "obs", "reward", "discount", "step_type")

    def get_state(self) -> dict[str, np.ndarray]:
        """Physical states, episode clocks, RNG streams and the latest outputs (see ``Env.get_state``)."""
        self._check_open()
        arrays = {name: np.array(getattr(self._sim, name)) for name in self._SNAPSHOT_ARRAYS}
        arrays["started"] = np.array([self._seeded, self._current_time_step is not None], np.bool_)
        return arrays

    def set_state(self, state: Any) -> None:
        """Continue exactly where :meth:`get_state` was taken (same ``num_envs`` and time limit)."""
        snapshot = state
        self._check_open()
        check_snapshot(snapshot, self._sim, self._SNAPSHOT_ARRAYS)
        for name in self._SNAPSHOT_ARRAYS:
            getattr(self._sim, name)[...] = snapshot[name]
        self._seeded, started = (bool(flag) for flag in np.asarray(snapshot["started"]))
        self._current_time_step = self._time_step() if started else None

    def rollout(self, actions: Any) -> TimeStep:
        """Step ``T`` times in one kernel call: ``actions`` int64 ``[T, N]`` (``[T]`` unbatched).

        Returns a ``TimeStep`` whose fields have ``[T]`` prepended (the ``T`` time steps that
        ``step`` would have returned one by one); afterwards the env stands at the last of them.
        """
        if self._current_time_step is None:
            raise RuntimeError("CartPole.rollout() called before reset(): call env.reset() first")
        actions = np.asarray(actions)
        if actions.ndim == 0:
            raise ValueError(f"rollout expects actions of shape [T]{'' if self._num_envs is None else ', N'}, got a scalar")
        steps = actions.shape[0]
        try:
            checked = self._action_spec.check_array(actions, (steps,) + ((self._num_envs,) if self._num_envs else ()))
        except ValueError as err:
            raise ValueError(f"invalid actions for CartPole.rollout: {err}") from None
        n = self._sim.num_envs
        checked = np.ascontiguousarray(checked.reshape(steps, n))
        obs = np.empty((steps, n, 4), np.float32)
        reward = np.empty((steps, n), np.float32)
        discount = np.empty((steps, n), np.float32)
        step_type = np.empty((steps, n), np.int32)
        self._sim.rollout(checked, obs, reward, discount, step_type)
        if steps:
            self._current_time_step = self._time_step()
        if self._num_envs is None:
            return TimeStep(step_type[:, 0], reward[:, 0], discount[:, 0], obs[:, 0])
        return TimeStep(step_type, reward, discount, obs)

    def render(self, env_index: int = 0) -> np.ndarray:
        """RGB ``uint8 [400, 600, 3]`` frame of env ``env_index`` (gymnasium's picture; see ``rlkit.envs.render``)."""
        index = operator.index(env_index)
        if not 0 <= index < self._sim.num_envs:
            raise IndexError(f"env_index {index} is out of range for {self._sim.num_envs} env(s)")
        x, _, theta, _ = self._sim.state[index]
        return cartpole_frame(x, theta)

    def close(self) -> None:
        self._closed = True
        self._current_time_step = None

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("CartPole is closed: create a new env")
