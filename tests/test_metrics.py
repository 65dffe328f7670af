"""Metrics and compute_avg_return, checked by hand on the counting FakeEnv (reward = action)."""
from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from rlkit.core import Policy
from rlkit.drivers import StepDriver
from rlkit.metrics import (
    AverageEpisodeLengthMetric,
    AverageReturnMetric,
    EnvironmentSteps,
    NumberOfEpisodes,
    compute_avg_return,
    evaluate,
)
from rlkit.testing.fakes import FakeEnv, FakePolicy
from rlkit.types import PolicyStep, StepType, Trajectory

F, M, L = StepType.FIRST, StepType.MID, StepType.LAST


class ScriptedPolicy(Policy):
    """Plays ``script[i]`` on its i-th call (an int, or one action per env)."""

    def __init__(self, env: FakeEnv, script: list) -> None:
        super().__init__(env.time_step_spec(), env.action_spec())
        self.script = list(script)
        self.calls = 0

    def _action(self, time_step: Any, policy_state: Any) -> PolicyStep:
        action = np.broadcast_to(np.asarray(self.script[self.calls], np.int64), np.shape(time_step.step_type))
        self.calls += 1
        return PolicyStep(action.copy(), policy_state, ())


def traj(step_type, next_step_type, reward) -> Trajectory:
    """A hand-made trajectory: only the fields metrics read matter."""
    step_type = np.asarray(step_type, np.int32)
    return Trajectory(step_type, np.zeros(step_type.shape + (2,)), np.zeros(step_type.shape, np.int64), (),
                      np.asarray(next_step_type, np.int32), np.asarray(reward, np.float32),
                      np.ones(step_type.shape, np.float32))


def run(env, policy, observers, num_steps):
    StepDriver(env, policy, observers, num_steps=num_steps).run()


# -- AverageReturnMetric ---------------------------------------------------------------------------


def test_average_return_unbatched_by_hand():
    env = FakeEnv(num_envs=None, episode_length=3, num_actions=10)
    # episode 1: actions 1, 2, 3 -> 6; boundary action 9 is ignored (reward 0); episode 2: 4, 5, 6 -> 15.
    policy = ScriptedPolicy(env, [1, 2, 3, 9, 4, 5, 6])
    metric = AverageReturnMetric()
    assert metric.result() == 0.0 and metric.result().dtype == np.float32
    run(env, policy, [metric], num_steps=3)
    assert metric.result() == pytest.approx(6.0)
    run(env, policy, [metric], num_steps=3)
    assert metric.result() == pytest.approx(10.5)
    np.testing.assert_array_equal(metric.values(), [6.0, 15.0])


def test_average_return_window_keeps_the_last_buffer_size_episodes():
    env = FakeEnv(num_envs=None, episode_length=1, num_actions=10)
    policy = ScriptedPolicy(env, [2, 0, 4, 0, 8, 0, 6])
    metric = AverageReturnMetric(buffer_size=2)
    run(env, policy, [metric], num_steps=4)  # episodes 2, 4, 8, 6
    np.testing.assert_array_equal(metric.values(), [8.0, 6.0])
    assert metric.result() == pytest.approx(7.0)


def test_average_return_batched_keeps_one_accumulator_per_env():
    metric = AverageReturnMetric()
    # env 0: FIRST -1-> MID -2-> LAST (return 3); env 1 runs a longer episode: 10, 20, 30 (return 60).
    metric(traj([F, F], [M, M], [1, 10]))
    metric(traj([M, M], [L, M], [2, 20]))
    assert metric.values().tolist() == [3.0]
    metric(traj([L, M], [F, L], [0, 30]))  # env 0 boundary; env 1 ends
    assert metric.values().tolist() == [3.0, 60.0]
    metric(traj([F, L], [L, F], [5, 0]))  # env 0 one-step episode of 5; env 1 boundary
    assert metric.values().tolist() == [3.0, 60.0, 5.0]
    assert metric.batch_size == 2
    assert metric.result() == pytest.approx(68.0 / 3)


