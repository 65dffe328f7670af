"""CartPole throughput: rlkit (each backend) side by side with gymnasium, in env-steps per second.

Run: ``pytest benchmarks/test_bench_envs.py --benchmark-only -s``. At the end a table prints each
case's steps/s and its ratio against the baseline measured in the same run: gymnasium's
``CartPole-v1`` for one env, ``gymnasium.make_vec("CartPole-v1", N, "vector_entry_point")``
(``CartPoleVectorEnv``) for a batch of N. Targets (DESIGN.md 5): compiled float64 kernel >= 40 M
steps/s at N=1024 on one core; one env through ``Env.step`` >= 500 k steps/s.

Cases per backend and N: ``env.step`` (public batched ``Env.step`` with NumPy actions),
``kernel.step`` (one batched kernel call per step), ``kernel.rollout_random`` (many steps in one
call, random actions drawn in the kernel).
"""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from rlkit import backend as rlkit_backend
from rlkit.envs import CartPole
from rlkit.kernels.cartpole import seed_streams

BACKENDS = ("cython", "numba", "numpy")
SIZES = (1, 64, 1024, 65536)
WORK = 2**18  # env-steps per timed round for the fast cases


def _steps_for(n: int, slow: bool = False) -> int:
    return max(4, (WORK // (16 if slow else 1)) // n)


@pytest.fixture(scope="module")
def results():
    table: dict[tuple[str, int], float] = {}
    yield table
    if not table:
        return
    print("\n\nCartPole env-steps/s (ratio vs the gymnasium baseline of the same N, same run)")
    for n in SIZES:
        base_name = "gymnasium CartPole-v1 (single env)" if n == 1 else f"gymnasium make_vec N={n}"
        vec_base = table.get(("gymnasium make_vec", n))
        single_base = table.get(("gymnasium CartPole-v1", 1))
        for (name, size), rate in sorted(table.items(), key=lambda item: -item[1]):
            if size != n:
                continue
            base = single_base if (n == 1 and single_base) else vec_base
            ratio = f"{rate / base:6.1f}x" if base else "   n/a"
            print(f"  N={n:<6} {name:<34} {rate / 1e6:9.3f} M steps/s  {ratio}")
            if base and not name.startswith("gymnasium"):
                verdict = f"{rate / base:.1f}x faster" if rate >= base else f"{base / rate:.1f}x slower"
                print(f"           -> {name} N={n} is {verdict} than baseline {base_name}")


def _record(benchmark, results, name: str, n: int, env_steps: int) -> None:
    rate = env_steps / benchmark.stats.stats.median
    benchmark.extra_info["env_steps_per_s"] = rate
    benchmark.extra_info["num_envs"] = n
    results[(name, n)] = rate


def _actions(steps: int, n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, (steps, n), dtype=np.int64)


# -- baselines ---------------------------------------------------------------------------------


def test_gymnasium_single_env(benchmark, results):
    env = gymnasium.make("CartPole-v1")
    env.reset(seed=0)
    steps = 4096
    actions = _actions(steps, 1)[:, 0].tolist()

    def run():
        step, reset = env.step, env.reset
        for action in actions:
            _, _, terminated, truncated, _ = step(action)
            if terminated or truncated:
                reset()

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    _record(benchmark, results, "gymnasium CartPole-v1", 1, steps)


@pytest.mark.parametrize("n", SIZES)
def test_gymnasium_make_vec(benchmark, results, n):
    env = gymnasium.make_vec("CartPole-v1", num_envs=n, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    steps = _steps_for(n, slow=n < 1024)
    actions = _actions(steps, n)

    def run():
        for row in actions:
            env.step(row)

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    _record(benchmark, results, "gymnasium make_vec", n, steps * n)


# -- rlkit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_rlkit_unbatched_env_step(benchmark, results, backend):
    env = CartPole(backend=backend)
    env.reset(seed=0)
    steps = 16384 if backend != "numpy" else 1024
    actions = _actions(steps, 1)[:, 0].tolist()

    def run():
        step = env.step
        for action in actions:
            step(action)

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    _record(benchmark, results, f"rlkit {backend} unbatched Env.step", 1, steps)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_rlkit_batched_env_step(benchmark, results, backend, n):
    env = CartPole(num_envs=n, backend=backend)
    env.reset(seed=0)
    steps = _steps_for(n, slow=backend == "numpy")
    actions = _actions(steps, n)

    def run():
        step = env.step
        for row in actions:
            step(row)

    benchmark.pedantic(run, rounds=3 if backend == "numpy" else 5, warmup_rounds=1)
    _record(benchmark, results, f"rlkit {backend} Env.step", n, steps * n)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_rlkit_kernel_step(benchmark, results, backend, n):
    sim = rlkit_backend.load("cartpole", backend).Simulator(n, 500)
    sim.seed(0)
    sim.reset()
    steps = _steps_for(n, slow=backend == "numpy")
    actions = _actions(steps, n)

    def run():
        step = sim.step
        for row in actions:
            step(row)

    benchmark.pedantic(run, rounds=3 if backend == "numpy" else 5, warmup_rounds=1)
    _record(benchmark, results, f"rlkit {backend} kernel.step", n, steps * n)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_rlkit_kernel_rollout_random(benchmark, results, backend, n):
    sim = rlkit_backend.load("cartpole", backend).Simulator(n, 500)
    sim.seed(0)
    sim.reset()
    streams = seed_streams(1, n)
    steps = max(4, (4 * WORK if backend != "numpy" else WORK // 16) // n)
    sim.rollout_random(2, streams)  # compile / warm up

    benchmark.pedantic(lambda: sim.rollout_random(steps, streams), rounds=5, warmup_rounds=1)
    _record(benchmark, results, f"rlkit {backend} kernel.rollout_random", n, steps * n)
