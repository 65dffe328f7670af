import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from rlkit.train import checkpoint as checkpoint_module
from rlkit.train.checkpoint import CheckpointError, CheckpointManager


def save(manager, iteration):
    arrays = {"w": np.full((3, 2), iteration, np.float32), "rng": np.array([iteration, 7], np.uint64)}
    state = {"iteration": iteration, "returns": [1.0, 2.0]}
    writers = {"extra.bin": lambda path: path.write_bytes(b"x" * iteration)}
    return manager.save(iteration, arrays, state, writers)


def test_round_trip_and_pruning(tmp_path):
    manager = CheckpointManager(tmp_path, keep=2)
    for iteration in (10, 20, 30):
        save(manager, iteration)
    assert [it for it, _ in manager.checkpoints()] == [20, 30]
    ckpt = manager.load_latest()
    assert ckpt.iteration == 30 and ckpt.state["returns"] == [1.0, 2.0]
    np.testing.assert_array_equal(ckpt.arrays["w"], np.full((3, 2), 30, np.float32))
    assert ckpt.arrays["rng"].dtype == np.uint64
    assert ckpt.file("extra.bin").read_bytes() == b"x" * 30


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda p: (p / "MANIFEST.json").unlink(), "did not finish"),
        (lambda p: (p / "arrays.npz").write_bytes((p / "arrays.npz").read_bytes()[:50]), "truncated"),
        (lambda p: (p / "extra.bin").write_bytes(b"y" * 20), "corrupt"),
        (lambda p: (p / "state.json").unlink(), "missing"),
        (lambda p: (p / "MANIFEST.json").write_text("{not json"), "unreadable"),
    ],
)
def test_damaged_latest_falls_back_to_previous(tmp_path, damage, reason):
    manager = CheckpointManager(tmp_path, keep=3)
    save(manager, 10)
    latest = save(manager, 20)
    damage(latest)
    reports = []
    ckpt = manager.load_latest(report=reports.append)
    assert ckpt.iteration == 10
    assert len(reports) == 1 and reason in reports[0] and "ckpt-000000020" in reports[0]
    with pytest.raises(CheckpointError, match=reason):
        manager.load(latest)


def test_other_format_version_is_rejected(tmp_path):
    manager = CheckpointManager(tmp_path)
    path = save(manager, 5)
    manifest = json.loads((path / "MANIFEST.json").read_text())
    manifest["version"] = 99
    (path / "MANIFEST.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="version 99 is not supported"):
        manager.load(path)


def test_no_checkpoint_returns_none(tmp_path):
    assert CheckpointManager(tmp_path / "nothing").load_latest() is None


KILL_SCRIPT = """
import os, signal, sys
import numpy as np
from rlkit.train import checkpoint

directory, phase = sys.argv[1], sys.argv[2]
manager = checkpoint.CheckpointManager(directory, keep=2)
manager.save(1, {"w": np.ones(1000)}, {"iteration": 1})
def crash(name):
    if name == phase:
        os.kill(os.getpid(), signal.SIGKILL)
checkpoint._after_phase = crash
manager.save(2, {"w": np.full(1000, 2.0)}, {"iteration": 2}, {"replay.npz": lambda p: p.write_bytes(b"r" * 4096)})
"""


@pytest.mark.parametrize("phase", ["arrays", "components", "manifest", "renamed"])
def test_sigkill_while_writing_never_leaves_an_unloadable_latest(tmp_path, phase):
    script = tmp_path / "kill.py"
    script.write_text(textwrap.dedent(KILL_SCRIPT))
    root = os.path.dirname(os.path.dirname(checkpoint_module.__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.path.dirname(root), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, str(script), str(tmp_path / "ck"), phase], env=env)
    assert result.returncode == -signal.SIGKILL
    manager = CheckpointManager(tmp_path / "ck")
    ckpt = manager.load_latest()
    expected = 2 if phase == "renamed" else 1
    assert ckpt is not None and ckpt.iteration == expected
    assert ckpt.arrays["w"][0] == expected
    # The next save cleans up the interrupted temporary directory.
    manager.save(3, {"w": np.zeros(1)}, {})
    assert not list((tmp_path / "ck").glob("*.tmp"))
    assert os.path.isdir(tmp_path / "ck" / "ckpt-000000003")
