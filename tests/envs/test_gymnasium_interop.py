"""Gymnasium <-> rlkit: adapters under EnvConformance, autoreset modes, check_env, make/make_vec, wrappers."""
from __future__ import annotations

import subprocess
import sys
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import rlkit.envs
from rlkit.envs import GymnasiumEnv, GymnasiumVectorEnv
from rlkit.envs.as_gymnasium import CartPoleGymEnv, CartPoleGymVectorEnv, register_gymnasium_envs
from rlkit.testing import EnvConformance
from rlkit.types import StepType
from rlkit import backend as _backend

with warnings.catch_warnings():  # choose the default backend once, so its fallback notice (if any) is not
    warnings.simplefilter("ignore")  # raised inside the warnings-as-errors checks below
    _backend.default()

# -- gymnasium -> rlkit --------------------------------------------------------------------------


class TestAcrobot(EnvConformance):
    max_steps_to_last = 600  # Acrobot-v1 truncates at 500
    time_limit = 500
    renders = False  # made without render_mode

    @pytest.fixture
    def make_env(self):
        return lambda: rlkit.envs.load("gymnasium:Acrobot-v1")


class TestMountainCar(EnvConformance):
    time_limit = 200  # random actions never reach the goal
    renders = False

    @pytest.fixture
    def make_env(self):
        return lambda: GymnasiumEnv(gymnasium.make("MountainCar-v0"))


class TestMountainCarVector(EnvConformance):
    time_limit = 200
    renders = False

    @pytest.fixture
    def make_env(self):
        return lambda: rlkit.envs.load("gymnasium:MountainCar-v0", num_envs=3, vectorization_mode="sync")


class TestGymnasiumCartPoleVectorEntryPoint(EnvConformance):
    renders = False

    @pytest.fixture
    def make_env(self):
        return lambda: rlkit.envs.load("gymnasium:CartPole-v1", num_envs=4)


def test_gymnasium_env_specs_and_flags():
    env = rlkit.envs.load("gymnasium:CartPole-v1")
    assert env.batch_size is None
    assert repr(env.action_spec()) == "BoundedArraySpec(shape=(), dtype=dtype('int64'), name='action', minimum=0, maximum=1)"
    env.reset(seed=0)
    steps = [env.step(1) for _ in range(30)]
    last = next(s for s in steps if s.is_last())
    assert float(last.discount) == 0.0  # pushing right only: terminated
    short = GymnasiumEnv(gymnasium.make("CartPole-v1", max_episode_steps=3))
    short.reset(seed=0)
    types = [int(short.step(i % 2).step_type) for i in range(4)]
    assert types == [StepType.MID, StepType.MID, StepType.LAST, StepType.FIRST]
    assert float(short.step(0).discount) == 1.0


def test_gymnasium_render_passthrough():
    env = rlkit.envs.load("gymnasium:Acrobot-v1", render_mode="rgb_array")
    env.reset(seed=0)
    try:
        frame = env.render()
    except gymnasium.error.DependencyNotInstalled:
        with pytest.raises(RuntimeError):
            rlkit.envs.load("gymnasium:Acrobot-v1").render()
        return
    assert frame.dtype == np.uint8 and frame.ndim == 3


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, AutoresetMode.DISABLED])
def test_vector_autoreset_modes_give_rlkit_semantics(mode):
    """Every mode: LAST observation is the final one, the next step is FIRST from a fresh reset."""
    n, limit = 3, 4
    vector = gymnasium.make_vec("CartPole-v1", num_envs=n, vectorization_mode="sync", max_episode_steps=limit,
                                vector_kwargs={"autoreset_mode": mode})
    env = GymnasiumVectorEnv(vector)
    assert env.autoreset_mode == mode
    env.reset(seed=0)
    types = []
    for _ in range(2 * (limit + 1)):
        time_step = env.step(np.array([0, 1, 0]))
        types.append(time_step.step_type.copy())
        assert np.all(np.abs(time_step.observation[:, 0]) < 2.4)
        if np.all(time_step.is_first()):
            assert np.all(np.abs(time_step.observation) <= 0.05)
            assert np.all(time_step.reward == 0) and np.all(time_step.discount == 1)
        if np.all(time_step.is_last()):
            assert np.all(time_step.discount == 1.0)
            last_obs = time_step.observation
            assert not np.all(np.abs(last_obs) <= 0.05)  # the final state, not a reset one
    expected = [StepType.MID] * (limit - 1) + [StepType.LAST, StepType.FIRST]
    assert [int(t[0]) for t in types] == (expected + expected)[: len(types)]


