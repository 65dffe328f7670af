"""Ray collection (collect.engine: ray) on the session's local Ray: sync W = 1 equals local, sync runs repeat,
a killed collector is replaced, --resume, async reports its lag, and no TensorFlow in a collector."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from rlkit.train.checkpoint import CheckpointManager
from rlkit.train.config import ConfigError, load_config
from rlkit.train.recorder import read_metrics
from rlkit.train.trainer import Trainer

SHORT = ["train.num_iterations=300", "train.chunk_size=50", "train.log_interval=50", "eval.interval=150",
         "train.checkpoint_interval=150", "eval.num_episodes=2", "output.video=false", "output.report=false",
         "output.tensorboard=false", "train.seed=5", "env.num_envs=2", "train.collect_steps_per_iteration=2"]
EXACT = ("iteration", "env_steps", "episodes", "loss", "epsilon", "train_return", "eval_return")
RAY = ["collect.engine=ray"]


def _train(run_dir: Path, overrides: list[str], resume: bool = False) -> dict:
    config = load_config(run_dir / "config.yaml" if resume else None, overrides)
    return Trainer(config, run_dir, resume=resume, video=False, progress=False).run()


def _rows(run_dir: Path) -> list[tuple]:
    return [tuple(row[key] for key in EXACT) for row in read_metrics(run_dir / "metrics.csv")]


def _agent_arrays(run_dir: Path) -> dict[str, np.ndarray]:
    latest = CheckpointManager(run_dir / "checkpoints").load_latest()
    return {key: value for key, value in latest.arrays.items() if key.startswith(("agent/", "metrics/"))}


def _assert_same_arrays(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and a
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.fixture(scope="module")
def two_workers(ray_session, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("ray2") / "run"
    _train(run_dir, [*SHORT, *RAY, "collect.num_workers=2"])
    return run_dir


def test_sync_one_worker_equals_the_local_engine_bit_for_bit(ray_session, tmp_path):
    _train(tmp_path / "local", SHORT)
    summary = _train(tmp_path / "ray", [*SHORT, *RAY])
    assert summary["collect"]["engine"] == "ray" and summary["collect"]["policy_lag_max"] == 0
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local")
    _assert_same_arrays(_agent_arrays(tmp_path / "ray"), _agent_arrays(tmp_path / "local"))


def test_sync_two_workers_repeat_exactly_and_collect_twice_the_envs(two_workers, tmp_path):
    _train(tmp_path / "again", [*SHORT, *RAY, "collect.num_workers=2"])
    assert _rows(tmp_path / "again") == _rows(two_workers)
    _assert_same_arrays(_agent_arrays(tmp_path / "again"), _agent_arrays(two_workers))
    summary = json.loads((two_workers / "summary.json").read_text())
    assert summary["env_steps"] >= 0.9 * 300 * 4  # 4 envs (2 collectors x env.num_envs 2), one step each per iteration


@pytest.mark.slow
def test_resume_of_a_ray_collected_run_continues_bit_for_bit(two_workers, tmp_path):
    half = tmp_path / "half"
    _train(half, [*SHORT, *RAY, "collect.num_workers=2", "train.num_iterations=150"])
    _train(half, ["train.num_iterations=300"], resume=True)
    assert _rows(half) == _rows(two_workers)  # both evaluate at 150 (eval.interval)
    _assert_same_arrays(_agent_arrays(half), _agent_arrays(two_workers))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_killed_collector_is_replaced_and_the_run_finishes(ray_session, tmp_path, monkeypatch, mode):
    from rlkit.distributed.engine import RayEngine

    original, calls = RayEngine.run, [0]

    def run_then_kill(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 3:
            os.kill(ray_session.get(self.collectors[1].pid.remote()), signal.SIGKILL)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RayEngine, "run", run_then_kill)
    summary = _train(tmp_path / "run", [*SHORT, *RAY, "collect.num_workers=2", f"collect.mode={mode}"])
    assert summary["status"] == "completed" and summary["iterations"] == 300
    assert summary["collect"]["collectors_replaced"] == 1
    assert "collector 1 died" in (tmp_path / "run" / "train.log").read_text()


ASYNC = [*RAY, "collect.num_workers=2", "collect.mode=async"]


@pytest.fixture(scope="module")
def async_run(ray_session, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("async") / "run"
    _train(run_dir, [*SHORT, *ASYNC])
    return run_dir


def test_async_mode_trains_and_reports_the_policy_lag(async_run):
    summary = json.loads((async_run / "summary.json").read_text())
    collect = summary["collect"]
    assert summary["status"] == "completed" and collect["mode"] == "async"
    assert collect["policy_lag_max"] >= 1 and 0 < collect["policy_lag_mean"] <= collect["policy_lag_max"]
    assert sum(collect["blocks_per_collector"]) >= 2 * 7  # 7 calls (1 random + 6 chunks) x 2 collectors' worth
    assert summary["env_steps"] >= 0.9 * 300 * 4


def test_async_buffer_holds_one_collectors_envs_with_the_same_capacity(async_run):
    latest = CheckpointManager(async_run / "checkpoints").load_latest()
    with np.load(latest.file("replay.npz"), allow_pickle=False) as replay:
        header = json.loads(replay["header"].tobytes().decode())
    assert header["batch_size"] == 2 and header["max_length"] == 2 * load_config(None, []).replay.max_length


@pytest.mark.slow
def test_resume_of_an_async_run(ray_session, tmp_path):
    run = tmp_path / "run"
    _train(run, [*SHORT, *ASYNC, "train.num_iterations=150"])
    summary = _train(run, ["train.num_iterations=300"], resume=True)
    assert summary["status"] == "completed" and summary["iterations"] == 300
    assert [row["iteration"] for row in read_metrics(run / "metrics.csv")] == list(range(0, 301, 50))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_collector_whose_env_raises_stops_the_run_with_one_line_naming_it(ray_session, tmp_path, mode):
    from rlkit.train.trainer import TrainingFailed

    run = tmp_path / "run"
    with pytest.raises(TrainingFailed, match=r"^training stopped after iteration \d+ by CollectorError: collector [01]: "
                                             r"RuntimeError: the simulator lost its license server \(traceback in "):
        _train(run, [*SHORT, *RAY, "collect.num_workers=2", f"collect.mode={mode}", "env.num_envs=1",
                     "env.name=tests.failing_env:FailingEnv", "env.kwargs={fail_at: 200}", "eval.env=CartPole-v0",
                     "eval.env_kwargs={}"])
    log = (run / "train.log").read_text()
    assert "failing_env.py" in log and "ray::Collector.run" in log  # the collector's own traceback
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"


def _slow_engine(mode: str, workers: int = 2):
    from rlkit import make
    from rlkit.distributed.engine import RayEngine

    kwargs = "{env: CartPole-v1, step_cost_ms: 0.5}"
    config = load_config(None, [*RAY, f"collect.mode={mode}", f"collect.num_workers={workers}", "env.num_envs=2",
                                "env.name=rlkit.testing.slow_env:SlowEnv", f"env.kwargs={kwargs}"])
    env = make("envs", config.env.name, num_envs=2, **config.env.kwargs)
    return config, RayEngine(config, env, print), env


def test_async_takes_blocks_from_whoever_delivers_and_never_waits_for_a_straggler(ray_session):
    from rlkit.policies import RandomPolicy

    config, engine, env = _slow_engine("async")
    try:
        engine.reset(config.train.seed)
        policy = RandomPolicy(env.time_step_spec(), env.action_spec(), seed=0)
        # Collector 1 is busy for 20 s (2 envs x 20,000 steps x 0.5 ms): the engine's calls queue behind it.
        straggler = engine.collectors[1].run.remote(policy, (), 20_000, 0)
        seen = []
        for _ in range(3):
            engine.run(policy, (), 10, [_Blocks(seen)])
        ready, _ = ray_session.wait([straggler], timeout=0)
        assert not ready, "the learner waited for the straggler"
        assert engine.diagnostics()["blocks_per_collector"] == [6, 0]  # 3 calls x 2 collectors' rows, all from 0
        assert [block.observation.shape for block in seen] == [(10, 2, 4)] * 6
    finally:
        engine.close()


def test_async_checkpoint_after_a_collector_died_between_blocks_replaces_it(ray_session):
    from rlkit.policies import RandomPolicy

    config, engine, env = _slow_engine("async")
    try:
        engine.reset(config.train.seed)
        policy = RandomPolicy(env.time_step_spec(), env.action_spec(), seed=0)
        engine.run(policy, (), 10, [_Blocks([])])
        os.kill(ray_session.get(engine.collectors[1].pid.remote()), signal.SIGKILL)  # its next block is in flight
        state = engine.get_state()
        assert len(state["collectors"]) == 2 and state["collectors"][1]["restart"] == 1
        assert engine.diagnostics()["collectors_replaced"] == 1
        seen = []
        engine.run(policy, (), 10, [_Blocks(seen)])  # and collection goes on
        assert seen
    finally:
        engine.close()


def test_async_seams_carry_the_observation_where_each_collector_goes_on(ray_session):
    from rlkit.core import trajectory_spec
    from rlkit.policies import RandomPolicy
    from rlkit.replay import UniformReplayBuffer
    from rlkit.types import StepType

    config, engine, env = _slow_engine("async")
    policy = RandomPolicy(env.time_step_spec(), env.action_spec(), seed=0)
    buffer = UniformReplayBuffer(trajectory_spec(env.time_step_spec(), env.action_spec(), policy.info_spec),
                                 batch_size=2, max_length=1000)
    blocks = []
    buffer.observe_sequence = blocks.append  # what the engine hands a replay buffer
    try:
        engine.reset(config.train.seed)
        for _ in range(6):
            engine.run(policy, (), 7, [buffer])
    finally:
        engine.close()
    assert len(blocks) >= 12 and all(block.step_type.shape == (8, 2) for block in blocks)
    for block in blocks:  # seven real rows, then the seam
        assert (block.step_type[7] == StepType.LAST).all() and (block.next_step_type[7] == StepType.FIRST).all()
        assert (block.discount[7] == 1).all() and (block.reward[7] == 0).all()
    starts = {block.observation[0].tobytes() for block in blocks}
    continued = sum(block.observation[7].tobytes() in starts for block in blocks)
    assert continued == len(blocks) - 2  # every block but each collector's last is continued from its seam
    for block in blocks:
        buffer.add_sequence(block)
    sample, _ = buffer.sample(64, num_steps=2)
    assert sample.observation.shape == (64, 2, 4)


def test_no_tensorflow_in_a_collector_and_blocks_are_side_by_side(ray_session):
    from rlkit import make
    from rlkit.distributed.engine import RayEngine
    from rlkit.policies import EpsilonGreedyPolicy, QValueMirror

    config = load_config(None, [*SHORT, *RAY, "collect.num_workers=2"])
    env = make("envs", config.env.name, num_envs=2)
    policy = EpsilonGreedyPolicy(env.time_step_spec(), env.action_spec(), QValueMirror([4, 8, 2]), 0.5, seed=0)
    engine = RayEngine(config, env, print)
    try:
        engine.reset(config.train.seed)
        seen = []
        engine.run(policy, (), 7, [_Blocks(seen)])
        assert seen[0].observation.shape == (7, 4, 4) and engine.num_envs == 4
        assert not np.array_equal(seen[0].observation[:, :2], seen[0].observation[:, 2:])  # own seeds
        for collector in engine.collectors:
            modules = ray_session.get(collector.modules.remote())
            assert "rlkit.policies.q_policies" in modules
            assert not [m for m in modules if m.split(".")[0] in ("tensorflow", "keras")]
    finally:
        engine.close()


def test_more_workers_than_cpus_is_a_config_error(ray_session):
    from rlkit import make
    from rlkit.distributed.engine import RayEngine

    config = load_config(None, [*RAY, "collect.num_workers=64"])
    with pytest.raises(ConfigError, match="collect.num_workers: 64 collectors"):
        RayEngine(config, make("envs", "CartPole-v0", num_envs=1), print)


def test_ray_without_ray_installed_is_a_one_line_error_naming_the_extra(monkeypatch, tmp_path, capsys):
    from rlkit.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError, as without the extra
    code = main(["train", "--set", "collect.engine=ray", "--set", "train.num_iterations=10", "--out",
                 str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert err.startswith("error: collect.engine: Ray is not installed") and 'pip install "rlkit[ray]"' in err


def test_rlkit_train_on_its_own_local_ray_prints_nothing_of_ray_and_writes_nothing_of_it_at_home(tmp_path):
    import subprocess

    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("RAY_")}
    env.update(HOME=str(home), TF_CPP_MIN_LOG_LEVEL="3")
    args = [arg for pair in (("--set", item) for item in [*SHORT, *ASYNC, "train.num_iterations=100"]) for arg in pair]
    done = subprocess.run([sys.executable, "-m", "rlkit", "train", *args, "--out", str(tmp_path / "run"), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Token authentication" not in done.stderr and "Traceback" not in done.stderr
    assert not [line for line in done.stderr.splitlines() if line.strip()], done.stderr
    assert not [path for path in home.rglob("*") if "ray" in path.name.lower()]  # no ~/.ray token or session files
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["collect"]["mode"] == "async"


class _Blocks:
    def __init__(self, seen: list) -> None:
        self.seen = seen

    def observe_sequence(self, block) -> None:
        self.seen.append(block)
