"""The trainer end to end on short runs: every output, exact resume, Ctrl-C, corrupt checkpoints."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import imageio.v2 as imageio
import imageio.v3 as iio
import numpy as np
import pytest

from rlkit.train.checkpoint import CheckpointManager
from rlkit.train.config import ConfigError, load_config
from rlkit.train.recorder import COLUMNS, read_metrics
from rlkit.train.trainer import Trainer, TrainingInterrupted

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A short tutorial run: 600 iterations in chunks of 100, log every 100, eval every 200.
SHORT = ["train.num_iterations=600", "train.chunk_size=100", "train.log_interval=100", "eval.interval=200",
         "train.checkpoint_interval=300", "eval.num_episodes=4", "output.video_episodes=1", "train.seed=3"]
# Columns that must repeat exactly between runs (wall-clock columns differ).
EXACT = ("iteration", "env_steps", "episodes", "loss", "epsilon", "train_return", "eval_return", "eval_episode_length")


def _train(run_dir: Path, overrides: list[str], resume: bool = False, video: bool = False) -> dict:
    config = load_config(run_dir / "config.yaml" if resume else None, overrides)
    return Trainer(config, run_dir, resume=resume, video=video, progress=False).run()


def _exact_rows(run_dir: Path) -> list[tuple]:
    return [tuple(row[key] for key in EXACT) for row in read_metrics(run_dir / "metrics.csv")]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory) -> tuple[Path, dict]:
    run_dir = tmp_path_factory.mktemp("short") / "run"
    return run_dir, _train(run_dir, SHORT, video=True)


def test_writes_every_output(short_run):
    run_dir, summary = short_run
    for name in ("config.yaml", "train.log", "metrics.csv", "metrics.jsonl", "returns.png", "trained.mp4",
                 "random.mp4", "summary.json", "policy/saved_model.pb"):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert load_config(run_dir / "config.yaml").train.num_iterations == 600
    assert (run_dir / "returns.png").read_bytes()[:8] == PNG_SIGNATURE
    assert iio.imread(run_dir / "returns.png").ndim == 3
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["ckpt-000000300", "ckpt-000000600"]
    assert summary == json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["iterations"] == 600
    assert summary["evaluations"] == 4 and summary["env_steps"] > 600
    assert 0 < summary["seconds"]["to_saved_policy"] <= summary["seconds"]["total"]


def test_videos_decode_with_the_recorded_frames(short_run):
    run_dir, _ = short_run
    log = (run_dir / "train.log").read_text()
    for name in ("trained", "random"):
        with imageio.get_reader(run_dir / f"{name}.mp4") as reader:
            frames = [frame for frame in reader]
        assert frames and all(frame.shape == (400, 600, 3) for frame in frames)
        assert f"{name}.mp4: 1 episodes, {len(frames)} frames" in log


def test_metrics_rows_follow_the_log_and_eval_intervals(short_run):
    run_dir, _ = short_run
    rows = read_metrics(run_dir / "metrics.csv")
    assert [row["iteration"] for row in rows] == [0, 100, 200, 300, 400, 500, 600]
    assert [row["iteration"] for row in rows if row["eval_return"] is not None] == [0, 200, 400, 600]
    assert all(row["loss"] is not None for row in rows[1:]) and rows[0]["loss"] is None
    assert all(row["epsilon"] == pytest.approx(0.1) for row in rows[1:])
    steps = [row["env_steps"] for row in rows]
    assert steps == sorted(steps) and steps[-1] - steps[0] <= 600
    jsonl = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in jsonl] == [row["iteration"] for row in rows]


def test_the_log_has_the_tutorial_lines(short_run):
    log = (short_run[0] / "train.log").read_text()
    assert "iteration 200: loss = " in log and "iteration 200: average return = " in log


def test_resume_continues_bit_for_bit(tmp_path, short_run):
    """N iterations, stop, resume for N more == 2N uninterrupted (losses, returns, weights)."""
    full_dir, _ = short_run
    half = tmp_path / "half"
    _train(half, [*SHORT, "train.num_iterations=300"])
    _train(half, ["train.num_iterations=600"], resume=True)
    resumed = _exact_rows(half)
    assert resumed[3][0] == 300 and resumed[3][-2] is not None  # the first run evaluated at its end ...
    resumed[3] = resumed[3][:-2] + (None, None)  # ... which the uninterrupted run did not; the rest is identical
    assert resumed == _exact_rows(full_dir)
    manager = CheckpointManager(half / "checkpoints")
    resumed, uninterrupted = manager.load_latest(), CheckpointManager(full_dir / "checkpoints").load_latest()
    for key, value in uninterrupted.arrays.items():
        np.testing.assert_array_equal(resumed.arrays[key], value, err_msg=key)
    assert _tensorboard_points(half) == _tensorboard_points(full_dir) | {("eval_return", 300), ("eval_episode_length", 300)}


def _tensorboard_points(run_dir: Path) -> set[tuple[str, int]]:
    """Every (tag, step) in the run's TensorBoard events; a duplicate fails the test."""
    import tensorflow as tf

    seen: list[tuple[str, int]] = []
    for path in sorted((run_dir / "tensorboard").glob("events.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            seen.extend((value.tag, event.step) for value in event.summary.value)
    assert len(seen) == len(set(seen)), "a (tag, step) was written twice"
    return set(seen)


def test_a_corrupt_latest_checkpoint_is_reported_and_the_previous_used(tmp_path, short_run):
    run_dir = tmp_path / "run"
    shutil.copytree(short_run[0], run_dir)
    latest = run_dir / "checkpoints" / "ckpt-000000600" / "arrays.npz"
    latest.write_bytes(latest.read_bytes()[:100])  # truncated
    _train(run_dir, ["train.num_iterations=700"], resume=True)
    log = (run_dir / "train.log").read_text()
    assert "skipping unusable checkpoint" in log and "arrays.npz is truncated" in log
    assert "resumed from ckpt-000000300 at iteration 300" in log
    rows = _exact_rows(run_dir)
    assert rows[: len(_exact_rows(short_run[0]))] == _exact_rows(short_run[0])  # 300..600 redone identically
    assert rows[-1][0] == 700


def test_resume_refuses_changed_state_keys_and_a_finished_run(short_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(short_run[0], run_dir)
    with pytest.raises(ConfigError, match=r"agent.learning_rate differ from the checkpoint's config"):
        _train(run_dir, ["agent.learning_rate=0.01", "train.num_iterations=900"], resume=True)
    with pytest.raises(ConfigError, match=r"already at iteration 600; raise it"):
        _train(run_dir, [], resume=True)


def test_resume_before_the_first_checkpoint_starts_again_and_unusable_checkpoints_are_an_error(tmp_path, short_run):
    from rlkit.train.config import dump_config

    run_dir = tmp_path / "run"
    config = load_config(None, SHORT)
    dump_config(config, run_dir / "config.yaml")  # killed after set-up, before its first checkpoint
    (run_dir / "metrics.csv").write_text(",".join(COLUMNS) + "\n0,94,,,,,,,,\n")  # a row of the killed attempt
    _train(run_dir, [], resume=True)
    assert "no checkpoint in" in (run_dir / "train.log").read_text()
    assert _exact_rows(run_dir) == _exact_rows(short_run[0])  # the same run as one never killed
    broken = tmp_path / "broken"
    shutil.copytree(short_run[0], broken)
    for arrays in (broken / "checkpoints").glob("*/arrays.npz"):
        arrays.write_bytes(b"")
    with pytest.raises(ConfigError, match="no usable checkpoint"):
        _train(broken, ["train.num_iterations=900"], resume=True)


def test_ctrl_c_checkpoints_at_the_chunk_end_and_resume_matches(tmp_path, short_run, monkeypatch):
    run_dir = tmp_path / "run"
    config = load_config(None, SHORT)
    trainer = Trainer(config, run_dir, video=False, progress=False)
    original = trainer._run_chunk

    def chunk_then_ctrl_c() -> None:
        original()
        if trainer.iteration == 200:
            trainer._on_sigint(2, None)  # what the SIGINT handler does

    monkeypatch.setattr(trainer, "_run_chunk", chunk_then_ctrl_c)
    with pytest.raises(TrainingInterrupted, match="interrupted at iteration 200"):
        trainer.run()
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "interrupted"
    assert CheckpointManager(run_dir / "checkpoints").load_latest().iteration == 200
    _train(run_dir, [], resume=True)
    assert _exact_rows(run_dir) == _exact_rows(short_run[0])


def test_chunk_size_one_is_the_per_step_loop(tmp_path):
    """K = 1 and K = 50 collect the same amount and both train; K = 1 runs one gradient step per call."""
    per_step = tmp_path / "k1"
    summary = _train(per_step, ["train.num_iterations=120", "train.chunk_size=1", "train.log_interval=40",
                                "eval.interval=60", "eval.num_episodes=2"])
    rows = read_metrics(per_step / "metrics.csv")
    assert [row["iteration"] for row in rows] == [0, 40, 60, 80, 120]
    assert summary["env_steps"] == rows[-1]["env_steps"]


def test_prioritized_replay_and_several_envs(tmp_path):
    run_dir = tmp_path / "run"
    summary = _train(run_dir, ["train.num_iterations=200", "train.chunk_size=50", "eval.interval=100",
                               "env.num_envs=4", "train.collect_steps_per_iteration=4", "replay.name=prioritized",
                               "replay.max_length=1000", "replay.kwargs={alpha: 0.6, beta: 0.4}", "eval.num_episodes=2"])
    assert summary["status"] == "completed"
    assert summary["env_steps"] >= 4 * 200
    from rlkit.replay import PrioritizedReplayBuffer

    checkpoint = CheckpointManager(run_dir / "checkpoints").load_latest()
    buffer = PrioritizedReplayBuffer(_collect_spec(), batch_size=4, max_length=1000)
    buffer.load(checkpoint.file("replay.npz"))
    assert buffer.num_frames() == 4 * (100 // 4 + 200)  # initial collect + one batched step per iteration
    assert len(np.unique(buffer.priorities()[buffer.priorities() > 0])) > 2  # updated from TD errors


def _collect_spec():
    from rlkit.core import trajectory_spec
    from rlkit.envs.cartpole import CartPole

    env = CartPole(num_envs=1)
    return trajectory_spec(env.time_step_spec(), env.action_spec())


def test_bad_component_kwargs_are_a_one_line_config_error(tmp_path):
    # CartPole declares its options: caught when the config loads; a gymnasium env declares none: when it is built.
    with pytest.raises(ConfigError, match=r"^env.kwargs.colour: unknown key of env 'CartPole-v0'"):
        _train(tmp_path / "run", ["env.kwargs={colour: red}"])
    with pytest.raises(ConfigError, match=r"^env: cannot build the env from the config: .*colour"):
        _train(tmp_path / "run2", ["env.name=gymnasium:CartPole-v1", "env.kwargs={colour: red}"])


def test_train_backend_reaches_env_buffer_and_acting_mirror(tmp_path):
    config = load_config(None, ["train.backend=numpy", "train.num_iterations=20", "train.chunk_size=10",
                                "eval.num_episodes=2", "eval.interval=20"])
    trainer = Trainer(config, tmp_path / "run", video=False, progress=False)
    trainer.run()
    assert trainer.env.backend == trainer.buffer.backend == trainer.agent.q_values_mirror.backend == "numpy"


def TrainOnlyDqn(**kwargs):  # noqa: N802 - a registry factory, named like the agent it builds
    """A plugin-style agent without ``train_block``: the trainer must fall back to one ``train`` call per batch."""
    from rlkit.agents import DqnAgent
    from rlkit.core import Agent

    class _TrainOnly(DqnAgent):
        _train_block = Agent._train_block  # the declared default: one train() call per batch

    return _TrainOnly(**kwargs)


def test_an_agent_without_train_block_trains_one_call_per_batch(tmp_path):
    run_dir = tmp_path / "run"
    summary = _train(run_dir, ["agent.name=tests.train.test_trainer:TrainOnlyDqn", "train.num_iterations=40",
                               "train.chunk_size=20", "train.log_interval=20", "eval.interval=40", "eval.num_episodes=2",
                               "replay.name=prioritized", "train.train_steps_per_iteration=2"])
    assert summary["status"] == "completed" and summary["iterations"] == 40
    rows = read_metrics(run_dir / "metrics.csv")
    assert [row["iteration"] for row in rows] == [0, 20, 40] and all(row["loss"] is not None for row in rows[1:])


def StatelessDqn(**kwargs):  # noqa: N802 - a registry factory, named like the agent it builds
    """A plugin-style agent without get_state()/set_state(): trains, writes no checkpoints."""
    from rlkit.agents import DqnAgent

    class _Stateless(DqnAgent):
        def get_state(self):
            return None  # the declared "cannot be checkpointed"

    return _Stateless(**kwargs)


def test_plugin_style_buffer_and_an_agent_without_state(tmp_path):
    run_dir = tmp_path / "run"
    summary = _train(run_dir, ["agent.name=tests.train.test_trainer:StatelessDqn",
                               "replay.name=rlkit.testing.fakes:FakeReplayBuffer", "replay.max_length=500",
                               "train.num_iterations=40", "train.chunk_size=20", "eval.interval=40", "eval.num_episodes=2"])
    assert summary["status"] == "completed"
    assert not (run_dir / "checkpoints").exists()
    assert "no checkpoints are written" in (run_dir / "train.log").read_text()
    with pytest.raises(ConfigError, match="cannot restore its state"):
        _train(run_dir, ["train.num_iterations=80"], resume=True)


def test_chunk_size_one_equals_the_tutorial_loop_step_by_step(tmp_path):
    """K = 1 is the tutorial's loop exactly: collect one step, sample one batch, one train call -- same weights."""
    from rlkit.drivers import collect_block
    from rlkit.policies import RandomPolicy
    from rlkit.train.components import derive_seed, make_agent, make_env, make_replay_buffer
    from rlkit.types import from_transition

    overrides = ["train.num_iterations=60", "train.chunk_size=1", "eval.interval=30", "eval.num_episodes=2",
                 "train.log_interval=30", "train.seed=5"]
    config = load_config(None, overrides)
    trainer = Trainer(config, tmp_path / "run", video=False, progress=False)
    trainer.run()

    env = make_env(config, 1)
    agent = make_agent(config, env)
    buffer = make_replay_buffer(config, agent, 1)
    time_step = env.reset(seed=derive_seed(5, "env"))
    random_policy = RandomPolicy(env.time_step_spec(), env.action_spec(), seed=derive_seed(5, "random_policy"))
    initial, time_step, _ = collect_block(env, random_policy, time_step, (), config.train.initial_collect_steps)
    buffer.add_sequence(initial)
    for _ in range(60):  # the tutorial's loop
        policy_step = agent.collect_policy.action(time_step)
        next_time_step = env.step(policy_step.action)
        buffer.add_batch(from_transition(time_step, policy_step, next_time_step))
        time_step = next_time_step
        experience, _ = buffer.sample(config.train.batch_size, num_steps=2)
        agent.train(experience)
    for mine, theirs in zip(agent.get_state()["q_network"], trainer.agent.get_state()["q_network"]):
        np.testing.assert_array_equal(mine, theirs)
