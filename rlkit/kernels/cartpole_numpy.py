"""NumPy reference of the CartPole kernel (the test oracle); see :mod:`rlkit.kernels.cartpole`.

Vectorised over the batch; the same float64 operations in the same order as gymnasium's
``CartPoleEnv.step``, so results are bit-identical to it and to the compiled backends.
"""
from __future__ import annotations

import numpy as np

from rlkit.kernels.cartpole import (
    FIRST,
    FORCE_MAG,
    GRAVITY,
    LENGTH,
    MASSPOLE,
    MID,
    POLEMASS_LENGTH,
    RESET_HIGH,
    RESET_LOW,
    TAU,
    TERMINATED,
    THETA_THRESHOLD_RADIANS,
    TOTAL_MASS,
    TRUNCATED,
    X_THRESHOLD,
    check_action_rng,
    check_actions,
    check_rollout,
    check_sizes,
    seed_streams,
)

__all__ = ["Simulator"]

from rlkit.kernels.splitmix64 import GAMMA as _GOLDEN, MIX1 as _M1, MIX2 as _M2, UNIT as _TWO_POW_MINUS_53

_S30, _S27, _S31, _S11, _S63 = (np.uint64(s) for s in (30, 27, 31, 11, 63))


def _next64(rng: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Advance the splitmix64 streams ``rng[index]`` and return their outputs (uint64 arrays)."""
    z = rng[index] + _GOLDEN
    rng[index] = z
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _uniform(rng: np.ndarray, index: np.ndarray) -> np.ndarray:
    u = (_next64(rng, index) >> _S11).astype(np.float64) * _TWO_POW_MINUS_53
    return RESET_LOW + (RESET_HIGH - RESET_LOW) * u


def _physics(state: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Advance ``state`` [n, 4] in place by one Euler step; returns the terminated mask [n]."""
    x, x_dot, theta, theta_dot = state[:, 0], state[:, 1], state[:, 2], state[:, 3]
    force = np.where(actions == 1, FORCE_MAG, -FORCE_MAG)
    costheta = np.cos(theta)
    sintheta = np.sin(theta)
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    new_x = x + TAU * x_dot
    new_x_dot = x_dot + TAU * xacc
    new_theta = theta + TAU * theta_dot
    new_theta_dot = theta_dot + TAU * thetaacc
    state[:, 0], state[:, 1], state[:, 2], state[:, 3] = new_x, new_x_dot, new_theta, new_theta_dot
    return (
        (new_x < -X_THRESHOLD)
        | (new_x > X_THRESHOLD)
        | (new_theta < -THETA_THRESHOLD_RADIANS)
        | (new_theta > THETA_THRESHOLD_RADIANS)
    )


class Simulator:
    """``num_envs`` cart-poles (see :class:`rlkit.kernels.cartpole.CartPoleSimulator`)."""

    def __init__(self, num_envs: int, max_episode_steps: int) -> None:
        check_sizes(num_envs, max_episode_steps)
        self.num_envs = int(num_envs)
        self.max_episode_steps = int(max_episode_steps)
        n = self.num_envs
        self.state = np.zeros((n, 4), np.float64)
        self.elapsed = np.zeros(n, np.int64)
        self.done = np.zeros(n, np.uint8)
        self.rng = np.zeros(n, np.uint64)
        self.obs = np.zeros((n, 4), np.float32)
        self.reward = np.zeros(n, np.float32)
        self.discount = np.ones(n, np.float32)
        self.step_type = np.zeros(n, np.int32)
        self._all = np.arange(n)

    def seed(self, seed: int) -> None:
        self.rng[:] = seed_streams(seed, self.num_envs)

    def _reset_envs(self, index: np.ndarray) -> None:
        for k in range(4):
            self.state[index, k] = _uniform(self.rng, index)
        self.elapsed[index] = 0
        self.done[index] = 0

    def reset(self) -> None:
        self._reset_envs(self._all)
        self.obs[:] = self.state
        self.reward[:] = 0.0
        self.discount[:] = 1.0
        self.step_type[:] = FIRST

    def _advance(self, actions: np.ndarray) -> np.ndarray:
        """One step of every env (actions already checked); returns the outcome codes [N]."""
        restarting = self.done.astype(bool)
        running = np.flatnonzero(~restarting)
        terminated = _physics_rows(self.state, running, actions[running])
        self.elapsed[running] += 1
        truncated = ~terminated & (self.elapsed[running] >= self.max_episode_steps)
        codes = np.full(self.num_envs, FIRST, np.int32)
        codes[running] = np.where(terminated, TERMINATED, np.where(truncated, TRUNCATED, MID))
        self._reset_envs(np.flatnonzero(restarting))
        self.done[:] = codes >= TERMINATED
        return codes

    def _write_outputs(self, codes: np.ndarray, obs: np.ndarray, reward: np.ndarray, discount: np.ndarray,
                       step_type: np.ndarray) -> None:
        obs[:] = self.state
        reward[:] = np.where(codes == FIRST, 0.0, 1.0)
        discount[:] = np.where(codes == TERMINATED, 0.0, 1.0)
        step_type[:] = np.minimum(codes, 2)

    def step(self, actions: np.ndarray) -> int:
        check_actions(actions, self.num_envs)
        bad = _first_invalid(actions)
        if bad >= 0:
            return bad
        codes = self._advance(actions)
        self._write_outputs(codes, self.obs, self.reward, self.discount, self.step_type)
        return -1

    def step_one(self, action: int) -> int:
        if action != 0 and action != 1:
            return -1
        code = int(self._advance(np.full(self.num_envs, action, np.int64))[0])
        self._write_outputs(np.full(self.num_envs, code, np.int32), self.obs, self.reward, self.discount,
                            self.step_type)
        return code

    def rollout(self, actions: np.ndarray, obs: np.ndarray, reward: np.ndarray, discount: np.ndarray,
                step_type: np.ndarray) -> int:
        check_rollout(self.num_envs, actions, obs, reward, discount, step_type)
        bad = _first_invalid(actions.reshape(-1))
        if bad >= 0:
            return bad
        for t in range(actions.shape[0]):
            codes = self._advance(actions[t])
            self._write_outputs(codes, obs[t], reward[t], discount[t], step_type[t])
        if actions.shape[0]:
            self.obs[:], self.reward[:], self.discount[:], self.step_type[:] = obs[-1], reward[-1], discount[-1], step_type[-1]
        return -1

    def rollout_random(self, num_steps: int, action_rng: np.ndarray) -> int:
        check_action_rng(action_rng, self.num_envs)
        episodes = 0
        for _ in range(int(num_steps)):
            actions = (_next64(action_rng, self._all) >> _S63).astype(np.int64)
            codes = self._advance(actions)
            episodes += int(np.count_nonzero(codes >= TERMINATED))
        if num_steps > 0:
            self._write_outputs(codes, self.obs, self.reward, self.discount, self.step_type)
        return episodes

    def set_state(self, states: np.ndarray) -> None:
        self.state[:] = states


def _physics_rows(state: np.ndarray, rows: np.ndarray, actions: np.ndarray) -> np.ndarray:
    sub = state[rows]
    terminated = _physics(sub, actions)
    state[rows] = sub
    return terminated


def _first_invalid(actions: np.ndarray) -> int:
    bad = np.flatnonzero((actions != 0) & (actions != 1))
    return int(bad[0]) if bad.size else -1
