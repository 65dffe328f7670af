"""Ray collection against the local engine: throughput on a slow env, and Ray's cost per chunk.

Run: ``pytest benchmarks/test_bench_ray.py --benchmark-only -s``. In one pytest run, on one local Ray
(``num_cpus=2``):

* throughput (env steps/s) on :class:`rlkit.testing.SlowEnv` at ``step_cost_ms=1`` (one env per collector,
  chunks of ``T=100`` batched steps, the tutorial's 4-100-2 epsilon-greedy policy, a replay buffer and the
  training metrics as observers) for the local engine and Ray sync with W = 1 and 2 collectors. Baseline:
  the local engine. Target (this 2-core machine): W = 2 >= 1.6x W = 1.
* overhead per chunk with CartPole (a fast env, so collection costs almost nothing): Ray W = 1 minus local,
  per chunk of T = 100 steps; the learner's CPU per chunk at W = 1 and 2; and the parts of the overhead:
  the weight broadcast (``ray.put`` of the policy) and one collector call returning a ``[T, 1]`` block.
  From these it prints a projection (labelled so) of sync throughput for 8, 64 and 512 collectors.
* sync against async with W = 2 on the slow env, steady (1 ms per step) and stalling (1 ms per step, and
  one step in a hundred takes 50 ms more: per chunk, sync waits for the collector that stalled most,
  async takes blocks from whichever collector delivers).

Ratios are printed against the baseline measured in the same run; nothing asserts a time.
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

STEP_COST_MS = 1.0
T = 100          # batched steps per chunk
CHUNKS = 20      # chunks per measured round
TARGET = 1.6     # W = 2 over W = 1


STALL = {"stall_ms": 50.0, "stall_probability": 0.01}


@pytest.fixture(scope="module")
def ray_runtime():
    from rlkit.testing.local_ray import local_ray

    with local_ray(num_cpus=2) as ray:
        yield ray


@pytest.fixture(scope="module")
def table():
    rows: dict[str, dict] = {}
    yield rows
    base = rows.get("local slow env")
    print("\n\nRay collection (SlowEnv at 1 ms per step; CartPole for the overhead)")
    print(f"{'case':38s} {'env steps/s':>12s} {'ms per chunk':>13s} {'learner CPU ms':>15s} {'vs local':>9s}")
    for name, row in rows.items():
        ratio = row["steps_per_s"] / base["steps_per_s"] if base and "steps_per_s" in row else float("nan")
        print(f"{name:38s} {row.get('steps_per_s', float('nan')):12.0f} {row['ms_per_chunk']:13.3f} "
              f"{row.get('learner_cpu_ms', float('nan')):15.3f} {ratio:9.2f}")
    one, two = rows.get("ray sync W=1 slow env"), rows.get("ray sync W=2 slow env")
    if one and two:
        scale = two["steps_per_s"] / one["steps_per_s"]
        print(f"W = 2 over W = 1: {scale:.2f}x (target >= {TARGET}x){'' if scale >= TARGET else ' [MISSED]'}")
    for kind in ("slow env", "stalling env"):
        sync, asynchronous = rows.get(f"ray sync W=2 {kind}"), rows.get(f"ray async W=2 {kind}")
        if sync and asynchronous:
            print(f"W = 2, {kind}: async over sync {asynchronous['steps_per_s'] / sync['steps_per_s']:.2f}x")
    if "local cartpole" in rows and "ray sync W=1 cartpole" in rows:
        overhead = rows["ray sync W=1 cartpole"]["ms_per_chunk"] - rows["local cartpole"]["ms_per_chunk"]
        print(f"Ray overhead per chunk of {T} CartPole steps (W = 1 minus local): {overhead:.3f} ms")
    _projection(rows)


def _projection(rows: dict[str, dict]) -> None:
    """A projection (not a measurement) of sync throughput for 8, 64 and 512 collectors at 1 ms per step.

    Per chunk: the learner broadcasts once (``put``), each collector collects ``T`` steps (``T x cost``) plus
    its call latency (``call``), and the learner spends ``per_collector`` of its own CPU per collector
    (submit, get, deserialise the block, hand it to the observers), from the CartPole W = 1 and W = 2 cases.
    """
    needed = ("ray sync W=1 cartpole", "ray sync W=2 cartpole", "ray.put(policy) (weight broadcast)",
              "collector call, 1 step")
    if not all(key in rows for key in needed):
        return
    per_collector = max(rows[needed[1]]["learner_cpu_ms"] - rows[needed[0]]["learner_cpu_ms"], 1e-3)
    put, call = rows[needed[2]]["ms_per_chunk"], rows[needed[3]]["ms_per_chunk"]
    collect = T * STEP_COST_MS
    print(f"\nPROJECTION (sync, 1 ms per step, T = {T}, one env per collector; learner CPU per collector "
          f"{per_collector:.3f} ms, broadcast {put:.3f} ms, call latency {call:.3f} ms; learner saturates at "
          f"W = {collect / per_collector:.0f}):")
    for workers in (8, 64, 512):
        chunk = put + call + collect + workers * per_collector
        print(f"  W = {workers:3d}: {workers * T / chunk * 1e3:10.0f} env steps/s (chunk {chunk:.1f} ms)")


def _config(env: str, workers: int, engine: str, mode: str = "sync", stalls: bool = False):
    from rlkit.train.config import load_config

    stall = "".join(f", {key}: {value}" for key, value in STALL.items()) if stalls else ""
    kwargs = "{env: CartPole-v1, step_cost_ms: %s%s}" % (STEP_COST_MS, stall) if "slow" in env else "{}"
    return load_config(None, [f"env.name={env}", f"env.kwargs={kwargs}", "env.num_envs=1", f"collect.mode={mode}",
                              f"collect.engine={engine}", f"collect.num_workers={workers}"])


def _setup(config):
    from rlkit.metrics import AverageReturnMetric, EnvironmentSteps
    from rlkit.policies import EpsilonGreedyPolicy, QValueMirror
    from rlkit.replay import UniformReplayBuffer
    from rlkit.train.collection import make_engine
    from rlkit.train.components import make_env
    from rlkit.core import trajectory_spec

    env = make_env(config, 1)
    mirror = QValueMirror([4, 100, 2], params=np.random.default_rng(0).normal(0, 0.1, 702))
    policy = EpsilonGreedyPolicy(env.time_step_spec(), env.action_spec(), mirror, 0.1, seed=0)
    engine = make_engine(config, env, lambda line: None)
    engine.reset(0)
    buffer = UniformReplayBuffer(trajectory_spec(env.time_step_spec(), env.action_spec()),
                                 batch_size=engine.replay_batch_size, max_length=100_000, seed=0)
    return engine, policy, [buffer, AverageReturnMetric(), EnvironmentSteps()]


def _measure(benchmark, table, name, env, workers, engine_kind, mode="sync", stalls=False):
    engine, policy, observers = _setup(_config(env, workers, engine_kind, mode, stalls))
    try:
        engine.run(policy, (), T, observers)  # warm-up: actors started, code paths loaded

        cpu = []

        def chunks():
            began = time.process_time()
            for _ in range(CHUNKS):
                engine.run(policy, (), T, observers)
            cpu.append(time.process_time() - began)

        benchmark.pedantic(chunks, rounds=3, iterations=1)
        seconds = statistics.median(benchmark.stats.stats.data)
        table[name] = {"steps_per_s": CHUNKS * T * engine.num_envs / seconds, "ms_per_chunk": seconds / CHUNKS * 1e3,
                       "learner_cpu_ms": statistics.median(cpu) / CHUNKS * 1e3}
    finally:
        engine.close()


SLOW = "rlkit.testing.slow_env:SlowEnv"


def test_local_slow_env(benchmark, table):
    _measure(benchmark, table, "local slow env", SLOW, 1, "local")


def test_ray_one_collector_slow_env(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray sync W=1 slow env", SLOW, 1, "ray")


def test_ray_two_collectors_slow_env(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray sync W=2 slow env", SLOW, 2, "ray")


def test_ray_two_collectors_slow_env_async(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray async W=2 slow env", SLOW, 2, "ray", "async")


def test_ray_two_collectors_stalling_env_sync(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray sync W=2 stalling env", SLOW, 2, "ray", "sync", stalls=True)


def test_ray_two_collectors_stalling_env_async(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray async W=2 stalling env", SLOW, 2, "ray", "async", stalls=True)


def test_local_cartpole(benchmark, table):
    _measure(benchmark, table, "local cartpole", "CartPole-v1", 1, "local")


def test_ray_one_collector_cartpole(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray sync W=1 cartpole", "CartPole-v1", 1, "ray")


def test_ray_two_collectors_cartpole(benchmark, table, ray_runtime):
    _measure(benchmark, table, "ray sync W=2 cartpole", "CartPole-v1", 2, "ray")


def test_weight_broadcast_and_block_transfer(benchmark, table, ray_runtime):
    """The parts of the overhead: one ``ray.put`` of the policy, one actor call returning a [T, 1] block."""
    engine, policy, observers = _setup(_config("CartPole-v1", 1, "ray"))
    ray = ray_runtime
    try:
        engine.run(policy, (), T, observers)
        began = time.perf_counter()
        for _ in range(200):
            ray.put(policy)
        put_ms = (time.perf_counter() - began) / 200 * 1e3
        collector = engine.collectors[0]
        ray.get(collector.run.remote(policy, (), 1, 0))
        calls = [time.perf_counter()]
        for _ in range(50):
            ray.get(collector.run.remote(policy, (), 1, 0))
        one_step_ms = (time.perf_counter() - calls[0]) / 50 * 1e3
        benchmark.pedantic(lambda: ray.get(collector.run.remote(policy, (), T, 0)), rounds=20, iterations=1)
        block_ms = statistics.median(benchmark.stats.stats.data) * 1e3
        table["ray.put(policy) (weight broadcast)"] = {"ms_per_chunk": put_ms}
        table["collector call, 1 step"] = {"ms_per_chunk": one_step_ms}
        table[f"collector call, [{T}, 1] block"] = {"ms_per_chunk": block_ms}
    finally:
        engine.close()
