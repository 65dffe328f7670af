"""``check_env_outputs``: a broken plugin env is caught at start, in one line naming the field."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rlkit
from rlkit.envs.check import EnvCheckError, check_env_outputs
from rlkit.testing.fakes import FakeEnv

REPO = Path(__file__).resolve().parents[2]


class WrongShapeEnv(FakeEnv):
    """Observations of 3 features where the spec says 2."""

    def _time_step(self, step_type, reward, discount):
        ts = super()._time_step(step_type, reward, discount)
        return ts._replace(observation=np.concatenate([ts.observation, ts.observation[..., :1]], axis=-1))


class Float64Env(FakeEnv):
    def _time_step(self, step_type, reward, discount):
        ts = super()._time_step(step_type, reward, discount)
        return ts._replace(observation=ts.observation.astype(np.float64))


class ScalarRewardEnv(FakeEnv):
    """NumPy scalars instead of 0-d arrays (unbatched)."""

    def _time_step(self, step_type, reward, discount):
        ts = super()._time_step(step_type, reward, discount)
        return ts._replace(reward=np.float32(ts.reward)) if self.batch_size is None else ts


class GymTupleEnv(FakeEnv):
    """A gymnasium-style 5-tuple from _step."""

    def _step(self, action):
        ts = super()._step(action)
        return ts.observation, ts.reward, False, False, {}


class BadStepTypeEnv(FakeEnv):
    def _step(self, action):
        ts = super()._step(action)
        return ts._replace(step_type=np.full_like(ts.step_type, 7))


class FloatFramesEnv(FakeEnv):
    def render(self, env_index=0):
        return np.zeros((16, 16, 3), np.float32)


class RaisingEnv(FakeEnv):
    def _step(self, action):
        raise KeyError("velocity")


@pytest.mark.parametrize("num_envs", [None, 3])
def test_rlkit_and_plugin_envs_pass(num_envs):
    for name in ("CartPole-v0", "CartPole-v1", "MountainCarPlugin-v0"):
        check_env_outputs(rlkit.make("envs", name, num_envs=num_envs), name, render=True)
    check_env_outputs(FakeEnv(num_envs=num_envs), "fake", render=True)


@pytest.mark.parametrize("env_class, num_envs, message", [
    (WrongShapeEnv, 2, r"env 'x': reset\(\).observation is a float32\[2, 3\] array; expected a float32\[2, 2\] array"),
    (WrongShapeEnv, None, r"reset\(\).observation is a float32\[3\] array; expected a float32\[2\] array"),
    (Float64Env, 2, r"reset\(\).observation is a float64\[2, 2\] array; expected a float32\[2, 2\] array"),
    (ScalarRewardEnv, None, r"reset\(\).reward is a NumPy scalar float32 \(use a 0-d array"),
    (GymTupleEnv, 2, r"step\(\) returned a tuple, not an rlkit.types.TimeStep"),
    (BadStepTypeEnv, 2, r"step\(\).step_type has values \[7\]; expected 0 \(FIRST\)"),
    (FloatFramesEnv, None, r"render\(\) returned a float32\[16, 16, 3\] array; expected an RGB uint8"),
    (RaisingEnv, 2, r"env 'x': step\(\) raised KeyError: 'velocity'"),
])
def test_mutant_envs_fail_in_one_line(env_class, num_envs, message):
    with pytest.raises(EnvCheckError, match=message) as caught:
        check_env_outputs(env_class(num_envs=num_envs), "x", render=True)
    assert "\n" not in str(caught.value)


def test_rlkit_train_refuses_a_broken_plugin_env_before_any_work(tmp_path):
    run = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "rlkit", "train", "--out", str(run), "--set", "env.name=tests.envs.test_env_check:Float64Env"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: env 'tests.envs.test_env_check:Float64Env': reset().observation")
    assert not run.exists()  # a refused run leaves no files
