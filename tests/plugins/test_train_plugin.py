"""Training the plugin env with DQN from the example's YAML config, through ``rlkit train``."""
from __future__ import annotations


from tests.plugins.conftest import ENV_NAME, NETWORK_NAME, PLUGIN_ROOT

CONFIG = PLUGIN_ROOT / "mountaincar_dqn.yaml"


def test_example_config_is_valid_and_names_the_plugin_env(dist):
    from rlkit.train.config import load_config

    config = load_config(CONFIG)
    assert config.env.name == ENV_NAME
    assert config.network.name == NETWORK_NAME
    assert config.agent.name == "dqn"
    # 120k env steps, as the rl-zoo MountainCar-v0 DQN settings it follows.
    assert config.train.num_iterations * config.train.collect_steps_per_iteration * config.env.num_envs == 120_000
