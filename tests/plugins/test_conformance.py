"""The plugin env and policy pass rlkit's conformance mixins and gymnasium's own env checker."""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from rlkit import registry
from rlkit.envs.as_gymnasium import GymnasiumAdapter, GymnasiumVectorAdapter
from rlkit.testing import EnvConformance, PolicyConformance
from tests.plugins.conftest import ENV_NAME, POLICY_NAME


class TestMountainCarUnbatched(EnvConformance):
    max_steps_to_last = 250  # random actions never reach the goal; the 200-step limit ends every episode

    @pytest.fixture
    def make_env(self, env_module):
        return lambda: env_module.MountainCar()


class TestMountainCarBatchedThroughTheRegistry(EnvConformance):
    max_steps_to_last = 250

    @pytest.fixture
    def make_env(self, env_module):
        return lambda: registry.make("envs", ENV_NAME, num_envs=4)


class TestMountainCarShortEpisodes(EnvConformance):
    """A short time limit, so the autoreset checks see many LAST -> FIRST transitions."""

    max_steps_to_last = 10
    time_limit = 7
    renders = True

    @pytest.fixture
    def make_env(self, env_module):
        return lambda: env_module.MountainCar(num_envs=3, max_episode_steps=7)


class TestEnergyPolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self, env_module):
        def factory():
            env = env_module.MountainCar(num_envs=3)
            policy = registry.make("policies", POLICY_NAME, time_step_spec=env.time_step_spec(), action_spec=env.action_spec())
            return policy, env

        return factory


def test_energy_policy_solves_every_start_within_the_time_limit(env_module, policies_module):
    env = env_module.MountainCar(num_envs=64)
    policy = policies_module.EnergyPolicy(env.time_step_spec(), env.action_spec())
    time_step = env.reset(seed=0)
    lengths = np.zeros(64, np.int64)
    ended = np.zeros(64, bool)
    for _ in range(200):
        time_step = env.step(policy.action(time_step).action)
        lengths += ~ended
        newly = time_step.is_last() & ~ended
        assert np.all(time_step.discount[newly] == 0.0), "the energy policy must reach the goal, not time out"
        ended |= newly
    assert ended.all() and lengths.max() < 200, lengths


def test_energy_policy_rejects_other_specs(env_module, policies_module):
    env = env_module.MountainCar()
    cartpole_like = env.action_spec().replace(maximum=1)
    with pytest.raises(ValueError, match="actions 0 .left. and 2 .right."):
        policies_module.EnergyPolicy(env.time_step_spec(), cartpole_like)
    with pytest.raises(ValueError, match="shape .2,."):
        policies_module.EnergyPolicy(env.time_step_spec()._replace(observation=env.action_spec()), env.action_spec())


GYM_ID = "rlkit_mountaincar/MountainCar-v0"


def test_gymnasium_check_env_accepts_the_plugin_env(env_module):
    if GYM_ID not in gymnasium.registry:
        gymnasium.register(
            GYM_ID,
            entry_point=lambda render_mode=None: GymnasiumAdapter(env_module.MountainCar(), render_mode=render_mode),
        )
    gym_env = gymnasium.make(GYM_ID, render_mode="rgb_array")
    check_env(gym_env.unwrapped, skip_render_check=False)
    observation, _ = gym_env.reset(seed=0)
    assert gym_env.observation_space.contains(observation)
    assert gym_env.render().shape == (400, 600, 3)


def test_plugin_env_as_a_gymnasium_vector_env(env_module):
    envs = GymnasiumVectorAdapter(env_module.MountainCar(num_envs=4, max_episode_steps=5))
    observations, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(observations)
    for _ in range(5):
        observations, rewards, terminated, truncated, _ = envs.step(envs.action_space.sample())
    assert truncated.all() and not terminated.any() and rewards.tolist() == [-1.0] * 4
    assert isinstance(envs, gymnasium.vector.VectorEnv)
