"""Ray Tune against rlkit's plain-actor sweep executor: the same trials on the same local Ray, one after the other.

    pip install "ray[tune]"            # not in rlkit's extras: this script is the only user of Tune
    python benchmarks/compare_tune.py [--trials 8] [--iterations 1000]

Each side runs ``--trials`` seeds of the tutorial config (no videos, no report), two at a time with one
CPU each. Plain actors: :class:`rlkit.distributed.sweep.RayExecutor` (two worker actors that import
TensorFlow once and run trials back to back). Tune: ``tune.Tuner`` on a function trainable that runs the
same trial code and ``tune.report``s every evaluation row, with ``reuse_actors=True`` and
``max_concurrent_trials=2``. Printed per side: wall time, the trials' own time (their ``seconds``,
measured inside the worker), and the sweep's overhead per trial: ``(wall x 2 - sum of trial seconds) / trials``.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

OVERRIDES = ("output.video=false", "output.report=false", "output.tensorboard=false", "eval.num_episodes=5")


def _tasks(root: Path, trials: int, iterations: int) -> list:
    from rlkit.sweep.worker import Task

    extra = (f"train.num_iterations={iterations}", f"eval.interval={iterations // 2}")
    return [Task(f"seed={seed}", None, (*OVERRIDES, *extra, f"train.seed={seed}"), str(root / f"seed-{seed}"),
                 False, False) for seed in range(trials)]


def run_plain(root: Path, trials: int, iterations: int) -> tuple[float, float]:
    from rlkit.distributed.sweep import RayExecutor

    began = time.perf_counter()
    with RayExecutor(num_workers=2, num_threads=1) as pool:
        seconds = [result.seconds for _, result in pool.run(_tasks(root, trials, iterations))]
    return time.perf_counter() - began, sum(seconds)


def _trial(config: dict) -> None:
    from ray import tune

    from rlkit.sweep.worker import _run_task
    from rlkit.train.recorder import read_metrics

    from rlkit.networks.tf_runtime import configure_tensorflow

    configure_tensorflow(num_threads=1)
    task = config["task"]
    result = _run_task(task)
    rows = [row for row in read_metrics(Path(task.run_dir) / "metrics.csv") if row.get("eval_return") is not None]
    for row in rows:
        tune.report({"iteration": row["iteration"], "eval_return": row["eval_return"], "trial_seconds": result.seconds})


def run_tune(root: Path, trials: int, iterations: int) -> tuple[float, float]:
    from ray import tune

    tasks = _tasks(root, trials, iterations)
    began = time.perf_counter()
    tuner = tune.Tuner(tune.with_resources(_trial, {"cpu": 1}), param_space={"task": tune.grid_search(tasks)},
                       tune_config=tune.TuneConfig(max_concurrent_trials=2, reuse_actors=True),
                       run_config=tune.RunConfig(storage_path=str(root / "tune"), name="sweep", verbose=0))
    results = tuner.fit()
    wall = time.perf_counter() - began
    return wall, sum(float(result.metrics["trial_seconds"]) for result in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=1000)
    args = parser.parse_args()
    from rlkit.testing.local_ray import local_ray

    temp = Path(tempfile.mkdtemp(prefix="rlkit-tune-", dir="/tmp"))
    try:
        with local_ray(num_cpus=2):
            rows = []
            for name, run in (("plain actors", run_plain), ("Ray Tune", run_tune), ("plain actors", run_plain)):
                wall, trial_seconds = run(temp / name.replace(" ", "-") / str(len(rows)), args.trials, args.iterations)
                rows.append((name, wall, trial_seconds, (wall * 2 - trial_seconds) / args.trials))
        print(f"\n{args.trials} tutorial trials of {args.iterations} iterations, 2 at a time, 1 CPU each")
        print(f"{'executor':<14} {'wall s':>8} {'trials s':>9} {'overhead s/trial':>17}")
        for name, wall, trial_seconds, overhead in rows:
            print(f"{name:<14} {wall:8.2f} {trial_seconds:9.2f} {overhead:17.2f}")
    finally:
        shutil.rmtree(temp, ignore_errors=True)

if __name__ == "__main__":
    main()
