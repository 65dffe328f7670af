"""Replay sampling speed: rlkit's buffers per backend against a plain NumPy sampler, side by side.

Run: ``pytest benchmarks/test_bench_replay.py --benchmark-only -s``. Batches of 64 and 256 windows of
``num_steps=2`` from a full 100k-row CartPole buffer (the tutorial's data spec). The baseline is
what a hand-written NumPy buffer does: ``rng.integers`` for the start rows and fancy indexing of
every field for the two rows of each window (no episode-boundary checks at all). SB3 is measured
only if it is installed. The final test prints each case's ratio to the baseline and the bytes
per stored transition.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from rlkit import backend as rlkit_backend
from rlkit.core import time_step_spec, trajectory_spec
from rlkit.replay import PrioritizedReplayBuffer, UniformReplayBuffer
from rlkit.specs import BoundedArraySpec
from rlkit.types import StepType, Trajectory

ROWS = 100_000
BATCHES = (64, 256)
BLOCKS = 50
RESULTS: dict[tuple[str, int], float] = {}


def cartpole_spec() -> Trajectory:
    high = np.array([4.8, np.finfo(np.float32).max, 0.42, np.finfo(np.float32).max], np.float32)
    observation = BoundedArraySpec((4,), np.float32, -high, high, name="observation")
    return trajectory_spec(time_step_spec(observation), BoundedArraySpec((), np.int64, 0, 1, name="action"))


def cartpole_rows(rng: np.random.Generator) -> Trajectory:
    """100k rows of episodes of 10..200 steps (LAST rows included)."""
    lengths = rng.integers(10, 200, ROWS // 10)
    step_type = np.concatenate([[StepType.FIRST] + [StepType.MID] * (n - 2) + [StepType.LAST] for n in lengths])[:ROWS]
    next_step_type = np.roll(step_type, -1)
    return Trajectory(
        step_type=step_type.astype(np.int32), observation=rng.uniform(-0.4, 0.4, (ROWS, 4)).astype(np.float32),
        action=rng.integers(0, 2, ROWS), policy_info=(), next_step_type=next_step_type.astype(np.int32),
        reward=np.ones(ROWS, np.float32), discount=np.where(next_step_type == StepType.LAST, 0.0, 1.0).astype(np.float32))


@pytest.fixture(scope="module")
def rows() -> Trajectory:
    return cartpole_rows(np.random.default_rng(0))


def filled(cls, rows: Trajectory, backend: str):
    buffer = cls(cartpole_spec(), batch_size=1, max_length=ROWS, seed=0, backend=backend)
    for i in range(ROWS):  # through add_batch, as a driver would
        buffer.add_batch(Trajectory(*(() if isinstance(f, tuple) else f[i:i + 1] for f in rows)))
    return buffer


@pytest.fixture(scope="module")
def buffers(rows):
    out = {}
    template = filled(UniformReplayBuffer, rows, "numpy")
    for backend in rlkit_backend.BACKENDS:
        buffer = UniformReplayBuffer(cartpole_spec(), 1, ROWS, seed=0, backend=backend)
        buffer._records[:] = template._records  # same rows, without refilling per backend
        buffer._count, buffer._num_last = template._count, template._num_last
        out[backend] = buffer
    return out


class NumpySampler:
    """The baseline: per-field arrays, ``rng.integers`` + fancy indexing (as SB3 / a hand-written loop do)."""

    def __init__(self, rows: Trajectory) -> None:
        self.fields = [f for f in rows if not isinstance(f, tuple)]
        self.rng = np.random.default_rng(0)

    def sample(self, batch_size: int, num_steps: int = 2) -> list[np.ndarray]:
        start = self.rng.integers(0, ROWS - num_steps + 1, batch_size)
        index = start[:, None] + np.arange(num_steps)
        return [field[index] for field in self.fields]


def record(benchmark, name: str, batch: int, per_call_batches: int = 1) -> None:
    per_batch = benchmark.stats.stats.min / per_call_batches
    RESULTS[(name, batch)] = per_batch
    benchmark.extra_info["us_per_batch"] = round(per_batch * 1e6, 3)
    benchmark.extra_info["windows_per_s"] = round(batch / per_batch)


@pytest.mark.parametrize("batch", BATCHES)
def test_numpy_baseline(benchmark, rows, batch):
    sampler = NumpySampler(rows)
    benchmark(sampler.sample, batch)
    record(benchmark, "numpy baseline (no boundary checks)", batch)


@pytest.mark.parametrize("backend", rlkit_backend.BACKENDS)
@pytest.mark.parametrize("batch", BATCHES)
def test_uniform_sample(benchmark, buffers, backend, batch):
    buffer = buffers[backend]
    buffer.sample(batch)
    benchmark(buffer.sample, batch)
    record(benchmark, f"uniform sample [{backend}]", batch)


@pytest.mark.parametrize("backend", rlkit_backend.BACKENDS)
@pytest.mark.parametrize("batch", BATCHES)
def test_uniform_sample_block(benchmark, buffers, backend, batch):
    buffer = buffers[backend]
    buffer.sample_block(BLOCKS, batch)
    benchmark.pedantic(buffer.sample_block, (BLOCKS, batch), rounds=30 if backend != "numpy" else 5, iterations=5)
    record(benchmark, f"uniform sample_block K={BLOCKS}, per batch [{backend}]", batch, BLOCKS)


@pytest.mark.parametrize("backend", rlkit_backend.BACKENDS)
def test_prioritized_sample(benchmark, rows, buffers, backend):
    buffer = PrioritizedReplayBuffer(cartpole_spec(), 1, ROWS, seed=0, backend=backend)
    buffer._records[:] = buffers["numpy"]._records
    buffer._count = ROWS
    leaves = np.arange(ROWS, dtype=np.int64)
    priorities = np.where(rows.step_type == StepType.LAST, 0.0, np.random.default_rng(1).random(ROWS) + 0.1)
    buffer._sumtree.update(buffer._tree, leaves, priorities)
    buffer.sample(64)
    benchmark(buffer.sample, 64)
    record(benchmark, f"prioritized sample [{backend}]", 64)


@pytest.mark.skipif(importlib.util.find_spec("stable_baselines3") is None, reason="stable-baselines3 not installed")
def test_sb3_replay_buffer(benchmark, rows):  # pragma: no cover - optional comparison
    import gymnasium
    from stable_baselines3.common.buffers import ReplayBuffer as SB3ReplayBuffer

    space = gymnasium.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    sb3 = SB3ReplayBuffer(ROWS, space, gymnasium.spaces.Discrete(2), device="cpu", optimize_memory_usage=True)
    sb3.pos, sb3.full = 0, True
    benchmark(sb3.sample, 64)
    record(benchmark, "stable-baselines3 ReplayBuffer", 64)


def bytes_per_transition() -> float:
    buffer = UniformReplayBuffer(cartpole_spec(), batch_size=1, max_length=ROWS)
    return buffer.nbytes / buffer.capacity


def test_memory_per_transition(benchmark):
    per_transition = benchmark.pedantic(bytes_per_transition, rounds=1, iterations=1)
    benchmark.extra_info["bytes_per_transition"] = per_transition
    assert per_transition <= 40


@pytest.fixture(scope="module", autouse=True)
def print_ratios():
    """After the module's benchmarks: the side-by-side table (visible with -s)."""
    yield
    if not RESULTS:
        return
    lines = ["", f"{'case':58s} {'batch':>5s} {'us/batch':>9s}  vs numpy baseline"]
    for (name, batch), seconds in sorted(RESULTS.items(), key=lambda item: (item[0][1], item[0][0])):
        baseline = RESULTS.get(("numpy baseline (no boundary checks)", batch))
        ratio = f"{name.split(' [')[0]} is {baseline / seconds:.1f}x faster than baseline" if baseline else ""
        lines.append(f"{name:58s} {batch:5d} {seconds * 1e6:9.2f}  {ratio}")
    lines.append(f"replay memory: {bytes_per_transition():.1f} bytes per CartPole transition (target <= 40)")
    print("\n".join(lines))
