"""``rlkit train | eval | video | plot`` run as a user runs them: subprocesses, exit codes, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terminal import run_on_a_terminal

from rlkit.train.recorder import read_metrics

REPO = Path(__file__).resolve().parents[2]


def rlkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)})


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# Every rule of the config (issue: unknown keys, types, ranges, cross-field rules, malformed YAML, unknown plugins).
BAD_FILES = [
    ("agent:\n  gama: 0.9\n", r"agent.gama: unknown key; did you mean 'gamma'\?"),
    ("trian:\n  seed: 1\n", r"trian: unknown section; did you mean 'train'\?"),
    ("train:\n  batch_size: sixty\n", r"train.batch_size: expected int, got str 'sixty'"),
    ("network:\n  fc_layer_params: 100\n", r"network.fc_layer_params: expected list of int, got int 100"),
    ("agent:\n  gamma: 1.5\n", r"agent.gamma: must be in \[0, 1\], got 1.5"),
    ("agent:\n  epsilon_greedy: -0.1\n", r"agent.epsilon_greedy: must be in \[0, 1\], got -0.1"),
    ("agent:\n  learning_rate: 0\n", r"agent.learning_rate: must be > 0"),
    ("replay:\n  max_length: 10\ntrain:\n  batch_size: 64\n", r"train.batch_size: 64 exceeds the replay capacity 10"),
    ("eval:\n  interval: 0\n", r"eval.interval: must be >= 1, got 0"),
    ("train:\n  log_interval: -5\n", r"train.log_interval: must be >= 1, got -5"),
    ("train:\n  checkpoint_interval: 0\n", r"train.checkpoint_interval: must be >= 1, got 0"),
    ("agent:\n  gamma: [0.9\n", r"bad.yaml:3:1: invalid YAML: expected ','"),
    ("agent:\n  gamma: 0.9\n   bad indent: 1\n", r"bad.yaml:3:14: invalid YAML: mapping values are not allowed"),
    ("env:\n  name: CartPole-v9\n", r"env.name: unknown env 'CartPole-v9'; did you mean 'CartPole-v1'\? available: CartPole-v0, CartPole-v1"),
    ("network:\n  name: qnet\n", r"network.name: unknown network 'qnet'; did you mean 'q_network'\? available: .*q_network"),
    ("agent:\n  name: ppo\n", r"agent.name: unknown agent 'ppo'; available: dqn"),
    ("replay:\n  name: reservoir\n", r"replay.name: unknown replay buffer 'reservoir'; available: prioritized, uniform"),
    ("agent:\n  optimizer: adamm\n", r"agent.optimizer: 'adamm' is not allowed; did you mean 'adam'\?"),
    ("agent:\n  epsilon_greedy: 0.1\n  boltzmann_temperature: 1.0\n", r"only one exploration option can be used"),
    ("network:\n  activation: gelu\n", r"network.activation: 'gelu' is not allowed; did you mean 'elu'\? choose one of relu"),
    ("!!python/object/apply:os.system ['echo pwned']\n", r"could not determine a constructor for the tag"),
]


@pytest.mark.parametrize("text,expected", BAD_FILES, ids=[f"rule{i}" for i in range(len(BAD_FILES))])
def test_bad_config_file_exits_2_with_one_line(tmp_path, text, expected):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    result = rlkit("train", str(config), "--out", str(tmp_path / "run"), cwd=tmp_path)
    import re

    assert re.search(expected, _one_line_error(result)), result.stderr
    assert "pwned" not in result.stdout
    assert not (tmp_path / "run").exists()  # validated before any work started


@pytest.mark.parametrize("override,expected", [
    ("train.num_iteration=5", r"train.num_iteration: unknown key; did you mean 'num_iterations'"),
    ("train.num_iterations=many", r"train.num_iterations: .*int"),
    ("agent.gamma=2", r"agent.gamma"),
    ("nokeyvalue", r"expected KEY=VALUE"),
])
def test_bad_overrides_exit_2(tmp_path, override, expected):
    import re

    result = rlkit("train", "--set", override, "--out", str(tmp_path / "run"))
    assert re.search(expected, _one_line_error(result))


def test_missing_config_file_and_misused_resume(tmp_path):
    assert "config file not found" in _one_line_error(rlkit("train", str(tmp_path / "nope.yaml")))
    assert "no such run directory" in _one_line_error(rlkit("train", "--resume", str(tmp_path / "nope")))
    assert "drop CONFIG and --out" in _one_line_error(rlkit("train", "x.yaml", "--resume", str(tmp_path)))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("cli") / "run"
    result = rlkit("train", "--out", str(run_dir), "--set", "train.num_iterations=500", "--set", "eval.interval=250",
                   "--set", "train.chunk_size=250", "--set", "output.video_episodes=1", "--set", "eval.num_episodes=3")
    assert result.returncode == 0, result.stderr
    assert "done: 500 iterations" in result.stdout and f"outputs: {run_dir}" in result.stdout
    assert "iteration 250: average return" in result.stdout  # the tutorial's log lines
    return run_dir


def test_train_refuses_to_overwrite_a_run(finished_run):
    assert "already holds a run" in _one_line_error(rlkit("train", "--out", str(finished_run)))


def test_eval_reports_the_saved_policy(finished_run):
    result = rlkit("eval", str(finished_run), "--episodes", "4")
    assert result.returncode == 0, result.stderr
    assert "average return over 4 episodes:" in result.stdout


def test_plot_redraws_from_metrics(finished_run, tmp_path):
    out = tmp_path / "again.png"
    result = rlkit("plot", str(finished_run), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_video_rerecords(finished_run):
    before = (finished_run / "trained.mp4").stat().st_mtime_ns
    result = rlkit("video", str(finished_run), "--episodes", "1", "--trained-only")
    assert result.returncode == 0, result.stderr
    assert (finished_run / "trained.mp4").stat().st_mtime_ns != before
    assert "trained.mp4: 1 episodes" in result.stdout


def test_resume_through_the_cli_extends_the_run(finished_run, tmp_path):
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(finished_run, run_dir)
    result = rlkit("train", "--resume", str(run_dir), "--set", "train.num_iterations=750", "--no-video")
    assert result.returncode == 0, result.stderr
    assert json.loads((run_dir / "summary.json").read_text())["iterations"] == 750
    assert read_metrics(run_dir / "metrics.csv")[-1]["iteration"] == 750


def test_commands_on_a_directory_that_is_not_a_run(tmp_path):
    for command in ("eval", "video", "plot"):
        message = _one_line_error(rlkit(command, str(tmp_path)))
        assert "not a run directory" in message or "no metrics.csv" in message


def test_ctrl_c_writes_a_checkpoint_and_exits_130(tmp_path):
    import signal
    import time

    from rlkit.train.checkpoint import CheckpointManager

    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "rlkit", "train", "--out", str(run_dir), "--no-video", "--quiet",
         "--set", "train.num_iterations=10000000", "--set", "train.log_interval=250", "--set", "train.chunk_size=50"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until training is under way
            if (run_dir / "metrics.csv").exists() and len(read_metrics(run_dir / "metrics.csv")) >= 3:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted at iteration" in stderr and f"rlkit train --resume {run_dir}" in stderr
    checkpoint = CheckpointManager(run_dir / "checkpoints").load_latest()
    assert checkpoint is not None and checkpoint.iteration % 50 == 0 and checkpoint.iteration >= 500  # a chunk end
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "interrupted"


def test_sigkill_then_resume_repeats_the_uninterrupted_run(tmp_path):
    """Kill -9 mid-run, resume from the last checkpoint, train on: the same rows as a run never killed."""
    import signal
    import time

    settings = ["--set", "train.chunk_size=100", "--set", "train.checkpoint_interval=300", "--set", "train.log_interval=100",
                "--set", "eval.interval=300", "--set", "eval.num_episodes=3", "--no-video", "--quiet"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "rlkit", "train", "--out", str(killed), *settings,
                                "--set", "train.num_iterations=900"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (killed / "checkpoints" / "ckpt-000000300").exists():
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        process.kill()
    assert process.returncode == -signal.SIGKILL
    resumed = rlkit("train", "--resume", str(killed), "--no-video")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from ckpt-000000" in resumed.stdout
    whole = tmp_path / "whole"
    assert rlkit("train", "--out", str(whole), *settings, "--set", "train.num_iterations=900").returncode == 0
    exact = ("iteration", "env_steps", "episodes", "loss", "train_return", "eval_return")
    rows = [[row[key] for key in exact] for row in read_metrics(killed / "metrics.csv")]
    assert rows == [[row[key] for key in exact] for row in read_metrics(whole / "metrics.csv")]
    assert rows[-1][0] == 900


def test_a_gymnasium_env_trains_and_a_missing_renderer_costs_only_the_videos(tmp_path):
    run_dir = tmp_path / "run"
    result = rlkit("train", "--out", str(run_dir), "--set", "env.name=gymnasium:CartPole-v1", "--set", "train.num_iterations=100",
                   "--set", "eval.interval=100", "--set", "eval.num_episodes=2", "--set", "output.video_episodes=1")
    assert result.returncode == 0, result.stderr
    assert (run_dir / "policy" / "saved_model.pb").is_file() and (run_dir / "summary.json").is_file()
    try:
        import pygame  # noqa: F401
    except ImportError:  # gymnasium draws CartPole with pygame; without it the run says so and goes on
        assert "videos will not be recorded: env 'gymnasium:CartPole-v1': render() raised DependencyNotInstalled" \
            in result.stdout
        assert "cannot render gymnasium:CartPole-v1" in _one_line_error(rlkit("video", str(run_dir)))
    else:
        assert (run_dir / "trained.mp4").is_file()


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal the bar shows iterations/s, loss and return, and the log lines stay on lines of their own."""
    code, text = run_on_a_terminal(
        [sys.executable, "-m", "rlkit", "train", "--out", str(tmp_path / "run"), "--no-video",
         "--set", "train.num_iterations=600", "--set", "eval.interval=300", "--set", "eval.num_episodes=2"],
        {**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert code == 0, text
    assert "600/600" in text and "it/s" in text and "ret=" in text and "loss=" in text
    assert "\niteration 300: average return = " in text.replace("\r", "\n")
