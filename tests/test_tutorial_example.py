"""examples/tutorial_dqn_cartpole.py runs end to end (fewer iterations) and writes a readable plot and videos."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import matplotlib.image
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "tutorial_dqn_cartpole.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FRAME_SHAPE = (400, 600, 3)


def run_tutorial(out_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run the script with the tutorial's intervals scaled down; rlkit imports from this checkout."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(SCRIPT), "--num-iterations", "300", "--eval-interval", "100",
               "--log-interval", "100", "--num-eval-episodes", "3", "--video-episodes", "1",
               "--out", str(out_dir), *extra]
    result = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=out_dir.parent,
                            timeout=180)
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr[-4000:]}"
    return result


def assert_training_log(stdout: str) -> None:
    """The tutorial's log lines: a loss every log_interval and an average return every eval_interval."""
    for step in (100, 200, 300):
        assert re.search(rf"^step = {step}: loss = [-+0-9.e]+$", stdout, re.MULTILINE), stdout
        assert re.search(rf"^step = {step}: Average Return = [0-9.]+$", stdout, re.MULTILINE), stdout


def read_video(path: Path) -> list[np.ndarray]:
    with imageio.get_reader(path) as reader:
        return [frame for frame in reader]


@pytest.fixture(scope="module")
def tutorial_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out_dir = tmp_path_factory.mktemp("tutorial") / "outputs"
    return out_dir, run_tutorial(out_dir).stdout


def test_prints_every_tutorial_section(tutorial_run):
    _, stdout = tutorial_run
    for heading in ("Observation Spec:", "Reward Spec:", "Action Spec:", "Time step:", "Next time step:"):
        assert f"\n{heading}\n" in stdout
    assert "BoundedArraySpec(shape=(), dtype=dtype('int64'), name='action', minimum=0, maximum=1)" in stdout
    assert "TimeStep(step_type=array(0, dtype=int32)" in stdout
    assert "PolicyStep(action=" in stdout
    assert re.search(r"^Average return of the random policy over 3 episodes: [0-9.]+$", stdout, re.MULTILINE)
    assert "('step_type', 'observation', 'action', 'policy_info', 'next_step_type', 'reward', 'discount')" in stdout
    assert "'observation': (64, 2, 4)" in stdout
    assert_training_log(stdout)


def test_writes_the_returns_plot_and_a_frame(tutorial_run):
    out_dir, _ = tutorial_run
    for name, shape in (("returns.png", (400, 640)), ("cartpole-frame.png", FRAME_SHAPE[:2])):
        path = out_dir / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert matplotlib.image.imread(path).shape[:2] == shape
        assert imageio.imread(path).shape[:2] == shape


def test_writes_videos_of_the_trained_and_random_agents(tutorial_run):
    out_dir, stdout = tutorial_run
    for name in ("trained-agent", "random-agent"):
        frames = read_video(out_dir / f"{name}.mp4")
        assert len(frames) > 0
        assert all(frame.shape == FRAME_SHAPE for frame in frames)
        reported = re.search(rf"{name}\.mp4 \((\d+) frames", stdout)
        assert reported and int(reported.group(1)) == len(frames)


def test_train_block_variant_logs_at_the_same_steps(tmp_path):
    stdout = run_tutorial(tmp_path / "outputs", "--train-block", "50").stdout
    assert_training_log(stdout)
    assert (tmp_path / "outputs" / "returns.png").read_bytes()[:8] == PNG_SIGNATURE
