"""The CLI, run as a user runs it: in a subprocess."""
import os
import subprocess
import sys

import pytest

from rlkit import __version__

from .test_registry import PLUGIN_SOURCE, make_plugin_dist


def rlkit(*args, env=None, check=False):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, env=full_env,
                          check=check, timeout=120)


def test_help_and_version():
    out = rlkit("--help", check=True).stdout
    for command in ("train", "list", "backends"):
        assert command in out
    assert rlkit("--version", check=True).stdout.strip() == f"rlkit {__version__}"


def test_list_shows_builtins_with_their_source():
    out = rlkit("list", check=True).stdout
    assert "CartPole-v1" in out and "rlkit (built-in)" in out and "rlkit.envs.cartpole:CartPole" in out
    only_envs = rlkit("list", "envs", check=True).stdout
    assert "q_network" not in only_envs and "CartPole-v0" in only_envs


def test_list_unknown_kind_is_an_error():
    result = rlkit("list", "gizmos")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "kinds are" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_unavailable_backend_is_a_one_line_error(tmp_path):
    result = rlkit("train", "--out", str(tmp_path / "run"), "--set", "train.num_iterations=1", "--no-video",
                   env={"RLKIT_BACKEND": "fortran"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "unknown backend 'fortran'" in result.stderr


def test_list_shows_plugins_and_survives_a_broken_one(tmp_path):
    make_plugin_dist(
        tmp_path,
        entry_points={"rlkit.envs": {"Plugin-v0": "rlkit_testplugin:PluginEnv", "Broken-v0": "rlkit_missing_module:Env"}},
        module_source=PLUGIN_SOURCE,
    )
    result = rlkit("list", "envs", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Plugin-v0" in result.stdout and "rlkit_testplugin 1.0" in result.stdout
    assert "Broken-v0" in result.stdout and "broken" in result.stdout
    assert "rlkit_missing_module" in result.stderr
    assert rlkit("--help", env={"PYTHONPATH": str(tmp_path)}).returncode == 0


def test_backends_lists_all_three():
    out = rlkit("backends", check=True).stdout
    for name in ("cython", "numba", "numpy"):
        assert name in out
    assert "default: cython" in out


def test_backends_with_bad_env_var_exits_2():
    result = rlkit("backends", env={"RLKIT_BACKEND": "fortran"})
    assert result.returncode == 2 and "unknown backend 'fortran'" in result.stderr


@pytest.mark.parametrize("argv", [["frobnicate"], ["list", "--nope"]])
def test_usage_errors_exit_2(argv):
    assert rlkit(*argv).returncode == 2
