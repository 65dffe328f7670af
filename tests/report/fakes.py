"""Run and sweep directories made without training (no TensorFlow): the real writers, synthetic numbers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rlkit.train.config import dump_config, load_config
from rlkit.train.recorder import MetricsRecorder
from rlkit.viz import plot_returns, write_video


def frames(count: int = 45, height: int = 120, width: int = 180) -> list[np.ndarray]:
    """A moving white bar on gray: something a decoder must really decode."""
    out = []
    for i in range(count):
        frame = np.full((height, width, 3), 90, np.uint8)
        x = (i * 4) % (width - 10)
        frame[20:100, x:x + 10] = 255
        out.append(frame)
    return out


def make_run(run_dir: Path, returns: list[float], seed: int = 0, video: bool = True, threshold: float = 195.0) -> Path:
    """A completed run directory with evaluations ``returns`` at iterations 0, 100, 200, ..."""
    run_dir.mkdir(parents=True, exist_ok=True)
    config = load_config(None, [f"train.seed={seed}", "train.num_iterations=" + str(100 * (len(returns) - 1) or 1)])
    dump_config(config, run_dir / "config.yaml")
    recorder = MetricsRecorder(run_dir)                  # no TensorBoard writer
    iterations = [100 * i for i in range(len(returns))]
    for i, (iteration, value) in enumerate(zip(iterations, returns)):
        recorder.record(iteration=iteration, env_steps=100 + iteration, episodes=i, eval_return=float(value),
                        eval_episode_length=float(value), wall_seconds=0.5 * i)
    recorder.close()
    plot_returns(iterations, returns, run_dir / "returns.png", title="CartPole-v0: average return", reward_threshold=threshold)
    if video:
        write_video(frames(), run_dir / "trained.mp4", fps=30)
        write_video(frames()[::-1], run_dir / "random.mp4", fps=30)
    solved = next((it for it, r in zip(iterations, returns) if r >= threshold), None)
    summary = {"status": "completed", "rlkit_version": "0.1.0", "env": "CartPole-v0", "iterations": iterations[-1],
               "env_steps": 100 + iterations[-1], "episodes": len(returns), "final_return": returns[-1],
               "best_return": max(returns), "best_iteration": iterations[int(np.argmax(returns))],
               "reward_threshold": threshold, "first_iteration_at_threshold": solved, "evaluations": len(returns),
               "seconds": {"setup": 1.0, "collect": 0.1, "train": 0.5, "eval": 0.1, "checkpoint": 0.05, "outputs": 0.2,
                           "to_saved_policy": 2.0, "total": 2.1},
               "iterations_per_second": 1000.0, "env_steps_per_second": 1000.0, "backend": "cython"}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return run_dir


def make_sweep(sweep_dir: Path, video: bool = False) -> Path:
    """A sweep of 2 learning rates x 3 seeds with synthetic learning curves, one trial failed."""
    from rlkit.sweep.plan import SweepSpec, parse_grid
    from rlkit.sweep.worker import TrialResult, write_trial_file

    spec, text = SweepSpec.create(None, [0, 1, 2], parse_grid(["agent.learning_rate=1e-3,5e-4"]),
                                  ["train.num_iterations=400"])
    spec.save(sweep_dir, text)
    rng = np.random.default_rng(0)
    for trial in spec.trials():
        run_dir = trial.run_dir(sweep_dir)
        if trial.key == "learning_rate=0.0005/seed-2":
            write_trial_file(run_dir, TrialResult("failed", 0.1, error="ValueError: something broke"))
            continue
        top = 200.0 if trial.point == "learning_rate=0.001" else 120.0
        returns = list(np.round(np.minimum(top, np.linspace(20, top * 1.2, 5) + rng.normal(0, 10, 5)), 1))
        make_run(run_dir, returns, seed=trial.seed, video=video)
        write_trial_file(run_dir, TrialResult("completed", 2.0))
    return sweep_dir
