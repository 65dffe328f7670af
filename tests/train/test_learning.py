"""Learning targets of the shipped configs (slow: ``pytest -m slow``).

* the tutorial config (``rlkit train`` with no config) reaches an average return >= 195 on
  CartPole-v0 in at least 9 of 10 seeds;
* ``rlkit/configs/cartpole_v1.yaml`` solves CartPole-v1 (two consecutive evaluations >= 475)
  in 5 of 5 seeds, and most later evaluations stay >= 475.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rlkit.train.config import load_config
from rlkit.train.recorder import read_metrics
from rlkit.train.trainer import Trainer

pytestmark = pytest.mark.slow
V1_CONFIG = Path(__file__).resolve().parents[2] / "rlkit" / "configs" / "cartpole_v1.yaml"
QUIET = ["output.video=false", "output.tensorboard=false"]


def _eval_returns(path: str | None, seed: int, run_dir: Path) -> tuple[list[int], list[float], dict]:
    config = load_config(path, [f"train.seed={seed}", *QUIET])
    summary = Trainer(config, run_dir, progress=False).run()
    rows = [row for row in read_metrics(run_dir / "metrics.csv") if row["eval_return"] is not None]
    return [row["iteration"] for row in rows], [row["eval_return"] for row in rows], summary


def test_tutorial_config_reaches_195_in_9_of_10_seeds(tmp_path):
    reached = {}
    for seed in range(10):
        iterations, returns, _ = _eval_returns(None, seed, tmp_path / f"seed{seed}")
        reached[seed] = next((it for it, ret in zip(iterations, returns) if ret >= 195.0), None)
    print("first iteration with average return >= 195, per seed:", reached)
    assert sum(it is not None for it in reached.values()) >= 9, reached


def test_cartpole_v1_config_solves_5_of_5_seeds_and_stays_solved(tmp_path):
    results = {}
    for seed in range(5):
        iterations, returns, summary = _eval_returns(str(V1_CONFIG), seed, tmp_path / f"seed{seed}")
        solved = next((i for i in range(1, len(returns)) if returns[i - 1] >= 475 and returns[i] >= 475), None)
        later = returns[solved + 1:] if solved is not None else []
        results[seed] = (None if solved is None else iterations[solved],
                         round(sum(r >= 475 for r in later) / max(len(later), 1), 2))
    print("CartPole-v1 (solve iteration, share of later evals >= 475) per seed:", results)
    assert all(solve is not None for solve, _ in results.values()), results
    shares = sorted(share for _, share in results.values())
    assert shares[len(shares) // 2] >= 0.9, results
