"""Sweeps: many seeds and settings in one command, on local long-lived workers, with statistics across seeds.

    rlkit sweep my.yaml --seeds 0-19 --grid agent.learning_rate=1e-3,5e-4 --workers 2 --out runs/lr

See docs/sweeps.md. Modules: ``plan`` (trials, validation, the sweep directory's spec),
``worker`` and ``executor`` (the worker processes), ``runner`` (run/resume the trials),
``aggregate`` and ``plots`` (``sweep.json``, ``sweep.csv``, ``curves.png``, ``profile.png``).
Nothing here imports TensorFlow; only the worker processes do.
"""
from rlkit.sweep.plan import SweepSpec, Trial, parse_grid, parse_seeds

__all__ = ["SweepSpec", "Trial", "parse_grid", "parse_seeds"]
