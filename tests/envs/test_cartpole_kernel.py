"""The CartPole kernel: every backend bit-identical to the NumPy reference; seeding; bad actions."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit import backend as rlkit_backend
from rlkit.kernels import cartpole as kernel

N, T, MAX_STEPS = 16, 400, 60  # short time limit so truncations happen too


def _make(backend: str, n: int = N, max_steps: int = MAX_STEPS, seed: int = 7):
    sim = rlkit_backend.load("cartpole", backend).Simulator(n, max_steps)
    sim.seed(seed)
    sim.reset()
    return sim


def _snapshot(sim) -> tuple[np.ndarray, ...]:
    return tuple(np.copy(a) for a in (sim.state, sim.elapsed, sim.done, sim.rng, sim.obs, sim.reward,
                                      sim.discount, sim.step_type))


def _assert_same(a, b) -> None:
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_seed_streams_depend_on_seed_and_index_only():
    np.testing.assert_array_equal(kernel.seed_streams(3, 4), kernel.seed_streams(3, 9)[:4])
    assert len(set(kernel.seed_streams(3, 100).tolist())) == 100
    assert not np.array_equal(kernel.seed_streams(3, 4), kernel.seed_streams(4, 4))


def test_reset_state_in_range_and_float32_obs(backend):
    sim = _make(backend, n=1000)
    assert np.all((sim.state >= -0.05) & (sim.state < 0.05))
    np.testing.assert_array_equal(sim.obs, sim.state.astype(np.float32))
    assert np.all(sim.step_type == 0) and np.all(sim.reward == 0) and np.all(sim.discount == 1)


def test_step_matches_reference(backend, rng):
    sim, ref = _make(backend), _make("numpy")
    _assert_same(_snapshot(sim), _snapshot(ref))
    actions = rng.integers(0, 2, (T, N)).astype(np.int64)
    seen = set()
    for row in actions:
        assert sim.step(row) == -1 and ref.step(row) == -1
        _assert_same(_snapshot(sim), _snapshot(ref))
        seen.update(zip(sim.step_type.tolist(), sim.discount.tolist()))
    assert {(0, 1.0), (1, 1.0), (2, 0.0), (2, 1.0)} <= seen  # FIRST, MID, terminated and truncated all occurred


def test_rollout_equals_repeated_steps(backend, rng):
    sim, ref = _make(backend), _make("numpy")
    actions = rng.integers(0, 2, (T, N)).astype(np.int64)
    obs = np.empty((T, N, 4), np.float32)
    reward, discount = np.empty((T, N), np.float32), np.empty((T, N), np.float32)
    step_type = np.empty((T, N), np.int32)
    assert sim.rollout(actions, obs, reward, discount, step_type) == -1
    for t in range(T):
        ref.step(actions[t])
        np.testing.assert_array_equal(obs[t], ref.obs)
        np.testing.assert_array_equal(reward[t], ref.reward)
        np.testing.assert_array_equal(discount[t], ref.discount)
        np.testing.assert_array_equal(step_type[t], ref.step_type)
    _assert_same(_snapshot(sim), _snapshot(ref))


def test_rollout_random_matches_reference(backend):
    sim, ref = _make(backend), _make("numpy")
    streams_a, streams_b = kernel.seed_streams(99, N), kernel.seed_streams(99, N)
    episodes = sim.rollout_random(T, streams_a)
    assert episodes == ref.rollout_random(T, streams_b) and episodes > N
    np.testing.assert_array_equal(streams_a, streams_b)
    _assert_same(_snapshot(sim), _snapshot(ref))


def test_step_one_matches_batched_step(backend, rng):
    one, ref = _make(backend, n=1), _make("numpy", n=1)
    for action in rng.integers(0, 2, 300).tolist():
        code = one.step_one(action)
        ref.step(np.array([action], np.int64))
        assert code in (0, 1, 2, 3) and min(code, 2) == one.step_type[0]
        _assert_same(_snapshot(one), _snapshot(ref))


@pytest.mark.parametrize("bad", [2, -1, 7])
def test_invalid_actions_change_nothing(backend, bad):
    sim = _make(backend)
    before = _snapshot(sim)
    actions = np.zeros(N, np.int64)
    actions[5] = bad
    assert sim.step(actions) == 5
    assert rlkit_backend.load("cartpole", backend).Simulator(1, 5).step_one(bad) == -1
    rollout_actions = np.zeros((3, N), np.int64)
    rollout_actions[2, 1] = bad
    outputs = (np.empty((3, N, 4), np.float32), np.empty((3, N), np.float32), np.empty((3, N), np.float32),
               np.empty((3, N), np.int32))
    assert sim.rollout(rollout_actions, *outputs) == 2 * N + 1
    _assert_same(before, _snapshot(sim))


def test_same_seed_same_episodes_different_seed_different(backend):
    a, b, c = _make(backend, seed=5), _make(backend, seed=5), _make(backend, seed=6)
    np.testing.assert_array_equal(a.state, b.state)
    assert not np.array_equal(a.state, c.state)
    zeros = np.zeros(N, np.int64)
    for _ in range(100):
        a.step(zeros)
        b.step(zeros)
    _assert_same(_snapshot(a), _snapshot(b))


def test_env_streams_independent_of_batch_size(backend):
    small, large = _make(backend, n=3), _make(backend, n=11)
    for _ in range(200):
        small.step(np.ones(3, np.int64))
        large.step(np.ones(11, np.int64))
    np.testing.assert_array_equal(small.obs, large.obs[:3])


def test_physics_matches_hand_computation(backend):
    sim = _make(backend, n=1)
    sim.set_state(np.array([[0.0, 0.0, 0.1, 0.0]]))
    sim.step(np.array([1], np.int64))
    # theta_dot' = tau * thetaacc with theta = 0.1, theta_dot = 0, force = +10 N
    c, s = np.cos(0.1), np.sin(0.1)
    temp = 10.0 / 1.1
    thetaacc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1))
    xacc = temp - 0.05 * thetaacc * c / 1.1
    np.testing.assert_allclose(sim.state[0], [0.0, 0.02 * xacc, 0.1, 0.02 * thetaacc], rtol=1e-15)
