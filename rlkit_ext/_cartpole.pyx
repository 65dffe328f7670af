"""Cython CartPole kernel (the default backend); see ``rlkit.kernels.cartpole`` for the contract.

``Simulator`` keeps typed memoryviews of its own arrays, so a call costs no buffer acquisition
except for caller-supplied arrays; ``step_one`` (the unbatched fast path) takes only a scalar.
Same float64 operations in the same order as gymnasium: bit-identical to the other backends.
"""
from libc.math cimport cos, sin
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

import numpy as np

from rlkit.kernels.cartpole import seed_streams

cdef double GRAVITY = 9.8
cdef double MASSCART = 1.0
cdef double MASSPOLE = 0.1
cdef double TOTAL_MASS = MASSPOLE + MASSCART
cdef double LENGTH = 0.5
cdef double POLEMASS_LENGTH = MASSPOLE * LENGTH
cdef double FORCE_MAG = 10.0
cdef double TAU = 0.02
cdef double THETA_THRESHOLD_RADIANS = 12 * 2 * 3.141592653589793 / 360
cdef double X_THRESHOLD = 2.4
cdef double RESET_LOW = -0.05
cdef double RESET_HIGH = 0.05
cdef double RESET_SPAN = RESET_HIGH - RESET_LOW
cdef double TWO_POW_MINUS_53 = 1.0 / 9007199254740992.0

cdef enum:
    FIRST = 0
    MID = 1
    TERMINATED = 2
    TRUNCATED = 3


