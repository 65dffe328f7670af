"""``rlkit sweep`` against separate ``rlkit train`` processes: 20 seeds of the tutorial config.

Run: ``pytest benchmarks/test_bench_sweep.py --benchmark-only -s``. Both sides train the same 20
trials (the tutorial config, seeds 0-19, ``--no-video``) on 2 cores, in the same pytest run:

* sweep: ``rlkit sweep --seeds 0-19 --workers 2``: two long-lived workers, TensorFlow imported once each;
* baseline: 20 ``rlkit train --set train.seed=S`` processes, 2 at a time (each pays Python + TensorFlow
  start-up, and its own teardown).

Printed: both wall times and their ratio; per trial, the separate process's wall seconds and the
sweep's in-worker seconds; the sweep's per-trial overhead once workers are warm (the first trial of
each worker left out): the worker's idle time since its previous trial (dispatch) plus its time on
the trial outside the trainer (``trial.json``'s seconds minus ``summary.json``'s ``seconds.total``,
which the worker counts from the trial's start), target < 0.5 s; the trainer's own time outside its
timed phases (TensorBoard and log writes, which ``rlkit train`` pays as well); and the sweep's fixed
cost (worker start-up, aggregation, report). Also checked and printed: each trial's final return equals the separate run's.
No timed asserts. ``RLKIT_BENCH_SWEEP_SEEDS`` (default 20) sets the number of seeds.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = int(os.environ.get("RLKIT_BENCH_SWEEP_SEEDS", "20"))
WORKERS = 2
PHASES = ("setup", "collect", "train", "eval", "checkpoint", "outputs")
OVERHEAD_TARGET_S = 0.5


def _rlkit(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "rlkit", *args], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=3600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def results():
    table: dict[str, dict] = {}
    yield table
    if "sweep" in table and "separate" in table:
        print_summary(table)


def test_sweep_workers(benchmark, results, tmp_path):
    out = tmp_path / "sweep"
    benchmark.pedantic(lambda: _rlkit("sweep", "--seeds", f"0-{SEEDS - 1}", "--workers", str(WORKERS), "--no-video",
                                      "--out", str(out)), rounds=1, iterations=1)
    trials = []
    for run_dir in sorted(out.glob("trials/base/seed-*")):
        trial = json.loads((run_dir / "trial.json").read_text())
        summary = json.loads((run_dir / "summary.json").read_text())
        trials.append({"seed": int(run_dir.name.split("-")[1]), "seconds": trial["seconds"], "pid": trial["worker_pid"],
                       "started": trial["started_at"], "finished": trial["finished_at"],
                       "trainer": summary["seconds"]["total"], "phases": sum(summary["seconds"][p] for p in PHASES),
                       "final_return": summary["final_return"]})
    warm = []  # every trial but the first of each worker, with the gap since the worker's previous trial
    for pid in {t["pid"] for t in trials}:
        mine = sorted((t for t in trials if t["pid"] == pid), key=lambda t: t["started"])
        for previous, trial in zip(mine, mine[1:]):
            # the sweep's own cost of this trial: idle time before it (dispatch) + in-worker time outside the trainer
            warm.append({**trial, "overhead": (trial["started"] - previous["finished"]) + (trial["seconds"] - trial["trainer"])})
    busiest = max(sum(t["seconds"] for t in trials if t["pid"] == pid) for pid in {t["pid"] for t in trials})
    figures = {"wall_s": benchmark.stats.stats.median, "trials": len(trials),
               "trial_s_median": statistics.median(t["seconds"] for t in trials),
               "warm_trial_s_median": statistics.median(t["seconds"] for t in warm),
               "warm_overhead_s_median": statistics.median(t["overhead"] for t in warm),
               "warm_overhead_s_max": max(t["overhead"] for t in warm),
               "trainer_untimed_s_median": statistics.median(t["trainer"] - t["phases"] for t in trials),
               "fixed_s": benchmark.stats.stats.median - busiest,
               "final_returns": {t["seed"]: t["final_return"] for t in trials}}
    benchmark.extra_info.update({k: v for k, v in figures.items() if k != "final_returns"})
    results["sweep"] = figures


def test_separate_train_processes(benchmark, results, tmp_path):
    def train(seed: int) -> dict:
        began = time.perf_counter()
        run_dir = tmp_path / f"seed-{seed}"
        _rlkit("train", "--set", f"train.seed={seed}", "--no-video", "--quiet", "--out", str(run_dir))
        summary = json.loads((run_dir / "summary.json").read_text())
        return {"seed": seed, "seconds": time.perf_counter() - began, "final_return": summary["final_return"]}

    runs: list[dict] = []

    def all_seeds() -> None:
        with ThreadPoolExecutor(WORKERS) as pool:
            runs.extend(pool.map(train, range(SEEDS)))

    benchmark.pedantic(all_seeds, rounds=1, iterations=1)
    figures = {"wall_s": benchmark.stats.stats.median, "trial_s_median": statistics.median(r["seconds"] for r in runs),
               "final_returns": {r["seed"]: r["final_return"] for r in runs}}
    benchmark.extra_info.update({k: v for k, v in figures.items() if k != "final_returns"})
    results["separate"] = figures


def print_summary(table: dict[str, dict]) -> None:
    sweep, separate = table["sweep"], table["separate"]
    same = sweep["final_returns"] == separate["final_returns"]
    overhead = sweep["warm_overhead_s_median"]
    lines = [
        "",
        f"rlkit sweep vs separate rlkit train processes: tutorial config, {sweep['trials']} seeds, {WORKERS} at a time, --no-video",
        f"{'figure':<58}{'sweep':>10}{'separate':>10}{'ratio':>8}",
        f"{'wall seconds, all trials':<58}{sweep['wall_s']:>10.1f}{separate['wall_s']:>10.1f}"
        f"{sweep['wall_s'] / separate['wall_s']:>8.2f}",
        f"{'seconds per trial (median; sweep: in a worker)':<58}{sweep['trial_s_median']:>10.2f}"
        f"{separate['trial_s_median']:>10.2f}{sweep['trial_s_median'] / separate['trial_s_median']:>8.2f}",
        f"{'  warm workers only (first trial of each left out)':<58}{sweep['warm_trial_s_median']:>10.2f}",
        f"{'per-trial overhead of the sweep, warm workers':<58}{overhead:>10.3f}"
        f"   target < {OVERHEAD_TARGET_S} s {'[ok]' if overhead < OVERHEAD_TARGET_S else '[MISSED]'}"
        f" (max {sweep['warm_overhead_s_max']:.3f})",
        f"{'  (trainer time outside its phases, in both: TensorBoard, logs)':<58}{sweep['trainer_untimed_s_median']:>10.3f}",
        f"{'sweep fixed cost (wall - busiest worker: start-up, stats, report)':<58}{sweep['fixed_s']:>10.1f}",
        f"same final return in every trial as the separate run: {'yes' if same else 'NO'}",
    ]
    print("\n".join(lines))
