"""A plugin agent that writes only ``_train`` and a plugin buffer that writes only the required hooks train
through ``rlkit train`` on the defaults declared in ``rlkit/core.py``; the trainer probes for nothing."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from rlkit.train.recorder import read_metrics

REPO = Path(__file__).resolve().parents[2]

CONFIG = """\
agent:
  name: rlkit.testing.fakes:FakeAgent
replay:
  name: rlkit.testing.fakes:FakeReplayBuffer
  max_length: 500
train:
  num_iterations: 60
  chunk_size: 20
  log_interval: 20
  train_steps_per_iteration: 2
eval:
  interval: 30
  num_episodes: 2
output:
  video_episodes: 1
"""


def test_a_minimal_plugin_agent_and_buffer_train_through_declared_defaults(tmp_path):
    (tmp_path / "plugin.yaml").write_text(CONFIG)
    run = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "rlkit", "train", str(tmp_path / "plugin.yaml"), "--out", str(run),
                             "--quiet"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["iterations"] == 60
    rows = read_metrics(run / "metrics.csv")
    assert [row["iteration"] for row in rows] == [0, 20, 30, 40, 60]
    assert all(row["loss"] == row["loss"] for row in rows[1:])  # Agent.train_block's default: one train per batch
    log = (run / "train.log").read_text()
    assert "no checkpoints are written" in log and "cannot export its policy" in log
    assert not (run / "checkpoints").exists() and not (run / "policy").exists()
    assert (run / "trained.mp4").is_file() and (run / "returns.png").is_file()


def test_the_trainer_probes_for_no_capability():
    probing = re.compile(r"\b(getattr|hasattr|callable)\(|inspect\.signature")
    for path in sorted((REPO / "rlkit" / "train").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not probing.search(line), f"{path.relative_to(REPO)}:{number}: {line.strip()}"


def test_tensorflow_is_imported_only_by_networks_and_agents():
    importing = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b")
    for path in sorted((REPO / "rlkit").rglob("*.py")):
        relative = path.relative_to(REPO / "rlkit").as_posix()
        if relative.startswith(("networks/", "agents/")):
            continue
        assert not any(importing.match(line) for line in path.read_text().splitlines()), relative
