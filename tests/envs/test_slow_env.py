"""rlkit.testing.SlowEnv: the wrapped env's results exactly, plus a fixed CPU cost per env step."""
from __future__ import annotations

import time

import numpy as np
import pytest

from rlkit import make
from rlkit.testing import EnvConformance, SlowEnv
from rlkit.train.components import make_env
from rlkit.train.config import load_config


class TestSlowEnvConformance(EnvConformance):
    time_limit = 20

    @pytest.fixture
    def make_env(self):
        return lambda: SlowEnv("CartPole-v1", step_cost_ms=0.01, num_envs=3, max_episode_steps=20)


def test_same_steps_as_the_wrapped_env():
    slow, plain = SlowEnv("CartPole-v1", step_cost_ms=0.0, num_envs=4), make("envs", "CartPole-v1", num_envs=4)
    a, b = slow.reset(seed=3), plain.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(300):
        np.testing.assert_array_equal(a.observation, b.observation)
        np.testing.assert_array_equal(a.step_type, b.step_type)
        action = rng.integers(0, 2, 4)
        a, b = slow.step(action), plain.step(action)


def test_each_step_costs_step_cost_ms_per_env():
    env = SlowEnv("CartPole-v1", step_cost_ms=2.0, num_envs=3)
    env.reset(seed=0)
    began = time.perf_counter()
    for _ in range(10):
        env.step(np.zeros(3, np.int64))
    assert time.perf_counter() - began >= 10 * 3 * 2.0e-3  # a lower bound only: never an upper one
    cpu = time.process_time()
    env.step(np.zeros(3, np.int64))
    assert time.process_time() - cpu >= 0.8 * 6.0e-3  # busy CPU, not a sleep


def test_stalls_cost_extra_cpu_on_about_their_share_of_steps_and_change_no_result():
    stalling = SlowEnv("CartPole-v1", step_cost_ms=0.0, num_envs=2, stall_ms=3.0, stall_probability=0.25)
    plain = make("envs", "CartPole-v1", num_envs=2)
    a, b = stalling.reset(seed=4), plain.reset(seed=4)
    cpu = time.process_time()
    for _ in range(80):
        a, b = stalling.step(np.ones(2, np.int64)), plain.step(np.ones(2, np.int64))
        np.testing.assert_array_equal(a.observation, b.observation)
    stalls = int(np.sum(np.random.default_rng(4).random(80) < 0.25))  # the same stream: seeded by reset(seed=4)
    assert 5 < stalls < 40 and time.process_time() - cpu >= 0.8 * stalls * 3.0e-3


@pytest.mark.parametrize("kwargs", [{"stall_ms": -1.0}, {"stall_probability": 1.5}, {"stall_probability": True}])
def test_bad_stall_arguments_are_refused(kwargs):
    with pytest.raises(ValueError, match="must be"):
        SlowEnv("CartPole-v1", **kwargs)


def test_state_round_trip_continues_exactly():
    env = SlowEnv("CartPole-v1", step_cost_ms=0.0, num_envs=2)
    env.reset(seed=1)
    for _ in range(30):
        env.step(np.ones(2, np.int64))
    state = env.get_state()
    after = [env.step(np.zeros(2, np.int64)).observation for _ in range(5)]
    other = SlowEnv("CartPole-v1", step_cost_ms=0.0, num_envs=2)
    other.set_state(state)
    assert other.current_time_step() is not None
    np.testing.assert_array_equal(np.stack(after), np.stack([other.step(np.zeros(2, np.int64)).observation
                                                             for _ in range(5)]))


def test_usable_from_a_config_by_its_path_with_env_options(tmp_path):
    (tmp_path / "slow.yaml").write_text("env:\n  name: rlkit.testing.slow_env:SlowEnv\n  num_envs: 2\n"
                                        "  kwargs: {env: CartPole-v0, step_cost_ms: 0.5, max_episode_steps: 7}\n")
    env = make_env(load_config(tmp_path / "slow.yaml"), 2)
    assert isinstance(env, SlowEnv) and env.step_cost_ms == 0.5 and env.batch_size == 2
    env.reset(seed=0)
    lengths = [int(env.step(np.zeros(2, np.int64)).step_type[0]) for _ in range(8)]
    assert lengths[6] == 2  # LAST at the 7th step: the wrapped env got max_episode_steps


@pytest.mark.parametrize("cost", [-1.0, "1", True])
def test_bad_step_cost_is_refused(cost):
    with pytest.raises(ValueError, match="step_cost_ms"):
        SlowEnv("CartPole-v1", step_cost_ms=cost)
