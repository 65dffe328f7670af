"""Aggregate a sweep's trials: ``sweep.json``, ``sweep.csv``, ``curves.png`` and ``profile.png``.

    result = aggregate(Path("runs/my-sweep"))          # reads trials/*/seed-*/{metrics.csv,summary.json,trial.json}
    write_outputs(Path("runs/my-sweep"), result)       # the files above

Per trial, from its evaluations (``metrics.csv`` eval rows) and the env's reward threshold:

| metric | per trial | unit |
|---|---|---|
| ``final_return`` | the last evaluation's average return | return |
| ``best_return`` | the highest evaluation average return | return |
| ``auc`` | area under the eval curve / its iteration span (trapezoid): the mean return over training | return |
| ``first_iteration_at_threshold`` | first evaluation iteration with return >= threshold; only trials that reached it | iterations |
| ``reached_threshold`` | 1 if an evaluation reached the threshold, else 0 (its mean: the fraction of seeds) | fraction |
| ``stayed_at_threshold`` | share of the evaluations after the first success still >= threshold; trials with such | fraction |

Per grid point and metric: mean, median and IQM over the completed trials with a value (``n``),
each with a seeded 95% stratified-bootstrap percentile interval (:mod:`rlkit.stats`). Between grid
points: the probability of improvement of the final return and of the AUC. Only completed trials
count; failed and interrupted ones are listed with their status. ``sweep.json`` holds no timings or
paths outside the sweep, so the same trials give the same file.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlkit import stats
from rlkit.sweep.plan import SweepSpec
from rlkit.sweep.worker import TRIAL_FILE

__all__ = ["METRICS", "TrialData", "aggregate", "write_outputs", "trial_metrics", "FORMAT"]

FORMAT = "rlkit-sweep/1"
# name -> (label, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "final_return": ("final return", True),
    "best_return": ("best return", True),
    "auc": ("area under the eval curve (mean return)", True),
    "first_iteration_at_threshold": ("first iteration at the threshold", False),
    "reached_threshold": ("fraction of seeds reaching the threshold", True),
    "stayed_at_threshold": ("share of later evals still at the threshold", True),
}
POI_METRICS = ("final_return", "auc")


@dataclass
class TrialData:
    """One trial as found on disk: status, its evaluations ``iterations [E]`` / ``returns [E]``, its summary."""

    point: str
    seed: int
    run_dir: str                       # relative to the sweep directory
    status: str                        # completed | interrupted | failed | pending
    error: str | None = None
    iterations: np.ndarray = field(default_factory=lambda: np.zeros(0))
    returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    summary: dict[str, Any] | None = None

    @property
    def threshold(self) -> float | None:
        return None if self.summary is None else self.summary.get("reward_threshold")


def trial_metrics(iterations: np.ndarray, returns: np.ndarray, threshold: float | None) -> dict[str, float]:
    """The per-trial metrics of the table above (NaN where a trial has no value) from its evaluations."""
    x, y = np.asarray(iterations, np.float64), np.asarray(returns, np.float64)
    nan = float("nan")
    out = {name: nan for name in METRICS}
    if y.size == 0:
        return out
    out["final_return"], out["best_return"] = float(y[-1]), float(y.max())
    out["auc"] = float(np.trapezoid(y, x) / (x[-1] - x[0])) if x[-1] > x[0] else float(y[-1])
    if threshold is not None:
        hits = np.flatnonzero(y >= threshold)
        out["reached_threshold"] = float(hits.size > 0)
        if hits.size:
            out["first_iteration_at_threshold"] = float(x[hits[0]])
            later = y[hits[0] + 1:]
            if later.size:
                out["stayed_at_threshold"] = float(np.mean(later >= threshold))
    return out


def _read_trial(sweep_dir: Path, point: str, seed: int, run_dir: Path) -> TrialData:
    from rlkit.train.recorder import read_metrics

    data = TrialData(point, seed, run_dir.relative_to(sweep_dir).as_posix(), "pending")
    if (run_dir / TRIAL_FILE).is_file():
        trial = json.loads((run_dir / TRIAL_FILE).read_text())
        data.status, data.error = trial.get("status", "pending"), trial.get("error")
    if (run_dir / "summary.json").is_file():
        data.summary = json.loads((run_dir / "summary.json").read_text())
        if data.summary.get("status") == "completed":
            data.status, data.error = "completed", None
        elif data.status == "pending":
            data.status = data.summary.get("status", "pending")
    if data.status == "completed" and (run_dir / "metrics.csv").is_file():
        rows = [r for r in read_metrics(run_dir / "metrics.csv") if r["eval_return"] is not None]
        data.iterations = np.array([r["iteration"] for r in rows], np.float64)
        data.returns = np.array([r["eval_return"] for r in rows], np.float64)
    return data


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _estimate(estimate: stats.Estimate) -> dict[str, float | None]:
    return {"value": _finite(estimate.value), "low": _finite(estimate.low), "high": _finite(estimate.high)}


def _curve(trials: list[TrialData], reps: int, seed: int) -> dict[str, list] | None:
    """IQM learning curve with a CI band over the evaluation iterations every trial has."""
    if not trials:
        return None
    common = sorted(set.intersection(*(set(t.iterations.tolist()) for t in trials)))
    if not common:
        return None
    curves = np.stack([t.returns[np.searchsorted(t.iterations, common)] for t in trials])  # [runs, evals]
    value, low, high = stats.curve_estimate(curves, stats.iqm, reps=reps, seed=seed)
    return {"iterations": [int(i) for i in common], "iqm": [float(v) for v in value],
            "low": [float(v) for v in low], "high": [float(v) for v in high]}


def aggregate(sweep_dir: Path, reps: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """The content of ``sweep.json`` for the sweep in ``sweep_dir`` (bootstrap: ``reps`` resamples, ``seed``)."""
    from rlkit import __version__

    sweep_dir = Path(sweep_dir)
    spec = SweepSpec.load(sweep_dir)
    points, scores = [], {}
    for name, values in spec.points():
        trials = [_read_trial(sweep_dir, name, s, sweep_dir / "trials" / name / f"seed-{s}") for s in spec.seeds]
        done = [t for t in trials if t.status == "completed"]
        per_trial = [trial_metrics(t.iterations, t.returns, t.threshold) for t in done]
        metrics = {}
        for metric in METRICS:
            values_ = np.array([m[metric] for m in per_trial], np.float64)
            values_ = values_[~np.isnan(values_)]
            scores[name, metric] = values_
            metrics[metric] = {"n": int(values_.size),
                               **{stat: _estimate(stats.interval_estimate(values_, fn, reps=reps, seed=seed))
                                  for stat, fn in stats.STATISTICS.items()}}
        thresholds = {t.threshold for t in done if t.threshold is not None}
        points.append({
            "name": name,
            "overrides": values,
            "reward_threshold": thresholds.pop() if len(thresholds) == 1 else None,
            "completed": len(done),
            "metrics": metrics,
            "curve": _curve(done, min(reps, 2_000), seed),
            "trials": [{"seed": t.seed, "run_dir": t.run_dir, "status": t.status, "error": t.error,
                        **({k: _finite(v) for k, v in m.items()} if t.status == "completed" else {})}
                       for t, m in zip(trials, _metrics_by_trial(trials, done, per_trial))],
        })
    improvement = []
    for metric in POI_METRICS if len(points) > 1 else ():
        for x in points:
            for y in points:
                if x is not y:
                    estimate = stats.poi_estimate(scores[x["name"], metric], scores[y["name"], metric], reps=reps, seed=seed)
                    improvement.append({"metric": metric, "x": x["name"], "y": y["name"], **_estimate(estimate)})
    return {
        "format": FORMAT,
        "rlkit_version": __version__,
        "seeds": spec.seeds,
        "grid": spec.grid,
        "set": spec.sets,
        "bootstrap": {"method": "stratified percentile bootstrap over seeds", "confidence": 0.95, "reps": reps, "seed": seed},
        "metrics": {name: {"label": label, "higher_is_better": higher} for name, (label, higher) in METRICS.items()},
        "trials": {status: sum(t["status"] == status for p in points for t in p["trials"])
                   for status in ("completed", "failed", "interrupted", "pending")},
        "points": points,
        "probability_of_improvement": improvement,
    }


def _metrics_by_trial(trials: list[TrialData], done: list[TrialData], per_trial: list[dict]) -> list[dict]:
    by_id = {id(t): m for t, m in zip(done, per_trial)}
    return [by_id.get(id(t), {}) for t in trials]


CSV_COLUMNS = ("point", "metric", "n", *(f"{stat}{suffix}" for stat in stats.STATISTICS for suffix in ("", "_low", "_high")))


def write_outputs(sweep_dir: Path, result: dict[str, Any]) -> list[Path]:
    """Write ``sweep.json``, ``sweep.csv`` (one row per grid point and metric), ``curves.png``, ``profile.png``."""
    from rlkit.fileio import atomic_write
    from rlkit.sweep.plots import plot_curves, plot_profile

    sweep_dir = Path(sweep_dir)
    with atomic_write(sweep_dir / "sweep.json", "w") as handle:
        json.dump(result, handle, indent=2, allow_nan=False)
        handle.write("\n")
    with atomic_write(sweep_dir / "sweep.csv", "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        keys = list(result["grid"])
        writer.writerow([*CSV_COLUMNS[:1], *keys, *CSV_COLUMNS[1:]])
        for point in result["points"]:
            for metric, values in point["metrics"].items():
                cells = [values[stat][part] for stat in stats.STATISTICS for part in ("value", "low", "high")]
                writer.writerow([point["name"], *(point["overrides"].get(k) for k in keys), metric, values["n"],
                                 *("" if c is None else repr(c) for c in cells)])
    written = [sweep_dir / "sweep.json", sweep_dir / "sweep.csv"]
    written += [p for p in (plot_curves(result, sweep_dir / "curves.png"),
                            plot_profile(result, sweep_dir / "profile.png")) if p is not None]
    return written
