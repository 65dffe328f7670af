"""The plugin's heuristic policy is measured by ``rlkit eval --env NAME --policy NAME`` (issue 12, item 11)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.plugins.conftest import ENV_NAME, POLICY_NAME, plugin_distribution

REPO = Path(__file__).resolve().parents[2]


def test_energy_policy_solves_mountaincar_through_rlkit_eval():
    plugin_distribution()  # fails with the install command when the example plugin is missing
    result = subprocess.run([sys.executable, "-m", "rlkit", "eval", "--env", ENV_NAME, "--policy", POLICY_NAME,
                             "--episodes", "8"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    match = re.match(r"average return over 8 episodes: (-?[\d.]+) ", result.stdout)
    assert match and -130 <= float(match.group(1)) <= -100, result.stdout  # ~110-125 steps to the goal, -1 each
