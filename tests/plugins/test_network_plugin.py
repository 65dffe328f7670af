"""The plugin's Q-network factory, built through the registry, works with DqnAgent (imports TensorFlow)."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit import registry
from tests.plugins.conftest import NETWORK_NAME


@pytest.fixture(scope="module")
def specs(env_module):
    env = env_module.MountainCar(num_envs=3)
    return env, env.observation_spec(), env.action_spec()


def test_funnel_network_narrows_its_layers(specs):
    from rlkit.networks import QNetwork

    env, observation_spec, action_spec = specs
    net = registry.make("networks", NETWORK_NAME, observation_spec=observation_spec, action_spec=action_spec,
                        fc_layer_params=(32,), shrink=2, depth=3, seed=0)
    assert isinstance(net, QNetwork)
    assert net.layer_sizes == (2, 32, 16, 8, 3)
    observations = env.reset(seed=0).observation
    q_values = np.asarray(net(observations))
    assert q_values.shape == (3, 3) and q_values.dtype == np.float32
    np.testing.assert_allclose(net.to_mirror(backend="numpy").q_values(observations), q_values, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"shrink": 0}, {"depth": 0}, {"fc_layer_params": ()}])
def test_funnel_network_rejects_bad_options(specs, kwargs):
    _, observation_spec, action_spec = specs
    with pytest.raises(ValueError, match=next(iter(kwargs)).split("_")[0]):
        registry.make("networks", NETWORK_NAME, observation_spec=observation_spec, action_spec=action_spec, **kwargs)


def test_dqn_agent_acts_in_the_plugin_env_with_the_plugin_network(specs):
    import keras

    from rlkit.agents.dqn import DqnAgent

    env, observation_spec, action_spec = specs
    net = registry.make("networks", NETWORK_NAME, observation_spec=observation_spec, action_spec=action_spec,
                        fc_layer_params=(16,), seed=1)
    agent = DqnAgent(env.time_step_spec(), action_spec, net, keras.optimizers.Adam(1e-3), seed=0)
    agent.initialize()
    time_step = env.reset(seed=0)
    for _ in range(5):
        time_step = env.step(agent.collect_policy.action(time_step).action)
    greedy = agent.policy.action(time_step).action
    np.testing.assert_array_equal(greedy, np.argmax(np.asarray(net(time_step.observation)), axis=-1))