def test_average_return_batched_env_end_to_end():
    env = FakeEnv(num_envs=2, episode_length=3, num_actions=10)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), action=3)
    metric = AverageReturnMetric(batch_size=2)
    run(env, policy, [metric], num_steps=12)  # 3 steps, boundary, 3 steps: 4 episodes of 9
    np.testing.assert_array_equal(metric.values(), [9.0, 9.0, 9.0, 9.0])


def test_episode_started_before_the_metric_counts_from_where_it_joined():
    metric = AverageReturnMetric()
    metric(traj(M, L, 4.0))
    assert metric.values().tolist() == [4.0]


def test_batch_size_change_is_an_error_until_reset():
    metric = AverageReturnMetric()
    metric(traj([F, F], [M, M], [1, 1]))
    with pytest.raises(ValueError, match="tracks 2 envs but got a trajectory of batch size 3"):
        metric(traj([F, F, F], [M, M, M], [1, 1, 1]))
    metric.reset()
    metric(traj([F, F, F], [M, M, M], [1, 1, 1]))
    assert metric.batch_size == 3
    fixed = AverageReturnMetric(batch_size=4)
    with pytest.raises(ValueError, match="tracks 4 envs"):
        fixed(traj(F, M, 1.0))


def test_replay_samples_are_rejected():
    with pytest.raises(ValueError, match=r"not replay samples \[B, T, \.\.\.\]"):
        AverageReturnMetric()(traj(np.zeros((4, 2)), np.zeros((4, 2)), np.zeros((4, 2))))


@pytest.mark.parametrize("kwargs, error", [({"buffer_size": 0}, ValueError), ({"buffer_size": 2.5}, TypeError),
                                           ({"batch_size": 0}, ValueError)])
def test_bad_constructor_arguments(kwargs, error):
    with pytest.raises(error):
        AverageReturnMetric(**kwargs)


# -- AverageEpisodeLengthMetric, counters ----------------------------------------------------------


def test_episode_length_excludes_boundary_steps():
    env = FakeEnv(num_envs=None, episode_length=5)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), action=1)
    length, episodes, steps = AverageEpisodeLengthMetric(), NumberOfEpisodes(), EnvironmentSteps()
    run(env, policy, [length, episodes, steps], num_steps=12)  # 5, boundary, 5, boundary, 2
    assert length.values().tolist() == [5.0, 5.0]
    assert length.result() == 5.0
    assert episodes.result() == 2 and episodes.result().dtype == np.int64
    assert steps.result() == 12


def test_episode_length_batched_by_hand():
    metric = AverageEpisodeLengthMetric()
    metric(traj([F, F], [M, L], [0, 0]))  # env 1: one-step episode
    metric(traj([M, L], [L, F], [0, 0]))  # env 0: two steps; env 1 boundary
    metric(traj([L, F], [F, L], [0, 0]))  # env 0 boundary; env 1: one step
    assert metric.values().tolist() == [1.0, 2.0, 1.0]


def test_counters_batched_and_reset():
    episodes, steps = NumberOfEpisodes(), EnvironmentSteps()
    for metric in (episodes, steps):
        metric(traj([F, L, M], [M, F, L], [0, 0, 0]))
    assert episodes.result() == 1
    assert steps.result() == 2
    steps.reset(100)
    assert steps.result() == 100
    episodes.reset()
    assert episodes.result() == 0


# -- state for checkpoints -------------------------------------------------------------------------


@pytest.mark.parametrize("make_metric", [lambda: AverageReturnMetric(buffer_size=3),
                                         lambda: AverageEpisodeLengthMetric(buffer_size=3),
                                         NumberOfEpisodes, EnvironmentSteps])