cdef inline uint64_t _next64(uint64_t* s) noexcept nogil:
    cdef uint64_t z
    s[0] += 0x9E3779B97F4A7C15ULL
    z = s[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline void _reset_env(double* st, int64_t* elapsed, uint8_t* done, uint64_t* rng) noexcept nogil:
    cdef int k
    for k in range(4):
        st[k] = RESET_LOW + RESET_SPAN * (<double>(_next64(rng) >> 11) * TWO_POW_MINUS_53)
    elapsed[0] = 0
    done[0] = 0


cdef inline int _advance_env(double* st, int64_t* elapsed, uint8_t* done, uint64_t* rng,
                             int64_t action, int64_t max_steps) noexcept nogil:
    cdef double x, x_dot, theta, theta_dot, force, costheta, sintheta, temp, thetaacc, xacc
    if done[0]:
        _reset_env(st, elapsed, done, rng)
        return FIRST
    x = st[0]
    x_dot = st[1]
    theta = st[2]
    theta_dot = st[3]
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta = cos(theta)
    sintheta = sin(theta)
    temp = (force + POLEMASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * (costheta * costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x = x + TAU * x_dot
    x_dot = x_dot + TAU * xacc
    theta = theta + TAU * theta_dot
    theta_dot = theta_dot + TAU * thetaacc
    st[0] = x
    st[1] = x_dot
    st[2] = theta
    st[3] = theta_dot
    elapsed[0] += 1
    if x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD_RADIANS or theta > THETA_THRESHOLD_RADIANS:
        done[0] = 1
        return TERMINATED
    if elapsed[0] >= max_steps:
        done[0] = 1
        return TRUNCATED
    return MID


cdef inline void _write_env(const double* st, int code, float* obs, float* reward, float* discount,
                            int32_t* step_type) noexcept nogil:
    obs[0] = <float>st[0]
    obs[1] = <float>st[1]
    obs[2] = <float>st[2]
    obs[3] = <float>st[3]
    reward[0] = 0.0 if code == FIRST else 1.0
    discount[0] = 0.0 if code == TERMINATED else 1.0
    step_type[0] = 2 if code >= TERMINATED else code


cdef class Simulator:
    """``num_envs`` cart-poles (see ``rlkit.kernels.cartpole.CartPoleSimulator``)."""

    cdef readonly int64_t num_envs
    cdef readonly int64_t max_episode_steps
    cdef readonly object state, elapsed, done, rng, obs, reward, discount, step_type
    cdef double[:, ::1] _state
    cdef int64_t[::1] _elapsed
    cdef uint8_t[::1] _done
    cdef uint64_t[::1] _rng
    cdef float[:, ::1] _obs
    cdef float[::1] _reward, _discount
    cdef int32_t[::1] _step_type

    def __init__(self, num_envs, max_episode_steps):
        if num_envs < 1 or max_episode_steps < 1:
            raise ValueError(f"Simulator needs num_envs >= 1 and max_episode_steps >= 1, got {num_envs} and {max_episode_steps}")
        self.num_envs = num_envs
        self.max_episode_steps = max_episode_steps
        n = self.num_envs
        self.state = np.zeros((n, 4), np.float64)
        self.elapsed = np.zeros(n, np.int64)
        self.done = np.zeros(n, np.uint8)
        self.rng = np.zeros(n, np.uint64)
        self.obs = np.zeros((n, 4), np.float32)
        self.reward = np.zeros(n, np.float32)
        self.discount = np.ones(n, np.float32)
        self.step_type = np.zeros(n, np.int32)
        self._state = self.state
        self._elapsed = self.elapsed
        self._done = self.done
        self._rng = self.rng
        self._obs = self.obs
        self._reward = self.reward
        self._discount = self.discount
        self._step_type = self.step_type

    def seed(self, seed):
        self.rng[:] = seed_streams(seed, self.num_envs)

    def reset(self):
        cdef Py_ssize_t i
        for i in range(self.num_envs):
            _reset_env(&self._state[i, 0], &self._elapsed[i], &self._done[i], &self._rng[i])
            _write_env(&self._state[i, 0], FIRST, &self._obs[i, 0], &self._reward[i], &self._discount[i],
                       &self._step_type[i])

    def step(self, const int64_t[::1] actions not None):
        cdef Py_ssize_t i, n = self.num_envs
        cdef int code
        if actions.shape[0] != n:
            raise ValueError(f"step expects int64[{n}] actions, got {actions.shape[0]} actions")
        for i in range(n):
            if actions[i] != 0 and actions[i] != 1:
                return i
        with nogil:
            for i in range(n):
                code = _advance_env(&self._state[i, 0], &self._elapsed[i], &self._done[i], &self._rng[i],
                                    actions[i], self.max_episode_steps)
                _write_env(&self._state[i, 0], code, &self._obs[i, 0], &self._reward[i], &self._discount[i],
                           &self._step_type[i])
        return -1

    def step_one(self, int64_t action):
        cdef int code
        if action != 0 and action != 1:
            return -1
        code = _advance_env(&self._state[0, 0], &self._elapsed[0], &self._done[0], &self._rng[0], action,
                            self.max_episode_steps)
        _write_env(&self._state[0, 0], code, &self._obs[0, 0], &self._reward[0], &self._discount[0],
                   &self._step_type[0])
        return code

    def rollout(self, const int64_t[:, ::1] actions not None, float[:, :, ::1] obs not None,
                float[:, ::1] reward not None, float[:, ::1] discount not None, int32_t[:, ::1] step_type not None):
        cdef Py_ssize_t t, i, n = self.num_envs, steps = actions.shape[0]
        cdef int code
        if actions.shape[1] != n or obs.shape[0] != steps or obs.shape[1] != n or obs.shape[2] != 4:
            raise ValueError(f"rollout expects actions [T, {n}] and obs [T, {n}, 4]")
        if reward.shape[0] != steps or reward.shape[1] != n or discount.shape[0] != steps or discount.shape[1] != n:
            raise ValueError(f"rollout expects reward and discount [T, {n}]")
        if step_type.shape[0] != steps or step_type.shape[1] != n:
            raise ValueError(f"rollout expects step_type [T, {n}]")
        for t in range(steps):
            for i in range(n):
                if actions[t, i] != 0 and actions[t, i] != 1:
                    return t * n + i
        with nogil:
            for t in range(steps):
                for i in range(n):
                    code = _advance_env(&self._state[i, 0], &self._elapsed[i], &self._done[i], &self._rng[i],
                                        actions[t, i], self.max_episode_steps)
                    _write_env(&self._state[i, 0], code, &obs[t, i, 0], &reward[t, i], &discount[t, i],
                               &step_type[t, i])
        if steps:
            self.obs[:] = obs[steps - 1]
            self.reward[:] = reward[steps - 1]
            self.discount[:] = discount[steps - 1]
            self.step_type[:] = step_type[steps - 1]
        return -1

    def rollout_random(self, int64_t num_steps, uint64_t[::1] action_rng not None):
        cdef Py_ssize_t t, i, n = self.num_envs
        cdef int code
        cdef int64_t episodes = 0, last = num_steps - 1, action
        if action_rng.shape[0] != n:
            raise ValueError(f"rollout_random expects uint64[{n}] action streams, got {action_rng.shape[0]}")
        with nogil:
            for t in range(num_steps):
                for i in range(n):
                    action = <int64_t>(_next64(&action_rng[i]) >> 63)
                    code = _advance_env(&self._state[i, 0], &self._elapsed[i], &self._done[i], &self._rng[i],
                                        action, self.max_episode_steps)
                    if code >= TERMINATED:
                        episodes += 1
                    if t == last:
                        _write_env(&self._state[i, 0], code, &self._obs[i, 0], &self._reward[i],
                                   &self._discount[i], &self._step_type[i])
        return episodes

    def set_state(self, states):
        self.state[:] = states
