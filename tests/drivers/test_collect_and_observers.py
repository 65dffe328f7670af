"""The tutorial's collect helpers and the batched() observer adapter."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.drivers import add_batch_dim, batched, collect_data, collect_step
from rlkit.testing.fakes import FakeEnv, FakePolicy, FakeReplayBuffer
from rlkit.types import StepType, Trajectory


def make(num_envs=1, episode_length=5):
    env = FakeEnv(num_envs=num_envs, episode_length=episode_length)
    return env, FakePolicy(env.time_step_spec(), env.action_spec(), action=1)


def buffer_for(batch_size: int) -> FakeReplayBuffer:
    return FakeReplayBuffer(Trajectory(*([None] * 7)), batch_size=batch_size)


def test_collect_step_resets_a_fresh_env_and_steps_once():
    env, policy = make(num_envs=None)
    seen = []
    trajectory = collect_step(env, policy, seen.append)
    assert seen == [trajectory]
    assert trajectory.step_type == StepType.FIRST and trajectory.next_step_type == StepType.MID
    assert env.current_time_step().observation[0] == 1


def test_collect_data_counts_every_env_step_including_boundaries():
    env, policy = make(num_envs=None, episode_length=5)
    buffer = buffer_for(1)
    collect_data(env, policy, batched(buffer), steps=7)
    data = buffer.gather_all()
    assert data.step_type.shape == (1, 7)
    np.testing.assert_array_equal(data.step_type[0], [0, 1, 1, 1, 1, 2, 0])
    np.testing.assert_array_equal(data.observation[0, :, 0], [0, 1, 2, 3, 4, 5, 0])


def test_collect_data_batched():
    env, policy = make(num_envs=3)
    buffer = buffer_for(3)
    collect_data(env, policy, buffer, steps=4)
    assert buffer.num_frames() == 12


def test_collect_data_zero_steps_does_nothing_and_bad_steps_fail():
    env, policy = make()
    seen = []
    collect_data(env, policy, seen.append, steps=0)
    assert seen == [] and env.current_time_step() is None
    with pytest.raises(ValueError, match="steps must be >= 0"):
        collect_data(env, policy, seen.append, steps=-1)


def test_collect_step_refuses_a_bare_buffer_on_an_unbatched_env():
    env, policy = make(num_envs=None)
    with pytest.raises(TypeError, match="batched"):
        collect_step(env, policy, buffer_for(1))


def test_add_batch_dim_keeps_empty_nests_and_batches_dict_info():
    trajectory = Trajectory(
        np.int32(0), np.zeros(3, np.float32), np.int64(1), {"q": np.float32(0.5)}, np.int32(1), np.float32(1), np.float32(1)
    )
    out = add_batch_dim(trajectory)
    assert out.observation.shape == (1, 3)
    assert out.step_type.shape == (1,)
    assert out.policy_info["q"].shape == (1,)
    assert add_batch_dim(trajectory._replace(policy_info=())).policy_info == ()


def test_batched_passes_batched_rows_through_unchanged():
    seen = []
    observer = batched(seen.append)
    row = Trajectory(*(np.zeros(4) for _ in range(7)))
    observer(row)
    assert seen[0] is row
    with pytest.raises(TypeError, match="not callable"):
        batched(3)
