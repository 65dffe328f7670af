"""PolicyConformance applied to the test fake and to every rlkit policy."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.policies import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy, QValueMirror, RandomPolicy
from rlkit.testing import FakeEnv, FakePolicy, PolicyConformance


def _mirror(env: FakeEnv) -> QValueMirror:
    mirror = QValueMirror([env.observation_spec().shape[0], 8, env.action_spec().num_values])
    mirror.set_params(np.random.default_rng(3).standard_normal(mirror.num_params))
    return mirror


class TestFakePolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self):
        def factory():
            env = FakeEnv(num_envs=3, num_actions=3)
            return FakePolicy(env.time_step_spec(), env.action_spec(), rng=np.random.default_rng(0)), env

        return factory


class TestRandomPolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self):
        def factory():
            env = FakeEnv(num_envs=3, num_actions=3)
            return RandomPolicy(env.time_step_spec(), env.action_spec(), seed=0), env

        return factory


class TestGreedyPolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self):
        def factory():
            env = FakeEnv(num_envs=None, num_actions=3)
            return GreedyPolicy(env.time_step_spec(), env.action_spec(), _mirror(env)), env

        return factory


class TestEpsilonGreedyPolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self):
        def factory():
            env = FakeEnv(num_envs=4, num_actions=3)
            return EpsilonGreedyPolicy(env.time_step_spec(), env.action_spec(), _mirror(env), 0.5, seed=1), env

        return factory


class TestBoltzmannPolicy(PolicyConformance):
    @pytest.fixture
    def make_policy(self):
        def factory():
            env = FakeEnv(num_envs=2, num_actions=3)
            return BoltzmannPolicy(env.time_step_spec(), env.action_spec(), _mirror(env), 2.0, seed=1), env

        return factory
