"""``rlkit eval --env NAME --policy NAME``: any registered policy measured without a run directory (issue 12, item 11)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^average return over (\d+) episodes: (-?[\d.]+) \(min -?[\d.]+, max -?[\d.]+; average length [\d.]+ steps\)$")


def rlkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlkit", "eval", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_random_policy_on_cartpole_is_measured_and_reproducible():
    first = rlkit("--env", "CartPole-v1", "--policy", "random", "--episodes", "12", "--seed", "3")
    assert first.returncode == 0, first.stderr
    match = LINE.match(first.stdout.strip())
    assert match and match.group(1) == "12" and 8 <= float(match.group(2)) <= 60  # random CartPole: ~22
    assert rlkit("--env", "CartPole-v1", "--policy", "random", "--episodes", "12", "--seed", "3").stdout == first.stdout
    other = rlkit("--env", "CartPole-v1", "--policy", "random", "--episodes", "12", "--seed", "4")
    assert other.returncode == 0 and other.stdout != first.stdout


@pytest.mark.parametrize("args,message", [
    ((), "pass RUN_DIR .* or --env NAME --policy NAME"),
    (("--env", "CartPole-v1"), "--env and --policy go together: add --policy NAME"),
    (("--policy", "random"), "--env and --policy go together: add --env NAME"),
    (("somewhere", "--env", "CartPole-v1", "--policy", "random"), "not both"),
    (("--env", "CartPole-v1", "--policy", "greedy"), "--policy greedy: cannot be built from the env's specs alone"),
    (("--env", "CartPole-v1", "--policy", "nope"), "unknown policy 'nope'"),
    (("--env", "CartPole-v9", "--policy", "random"), "unknown env 'CartPole-v9'"),
    (("--env", "CartPole-v1", "--policy", "collections:OrderedDict"), "not an rlkit Policy"),
])
def test_bad_baseline_requests_are_one_line_errors(args, message):
    result = rlkit(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    assert re.search(message, lines[0]), lines[0]
