"""The CartPole kernel: a batch of ``N`` cart-poles stepped together with next-step autoreset.

One Protocol, three implementations (``rlkit.backend.load("cartpole", backend)``):
``rlkit_ext._cartpole`` (Cython), ``rlkit.kernels.cartpole_numba`` and the NumPy reference
``rlkit.kernels.cartpole_numpy``. Each module defines a class ``Simulator`` satisfying
:class:`CartPoleSimulator`; all three give bit-identical results.

Physics are gymnasium's ``CartPoleEnv`` exactly (same constants, same operation order, explicit
Euler, float64); observations are the float64 state rounded to float32.

Randomness: every env ``i`` of the batch owns a splitmix64 stream (one ``uint64`` of state),
seeded from ``(seed, i)`` by :func:`seed_streams`, so env ``i`` replays the same episodes whatever
the batch size and whichever backend runs it. A reset draws ``x, x_dot, theta, theta_dot`` in
that order, each ``-0.05 + 0.1 * u`` with ``u = (next64 >> 11) * 2**-53`` in ``[0, 1)``.

Step outcome codes (``step_one`` returns one; ``step`` writes the matching fields):
``FIRST = 0`` (autoreset; action ignored), ``MID = 1``, ``TERMINATED = 2`` (LAST, discount 0),
``TRUNCATED = 3`` (LAST, discount 1).
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np

__all__ = [
    "CartPoleSimulator",
    "seed_streams",
    "check_sizes",
    "check_actions",
    "check_rollout",
    "check_action_rng",
    "GRAVITY",
    "MASSCART",
    "MASSPOLE",
    "TOTAL_MASS",
    "LENGTH",
    "POLEMASS_LENGTH",
    "FORCE_MAG",
    "TAU",
    "THETA_THRESHOLD_RADIANS",
    "X_THRESHOLD",
    "RESET_LOW",
    "RESET_HIGH",
    "NO_TIME_LIMIT",
    "FIRST",
    "MID",
    "TERMINATED",
    "TRUNCATED",
]

GRAVITY = 9.8
MASSCART = 1.0
MASSPOLE = 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # half the pole's length (m)
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0  # N
TAU = 0.02  # s per step
THETA_THRESHOLD_RADIANS = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4  # m
RESET_LOW = -0.05
RESET_HIGH = 0.05
NO_TIME_LIMIT = np.iinfo(np.int64).max  # ``max_episode_steps`` meaning "never truncate"

FIRST, MID, TERMINATED, TRUNCATED = 0, 1, 2, 3

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def seed_streams(seed: int, num_envs: int) -> np.ndarray:
    """The initial splitmix64 state of each env's stream for ``seed``: ``uint64 [num_envs]``.

    Env ``i``'s state depends only on ``(seed, i)``. ``seed`` must be an int in ``[0, 2**64)``.
    """
    base = _mix64((int(seed) + _GOLDEN) & _MASK64)
    return np.array([_mix64((base + (i + 1) * _GOLDEN) & _MASK64) for i in range(num_envs)], dtype=np.uint64)


def _shape(array: np.ndarray) -> str:
    return f"{getattr(array, 'dtype', type(array).__name__)}{list(np.shape(array))}"


def check_sizes(num_envs: int, max_episode_steps: int) -> None:
    """``ValueError`` unless both are ints >= 1 (the Python-side kernels' constructor check)."""
    if int(num_envs) < 1 or int(max_episode_steps) < 1:
        raise ValueError(f"Simulator needs num_envs >= 1 and max_episode_steps >= 1, got {num_envs} and {max_episode_steps}")


def check_actions(actions: np.ndarray, num_envs: int) -> None:
    """``ValueError`` unless ``actions`` is an int64 C-contiguous ``[num_envs]`` array (checked before any read)."""
    if (type(actions) is not np.ndarray or actions.shape != (num_envs,) or actions.dtype != np.int64
            or not actions.flags.c_contiguous):
        raise ValueError(f"step expects int64[{num_envs}] actions (C-contiguous), got {_shape(actions)}")


def check_rollout(num_envs: int, actions: np.ndarray, obs: np.ndarray, reward: np.ndarray, discount: np.ndarray,
                  step_type: np.ndarray) -> None:
    """``ValueError`` unless the ``rollout`` arrays have the dtypes and ``[T, N(, 4)]`` shapes of the contract."""
    expected = (("actions", actions, np.int64, 2), ("obs", obs, np.float32, 3), ("reward", reward, np.float32, 2),
                ("discount", discount, np.float32, 2), ("step_type", step_type, np.int32, 2))
    steps = np.shape(actions)[0] if np.ndim(actions) else -1
    for name, array, dtype, ndim in expected:
        shape = (steps, num_envs, 4)[:ndim]
        if type(array) is not np.ndarray or array.dtype != dtype or array.shape != shape or not array.flags.c_contiguous:
            raise ValueError(f"rollout expects {name} {np.dtype(dtype)}{list(shape)} (C-contiguous), got {_shape(array)}")


def check_action_rng(action_rng: np.ndarray, num_envs: int) -> None:
    """``ValueError`` unless ``action_rng`` is a uint64 ``[num_envs]`` array."""
    if type(action_rng) is not np.ndarray or action_rng.shape != (num_envs,) or action_rng.dtype != np.uint64:
        raise ValueError(f"rollout_random expects uint64[{num_envs}] action streams, got {_shape(action_rng)}")


class CartPoleSimulator(Protocol):
    """``N`` cart-poles with their own RNG streams and episode clocks.

    Arrays (owned by the simulator; read them, write ``state`` only through ``set_state`` users):
      state: float64 ``[N, 4]``: ``x`` (m), ``x_dot`` (m/s), ``theta`` (rad), ``theta_dot`` (rad/s).
      elapsed: int64 ``[N]``: steps taken in the current episode.
      done: uint8 ``[N]``: 1 where the last step was LAST (the next step resets that env).
      rng: uint64 ``[N]``: splitmix64 state of each env's stream.
      obs: float32 ``[N, 4]``; reward, discount: float32 ``[N]``; step_type: int32 ``[N]``:
        the outputs of the latest ``reset`` / ``step`` / ``step_one`` (overwritten by the next call).
    """

    num_envs: int
    max_episode_steps: int
    state: np.ndarray
    elapsed: np.ndarray
    done: np.ndarray
    rng: np.ndarray
    obs: np.ndarray
    reward: np.ndarray
    discount: np.ndarray
    step_type: np.ndarray

    def __init__(self, num_envs: int, max_episode_steps: int) -> None:
        """``ValueError`` unless both are >= 1. Every method checks the shapes and dtypes of the arrays
        it is given (``ValueError`` naming expected and given) before it reads or writes them."""

    def seed(self, seed: int) -> None:
        """Re-seed every env's stream from ``seed`` (see :func:`seed_streams`)."""

    def reset(self) -> None:
        """Start a new episode in every env (draws from its stream); outputs are a FIRST step."""

    def step(self, actions: np.ndarray) -> int:
        """Advance every env by one step with ``actions`` (int64 ``[N]``, C-contiguous, values 0/1).

        Envs whose previous step was LAST reset instead (FIRST, reward 0, discount 1).
        Returns -1, or the index of the first action outside {0, 1} (then nothing changed).
        """

    def step_one(self, action: int) -> int:
        """``step`` for env 0 alone (the unbatched fast path); returns its outcome code or -1."""

    def rollout(
        self, actions: np.ndarray, obs: np.ndarray, reward: np.ndarray, discount: np.ndarray, step_type: np.ndarray
    ) -> int:
        """``T`` steps in one call: ``actions`` int64 ``[T, N]``; writes ``obs`` float32 ``[T, N, 4]``,
        ``reward``/``discount`` float32 ``[T, N]``, ``step_type`` int32 ``[T, N]`` (all C-contiguous).

        Returns -1, or the flat index of the first invalid action (then nothing changed).
        """

    def rollout_random(self, num_steps: int, action_rng: np.ndarray) -> int:
        """``num_steps`` steps of every env with uniform random actions from ``action_rng``
        (uint64 ``[N]`` splitmix64 streams, advanced in place), writing no outputs.

        Returns the number of episodes that ended (LAST steps) during the rollout.
        """

    def set_state(self, states: np.ndarray) -> None:
        """Overwrite the physical state (float64 ``[N, 4]``); clocks and streams are unchanged."""
