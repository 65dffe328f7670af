"""``rlkit sweep --executor ray``: the same trials as the local executor, bit for bit; a dead worker's trial is retried."""
from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from rlkit.sweep.plan import SweepSpec, parse_grid
from rlkit.sweep.runner import run_sweep
from rlkit.train.recorder import read_metrics

SETS = ["train.num_iterations=200", "train.chunk_size=50", "train.log_interval=50", "eval.interval=100",
        "eval.num_episodes=2", "output.video=false", "output.report=false", "output.tensorboard=false"]


def _sweep(sweep_dir: Path, executor: str, seeds: list[int]) -> tuple[int, str]:
    spec, text = SweepSpec.create(None, seeds, parse_grid(["agent.learning_rate=1e-3"]), SETS)
    spec.save(sweep_dir, text)
    out = io.StringIO()
    outcome = run_sweep(spec, sweep_dir, 2, video=False, stream=out, executor=executor)
    return outcome.exit_code, out.getvalue()


def _results(sweep_dir: Path) -> dict[str, list]:
    return {str(path.parent.relative_to(sweep_dir)): [(row["iteration"], row["loss"], row["eval_return"])
                                                       for row in read_metrics(path)]
            for path in sorted(sweep_dir.glob("trials/*/seed-*/metrics.csv"))}


@pytest.mark.slow
def test_a_sweep_on_ray_equals_the_same_sweep_run_locally(ray_session, tmp_path):
    code, out = _sweep(tmp_path / "ray", "ray", [0, 1])
    assert code == 0 and "on 2 workers on Ray" in out
    assert _sweep(tmp_path / "local", "local", [0, 1])[0] == 0
    ray_results = _results(tmp_path / "ray")
    assert len(ray_results) == 2 and ray_results == _results(tmp_path / "local")


@pytest.mark.slow
def test_a_trial_whose_worker_dies_is_retried(ray_session, tmp_path, monkeypatch):
    from rlkit.distributed.sweep import RayExecutor

    original = RayExecutor.run

    def run_and_kill_once(self, tasks):
        def kill_when_training():  # both workers, once a trial has written its config: both trials are retried
            deadline = time.monotonic() + 120
            while not list(sweep_dir.glob("trials/*/seed-*/config.yaml")) and time.monotonic() < deadline:
                time.sleep(0.05)
            for pid in self.pids():
                os.kill(pid, signal.SIGKILL)

        threading.Thread(target=kill_when_training, daemon=True).start()
        yield from original(self, tasks)

    sweep_dir = tmp_path / "sweep"
    monkeypatch.setattr(RayExecutor, "run", run_and_kill_once)
    code, out = _sweep(sweep_dir, "ray", [0, 1])
    assert code == 0, out
    trials = [json.loads(p.read_text()) for p in sweep_dir.glob("trials/*/seed-*/trial.json")]
    assert len(trials) == 2 and all(trial["status"] == "completed" for trial in trials)
    assert any(trial["resumed"] for trial in trials)  # the retry continued the killed trial's run directory


def test_executor_ray_without_ray_and_a_stray_address_are_one_line_errors(monkeypatch, tmp_path, capsys):
    import sys

    from rlkit.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError, as without the extra
    assert main(["sweep", "--executor", "ray", "--seeds", "0", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == 'error: --executor ray: Ray is not installed; install the extra with: pip install "rlkit[ray]"'
    assert not (tmp_path / "s").exists()
    assert main(["sweep", "--address", "127.0.0.1:6379", "--seeds", "0", "--out", str(tmp_path / "s")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: --address ADDR is the Ray cluster of --executor ray")


@pytest.mark.slow
def test_the_sweep_resumes_after_the_sweep_process_dies(tmp_path):
    """``rlkit sweep --executor ray`` killed (with the local Ray it started) after its first trial; ``--resume``
    finishes the rest."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    sets = [arg for item in SETS for arg in ("--set", item)]
    sweep_dir = tmp_path / "sweep"
    # One worker: two trials ending together must not both be replaced before the kill lands (with two
    # workers, all four trials could finish while Ray ends the dead sweep's actors).
    process = subprocess.Popen([sys.executable, "-m", "rlkit", "sweep", "--executor", "ray", "--seeds", "0-3",
                                "--workers", "1", "--no-video", "--out", str(sweep_dir), *sets],
                               env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list(sweep_dir.glob("trials/*/seed-*/summary.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 60  # Ray ends the dead sweep's worker actors within seconds: wait for that
    while _sweep_workers_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    done_before = len(list(sweep_dir.glob("trials/*/seed-*/summary.json")))
    assert 1 <= done_before < 4
    result = subprocess.run([sys.executable, "-m", "rlkit", "sweep", "--resume", str(sweep_dir), "--executor", "ray",
                             "--workers", "2", "--no-video"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{done_before} of 4 trials already completed" in result.stdout
    assert all(json.loads(p.read_text())["status"] == "completed" for p in sweep_dir.glob("trials/*/seed-*/summary.json"))
    assert len(list(sweep_dir.glob("trials/*/seed-*/summary.json"))) == 4


def _sweep_workers_alive() -> bool:
    """Whether a Ray sweep worker process (``ray::SweepWorker``) is still running on this machine."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if "ray::SweepWorke" in status.read_text().splitlines()[0] and "\tZ" not in status.read_text():
                return True
        except (OSError, IndexError):
            continue
    return False
