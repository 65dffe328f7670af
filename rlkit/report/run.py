"""``report.html`` of one run directory: summary, returns plot, videos, evaluations, timings, config."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlkit.report.html import cards, esc, fmt, image, page, table, video, write_page

__all__ = ["write_run_report", "run_report_html", "REPORT_FILE"]

REPORT_FILE = "report.html"
_PHASES = ("setup", "collect", "train", "eval", "checkpoint", "outputs", "to_saved_policy", "total")


def _evaluations(run_dir: Path) -> list[dict[str, Any]]:
    from rlkit.train.recorder import read_metrics

    if not (run_dir / "metrics.csv").is_file():
        return []
    return [r for r in read_metrics(run_dir / "metrics.csv") if r["eval_return"] is not None]


def _returns_image(run_dir: Path, evaluations: list[dict[str, Any]], summary: dict[str, Any]) -> str | None:
    """``returns.png`` as the run wrote it, or drawn now from ``metrics.csv`` (e.g. an interrupted run)."""
    caption = "Average eval return vs iterations"
    if (run_dir / "returns.png").is_file():
        return image(run_dir / "returns.png", "average return vs iterations", caption)
    if not evaluations:
        return None
    import tempfile

    from rlkit.viz import plot_returns

    with tempfile.TemporaryDirectory(prefix="rlkit-report-") as tmp:
        path = plot_returns([r["iteration"] for r in evaluations], [r["eval_return"] for r in evaluations],
                            Path(tmp) / "returns.png", title=f"{summary.get('env', '')}: average return",
                            reward_threshold=summary.get("reward_threshold"))
        return image(path, "average return vs iterations", caption)


def run_report_html(run_dir: Path) -> str:
    """The page for ``run_dir`` as a string (see :func:`write_run_report`)."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").is_file() else {}
    trial = json.loads((run_dir / "trial.json").read_text()) if (run_dir / "trial.json").is_file() else {}
    config_text = (run_dir / "config.yaml").read_text() if (run_dir / "config.yaml").is_file() else ""
    evaluations = _evaluations(run_dir)
    status = summary.get("status") or trial.get("status") or "running"
    solved = summary.get("first_iteration_at_threshold")
    parts = [cards([
        ("status", f'<span class="{"ok" if status == "completed" else "bad"}">{esc(status)}</span>'),
        ("final return", fmt(summary.get("final_return"))),
        ("best return", f"{fmt(summary.get('best_return'))}"),
        ("threshold reached", "—" if summary.get("reward_threshold") is None else
         (f"iteration {fmt(solved)}" if solved is not None else "no")),
        ("iterations", fmt(summary.get("iterations"))),
        ("env steps", fmt(summary.get("env_steps"))),
        ("training loop", f"{fmt(_loop_seconds(summary), 1)} s" if summary else "—"),
        ("iterations / s", fmt(summary.get("iterations_per_second"), 0)),
    ])]
    if trial.get("error"):
        parts.append(f'<p class="bad">Error: {esc(trial["error"])}</p>')
    plot = _returns_image(run_dir, evaluations, summary) or "<p>No evaluations yet.</p>"
    rows = [(fmt(r["iteration"]), fmt(r["eval_return"]), fmt(r["eval_episode_length"], 1), fmt(r["env_steps"]),
             fmt(r["wall_seconds"], 1)) for r in evaluations]
    evals = table(("iteration", "average return", "average length", "env steps", "wall s"), rows, scroll=True)
    parts.append(f'<h2>Returns and evaluations</h2><div class="grid2">{plot}{evals}</div>')
    videos = [video(run_dir / f"{name}.mp4", run_dir, caption) for name, caption in
              (("trained", "trained.mp4: the greedy policy"), ("random", "random.mp4: uniform random actions"))
              if (run_dir / f"{name}.mp4").is_file()]
    parts.append("<h2>Videos</h2>" + ('<div class="grid2">' + "".join(videos) + "</div>" if videos else
                                       "<p>No videos (run with video on, or record them with <code>rlkit video</code>).</p>"))
    seconds = summary.get("seconds") or {}
    timings = table(("phase", "seconds"), [(esc(k), fmt(seconds.get(k), 3)) for k in _PHASES if k in seconds]) \
        if seconds else "<p>No timings yet.</p>"
    config = (f"<details open><summary>config.yaml (resolved: every key)</summary><pre>{esc(config_text)}</pre></details>"
              if config_text else "<p>No config.yaml yet.</p>")
    parts.append(f'<div class="grid2"><section><h2>Timings</h2>{timings}</section>'
                 f'<section><h2>Config</h2>{config}</section></div>')
    subtitle = (f"{esc(summary.get('env', ''))} &middot; run directory <code>{esc(run_dir.name)}</code>"
                f"{' &middot; backend ' + esc(summary['backend']) if summary.get('backend') else ''}")
    return page(f"rlkit run: {summary.get('env', run_dir.name)}", subtitle, "".join(parts))


def _loop_seconds(summary: dict[str, Any]) -> float | None:
    seconds = summary.get("seconds") or {}
    if "collect" not in seconds or "train" not in seconds:
        return None
    return float(seconds["collect"]) + float(seconds["train"])


def write_run_report(run_dir: str | Path) -> Path:
    """Write ``run_dir/report.html`` (one self-contained file; plots and videos inlined) and return its path.

    Works on a finished run and on one still training or interrupted (whatever is there is shown).
    """
    run_dir = Path(run_dir)
    return write_page(run_dir / REPORT_FILE, run_report_html(run_dir))
