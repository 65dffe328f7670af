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


def test_trains_through_the_cli(dist, tmp_path):
    """``rlkit train`` on the plugin's YAML: the env, network found by entry point; every output written."""
    import json
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "rlkit", "train", str(CONFIG), "--out", str(run_dir), "--quiet",
         "--set", "train.num_iterations=300", "--set", "eval.interval=150", "--set", "eval.num_episodes=2",
         "--set", "output.video_episodes=1"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["env"] == ENV_NAME and summary["iterations"] == 300
    assert summary["final_return"] is not None
    for name in ("metrics.csv", "returns.png", "trained.mp4", "random.mp4", "policy/saved_model.pb"):
        assert (run_dir / name).is_file(), name
