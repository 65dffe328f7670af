"""The sweep's figures: IQM learning curves with CI bands, and a performance profile of the final return."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rlkit import stats

__all__ = ["plot_curves", "plot_profile"]


def _figure(size: tuple[float, float] = (7.0, 4.2)):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> Path:
    from rlkit.fileio import atomic_write

    figure.tight_layout()
    with atomic_write(path, "wb") as handle:
        figure.savefig(handle, format="png")
    return Path(path)


def _threshold(result: dict[str, Any]) -> float | None:
    values = {p["reward_threshold"] for p in result["points"] if p["reward_threshold"] is not None}
    return values.pop() if len(values) == 1 else None


def plot_curves(result: dict[str, Any], path: Path) -> Path | None:
    """``curves.png``: per grid point, the IQM of the eval return across seeds vs iterations, with its 95% CI band."""
    points = [p for p in result["points"] if p["curve"]]
    if not points:
        return None
    figure = _figure()
    axes = figure.add_subplot()
    for point in points:
        curve = point["curve"]
        line, = axes.plot(curve["iterations"], curve["iqm"], label=f"{point['name']} (n={point['completed']})")
        axes.fill_between(curve["iterations"], curve["low"], curve["high"], color=line.get_color(), alpha=0.2, linewidth=0)
    threshold = _threshold(result)
    if threshold is not None:
        axes.axhline(threshold, color="gray", linestyle="--", linewidth=1, label=f"threshold {threshold:g}")
    axes.set_xlabel("Iterations")
    axes.set_ylabel("Average return (IQM over seeds)")
    axes.set_title("Learning curves: IQM with 95% bootstrap CI")
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return _save(figure, path)


def plot_profile(result: dict[str, Any], path: Path, reps: int = 2_000) -> Path | None:
    """``profile.png``: the fraction of seeds whose final return exceeds ``tau``, for each ``tau``, with CI bands."""
    finals = {p["name"]: np.array([t["final_return"] for t in p["trials"] if t.get("final_return") is not None])
              for p in result["points"]}
    finals = {name: values for name, values in finals.items() if values.size}
    if not finals:
        return None
    everything = np.concatenate(list(finals.values()))
    low_tau, high_tau = float(everything.min()), float(everything.max())
    if high_tau <= low_tau:
        low_tau, high_tau = low_tau - 1.0, high_tau + 1.0
    taus = np.linspace(low_tau - 0.02 * (high_tau - low_tau), high_tau, 201)
    figure = _figure()
    axes = figure.add_subplot()
    for name, values in finals.items():
        profile, low, high = stats.score_distribution(values, taus, reps=reps, seed=result["bootstrap"]["seed"])
        line, = axes.plot(taus, profile, label=f"{name} (n={values.size})")
        axes.fill_between(taus, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    axes.set_xlabel(r"Final return $\tau$")
    axes.set_ylabel(r"Fraction of seeds with final return > $\tau$")
    axes.set_title("Performance profile (95% bootstrap CI)")
    axes.set_ylim(-0.02, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    return _save(figure, path)
