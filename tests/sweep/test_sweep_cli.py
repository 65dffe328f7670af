"""``rlkit sweep`` run as a user runs it: workers, a SIGKILLed worker then --resume, a failing trial, Ctrl-C.

Trials are tiny (600 iterations of the tutorial config, no videos, a 5,000-row replay buffer).
"""
from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.terminal import run_on_a_terminal

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--set", "train.num_iterations=600", "--set", "eval.interval=200", "--set", "train.checkpoint_interval=200",
         "--set", "train.log_interval=200", "--set", "replay.max_length=5000", "--set", "output.tensorboard=false"]
GRID = ["--grid", "agent.learning_rate=1e-3,5e-4", "--seeds", "0,1"]
TIMING_COLUMNS = ("steps_per_second", "wall_seconds")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}


def rlkit(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=timeout,
                          env={**_env(), **env})


def test_a_trial_killed_while_writing_its_outputs_resumes_without_training_again(tmp_path):
    out = tmp_path / "sweep"
    killed = rlkit("sweep", "--seeds", "0", *SMALL, "--no-video", "--workers", "1", "--out", str(out),
                   RLKIT_KILL_AT="summary")  # the worker dies after its last checkpoint, before summary.json
    assert killed.returncode == 1 and "WorkerDied" in killed.stdout
    (run_dir,) = [path.parent for path in out.rglob("train.log")]
    rows = _metric_rows(run_dir)
    resumed = rlkit("sweep", "--resume", str(out), "--workers", "1", "--no-video")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from ckpt-000000600 at iteration 600" in (run_dir / "train.log").read_text()
    assert _metric_rows(run_dir) == rows  # nothing trained again
    assert _sweep_json(out)["trials"]["completed"] == 1


def _popen(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rlkit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env())


def _sweep_json(sweep_dir: Path) -> dict:
    return json.loads((sweep_dir / "sweep.json").read_text())


def _metric_rows(run_dir: Path) -> list[dict]:
    with open(run_dir / "metrics.csv", newline="") as handle:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(handle)]


