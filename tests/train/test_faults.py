"""Faults a user meets through the CLI: a full disk, a read-only directory, a diverging loss, a run killed
while writing its outputs, damaged metrics files. Each ends in one line on stderr and a documented exit code."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rlkit.train.recorder import COLUMNS, MetricsRecorder, read_metrics

REPO = Path(__file__).resolve().parents[2]
SHORT = ["--no-video", "--quiet", "--set", "train.num_iterations=200", "--set", "eval.interval=100",
         "--set", "eval.num_episodes=2", "--set", "train.checkpoint_interval=100"]


def rlkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def _one_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs (CI runs as root); where mounting is impossible the test says why and skips."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        pytest.skip(f"mounting a tmpfs is impossible here: {result.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_naming_the_file(small_disk):
    result = rlkit("train", "--out", str(small_disk / "run"), *SHORT)  # the 4 MB replay file cannot fit
    line = _one_line(result, 4)
    assert "No space left on device" in line and str(small_disk / "run") in line and "free space" in line
    assert not list((small_disk / "run" / "checkpoints").glob("*.tmp"))  # the partial checkpoint is gone


def test_a_read_only_directory_is_one_line_and_the_checkpoint_survives(small_disk, tmp_path):
    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT, "--set", "replay.max_length=1000").returncode == 0
    subprocess.run(["cp", "-a", str(run), str(small_disk / "run")], check=True)
    before = sorted(p.name for p in (small_disk / "run" / "checkpoints").iterdir())
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = rlkit("train", "--resume", str(small_disk / "run"), "--set", "train.num_iterations=300")
    line = _one_line(result, 4)
    assert "Read-only file system" in line and "writable" in line
    assert sorted(p.name for p in (small_disk / "run" / "checkpoints").iterdir()) == before
    for command in ("video", "plot", "report"):  # ffmpeg, matplotlib, the report: one line each, too
        assert "Read-only file system" in _one_line(rlkit(command, str(small_disk / "run")), 4)


def test_a_diverging_loss_stops_with_the_iteration_and_the_cause(tmp_path):
    run = tmp_path / "run"
    result = rlkit("train", "--out", str(run), *SHORT, "--set", "agent.learning_rate=1e308")
    line = _one_line(result, 3)
    assert "training diverged: the loss is NaN or inf at iteration" in line and "learning_rate" in line
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "diverged"
    for row in read_metrics(run / "metrics.csv"):  # nothing non-finite was recorded
        assert row["loss"] is None or row["loss"] == row["loss"]


def test_resume_completes_a_run_killed_while_writing_its_outputs(tmp_path):
    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT).returncode == 0
    (run / "summary.json").unlink()  # as if killed during the export: the final checkpoint is there, the outputs not
    subprocess.run(["rm", "-rf", str(run / "policy"), str(run / "returns.png")], check=True)
    result = rlkit("train", "--resume", str(run))
    assert result.returncode == 0, result.stderr
    assert (run / "policy" / "saved_model.pb").is_file() and (run / "returns.png").is_file()
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"
    assert "already at iteration 200" in _one_line(rlkit("train", "--resume", str(run)), 2)


def test_a_new_metrics_file_has_its_header_before_the_first_row(tmp_path):
    recorder = MetricsRecorder(tmp_path)
    assert (tmp_path / "metrics.csv").read_text().strip() == ",".join(COLUMNS)  # as a kill would leave it
    recorder.close()


def test_resume_rebuilds_a_damaged_metrics_csv_from_the_jsonl(tmp_path):
    recorder = MetricsRecorder(tmp_path)
    for iteration in (0, 100, 200):
        recorder.record(iteration=iteration, loss=0.5)
    recorder.close()
    csv_path = tmp_path / "metrics.csv"
    csv_path.write_text(csv_path.read_text().replace("100", "1x0"))  # a bit flip
    with pytest.raises(ValueError, match=r"metrics.csv: line 3 is not a metrics row"):
        read_metrics(csv_path)
    MetricsRecorder(tmp_path, resume_from_iteration=100).close()
    assert [row["iteration"] for row in read_metrics(csv_path)] == [0, 100]


def test_plot_of_a_damaged_metrics_file_is_one_line(tmp_path):
    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT).returncode == 0
    (run / "metrics.csv").write_text("garbage\n1,2,3\n")
    assert "is not rlkit's metrics header" in _one_line(rlkit("plot", str(run)), 2)


def test_damaged_checkpoint_manifests_fall_back_to_the_previous_checkpoint(tmp_path):
    from rlkit.train.checkpoint import CheckpointManager

    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT).returncode == 0
    manager = CheckpointManager(run / "checkpoints")
    latest = manager.checkpoints()[-1][1]
    manifest = json.loads((latest / "MANIFEST.json").read_text())
    for damaged in ({**manifest, "filez": manifest["files"]}, {**manifest, "iteration": 150},
                    {**manifest, "files": {k: {"size": 1} for k in manifest["files"]}}):
        if "filez" in damaged:
            del damaged["files"]
        (latest / "MANIFEST.json").write_text(json.dumps(damaged))
        reasons = []
        assert manager.load_latest(report=reasons.append).iteration == 100
        assert "MANIFEST.json is damaged" in reasons[0]


def test_a_damaged_exported_policy_is_one_line_in_eval_and_video(tmp_path):
    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT).returncode == 0
    variables = next((run / "policy" / "variables").glob("variables.data*"))
    data = bytearray(variables.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit
    variables.write_bytes(bytes(data))
    for command in ("eval", "video"):
        assert "is corrupt (checksum mismatch)" in _one_line(rlkit(command, str(run)), 2)
    (run / "policy" / "rlkit_files.json").unlink()  # an export without a manifest: TensorFlow's error, in one line
    (run / "policy" / "saved_model.pb").write_bytes(b"not a protobuf")
    assert "cannot be loaded" in _one_line(rlkit("eval", str(run)), 2)


def test_a_damaged_summary_is_no_obstacle_to_plot_and_an_empty_config_is_one_line(tmp_path):
    run = tmp_path / "run"
    assert rlkit("train", "--out", str(run), *SHORT).returncode == 0
    (run / "summary.json").write_text('{"status": "comp')
    assert rlkit("plot", str(run)).returncode == 0  # plot needs only the metrics; the threshold line is left out
    (run / "config.yaml").write_text("")
    assert "config.yaml is empty" in _one_line(rlkit("train", "--resume", str(run)), 2)


def test_memory_is_estimated_from_the_specs_before_allocating():
    import rlkit
    from rlkit.train.config import ConfigError, load_config
    from rlkit.train.resources import check_memory

    probe = rlkit.make("envs", "CartPole-v0", num_envs=1)
    check_memory(load_config(None), probe, available=1 << 30)  # the tutorial: ~4 MB
    with pytest.raises(ConfigError, match=r"^replay.max_length: the run needs about 3.7 GiB of memory .* but 1.0 GiB is "
                                          r"available; lower replay.max_length$"):
        check_memory(load_config(None, ["replay.max_length=100000000"]), probe, available=1 << 30)
    with pytest.raises(ConfigError, match=r"^eval.num_episodes: .*lower eval.num_episodes$"):
        check_memory(load_config(None, ["eval.num_episodes=100000000"]), probe, available=1 << 30)
    ten_million = ["replay.max_length=10000000"]  # 0.37 GiB for one env's rows: fits alone, not for 4 collectors
    check_memory(load_config(None, ten_million), probe, available=1 << 30)
    with pytest.raises(ConfigError, match=r"^replay.max_length: the run needs about 1.5 GiB"):
        check_memory(load_config(None, [*ten_million, "collect.engine=ray", "collect.num_workers=4"]), probe,
                     available=1 << 30)


def test_an_impossible_eval_batch_is_refused_before_tensorflow_starts(tmp_path):
    result = rlkit("train", "--out", str(tmp_path / "run"), "--set", "eval.num_episodes=1000000000")
    assert "lower eval.num_episodes" in _one_line(result, 2)
    assert not (tmp_path / "run").exists()


def test_an_env_that_raises_mid_training_is_one_line_with_its_traceback_in_train_log(tmp_path):
    run = tmp_path / "run"
    args = ["--set", "env.name=tests.failing_env:FailingEnv", "--set", "env.kwargs={fail_at: 1800}",
            "--set", "eval.env=CartPole-v0", "--set", "eval.env_kwargs={}", "--set", "train.num_iterations=2000", "--set", "train.checkpoint_interval=500",
            "--set", "eval.interval=500", "--no-video", "--quiet"]
    failed = rlkit("train", *args, "--out", str(run))
    line = _one_line(failed, 1)
    assert line.startswith("error: training stopped after iteration 1600 by RuntimeError: the simulator lost its license "
                           f"server (traceback in {run / 'train.log'}); the last checkpoint (iteration 1500) is intact")
    log = (run / "train.log").read_text()
    assert "Traceback (most recent call last)" in log and "failing_env.py" in log
    assert json.loads((run / "summary.json").read_text())["status"] == "failed"

    # The fault was passing (a resumed FailingEnv counts its steps afresh): --resume continues from the checkpoint.
    again = rlkit("train", "--resume", str(run), "--no-video", "--quiet")
    assert again.returncode == 0 and not again.stderr, again.stderr
    assert "resumed from ckpt-000001500 at iteration 1500" in (run / "train.log").read_text()
    assert json.loads((run / "summary.json").read_text())["status"] == "completed"
    assert [row["iteration"] for row in read_metrics(run / "metrics.csv")][-1] == 2000


def test_an_env_oserror_that_is_not_about_the_disk_is_one_line_too(tmp_path):
    run = tmp_path / "run"
    failed = rlkit("train", "--set", "env.name=tests.failing_env:FailingEnv", "--set",
                   "env.kwargs={fail_at: 300, missing_file: true}", "--set", "eval.env=CartPole-v0", "--set",
                   "eval.env_kwargs={}", "--no-video", "--quiet", "--out", str(run))
    line = _one_line(failed, 1)
    assert line.startswith("error: training stopped after iteration 100 by FileNotFoundError: [Errno 2] No such file "
                           "or directory: 'assets/level-2.bin' (traceback in ")
