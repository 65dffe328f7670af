"""``report.html`` of a sweep directory: the aggregate table with CIs, curves, profile, every trial."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlkit.report.html import cards, esc, fmt, image, page, table, write_page
from rlkit.report.run import REPORT_FILE, write_run_report

__all__ = ["write_sweep_report", "sweep_report_html"]

_TABLE_METRICS = ("final_return", "best_return", "auc", "first_iteration_at_threshold", "reached_threshold",
                  "stayed_at_threshold")


def _with_ci(estimate: dict[str, Any], digits: int) -> str:
    if estimate["value"] is None:
        return "—"
    return (f"{fmt(estimate['value'], digits)}<br><span class=\"ci\">[{fmt(estimate['low'], digits)}, "
            f"{fmt(estimate['high'], digits)}]</span>")


def _aggregate_table(result: dict[str, Any]) -> str:
    rows = []
    for point in result["points"]:
        for metric in _TABLE_METRICS:
            values = point["metrics"][metric]
            digits = 0 if metric == "first_iteration_at_threshold" else 2
            rows.append((f"<b>{esc(point['name'])}</b>" if metric == _TABLE_METRICS[0] else "",
                         esc(result["metrics"][metric]["label"]), str(values["n"]),
                         *(_with_ci(values[stat], digits) for stat in ("iqm", "mean", "median"))))
    return table(("grid point", "metric", "n", "IQM [95% CI]", "mean [95% CI]", "median [95% CI]"), rows, left=(0, 1))


def _poi_table(result: dict[str, Any]) -> str:
    rows = [(esc(p["x"]), esc(p["y"]), esc(result["metrics"][p["metric"]]["label"]),
             f"{fmt(p['value'])} <span class=\"ci\">[{fmt(p['low'])}, {fmt(p['high'])}]</span>")
            for p in result["probability_of_improvement"]]
    return table(("X", "Y", "metric", "P(X > Y) [95% CI]"), rows, left=(0, 1, 2))


def _trial_rows(sweep_dir: Path, result: dict[str, Any]) -> list[tuple[str, ...]]:
    rows = []
    for point in result["points"]:
        for trial in point["trials"]:
            run_dir = sweep_dir / trial["run_dir"]
            summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").is_file() else {}
            seconds = (summary.get("seconds") or {}).get("total")
            link = (f'<a href="{esc(trial["run_dir"])}/{REPORT_FILE}">report</a>'
                    if (run_dir / REPORT_FILE).is_file() else "")
            status = trial["status"]
            status_html = f'<span class="{"ok" if status == "completed" else "bad"}">{esc(status)}</span>'
            if trial.get("error"):
                status_html += f'<br><span class="ci">{esc(trial["error"])}</span>'
            rows.append((esc(point["name"]), str(trial["seed"]), status_html, fmt(trial.get("final_return")),
                         fmt(trial.get("best_return")), fmt(trial.get("auc")),
                         fmt(trial.get("first_iteration_at_threshold")), fmt(seconds, 1), link))
    return rows


def sweep_report_html(sweep_dir: Path, result: dict[str, Any]) -> str:
    """The page for a sweep whose aggregate (``sweep.json``'s content) is ``result``."""
    counts = result["trials"]
    grid = ", ".join(f"{k} = {', '.join(map(str, v))}" for k, v in result["grid"].items()) or "none"
    parts = [cards([("grid points", str(len(result["points"]))), ("seeds", str(len(result["seeds"]))),
                    ("completed", str(counts["completed"])),
                    ("failed", f'<span class="{"bad" if counts["failed"] else ""}">{counts["failed"]}</span>'),
                    ("interrupted / pending", str(counts["interrupted"] + counts["pending"]))])]
    parts.append(f"<p class=\"sub\">Grid: {esc(grid)}. Seeds: {esc(_seed_text(result['seeds']))}. "
                 f"Overrides: {esc(', '.join(result['set']) or 'none')}. Intervals: {esc(result['bootstrap']['method'])}, "
                 f"{int(result['bootstrap']['confidence'] * 100)}%, {result['bootstrap']['reps']:,} resamples, "
                 f"seed {result['bootstrap']['seed']}.</p>")
    figures = [image(sweep_dir / name, alt, caption) for name, alt, caption in (
        ("curves.png", "IQM learning curves", "IQM of the eval return across seeds, 95% CI band"),
        ("profile.png", "performance profile", "Fraction of seeds whose final return exceeds tau"))
        if (sweep_dir / name).is_file()]
    if figures:
        parts.append('<h2>Learning curves and performance profile</h2><div class="grid2">' + "".join(figures) + "</div>")
    parts.append("<h2>Aggregate over seeds</h2>" + _aggregate_table(result))
    if result["probability_of_improvement"]:
        parts.append("<h2>Probability of improvement</h2>" + _poi_table(result))
    parts.append("<h2>Trials</h2>" + table(("grid point", "seed", "status", "final", "best", "AUC", "first at threshold",
                                             "seconds", "run"), _trial_rows(sweep_dir, result), scroll=True, left=(0, 2)))
    base = sweep_dir / "base.yaml"
    if base.is_file():
        parts.append(f"<h2>Config</h2><details><summary>base.yaml (the config every trial starts from)</summary>"
                     f"<pre>{esc(base.read_text())}</pre></details>")
    return page(f"rlkit sweep: {sweep_dir.resolve().name}", f"{len(result['points'])} grid point(s) x "
                f"{len(result['seeds'])} seed(s)", "".join(parts))


def _seed_text(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def write_sweep_report(sweep_dir: str | Path) -> Path:
    """Write ``report.html`` for the sweep (from its ``sweep.json``) and for each trial that has a run; return its path."""
    sweep_dir = Path(sweep_dir)
    result = json.loads((sweep_dir / "sweep.json").read_text())
    for point in result["points"]:
        for trial in point["trials"]:
            run_dir = sweep_dir / trial["run_dir"]
            if (run_dir / "metrics.csv").is_file():
                write_run_report(run_dir)
    return write_page(sweep_dir / REPORT_FILE, sweep_report_html(sweep_dir, result))
