"""Checkpoints, NumPy state and the SavedModel export of DqnAgent."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402,F401  (missing TensorFlow must fail, never skip)
import keras  # noqa: E402

from rlkit.agents.dqn import DqnAgent  # noqa: E402
from rlkit.networks import QNetwork  # noqa: E402
from rlkit.types import restart  # noqa: E402
from tests.agents.helpers import ACTION_SPEC, OBS_SPEC, TS_SPEC, random_experience  # noqa: E402


def make_agent(seed: int) -> DqnAgent:
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(16,), seed=seed)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(1e-2), target_update_period=3, seed=seed)
    agent.initialize()
    return agent


def _all_values(agent: DqnAgent) -> list[np.ndarray]:
    variables = agent.q_network.mirror_variables() + agent.target_q_network.mirror_variables() + list(agent.optimizer.variables)
    return [np.array(v.numpy()) for v in variables]


def test_checkpoint_round_trip_continues_identically(tmp_path):
    rng = np.random.default_rng(0)
    source = make_agent(seed=1)
    source.train_block(random_experience(rng, (4, 8)))
    source.save_checkpoint(tmp_path / "ckpt")
    restored = make_agent(seed=2)
    restored.restore_checkpoint(tmp_path / "ckpt")
    for a, b in zip(_all_values(source), _all_values(restored)):
        np.testing.assert_array_equal(a, b)
    assert restored.train_step_counter == source.train_step_counter == 4
    obs = rng.standard_normal((10, 2)).astype(np.float32)
    np.testing.assert_array_equal(restored.q_values(obs), source.q_values(obs))
    batch = random_experience(rng, (4, 8))
    np.testing.assert_array_equal(source.train_block(batch).extra.losses, restored.train_block(batch).extra.losses)


def test_restore_from_missing_directory_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no agent checkpoint"):
        make_agent(0).restore_checkpoint(tmp_path / "nothing")


def test_numpy_state_round_trip_including_policy_rng():
    rng = np.random.default_rng(0)
    source = make_agent(seed=1)
    source.train_block(random_experience(rng, (5, 8)))
    state = source.get_state()
    restored = make_agent(seed=3)
    restored.set_state(state)
    for a, b in zip(_all_values(source), _all_values(restored)):
        np.testing.assert_array_equal(a, b)
    steps = restart(rng.standard_normal((64, 2)).astype(np.float32), 64)
    np.testing.assert_array_equal(source.collect_policy.action(steps).action, restored.collect_policy.action(steps).action)
    batch = random_experience(rng, (3, 8))
    np.testing.assert_array_equal(source.train_block(batch).extra.losses, restored.train_block(batch).extra.losses)
    with pytest.raises(ValueError, match="arrays"):
        restored.set_state({**state, "q_network": state["q_network"][:1]})


def test_saved_policy_reloads_in_fresh_tensorflow_process(tmp_path):
    rng = np.random.default_rng(0)
    agent = make_agent(seed=4)
    for variable in agent.q_network.mirror_variables():
        variable.assign(rng.standard_normal(tuple(variable.shape)).astype(np.float32))
    agent.sync_weights()
    obs = rng.standard_normal((1000, 2)).astype(np.float32) * 3
    expected = agent.policy.action(restart(obs, 1000)).action
    assert len(set(expected.tolist())) == 2, "test data should exercise both actions"
    agent.save_policy(tmp_path / "policy")
    np.save(tmp_path / "obs.npy", obs)
    script = textwrap.dedent(
        f"""
        import sys, numpy as np, tensorflow as tf
        serve = tf.saved_model.load({str(tmp_path / 'policy')!r}).signatures["serving_default"]
        out = serve(observation=tf.constant(np.load({str(tmp_path / 'obs.npy')!r})))
        np.save({str(tmp_path / 'actions.npy')!r}, out["action"].numpy())
        assert "rlkit" not in sys.modules
        """
    )
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path, capture_output=True, timeout=120)
    actions = np.load(tmp_path / "actions.npy")
    assert actions.dtype == np.int64
    np.testing.assert_array_equal(actions, expected)
