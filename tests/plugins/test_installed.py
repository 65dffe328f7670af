"""The example plugin is installed and rlkit finds its entries through entry points."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rlkit import registry
from tests.plugins.conftest import DIST_NAME, ENV_NAME, NETWORK_NAME, PLUGIN_ROOT, POLICY_NAME, REPO_ROOT


def test_distribution_is_installed_from_this_checkout(dist, declared_version):
    assert dist.version == declared_version, (
        f"installed {DIST_NAME} {dist.version} is stale (pyproject says {declared_version}): "
        "run pip install ./examples/plugin_example"
    )
    groups = {(point.group, point.name): point.value for point in dist.entry_points}
    assert groups[("rlkit.envs", ENV_NAME)] == "rlkit_mountaincar.env:MountainCar"
    assert groups[("rlkit.policies", POLICY_NAME)] == "rlkit_mountaincar.policies:EnergyPolicy"
    assert groups[("rlkit.networks", NETWORK_NAME)] == "rlkit_mountaincar.networks:funnel_q_network"


def test_registry_resolves_entry_points_to_the_plugin_classes(dist, env_module, policies_module):
    assert registry.resolve("envs", ENV_NAME) is env_module.MountainCar
    assert registry.resolve("policies", POLICY_NAME) is policies_module.EnergyPolicy
    sources = {entry.name: entry.source for entry in registry.get_registry("envs").entries()}
    assert sources[ENV_NAME] == f"{DIST_NAME} {dist.version}"


def _rlkit(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=120, cwd=PLUGIN_ROOT, env=env
    )


@pytest.mark.parametrize(
    ("kind", "name", "target"),
    [
        ("envs", ENV_NAME, "rlkit_mountaincar.env:MountainCar"),
        ("policies", POLICY_NAME, "rlkit_mountaincar.policies:EnergyPolicy"),
        ("networks", NETWORK_NAME, "rlkit_mountaincar.networks:funnel_q_network"),
    ],
)
def test_rlkit_list_shows_each_plugin_entry_with_its_distribution(dist, kind, name, target):
    result = _rlkit("list", kind)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    matches = [line for line in lines if line and line[0] == name]
    assert matches, f"{name} missing from `rlkit list {kind}`:\n{result.stdout}"
    assert matches[0][1:] == [DIST_NAME, dist.version, target], result.stdout  # source, version, target, not broken
    assert "warning" not in result.stderr, result.stderr


def test_rlkit_list_stays_light_with_the_plugin_installed(dist):
    """Listing loads every plugin entry; the network module must not drag TensorFlow in."""
    probe = "import sys, rlkit.cli; rlkit.cli.main(['list']); print('TF' if 'tensorflow' in sys.modules else 'no TF')"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert NETWORK_NAME in result.stdout and result.stdout.strip().endswith("no TF"), result.stdout


def test_make_builds_a_batched_plugin_env(env_module):
    env = registry.make("envs", ENV_NAME, num_envs=4)
    assert isinstance(env, env_module.MountainCar)
    assert env.batch_size == 4
    time_step = env.reset(seed=1)
    assert time_step.observation.shape == (4, 2)
    time_step = env.step([0, 1, 2, 2])
    assert time_step.step_type.shape == (4,)
    assert time_step.reward.tolist() == [-1.0] * 4


def test_make_builds_the_plugin_policy_for_the_plugin_env(policies_module):
    env = registry.make("envs", ENV_NAME)
    policy = registry.make("policies", POLICY_NAME, time_step_spec=env.time_step_spec(), action_spec=env.action_spec())
    assert isinstance(policy, policies_module.EnergyPolicy)
    assert int(policy.action(env.reset(seed=0)).action) in (0, 2)
