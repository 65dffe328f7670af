"""SIGKILL a short run at 22 points -- mid-training, during each checkpoint phase, before the first metrics
row, during the final export, the plot, the videos and the summary -- and resume it: every killed run is
completed by ``rlkit train --resume`` and ends equal to the run never killed (metrics, summary, weights).

The kill comes from inside (``RLKIT_KILL_AT``, see :mod:`rlkit.faults`), so it lands exactly at the point.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from rlkit.train.checkpoint import CheckpointManager
from rlkit.train.recorder import read_metrics

REPO = Path(__file__).resolve().parents[2]
SETTINGS = ["--quiet", "--set", "train.num_iterations=200", "--set", "train.chunk_size=50", "--set", "train.log_interval=50",
            "--set", "eval.interval=100", "--set", "eval.num_episodes=2", "--set", "train.checkpoint_interval=100",
            "--set", "output.video_episodes=1", "--set", "replay.max_length=2000", "--set", "output.tensorboard=false"]
POINTS = ["config_written", "metrics_created", "metrics_row:1", "chunk_trained:1", "metrics_row:2", "chunk_trained:2",
          "checkpoint_arrays:1", "checkpoint_components:1", "checkpoint_manifest:1", "checkpoint_renamed:1",
          "metrics_row:4", "chunk_trained:4", "checkpoint_arrays:2", "checkpoint_manifest:2", "checkpoint_renamed:2",
          "policy_exported", "policy_manifest", "plot_written", "video_trained", "video_random", "summary", "metrics_row:5"]
EXACT = ("iteration", "env_steps", "episodes", "loss", "epsilon", "train_return", "eval_return", "eval_episode_length")
SUMMARY = ("status", "iterations", "env_steps", "episodes", "final_return", "best_return", "best_iteration")


def _rlkit(*args: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("RLKIT_KILL_AT", None)
    if kill_at:
        env["RLKIT_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=300, env=env)


def _outcome(run: Path) -> tuple:
    rows = [tuple(row[key] for key in EXACT) for row in read_metrics(run / "metrics.csv")]
    summary = json.loads((run / "summary.json").read_text())
    final = CheckpointManager(run / "checkpoints").load_latest()
    assert (run / "policy" / "saved_model.pb").is_file() and (run / "returns.png").is_file()
    assert (run / "trained.mp4").is_file() and (run / "random.mp4").is_file()
    return rows, tuple(summary[key] for key in SUMMARY), final.iteration, final.arrays


def _kill_and_resume(base: Path, point: str) -> tuple:
    run = base / point.replace(":", "-")
    killed = _rlkit("train", "--out", str(run), *SETTINGS, kill_at=point)
    assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr[-2000:])
    resumed = _rlkit("train", "--resume", str(run))
    assert resumed.returncode == 0, (point, resumed.stderr[-2000:])
    return _outcome(run)


@pytest.mark.slow  # 45 processes: ~4 min on 2 cores; .ci/run runs the slow tests after the default suite
def test_a_run_killed_anywhere_is_completed_by_resume_and_equals_the_uninterrupted_run(tmp_path):
    whole = tmp_path / "whole"
    assert _rlkit("train", "--out", str(whole), *SETTINGS).returncode == 0
    rows, summary, iteration, arrays = _outcome(whole)
    assert iteration == 200 and summary[0] == "completed"
    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes at a time on the 2-core machine
        outcomes = dict(zip(POINTS, pool.map(lambda point: _kill_and_resume(tmp_path, point), POINTS)))
    for point, (got_rows, got_summary, got_iteration, got_arrays) in outcomes.items():
        assert got_rows == rows, point
        assert got_summary == summary, point
        assert got_iteration == iteration and got_arrays.keys() == arrays.keys(), point
        for key, value in arrays.items():
            np.testing.assert_array_equal(got_arrays[key], value, err_msg=f"{point}: {key}")


@pytest.mark.parametrize("point", ["nowhere", "metrics_row:99"])
def test_an_unreached_point_kills_nothing(point, tmp_path):
    result = _rlkit("train", "--out", str(tmp_path / "run"), *SETTINGS, "--no-video", kill_at=point)
    assert result.returncode == 0, result.stderr
