"""DQN fast path: gradient steps per compiled call, collect-policy actions, mirror refresh.

Run: ``pytest benchmarks/test_bench_dqn.py --benchmark-only -s``. The tutorial's setting: batch 64,
4-100-2 Q-network, Adam, squared loss. A table at the end gives each case's time and its ratio
against the baseline measured in the same run:

* gradient step: ``agent.train`` (one ``tf.function`` call per step, TF-Agents' pattern) vs
  ``agent.train_block`` at K = 1, 10, 100, 250, 1000 (K steps in one XLA call). Target: <= 40 us
  amortised per step at K = 250.
* collect-policy action (one env, epsilon-greedy): the compiled mirror vs calling the Keras model
  (eagerly and through a ``tf.function``); also the NumPy-only mirror. Target: <= 5 us.
* mirror refresh after a block: from the flat weights the compiled call returns vs reading the
  Keras variables one by one with ``.numpy()``.
"""
from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf  # a missing TensorFlow fails the benchmarks, never skips them

from rlkit.agents import DqnAgent, configure_tensorflow
from rlkit.core import time_step_spec
from rlkit.networks import QNetwork
from rlkit.policies import EpsilonGreedyPolicy
from rlkit.specs import BoundedArraySpec
from rlkit.types import StepType, Trajectory, restart

BATCH = 64
BLOCK_SIZES = (1, 10, 100, 250, 1000)
OBS_SPEC = BoundedArraySpec((4,), np.float32, -4.8, 4.8, name="observation")
ACTION_SPEC = BoundedArraySpec((), np.int64, 0, 1, name="action")
TS_SPEC = time_step_spec(OBS_SPEC)


def _experience(rng: np.random.Generator, outer: tuple) -> Trajectory:
    shape = (*outer, 2)
    step_type = np.full(shape, int(StepType.MID), np.int32)
    return Trajectory(step_type, rng.standard_normal((*shape, 4)).astype(np.float32), rng.integers(0, 2, shape), (),
                      step_type.copy(), np.ones(shape, np.float32), np.ones(shape, np.float32))


@pytest.fixture(scope="module")
def agent():
    configure_tensorflow(num_threads=1)
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(100,), seed=0)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(1e-3), td_errors_loss_fn="squared",
                     gamma=0.99, seed=0)
    agent.initialize()
    return agent


@pytest.fixture(scope="module")
def results():
    table: dict[str, tuple[float, str, str]] = {}  # name -> (microseconds, group, unit)
    yield table
    if not table:
        return
    print("\n\nDQN fast path (same run; ratios against each group's baseline)")
    baselines = {"step": "train (1 call per step)", "action": "Keras model call (tf.function)",
                 "refresh": "per-variable .numpy() reads"}
    for group, unit in (("step", "us per gradient step"), ("action", "us per action"), ("refresh", "us per refresh")):
        base = table.get(baselines[group], (None,))[0]
        for name, (us, g, _) in sorted(table.items(), key=lambda item: item[1][0]):
            if g != group:
                continue
            ratio = f"{base / us:7.1f}x" if base else "    n/a"
            print(f"  {name:<40} {us:10.2f} {unit}  {ratio}")
            if base and name != baselines[group]:
                print(f"     -> {name} is {base / us:.1f}x faster than baseline {baselines[group]}")


def _record(benchmark, results, name: str, group: str, per_round: int) -> None:
    us = benchmark.stats.stats.median / per_round * 1e6
    benchmark.extra_info["us_per_item"] = us
    results[name] = (us, group, "")


def test_train_one_call_per_step(benchmark, agent, results):
    batch = _experience(np.random.default_rng(0), (BATCH,))
    agent.train(batch)  # compile
    benchmark.pedantic(agent.train, args=(batch,), rounds=40, iterations=1, warmup_rounds=3)
    _record(benchmark, results, "train (1 call per step)", "step", 1)


@pytest.mark.parametrize("num_steps", BLOCK_SIZES)
def test_train_block(benchmark, agent, results, num_steps):
    block = _experience(np.random.default_rng(num_steps), (num_steps, BATCH))
    agent.train_block(block)  # compile once for this K
    rounds = max(3, min(40, 2000 // num_steps))
    benchmark.pedantic(agent.train_block, args=(block,), rounds=rounds, iterations=1, warmup_rounds=1)
    _record(benchmark, results, f"train_block K={num_steps}", "step", num_steps)


@pytest.fixture(scope="module")
def one_env_step():
    return restart(np.array([0.01, -0.02, 0.03, 0.04], np.float32))


def test_action_mirror_numba(benchmark, agent, results, one_env_step):
    policy = agent.collect_policy
    benchmark.pedantic(policy.action, args=(one_env_step,), rounds=200, iterations=200, warmup_rounds=2)
    _record(benchmark, results, f"collect_policy.action ({agent.q_values_mirror.backend} mirror)", "action", 1)


def test_action_mirror_numpy(benchmark, agent, results, one_env_step):
    policy = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, agent.q_network.to_mirror(backend="numpy"), 0.1, seed=0)
    benchmark.pedantic(policy.action, args=(one_env_step,), rounds=200, iterations=200, warmup_rounds=2)
    _record(benchmark, results, "epsilon-greedy action (NumPy mirror)", "action", 1)


def _keras_epsilon_greedy(call, rng):
    def act(observation):
        if rng.random() < 0.1:
            return int(rng.integers(2))
        return int(np.argmax(call(observation[None]).numpy()[0]))

    return act


def test_action_keras_tf_function(benchmark, agent, results, one_env_step):
    call = tf.function(agent.q_network.__call__)
    act = _keras_epsilon_greedy(call, np.random.default_rng(0))
    act(one_env_step.observation)
    benchmark.pedantic(act, args=(one_env_step.observation,), rounds=300, iterations=1, warmup_rounds=5)
    _record(benchmark, results, "Keras model call (tf.function)", "action", 1)


def test_action_keras_eager(benchmark, agent, results, one_env_step):
    act = _keras_epsilon_greedy(agent.q_network, np.random.default_rng(0))
    benchmark.pedantic(act, args=(one_env_step.observation,), rounds=200, iterations=1, warmup_rounds=5)
    _record(benchmark, results, "Keras model call (eager)", "action", 1)


def test_refresh_from_returned_weights(benchmark, agent, results):
    flat = tf.function(agent.q_network.flat_params, jit_compile=True)()  # an output tensor, as train_block returns
    benchmark.pedantic(agent.sync_weights, args=(flat,), rounds=200, iterations=100, warmup_rounds=2)
    _record(benchmark, results, "sync_weights(returned flat tensor)", "refresh", 1)


def test_refresh_by_reading_variables(benchmark, agent, results):
    variables = agent.q_network.mirror_variables()
    mirror = agent.q_values_mirror

    def read_each():
        mirror.set_weights([v.numpy() for v in variables])

    benchmark.pedantic(read_each, rounds=200, iterations=1, warmup_rounds=5)
    _record(benchmark, results, "per-variable .numpy() reads", "refresh", 1)