def test_state_round_trips_through_npz_and_continues_identically(make_metric):
    env = FakeEnv(num_envs=2, episode_length=3, num_actions=5)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), rng=np.random.default_rng(0))
    original = make_metric()
    driver = StepDriver(env, policy, [original], num_steps=17)
    time_step, _ = driver.run()
    state = original.get_state()
    assert all(isinstance(value, np.ndarray) for value in state.values())
    stream = io.BytesIO()
    np.savez(stream, **state)
    stream.seek(0)
    with np.load(stream, allow_pickle=False) as loaded:
        restored = make_metric()
        restored.set_state({key: loaded[key] for key in loaded.files})
    assert restored.result() == original.result()
    StepDriver(env, policy, [original, restored], num_steps=11).run(time_step)
    assert restored.result() == original.result()
    for key, value in original.get_state().items():
        np.testing.assert_array_equal(restored.get_state()[key], value)


def test_state_of_a_fresh_metric_restores_to_a_fresh_metric():
    metric = AverageReturnMetric()
    restored = AverageReturnMetric()
    restored.set_state(metric.get_state())
    assert restored.batch_size is None and restored.result() == 0.0


def test_set_state_rejects_an_oversized_window():
    with pytest.raises(ValueError, match="<= 2 values"):
        AverageReturnMetric(buffer_size=2).set_state({"window": np.zeros(3), "accumulators": np.zeros(1)})


# -- compute_avg_return ----------------------------------------------------------------------------


def test_compute_avg_return_unbatched_resets_before_every_episode():
    env = FakeEnv(num_envs=None, episode_length=4, num_actions=10)
    env.reset()
    env.step(np.int64(0))  # mid-episode: compute_avg_return must start fresh episodes
    # episode 1: 1+2+3+4 = 10; episode 2 (after reset, no boundary step): 5+6+7+8 = 26.
    policy = ScriptedPolicy(env, [1, 2, 3, 4, 5, 6, 7, 8])
    assert compute_avg_return(env, policy, num_episodes=2) == pytest.approx(18.0)
    assert policy.calls == 8


def test_compute_avg_return_batched_assigns_episodes_to_envs():
    env = FakeEnv(num_envs=3, episode_length=4, num_actions=10)
    policy = ScriptedPolicy(env, [[1, 2, 3]] * 100)
    # quotas [2, 2, 1]: env 0 returns 4, 4; env 1 returns 8, 8; env 2 returns 12 -> 36 / 5.
    assert compute_avg_return(env, policy, num_episodes=5) == pytest.approx(7.2)
    # env 0 and 1 need 4 + boundary + 4 steps; env 2's later episode is not counted.
    assert policy.calls == 9


def test_compute_avg_return_batched_with_more_envs_than_episodes():
    env = FakeEnv(num_envs=4, episode_length=2, num_actions=10)
    policy = ScriptedPolicy(env, [[1, 3, 7, 9]] * 10)
    assert compute_avg_return(env, policy, num_episodes=2) == pytest.approx((2 + 6) / 2)


def test_compute_avg_return_rejects_zero_episodes():
    env = FakeEnv(num_envs=None)
    with pytest.raises(ValueError, match="num_episodes must be >= 1"):
        compute_avg_return(env, FakePolicy(env.time_step_spec(), env.action_spec()), num_episodes=0)


def test_evaluate_reports_each_episode_and_lengths_without_boundary_steps():
    env = FakeEnv(num_envs=3, episode_length=4, num_actions=10)
    result = evaluate(env, ScriptedPolicy(env, [[1, 2, 3]] * 100), num_episodes=5)
    np.testing.assert_array_equal(result.returns, [4, 8, 12, 4, 8])  # episode i ran in env i % 3
    np.testing.assert_array_equal(result.lengths, [4, 4, 4, 4, 4])
    assert result.average_return == pytest.approx(7.2) and result.average_length == 4.0


