"""rlkit.stats against hand-computed cases and against numbers recorded from rliable on the same data.

tests/sweep/data/rliable_reference.json was written by data/make_rliable_reference.py in a throwaway
virtualenv (rliable 1.2.0 needs pandas < 3 there; it is not an rlkit dependency, see rlkit/stats.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rlkit import stats
from rlkit.sweep.aggregate import trial_metrics

REFERENCE = json.loads((Path(__file__).parent / "data" / "rliable_reference.json").read_text())


def test_point_statistics_by_hand():
    scores = np.array([1.0, 2.0, 3.0, 4.0, 100.0, 6.0, 7.0, 8.0])
    assert stats.mean(scores[:, None]) == pytest.approx(131 / 8)
    assert stats.median(scores[:, None]) == pytest.approx(5.0)       # sorted: 1 2 3 4 | 6 7 8 100
    assert stats.iqm(scores[:, None]) == pytest.approx((3 + 4 + 6 + 7) / 4)  # int(0.25 * 8) = 2 cut from each end
    # 10 scores: int(2.5) = 2 cut from each end, the middle 6 averaged
    assert stats.iqm(np.arange(10.0)[:, None]) == pytest.approx(np.mean(np.arange(2.0, 8.0)))


def test_bootstrap_of_two_runs_is_the_enumerable_distribution():
    # Resamples of [0, 1]: {0,0} {0,1} {1,0} {1,1} -> means 0, .5, .5, 1 with probability 1/4, 1/2, 1/4:
    # the 2.5th percentile is 0 and the 97.5th is 1.
    estimate = stats.interval_estimate(np.array([0.0, 1.0]), stats.mean, reps=4000, seed=3)
    assert estimate == (0.5, 0.0, 1.0)
    samples = stats.mean(stats.stratified_resamples(np.array([[0.0], [1.0]]), 40_000, np.random.default_rng(0)))
    assert np.mean(samples == 0.5) == pytest.approx(0.5, abs=0.01)


def test_stratified_resamples_stay_within_their_task():
    scores = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    resamples = stats.stratified_resamples(scores, 500, np.random.default_rng(1))
    assert resamples.shape == (500, 3, 2)
    assert set(np.unique(resamples[..., 0])) <= {1.0, 2.0, 3.0}
    assert set(np.unique(resamples[..., 1])) <= {10.0, 20.0, 30.0}


def test_seeded_and_reproducible():
    scores = np.random.default_rng(0).normal(size=20)
    assert stats.interval_estimate(scores, stats.iqm, seed=5) == stats.interval_estimate(scores, stats.iqm, seed=5)
    assert stats.interval_estimate(scores, stats.iqm, seed=5) != stats.interval_estimate(scores, stats.iqm, seed=6)


def test_constant_scores_have_a_zero_width_interval_and_no_runs_give_nan():
    assert stats.interval_estimate(np.full(7, 200.0), stats.iqm) == (200.0, 200.0, 200.0)
    assert all(np.isnan(stats.interval_estimate(np.zeros(0), stats.mean)))


def test_probability_of_improvement_by_hand():
    x, y = np.array([[3.0], [1.0]]), np.array([[2.0], [1.0], [0.0]])
    # pairs (x > y): 3>2, 3>1, 3>0, 1>0 = 4 of 6; ties: 1==1 = 1 of 6 -> 4/6 + 0.5/6
    assert stats.probability_of_improvement(x, y) == pytest.approx(4.5 / 6)
    assert stats.probability_of_improvement(y, x) == pytest.approx(1 - 4.5 / 6)
    assert stats.probability_of_improvement(x, x) == pytest.approx(0.5)


def test_score_distribution_by_hand():
    profile, low, high = stats.score_distribution(np.array([10.0, 20.0, 30.0, 40.0]), np.array([0.0, 15.0, 35.0, 40.0]))
    np.testing.assert_allclose(profile, [1.0, 0.75, 0.25, 0.0])
    assert np.all(low <= profile) and np.all(profile <= high)


def test_curve_estimate_is_the_statistic_per_point():
    curves = np.array([[0.0, 10.0, 20.0], [0.0, 12.0, 200.0], [0.0, 14.0, 21.0], [0.0, 16.0, 22.0]])
    value, low, high = stats.curve_estimate(curves, stats.iqm, reps=500)
    np.testing.assert_allclose(value, [0.0, 13.0, 21.5])   # IQM of 4: the middle two
    assert low[0] == high[0] == 0.0 and np.all(low <= value) and np.all(value <= high)


@pytest.mark.parametrize("key", sorted(k for k in REFERENCE["estimates"] if k != "poi"))
def test_interval_estimates_match_rliable(key):
    name, stat = key.split("/")
    data = np.array(REFERENCE[name])
    expected = REFERENCE["estimates"][key]
    got = stats.interval_estimate(data, stats.STATISTICS[stat], reps=REFERENCE["reps"], seed=0)
    assert got.value == pytest.approx(expected[0], rel=1e-12)        # the same definition: exactly
    spread = data.max() - data.min()
    # The CI ends are Monte Carlo estimates from different random streams: equal within resampling noise.
    assert got.low == pytest.approx(expected[1], abs=0.01 * spread)
    assert got.high == pytest.approx(expected[2], abs=0.01 * spread)


def test_probability_of_improvement_matches_rliable():
    x, y = np.array(REFERENCE["x"]), np.array(REFERENCE["y"])
    value, low, high = REFERENCE["estimates"]["poi"]
    got = stats.poi_estimate(x, y, reps=REFERENCE["reps"], seed=0)
    assert got.value == pytest.approx(value, rel=1e-12)
    assert got.low == pytest.approx(low, abs=0.01) and got.high == pytest.approx(high, abs=0.01)


def test_performance_profile_matches_rliable():
    ref = REFERENCE["profile"]
    profile, low, high = stats.score_distribution(np.array(REFERENCE["a"]), np.array(ref["taus"]), reps=REFERENCE["reps"])
    np.testing.assert_allclose(profile, ref["value"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(low, ref["low"], atol=0.051)    # a fraction of 20 runs moves in steps of 0.05
    np.testing.assert_allclose(high, ref["high"], atol=0.051)


def test_trial_metrics_by_hand():
    iterations = np.array([0, 100, 200, 300, 400])
    returns = np.array([10.0, 200.0, 150.0, 195.0, 199.0])
    m = trial_metrics(iterations, returns, threshold=195.0)
    assert m["final_return"] == 199.0 and m["best_return"] == 200.0
    # trapezoid: (10+200)/2*100 + (200+150)/2*100 + (150+195)/2*100 + (195+199)/2*100 = 64950, / 400 iterations
    assert m["auc"] == pytest.approx(64950 / 400)
    assert m["first_iteration_at_threshold"] == 100 and m["reached_threshold"] == 1.0
    assert m["stayed_at_threshold"] == pytest.approx(2 / 3)     # after iteration 100: 150 (no), 195, 199
    never = trial_metrics(iterations, np.full(5, 20.0), threshold=195.0)
    assert never["reached_threshold"] == 0.0
    assert np.isnan(never["first_iteration_at_threshold"]) and np.isnan(never["stayed_at_threshold"])
    no_threshold = trial_metrics(iterations, returns, threshold=None)
    assert np.isnan(no_threshold["reached_threshold"])


def test_trial_metrics_first_success_at_the_last_evaluation_has_no_later_share():
    m = trial_metrics(np.array([0, 1]), np.array([0.0, 500.0]), threshold=475.0)
    assert m["first_iteration_at_threshold"] == 1 and np.isnan(m["stayed_at_threshold"])


@pytest.mark.parametrize("n", [4, 5, 8, 20])
def test_iqm_matches_a_brute_force_trim(n):
    scores = np.random.default_rng(n).normal(size=n)
    cut = int(0.25 * n)
    assert stats.iqm(scores[:, None]) == pytest.approx(np.sort(scores)[cut:n - cut].mean())
