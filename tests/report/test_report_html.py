"""The report pages and notebook helpers as HTML text (no browser): content, inlining, one-line errors."""
from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rlkit import notebook
from rlkit.report import write_report, write_run_report
from rlkit.report.html import video
from rlkit.train.config import ConfigError
from tests.report.fakes import make_run, make_sweep

REPO = Path(__file__).resolve().parents[2]


def test_run_report_is_self_contained(tmp_path):
    run_dir = make_run(tmp_path / "run", [10.0, 200.0, 199.0])
    text = write_run_report(run_dir).read_text()
    assert text.count('src="data:image/png;base64,') == 1 and text.count('src="data:video/mp4;base64,') == 2
    assert not re.search(r'(src|href)="(https?:)?//', text)       # nothing fetched from the network
    trained = base64.b64encode((run_dir / "trained.mp4").read_bytes()).decode()
    assert trained in text
    assert "train.seed" not in text or "seed: 0" in text          # the resolved config is shown
    assert "iteration 100" in text                                 # threshold reached at the second evaluation


def test_a_large_video_is_linked_beside_the_page(tmp_path):
    run_dir = make_run(tmp_path / "run", [10.0, 20.0])
    tag = video(run_dir / "trained.mp4", run_dir, "trained", limit=10)
    assert 'src="trained.mp4"' in tag


def test_an_unfinished_run_gets_a_report_with_its_plot_drawn_from_metrics(tmp_path):
    run_dir = make_run(tmp_path / "run", [10.0, 20.0], video=False)
    (run_dir / "returns.png").unlink()
    (run_dir / "summary.json").unlink()
    text = write_report(run_dir).read_text()
    assert "data:image/png;base64," in text and "running" in text and "No videos" in text


def test_write_report_rejects_other_directories(tmp_path):
    with pytest.raises(ConfigError, match="neither a run directory"):
        write_report(tmp_path)
    with pytest.raises(ConfigError, match="no such directory"):
        write_report(tmp_path / "missing")


def test_report_cli_one_line_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rlkit", "report", str(tmp_path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 2 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_sweep_report_aggregates_a_sweep_without_sweep_json(tmp_path):
    sweep_dir = make_sweep(tmp_path / "sweep")
    text = write_report(sweep_dir).read_text()
    assert (sweep_dir / "sweep.json").is_file() and (sweep_dir / "curves.png").is_file()
    assert text.count("data:image/png;base64,") == 2
    assert text.count('href="trials/') == 5 and "ValueError: something broke" in text
    for trial in sweep_dir.glob("trials/*/seed-*/summary.json"):
        assert (trial.parent / "report.html").is_file()


def test_embed_mp4_is_the_tutorials_inline_video(tmp_path):
    run_dir = make_run(tmp_path / "run", [10.0, 20.0])
    html = notebook.embed_mp4(run_dir / "trained.mp4")
    assert html._repr_html_() == str(html)
    assert html.startswith("<video") and 'type="video/mp4"' in html
    assert base64.b64encode((run_dir / "trained.mp4").read_bytes()).decode() in html
    with pytest.raises(FileNotFoundError, match="rlkit video"):
        notebook.embed_mp4(run_dir / "missing.mp4")


def test_show_run_and_show_sweep(tmp_path):
    run_dir = make_run(tmp_path / "run", [10.0, 20.0])
    html = notebook.show_run(run_dir)
    assert html.count("<video") == 2 and html.count("<img") == 1 and "final average return 20.00" in html
    assert notebook.show_run(run_dir, videos=False).count("<video") == 0
    sweep_dir = make_sweep(tmp_path / "sweep")
    write_report(sweep_dir)
    assert notebook.show_sweep(sweep_dir).count("<img") == 2
    with pytest.raises(FileNotFoundError):
        notebook.show_run(tmp_path / "nothing")