# -- rlkit -> gymnasium --------------------------------------------------------------------------


def test_check_env_passes_with_warnings_as_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gymnasium.make("rlkit/CartPole-v1", render_mode="rgb_array")
        check_env(env.unwrapped)
        check_env(CartPoleGymEnv(backend="numpy"), skip_render_check=True)
        env.reset(seed=0)
        frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    assert env.spec.max_episode_steps == 500 and env.spec.reward_threshold == 475.0


def test_gymnasium_make_episodes_match_rlkit(backend):
    gym_env = gymnasium.make("rlkit/CartPole-v0", backend=backend)
    obs, _ = gym_env.reset(seed=5)
    again, _ = gym_env.reset(seed=5)
    np.testing.assert_array_equal(obs, again)
    length = 0
    while True:  # a simple balancing controller: push towards where the pole falls
        obs, reward, terminated, truncated, _ = gym_env.step(int(obs[2] + 0.5 * obs[3] > 0))
        length += 1
        assert reward == 1.0
        if terminated or truncated:
            break
    assert truncated and not terminated and length == 200  # balanced until TimeLimit(200)
    with pytest.raises(ValueError, match="name='action'"):
        gym_env.step(2)


def test_record_episode_statistics_single_and_vector():
    env = gymnasium.wrappers.RecordEpisodeStatistics(gymnasium.make("rlkit/CartPole-v1"))
    env.reset(seed=0)
    done, info = False, {}
    while not done:
        _, _, terminated, truncated, info = env.step(1)
        done = terminated or truncated
    assert info["episode"]["l"] == info["episode"]["r"] > 0

    vector = gymnasium.wrappers.vector.RecordEpisodeStatistics(gymnasium.make_vec("rlkit/CartPole-v1", num_envs=4))
    vector.reset(seed=0)
    for _ in range(60):
        _, _, terminated, truncated, info = vector.step(np.ones(4, np.int64))
        if "episode" in info:
            break
    assert "episode" in info and np.all(info["episode"]["l"][info["_episode"]] > 0)
    np.testing.assert_array_equal(info["episode"]["r"], info["episode"]["l"])


def test_make_vec_uses_the_compiled_batched_env():
    vector = gymnasium.make_vec("rlkit/CartPole-v1", num_envs=8, backend="cython")
    assert isinstance(vector, CartPoleGymVectorEnv) and vector.rlkit_env.batch_size == 8
    assert vector.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert vector.rlkit_env.max_episode_steps == 500
    obs, _ = vector.reset(seed=1)
    assert obs.shape == (8, 4) and obs.dtype == np.float32 and obs in vector.observation_space
    again, _ = vector.reset(seed=1)
    np.testing.assert_array_equal(obs, again)
    previous_done = np.zeros(8, bool)
    for _ in range(40):
        obs, reward, terminated, truncated, _ = vector.step(np.ones(8, np.int64))
        np.testing.assert_array_equal(reward == 0, previous_done)  # next-step autoreset
        assert not np.any((terminated | truncated) & previous_done)
        previous_done = terminated | truncated
    rendered = gymnasium.make_vec("rlkit/CartPole-v1", num_envs=2, render_mode="rgb_array")
    rendered.reset(seed=0)
    frames = rendered.render()
    assert len(frames) == 2 and frames[0].shape == (400, 600, 3)
    with pytest.raises(ValueError, match="one int"):
        vector.reset(seed=[1, 2])


def test_registration_is_idempotent_and_module_form_works():
    register_gymnasium_envs()
    register_gymnasium_envs()
    assert "rlkit/CartPole-v1" in gymnasium.registry and "rlkit/CartPole-v0" in gymnasium.registry
    code = "import gymnasium; e = gymnasium.make('rlkit.envs:rlkit/CartPole-v1'); print(type(e.unwrapped).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CartPoleGymEnv"
