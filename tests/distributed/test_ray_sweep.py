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