def test_evaluate_with_a_seed_repeats_exactly():
    from rlkit.envs.cartpole import CartPole
    from rlkit.policies import RandomPolicy

    env = CartPole(num_envs=4, max_episode_steps=200)
    policy = lambda: RandomPolicy(env.time_step_spec(), env.action_spec(), seed=3)  # noqa: E731
    first, second = evaluate(env, policy(), 10, seed=7), evaluate(env, policy(), 10, seed=7)
    np.testing.assert_array_equal(first.returns, second.returns)
    assert np.all(first.lengths == first.returns)  # CartPole pays 1 per step


# -- observe_sequence ------------------------------------------------------------------------------


@pytest.mark.parametrize("make_metric", [AverageReturnMetric, AverageEpisodeLengthMetric, NumberOfEpisodes, EnvironmentSteps])
@pytest.mark.parametrize("num_envs", [None, 3])
def test_observe_sequence_equals_one_call_per_step(make_metric, num_envs):
    env = FakeEnv(num_envs=num_envs, episode_length=5, num_actions=10)
    collected: list = []
    run(env, ScriptedPolicy(env, [np.arange(3) + k % 7 for k in range(200)] if num_envs else [k % 7 for k in range(200)]),
        [collected.append], num_steps=120)
    stacked = Trajectory(*(() if name == "policy_info" else np.stack([getattr(t, name) for t in collected])
                           for name in Trajectory._fields))
    one_by_one, at_once = make_metric(), make_metric()
    for trajectory in collected[:7]:  # start mid-episode in both
        one_by_one(trajectory)
        at_once(trajectory)
    for trajectory in collected[7:]:
        one_by_one(trajectory)
    at_once.observe_sequence(Trajectory(*(() if name == "policy_info" else field[7:]
                                          for name, field in zip(Trajectory._fields, stacked))))
    assert at_once.result() == one_by_one.result()
    for key, value in one_by_one.get_state().items():
        np.testing.assert_array_equal(at_once.get_state()[key], value)


# -- observe_columns (asynchronous collection: each collector's envs on their own) -------------------


@pytest.mark.parametrize("make_metric", [AverageReturnMetric, AverageEpisodeLengthMetric, NumberOfEpisodes, EnvironmentSteps])
def test_observe_columns_tracks_each_group_of_envs_as_the_full_block_does(make_metric):
    env = FakeEnv(num_envs=4, episode_length=5, num_actions=10)
    collected: list = []
    run(env, ScriptedPolicy(env, [np.arange(4) + k % 7 for k in range(100)]), [collected.append], num_steps=60)
    block = Trajectory(*(() if name == "policy_info" else np.stack([getattr(t, name) for t in collected])
                         for name in Trajectory._fields))
    part = lambda rows, cols: Trajectory(*(() if name == "policy_info" else field[rows, cols]  # noqa: E731
                                          for name, field in zip(Trajectory._fields, block)))
    whole, lanes = make_metric(), make_metric()
    if isinstance(whole, AverageReturnMetric | AverageEpisodeLengthMetric):
        whole, lanes = make_metric(buffer_size=100), make_metric(buffer_size=100)
    whole.observe_sequence(block)
    for rows in (slice(0, 25), slice(25, 60)):  # collector 1 delivers first, then collector 0, in two rounds
        lanes.observe_columns(part(rows, slice(2, 4)), 2, 4)
        lanes.observe_columns(part(rows, slice(0, 2)), 0, 4)
    for key, value in whole.get_state().items():
        got = lanes.get_state()[key]
        np.testing.assert_array_equal(np.sort(got) if key == "window" else got, np.sort(value) if key == "window" else value)


def test_observe_columns_rejects_envs_outside_the_batch():
    metric = AverageReturnMetric()
    with pytest.raises(ValueError, match="envs 3..4 are not among the 4 envs"):
        metric.observe_columns(traj([[F, F]], [[M, M]], [[1, 1]]), 3, 4)
