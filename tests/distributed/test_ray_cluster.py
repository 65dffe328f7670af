"""rlkit on a Ray cluster of two nodes joined by address (``collect.address``, ``--address``), as
docs/scaling.md tells a user to run it. The cluster is Ray's own multi-node test cluster
(``ray.cluster_utils.Cluster``: a head node and a second node, one CPU each, on this machine), started in a
separate process with token auth, so that rlkit joins it exactly as it joins one made with ``ray start``."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile

import pytest

CLUSTER = r"""
import subprocess, sys
from ray.cluster_utils import Cluster

temp = sys.argv[1]
cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False, "temp_dir": temp})
cluster.add_node(num_cpus=1, temp_dir=temp)
cluster.wait_for_nodes()
print(cluster.address, flush=True)
sys.stdin.readline()  # until the test is done
cluster.shutdown()
"""

SHORT = ["train.num_iterations=200", "train.chunk_size=50", "eval.interval=100", "train.checkpoint_interval=100",
         "eval.num_episodes=2", "output.video=false", "output.report=false", "output.tensorboard=false"]


def _rlkit(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, env=env, timeout=300)


def test_train_and_sweep_join_a_two_node_cluster_by_address(tmp_path):
    temp = tempfile.mkdtemp(prefix="rlkit-cl-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    env.update(HOME=str(home), RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), TF_CPP_MIN_LOG_LEVEL="3")
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER, temp], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env=env)
    try:
        address = cluster.stdout.readline().strip()
        assert address, "the test cluster did not start"
        sets = [arg for item in [*SHORT, "collect.engine=ray", "collect.num_workers=2", "collect.mode=async",
                                 f"collect.address={address}"] for arg in ("--set", item)]
        train = _rlkit(["train", *sets, "--out", str(tmp_path / "run"), "--quiet"], env)
        assert train.returncode == 0, train.stderr
        collect = json.loads((tmp_path / "run" / "summary.json").read_text())["collect"]
        assert collect["nodes"] == 2 and min(collect["blocks_per_collector"]) > 0  # a collector on each node

        sweep = _rlkit(["sweep", "--seeds", "0-1", "--executor", "ray", "--address", address, "--workers", "2",
                        "--no-video", *[arg for item in SHORT for arg in ("--set", item)], "--out",
                        str(tmp_path / "sweep")], env)
        assert sweep.returncode == 0, sweep.stderr
        trials = [json.loads(path.read_text()) for path in (tmp_path / "sweep").rglob("trial.json")]
        assert len(trials) == 2 and {trial["status"] for trial in trials} == {"completed"}
    finally:
        cluster.communicate("\n", timeout=120)
    assert not [path for path in home.rglob("*") if "ray" in path.name.lower()]


@pytest.mark.parametrize("address, message", [
    ("127.0.0.1:1", "cannot join the Ray cluster at '127.0.0.1:1': nothing answers there (Connection refused)"),
    ("localhost", "'localhost' is not a Ray cluster address; pass host:port"),
])
def test_a_wrong_address_is_one_line_at_once_and_writes_nothing(tmp_path, address, message):
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    done = _rlkit(["train", "--set", "collect.engine=ray", "--set", f"collect.address={address}", "--out",
                   str(tmp_path / "run"), "--quiet"], env)
    assert done.returncode == 2 and done.stderr.startswith(f"error: collect.address: {message}")
    assert done.stderr.count("\n") == 1 and not (tmp_path / "run").exists()
    sweep = _rlkit(["sweep", "--seeds", "0", "--executor", "ray", "--address", address, "--out", str(tmp_path / "sweep")],
                   env)
    assert sweep.returncode == 2 and sweep.stderr.startswith(f"error: --address: {message}")
    assert sweep.stderr.count("\n") == 1
