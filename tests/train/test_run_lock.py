"""One writer per run directory (issue 12, item 5): an exclusive flock held by ``rlkit train`` / ``--resume``.

Real processes: a second writer gets a one-line ``error:`` and exit 2 and changes no file of the
first run; a SIGKILLed holder leaves no stale lock.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rlkit.fileio import LockHeldError, exclusive_lock
from rlkit.train.run_dir import LOCK_FILE, RunDirInUseError, lock_run_dir

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
FAST = ("--set", "train.num_iterations=400", "--set", "eval.interval=200", "--set", "train.chunk_size=100",
        "--set", "eval.num_episodes=2", "--no-video", "--quiet")


def rlkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True, timeout=300, env=ENV)


def _one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _hashes(run_dir: Path) -> dict[str, str]:
    return {str(path.relative_to(run_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(run_dir.rglob("*")) if path.is_file()}


def _holder(run_dir: Path) -> subprocess.Popen:
    """A process that takes the run lock and sleeps (stands for a run in progress)."""
    code = ("import sys, time\nfrom rlkit.train.run_dir import lock_run_dir\n"
            "with lock_run_dir(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(run_dir)], stdout=subprocess.PIPE, text=True, env=ENV)
    assert holder.stdout.readline().strip() == "locked"
    return holder


# -- the lock itself -------------------------------------------------------------------------------
def test_exclusive_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    path = tmp_path / "x.lock"
    with exclusive_lock(path):
        with pytest.raises(LockHeldError) as info:
            with exclusive_lock(path):
                pass  # pragma: no cover
        assert info.value.pid == os.getpid()
    with exclusive_lock(path):  # released on exit
        pass


def test_lock_run_dir_leaves_no_directory_for_a_run_that_wrote_nothing(tmp_path):
    with lock_run_dir(tmp_path / "new") as run_dir:
        assert (run_dir / LOCK_FILE).is_file()
    assert not (tmp_path / "new").exists()
    with lock_run_dir(tmp_path / "kept") as run_dir:
        (run_dir / "config.yaml").write_text("x")
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == [LOCK_FILE, "config.yaml"]


def test_sigkill_leaves_no_stale_lock(tmp_path):
    run_dir = tmp_path / "run"
    holder = _holder(run_dir)
    with pytest.raises(RunDirInUseError, match=f"process {holder.pid} is writing this run"):
        with lock_run_dir(run_dir):
            pass  # pragma: no cover
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with lock_run_dir(run_dir):  # the kernel released it with the process
        pass


# -- through the CLI -------------------------------------------------------------------------------
def test_resume_and_train_refused_while_another_process_writes(tmp_path):
    run_dir = tmp_path / "run"
    holder = _holder(run_dir)
    try:
        (run_dir / "config.yaml").write_text("env:\n  name: CartPole-v1\n")
        before = _hashes(run_dir)
        message = _one_line_error(rlkit("train", "--resume", str(run_dir)))
        assert f"process {holder.pid} is writing this run" in message and "wait for it to finish" in message
        message = _one_line_error(rlkit("train", "--out", str(run_dir), *FAST))
        assert "already holds a run" in message or "is writing this run" in message
        assert _hashes(run_dir) == before
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_two_real_training_runs_on_one_directory(tmp_path):
    """A real ``rlkit train`` holds the lock: paused mid-run, a second train and a resume are refused
    and change no byte; resumed, the first run finishes normally."""
    run_dir = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "rlkit", "train", "--out", str(run_dir), *FAST],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        deadline = time.monotonic() + 240
        while not (run_dir / "config.yaml").is_file():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never wrote its config"
            time.sleep(0.05)
        first.send_signal(signal.SIGSTOP)
        time.sleep(0.2)  # let any write in flight land
        before = _hashes(run_dir)
        for args in (("train", "--out", str(run_dir), *FAST), ("train", "--resume", str(run_dir), "--quiet")):
            message = _one_line_error(rlkit(*args))
            assert "is writing this run" in message or "already holds a run" in message
        assert "is writing this run" in _one_line_error(rlkit("train", "--resume", str(run_dir), "--quiet"))
        assert _hashes(run_dir) == before
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert "done: 400 iterations" in out
    with lock_run_dir(run_dir):  # released when the run ended
        pass
