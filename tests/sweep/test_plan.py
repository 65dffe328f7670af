"""Planning a sweep: seeds, grid values, trial names and overrides (no processes started)."""
from __future__ import annotations

import pytest

from rlkit.sweep.executor import default_threads
from rlkit.sweep.plan import SweepSpec, parse_grid, parse_seeds
from rlkit.sweep.runner import SweepOutcome, trial_state
from rlkit.train.config import ConfigError


@pytest.mark.parametrize("text,seeds", [("0-4", [0, 1, 2, 3, 4]), ("0,3,7", [0, 3, 7]), ("7,0-2,2", [0, 1, 2, 7]),
                                        ("5", [5])])
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-1", "1,,2", "0-"])
def test_bad_seeds(text):
    with pytest.raises(ConfigError, match="--seeds"):
        parse_seeds(text)


def test_parse_grid_values_are_yaml_and_brackets_keep_commas():
    grid = parse_grid(["agent.learning_rate=1e-3,5e-4", "network.fc_layer_params=[64],[64, 64]", "env.name=CartPole-v1"])
    assert grid == {"agent.learning_rate": [0.001, 0.0005], "network.fc_layer_params": [[64], [64, 64]],
                    "env.name": ["CartPole-v1"]}


@pytest.mark.parametrize("item,match", [("agent.learning_rate", "expected KEY=V1,V2"), ("=1,2", "expected KEY"),
                                        ("a.b=1,,2", "empty value")])
def test_bad_grid(item, match):
    with pytest.raises(ConfigError, match=match):
        parse_grid([item])


def test_trials_are_the_grid_product_times_seeds():
    spec = SweepSpec(None, [0, 1], parse_grid(["agent.learning_rate=1e-3,5e-4", "train.batch_size=32,64"]),
                     ["train.num_iterations=10"])
    trials = spec.trials()
    assert len(trials) == 8
    assert trials[0].key == "learning_rate=0.001-batch_size=32/seed-0"
    assert trials[0].overrides == ("train.num_iterations=10", "agent.learning_rate=0.001", "train.batch_size=32",
                                   "train.seed=0")
    configs = spec.validate()
    config = configs["learning_rate=0.0005-batch_size=64/seed-1"]
    assert (config.agent.learning_rate, config.train.batch_size, config.train.seed) == (0.0005, 64, 1)


def test_a_point_without_grid_is_named_base():
    assert [t.key for t in SweepSpec(None, [3]).trials()] == ["base/seed-3"]


def test_validation_names_the_trial():
    spec = SweepSpec(None, [0], parse_grid(["agent.gamma=0.9,1.5"]))
    with pytest.raises(ConfigError, match=r"trial gamma=1.5/seed-0: agent.gamma: must be in \[0, 1\], got 1.5"):
        spec.validate()


def test_spec_round_trips_through_the_sweep_directory(tmp_path):
    spec, text = SweepSpec.create(None, [0, 2], parse_grid(["agent.learning_rate=1e-3,5e-4"]), ["train.num_iterations=5"])
    spec.save(tmp_path, text)
    loaded = SweepSpec.load(tmp_path)
    assert loaded.trials() == spec.trials() and loaded.base == tmp_path / "base.yaml"
    with pytest.raises(ConfigError, match="not a sweep directory"):
        SweepSpec.load(tmp_path / "trials")


def test_threads_never_oversubscribe_the_cores():
    assert default_threads(2, cores=2) == 1
    assert default_threads(1, cores=2) == 2
    assert default_threads(3, cores=8) == 2
    assert default_threads(16, cores=4) == 1


def test_trial_state(tmp_path):
    run = tmp_path / "run"
    assert trial_state(run) == "fresh"
    (run / "checkpoints" / "ckpt-000000050").mkdir(parents=True)
    (run / "checkpoints" / "ckpt-000000100.tmp").mkdir()
    assert trial_state(run) == "resume"
    (run / "checkpoints" / "ckpt-000000100").mkdir()
    assert trial_state(run) == "resume"       # at its last iteration, no summary: only the outputs are redone
    (run / "summary.json").write_text('{"status": "interrupted"}')
    assert trial_state(run) == "resume"
    (run / "summary.json").write_text('{"status": "completed"}')
    assert trial_state(run) == "done"


def test_exit_codes():
    assert SweepOutcome(completed=4).exit_code == 0
    assert SweepOutcome(completed=3, failed=1).exit_code == 1
    assert SweepOutcome(completed=3, not_run=1).exit_code == 1
    assert SweepOutcome(completed=1, interrupted=1, stopped=True).exit_code == 130