def _workers(pid: int) -> list[int]:
    """The sweep's worker processes (children started by multiprocessing's spawn, not its resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    found = []
    for child in map(int, children):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue
        if "spawn_main" in cmdline:
            found.append(child)
    return found


def _worker_running(pid: int, run_dir: Path) -> int | None:
    """The worker with ``run_dir``'s train.log open."""
    for worker in _workers(pid):
        try:
            fds = [os.readlink(p) for p in Path(f"/proc/{worker}/fd").iterdir()]
        except (FileNotFoundError, PermissionError):
            continue
        if str(run_dir / "train.log") in fds:
            return worker
    return None


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "uninterrupted"
    result = rlkit("sweep", *GRID, *SMALL, "--no-video", "--workers", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_sweep_writes_trials_statistics_and_report(uninterrupted):
    data = _sweep_json(uninterrupted)
    assert data["trials"] == {"completed": 4, "failed": 0, "interrupted": 0, "pending": 0}
    assert [p["name"] for p in data["points"]] == ["learning_rate=0.001", "learning_rate=0.0005"]
    for point in data["points"]:
        final = point["metrics"]["final_return"]
        assert final["n"] == 2
        for stat in ("mean", "median", "iqm"):
            assert final[stat]["low"] <= final[stat]["value"] <= final[stat]["high"]
        assert len(point["curve"]["iterations"]) == 4            # evaluations at 0, 200, 400, 600
    assert {p["metric"] for p in data["probability_of_improvement"]} == {"final_return", "auc"}
    for name in ("sweep.csv", "curves.png", "profile.png", "report.html", "base.yaml", "sweep.yaml"):
        assert (uninterrupted / name).is_file(), name
    for seed in (0, 1):
        run_dir = uninterrupted / "trials" / "learning_rate=0.001" / f"seed-{seed}"
        assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
        assert (run_dir / "policy" / "saved_model.pb").is_file() and (run_dir / "report.html").is_file()
        assert not (run_dir / "trained.mp4").exists()                    # --no-video
    rows = list(csv.DictReader(open(uninterrupted / "sweep.csv")))
    assert len(rows) == 2 * 6 and rows[0]["agent.learning_rate"] == "0.001"


def test_a_trial_equals_rlkit_train_bit_for_bit(uninterrupted, tmp_path):
    run = tmp_path / "train"
    result = rlkit("train", str(uninterrupted / "base.yaml"), *SMALL, "--set", "agent.learning_rate=0.0005",
                   "--set", "train.seed=1", "--no-video", "--quiet", "--out", str(run))
    assert result.returncode == 0, result.stderr
    trial = uninterrupted / "trials" / "learning_rate=0.0005" / "seed-1"
    assert _metric_rows(trial) == _metric_rows(run)               # losses and eval returns, as text: bit for bit
    for key in ("final_return", "best_return", "env_steps", "episodes"):
        assert json.loads((trial / "summary.json").read_text())[key] == json.loads((run / "summary.json").read_text())[key]


def test_killed_worker_then_resume_gives_the_same_sweep_json(uninterrupted, tmp_path):
    out = tmp_path / "killed"
    process = _popen("sweep", *GRID, *SMALL, "--no-video", "--workers", "2", "--out", str(out))
    victim_dir, deadline = None, time.monotonic() + 240
    while victim_dir is None and process.poll() is None and time.monotonic() < deadline:
        for checkpoint in sorted(out.glob("trials/*/seed-*/checkpoints/ckpt-000000200")):
            run_dir = checkpoint.parents[1]
            if not (run_dir / "summary.json").exists() and _worker_running(process.pid, run_dir):
                victim_dir = run_dir
                break
        time.sleep(0.02)
    assert victim_dir is not None, "no trial was caught between its first checkpoint and its end"
    os.kill(_worker_running(process.pid, victim_dir), signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 1, stderr                      # some trial failed
    assert "WorkerDied" in stdout and "killed by SIGKILL" in stdout
    trial = json.loads((victim_dir / "trial.json").read_text())
    assert trial["status"] == "failed" and "SIGKILL" in trial["error"]
    assert _sweep_json(out)["trials"]["failed"] == 1 and _sweep_json(out)["trials"]["completed"] == 3

    resumed = rlkit("sweep", "--resume", str(out), "--workers", "2", "--no-video")
    assert resumed.returncode == 0, resumed.stderr
    assert "3 of 4 trials already completed" in resumed.stdout
    assert "resumed from ckpt-" in (victim_dir / "train.log").read_text()
    assert _sweep_json(out) == _sweep_json(uninterrupted)
    again = rlkit("sweep", "--resume", str(out))                # nothing left: no trial is rerun
    assert again.returncode == 0 and "4 of 4 trials already completed" in again.stdout


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run ``rlkit ARGS`` with stdout and stderr on a pseudo-terminal; its exit code and everything it showed."""
    return run_on_a_terminal([sys.executable, "-m", "rlkit", *args], _env(), timeout=240)


def test_a_trial_failing_at_run_time_is_recorded_and_the_rest_complete(tmp_path):
    out = tmp_path / "failing"
    # lr 1e30 passes validation, then the loss turns inf at the first gradient steps: the trainer stops (diverged)
    code, text = _on_a_terminal("sweep", "--grid", "agent.learning_rate=1e-3,1e30", "--seeds", "0", *SMALL,
                                "--set", "train.num_iterations=200", "--no-video", "--workers", "1", "--out", str(out))
    assert code == 1, text
    assert "some trials failed" in text
    assert "2/2" in text and "trial" in text                    # the sweep's progress bar, on the terminal
    shown = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text.replace("\r", ""))
    assert "learning_rate=1.0e+30 seed 0: failed: TrainingDiverged: training diverged" in shown
    data = _sweep_json(out)
    assert data["trials"]["completed"] == 1 and data["trials"]["failed"] == 1
    failed = data["points"][1]["trials"][0]
    assert failed["status"] == "failed" and "the loss is NaN or inf" in failed["error"]
    assert "traceback" in json.loads((out / failed["run_dir"] / "trial.json").read_text())
    assert "TrainingDiverged" in (out / "report.html").read_text()


def test_ctrl_c_stops_the_workers_with_checkpoints_and_resume_finishes(tmp_path):
    out = tmp_path / "stopped"
    process = _popen("sweep", "--seeds", "0", *SMALL, "--set", "train.num_iterations=1000", "--no-video",
                     "--workers", "1", "--out", str(out))
    run_dir = out / "trials" / "base" / "seed-0"
    deadline = time.monotonic() + 240
    while not (run_dir / "checkpoints" / "ckpt-000000200").exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    workers = _workers(process.pid)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "rlkit sweep --resume" in stderr and "Traceback" not in stderr
    assert all(not Path(f"/proc/{w}").exists() for w in workers)      # every worker has exited
    assert json.loads((run_dir / "trial.json").read_text())["status"] == "interrupted"
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "interrupted"
    resumed = rlkit("sweep", "--resume", str(out), "--no-video")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from ckpt-" in (run_dir / "train.log").read_text()
    assert json.loads((run_dir / "summary.json").read_text())["iterations"] == 1000


@pytest.mark.parametrize("args,expected", [
    (["--grid", "agent.gama=0.9,0.99"], r"^error: trial gama=0.9/seed-0: agent.gama: unknown key; did you mean 'gamma'\?$"),
    (["--seeds", "3-1"], r"^error: --seeds '3-1': range 3-1 is empty$"),
    (["--grid", "agent.gamma"], r"^error: --grid 'agent.gamma': expected KEY=V1,V2"),
    (["--set", "train.num_iterations=0"], r"^error: trial base/seed-0: train.num_iterations: must be >= 1"),
    (["--resume", "nowhere", "--seeds", "1"], r"^error: --resume DIR continues a sweep as it was planned"),
    (["--resume", "nowhere"], r"^error: nowhere: not a sweep directory"),
    (["--workers", "0"], r"argument --workers: must be >= 1"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, expected):
    result = rlkit("sweep", "--seeds", "0", *args, "--out", str(tmp_path / "out")) if "--resume" not in args \
        else rlkit("sweep", *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(expected, result.stderr.strip().splitlines()[-1]), result.stderr
    assert not (tmp_path / "out").exists()                      # validated before anything was written


def test_an_existing_sweep_is_not_overwritten(uninterrupted):
    result = rlkit("sweep", "--seeds", "0", "--out", str(uninterrupted))
    assert result.returncode == 2 and "already holds a sweep; continue it with `rlkit sweep --resume" in result.stderr


def test_sweep_report_recomputes_the_same_statistics(uninterrupted, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(uninterrupted, copy)
    before = (copy / "sweep.json").read_text()
    (copy / "sweep.json").unlink()
    result = rlkit("sweep-report", str(copy), "--reps", "10000", "--seed", "0")
    assert result.returncode == 0, result.stderr
    assert (copy / "sweep.json").read_text() == before                 # the defaults: the same numbers
    other = rlkit("report", str(copy))                                  # a sweep directory: its report
    assert other.returncode == 0 and "report.html" in other.stdout
    bad = rlkit("sweep-report", str(tmp_path))
    assert bad.returncode == 2 and "not a sweep directory" in bad.stderr
