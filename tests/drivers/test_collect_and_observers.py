"""The tutorial's collect helpers, observers and TF-Agents' batch of one."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.core import FunctionObserver, Observer, as_observer
from rlkit.drivers import BlockDriver, collect_data, collect_step
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
    assert len(seen) == 1 and all(np.array_equal(a, b) for a, b in zip(seen[0], trajectory))
    assert trajectory.step_type == StepType.FIRST and trajectory.next_step_type == StepType.MID
    assert env.current_time_step().observation[0] == 1


def test_collect_data_counts_every_env_step_including_boundaries():
    env, policy = make(num_envs=None, episode_length=5)
    buffer = buffer_for(1)
    collect_data(env, policy, buffer, steps=7)  # a bare batch-of-one buffer, as in the tutorial
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


def test_collect_step_feeds_a_batch_of_one_buffer_from_an_unbatched_env():
    env, policy = make(num_envs=None)
    buffer = buffer_for(1)
    for _ in range(3):
        collect_step(env, policy, buffer)
    assert buffer.gather_all().step_type.shape == (1, 3)


def test_a_buffer_of_two_refuses_unbatched_rows():
    env, policy = make(num_envs=None)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        collect_step(env, policy, buffer_for(2))


def test_add_batch_takes_an_unbatched_trajectory_with_dict_info_and_empty_nests():
    from rlkit.replay import UniformReplayBuffer
    from rlkit.specs import ArraySpec, BoundedArraySpec
    from rlkit.core import time_step_spec, trajectory_spec

    spec = trajectory_spec(time_step_spec(ArraySpec((3,), np.float32)), BoundedArraySpec((), np.int64, 0, 1),
                           {"q": ArraySpec((), np.float32)})
    buffer = UniformReplayBuffer(spec, batch_size=1, max_length=10, seed=0)
    row = Trajectory(np.int32(0), np.zeros(3, np.float32), np.int64(1), {"q": np.float32(0.5)},
                     np.int32(1), np.float32(1), np.float32(1))
    buffer.add_batch(row)
    buffer.add_sequence(Trajectory(*(np.stack([leaf, leaf]) if not isinstance(leaf, dict) else
                                     {"q": np.stack([leaf["q"]] * 2)} for leaf in row)))
    data = buffer.gather_all()
    assert data.observation.shape == (1, 3, 3) and data.policy_info["q"].shape == (1, 3)
    with pytest.raises(TypeError, match="takes an rlkit.types.Trajectory"):
        buffer.add_batch({"step_type": 0})


def test_plain_callables_become_observers_and_per_step_observers_see_every_row_in_order():
    seen = []
    observer = as_observer(seen.append)
    assert isinstance(observer, FunctionObserver) and as_observer(observer) is observer
    with pytest.raises(TypeError, match="not callable"):
        as_observer(3)

    class PerStep(Observer):
        def __init__(self):
            self.rows = []

        def __call__(self, trajectory):
            self.rows.append(int(trajectory.observation[0, 0]))

    env, policy = make(num_envs=2, episode_length=4)
    per_step = PerStep()
    BlockDriver(env, policy, [per_step, observer], num_steps=5).run()
    assert per_step.rows == [0, 1, 2, 3, 4]  # observation before the boundary, then 0 again at FIRST...
    assert len(seen) == 5 and seen[0].step_type.shape == (2,)
