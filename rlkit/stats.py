"""Statistics across seeds, after Agarwal et al., "Deep RL at the Edge of the Statistical Precipice" (NeurIPS 2021).

    scores = np.array([[180.2], [195.0], [200.0], [64.3]])     # [runs (seeds), tasks]
    iqm(scores)                                                 # interquartile mean of all scores
    interval_estimate(scores, iqm, reps=10_000, seed=0)         # Estimate(value, low, high)

Scores are ``[runs, tasks]`` (a 1-D array is one task). The bootstrap is *stratified* as in
``rliable``: each resample draws runs with replacement within each task (the strata), and the
confidence interval is the percentile interval of the statistic over the resamples. In a sweep each
grid point is one task (one env), so this is the bootstrap over seeds.

Why not ``rliable`` itself: it installs next to NumPy 2.4, but ``import rliable.library`` fails
(``arch`` 7.2 against pandas 3: ``TypeError: deprecate_kwarg()``), it pulls in arch, statsmodels,
pandas and seaborn (~190 MB) for a few lines of resampling, and its ``StratifiedBootstrap`` draws
indices from NumPy's global RNG whatever ``random_state`` says. The functions here are the same
definitions (``iqm`` is ``scipy.stats.trim_mean(scores, 0.25)``, as ``rliable.metrics.aggregate_iqm``),
with a seeded ``numpy.random.Generator``; ``tests/test_stats.py`` checks them against hand-computed
cases and against numbers recorded from ``rliable`` on the same data.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Estimate", "mean", "median", "iqm", "interval_estimate", "stratified_resamples",
           "probability_of_improvement", "poi_estimate", "score_distribution", "curve_estimate", "STATISTICS"]

Statistic = Callable[[np.ndarray], np.ndarray]


class Estimate(NamedTuple):
    """A point estimate and its confidence interval ``[low, high]`` (NaN where undefined, e.g. no runs)."""

    value: float
    low: float
    high: float


def _as_scores(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.ndim != 2:
        raise ValueError(f"scores must be [runs] or [runs, tasks], got shape {scores.shape}")
    return scores


def _flat(scores: np.ndarray) -> np.ndarray:
    """``[..., runs, tasks]`` -> ``[..., runs * tasks]``."""
    return scores.reshape(*scores.shape[:-2], -1)


def mean(scores: np.ndarray) -> np.ndarray:
    """Mean over runs and tasks of ``[..., runs, tasks]`` (equal runs per task: rliable's mean of task means)."""
    return _flat(np.asarray(scores, np.float64)).mean(axis=-1)


def median(scores: np.ndarray) -> np.ndarray:
    """Median over runs and tasks of ``[..., runs, tasks]``.

    Not rliable's ``aggregate_median`` (the median of the per-task means, which for one task is the mean):
    a sweep point has one task, and the median across its seeds is the robust number wanted there.
    """
    return np.median(_flat(np.asarray(scores, np.float64)), axis=-1)


def iqm(scores: np.ndarray) -> np.ndarray:
    """Interquartile mean of ``[..., runs, tasks]``: the mean of the middle 50% of all scores.

    ``scipy.stats.trim_mean(x, 0.25)``: ``int(0.25 * n)`` scores are cut from each end, as in rliable.
    """
    from scipy.stats import trim_mean

    return np.asarray(trim_mean(_flat(np.asarray(scores, np.float64)), 0.25, axis=-1))


STATISTICS: dict[str, Statistic] = {"mean": mean, "median": median, "iqm": iqm}


def stratified_resamples(scores: np.ndarray, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``reps`` stratified bootstrap resamples ``[reps, runs, tasks]`` of ``scores [runs, tasks]``.

    Runs are drawn with replacement independently within each task (column).
    """
    scores = _as_scores(scores)
    runs, tasks = scores.shape
    index = rng.integers(0, runs, size=(reps, runs, tasks))
    return np.take_along_axis(np.broadcast_to(scores, (reps, runs, tasks)), index, axis=1)


def _percentile_interval(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - confidence) / 2.0
    low, high = np.percentile(values, [100.0 * tail, 100.0 * (1.0 - tail)], axis=0)
    return low, high


def interval_estimate(scores: np.ndarray, statistic: Statistic, reps: int = 10_000, seed: int = 0,
                      confidence: float = 0.95) -> Estimate:
    """``statistic(scores)`` with its stratified-bootstrap percentile confidence interval.

    Args:
      scores: ``[runs, tasks]`` or ``[runs]``; no NaNs (drop missing runs first).
      statistic: maps ``[..., runs, tasks]`` to ``[...]`` (e.g. :func:`iqm`).
      reps: bootstrap resamples.
      seed: seeds the resampling, so the interval is reproducible.
      confidence: coverage of the interval (0.95: the 2.5th and 97.5th percentiles).
    """
    scores = _as_scores(scores)
    if scores.shape[0] == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    point = float(statistic(scores))
    samples = statistic(stratified_resamples(scores, reps, np.random.default_rng(seed)))
    low, high = _percentile_interval(samples, confidence)
    return Estimate(point, float(low), float(high))


def probability_of_improvement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X > Y) of ``x [..., runs_x, tasks]`` over ``y [..., runs_y, tasks]``, averaged over tasks.

    Per task: the Mann-Whitney U statistic over ``runs_x * runs_y`` (ties count 1/2), as rliable's
    ``probability_of_improvement`` (which also gives 0.5 for identical score sets, as this does).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    greater = (x[..., :, None, :] > y[..., None, :, :]).mean(axis=(-3, -2))
    ties = (x[..., :, None, :] == y[..., None, :, :]).mean(axis=(-3, -2))
    return (greater + 0.5 * ties).mean(axis=-1)


def poi_estimate(x: np.ndarray, y: np.ndarray, reps: int = 10_000, seed: int = 0, confidence: float = 0.95) -> Estimate:
    """:func:`probability_of_improvement` with a CI from resampling ``x`` and ``y`` independently (stratified)."""
    x, y = _as_scores(x), _as_scores(y)
    if x.shape[0] == 0 or y.shape[0] == 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    samples = probability_of_improvement(stratified_resamples(x, reps, rng), stratified_resamples(y, reps, rng))
    low, high = _percentile_interval(samples, confidence)
    return Estimate(float(probability_of_improvement(x, y)), float(low), float(high))


def score_distribution(scores: np.ndarray, taus: np.ndarray, reps: int = 2_000, seed: int = 0,
                       confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Performance profile: the fraction of runs with score ``> tau`` for each ``tau``, with a CI band.

    Returns ``(profile, low, high)``, each ``[len(taus)]`` (rliable's ``create_performance_profile``
    with ``use_score_distribution=True``).
    """
    scores = _as_scores(scores)
    taus = np.asarray(taus, np.float64)

    def profile(s: np.ndarray) -> np.ndarray:
        return (_flat(s)[..., None, :] > taus[:, None]).mean(axis=-1)

    samples = profile(stratified_resamples(scores, reps, np.random.default_rng(seed)))
    low, high = _percentile_interval(samples, confidence)
    return profile(scores), low, high


def curve_estimate(curves: np.ndarray, statistic: Statistic = iqm, reps: int = 2_000, seed: int = 0,
                   confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``statistic`` across runs at each point of learning curves ``[runs, points]``, with a CI band.

    Each resample draws whole runs (curves), so a band is the uncertainty over seeds at that point.
    Returns ``(value, low, high)``, each ``[points]``.
    """
    curves = np.asarray(curves, np.float64)
    runs, points = curves.shape
    index = np.random.default_rng(seed).integers(0, runs, size=(reps, runs))
    resampled = curves[index]                        # [reps, runs, points]
    per_point = np.moveaxis(resampled, -1, 1)[..., None]   # [reps, points, runs, 1]
    low, high = _percentile_interval(statistic(per_point), confidence)
    value = statistic(curves.T[..., None])
    return np.asarray(value), low, high
