"""``rlkit plot`` redraws a run of a plugin env that is no longer installed, with the recorded threshold (item 10)."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from rlkit import cli
from rlkit.train.recorder import COLUMNS

CONFIG = "env:\n  name: rlkit_gone_plugin:Vanished-v0\n  kwargs: {}\n"


def _run_dir(tmp_path, summary=True, config=CONFIG):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(config)
    with open(run / "metrics.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for i, value in enumerate((10.0, 80.0, 150.0)):
            writer.writerow({"iteration": 100 * (i + 1), "env_steps": 100 * (i + 1), "eval_return": value})
    if summary:
        (run / "summary.json").write_text(json.dumps({"env": "Vanished-v0", "reward_threshold": 123.5}))
    return run


@pytest.fixture
def drawn(monkeypatch):
    calls = []
    import rlkit.viz

    monkeypatch.setattr(rlkit.viz, "plot_returns", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_plot_reads_name_and_threshold_from_the_run(tmp_path, drawn):
    assert cli.main(["plot", str(_run_dir(tmp_path))]) == 0
    (iterations, returns, _), kwargs = drawn[0]
    assert iterations == [100, 200, 300] and returns == [10.0, 80.0, 150.0]
    assert kwargs == {"title": "Vanished-v0: average return", "reward_threshold": 123.5}


def test_plot_without_summary_takes_the_name_from_the_raw_config(tmp_path, drawn):
    assert cli.main(["plot", str(_run_dir(tmp_path, summary=False))]) == 0
    assert drawn[0][1] == {"title": "rlkit_gone_plugin:Vanished-v0: average return", "reward_threshold": None}


def test_plot_survives_a_truncated_summary_and_config(tmp_path, drawn):
    run = _run_dir(tmp_path, config="env: [")
    (run / "summary.json").write_text('{"env": "Vani')
    assert cli.main(["plot", str(run)]) == 0
    assert drawn[0][1] == {"title": "run: average return", "reward_threshold": None}


def test_plot_subprocess_writes_the_png(tmp_path):
    run = _run_dir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "rlkit", "plot", str(run)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (run / "returns.png").stat().st_size > 1000
