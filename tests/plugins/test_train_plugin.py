"""Training the plugin env with DQN from the example's YAML config, through ``rlkit train``."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.plugins.conftest import ENV_NAME, NETWORK_NAME, PLUGIN_ROOT, REPO_ROOT

CONFIG = PLUGIN_ROOT / "mountaincar_dqn.yaml"


def test_example_config_is_valid_and_names_the_plugin_env(dist):
    from rlkit.train.config import load_config

    config = load_config(CONFIG)
    assert config.env.name == ENV_NAME
    assert config.network.name == NETWORK_NAME
    assert config.agent.name == "dqn"
    # 120k env steps, as the rl-zoo MountainCar-v0 DQN settings it follows.
    assert config.train.num_iterations * config.train.collect_steps_per_iteration * config.env.num_envs == 120_000


def test_trains_through_cli(dist, tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "rlkit", "train", str(CONFIG), "--out", str(out),
         "--set", "train.num_iterations=300", "--no-video"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env,
    )
    assert result.returncode == 0, f"rlkit train failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert (out / "metrics.csv").is_file(), sorted(p.name for p in out.iterdir())
    summary = json.loads((out / "summary.json").read_text())
    assert summary, "summary.json is empty"
