"""StepDriver / EpisodeDriver on the counting FakeEnv: exact step counts, observer order, shapes."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rlkit.core import Observer, Policy
from rlkit.drivers import BlockDriver, EpisodeDriver, StepDriver
from rlkit.specs import ArraySpec
from rlkit.testing.fakes import FakeEnv, FakePolicy, FakeReplayBuffer
from rlkit.types import PolicyStep, StepType, Trajectory


class Recorder:
    """An observer that keeps every trajectory it sees (and optionally logs its name into a shared list)."""

    def __init__(self, name: str = "", log: list | None = None) -> None:
        self.name = name
        self.log = log
        self.seen: list[Trajectory] = []

    def __call__(self, trajectory: Trajectory) -> None:
        self.seen.append(trajectory)
        if self.log is not None:
            self.log.append((self.name, id(trajectory)))

    def field(self, name: str) -> np.ndarray:
        return np.stack([np.asarray(getattr(t, name)) for t in self.seen])


class CountingPolicy(Policy):
    """Action 1; the policy state counts calls, so a driver must thread the state through."""

    def __init__(self, env: FakeEnv) -> None:
        super().__init__(env.time_step_spec(), env.action_spec(), policy_state_spec=ArraySpec((), np.int64))

    def _action(self, time_step: Any, policy_state: Any) -> PolicyStep:
        action = np.ones(np.shape(time_step.step_type), np.int64)
        return PolicyStep(action, policy_state + 1, ())


def make(num_envs: int | None = 1, episode_length: int = 5, action: int = 1, terminate: bool = False):
    env = FakeEnv(num_envs=num_envs, episode_length=episode_length, terminate=terminate)
    return env, FakePolicy(env.time_step_spec(), env.action_spec(), action=action)


# -- StepDriver ------------------------------------------------------------------------------------


def test_step_driver_unbatched_takes_exact_steps_and_passes_unbatched_rows():
    env, policy = make(num_envs=None)
    recorder = Recorder()
    time_step, _ = StepDriver(env, policy, [recorder], num_steps=3).run()
    assert len(recorder.seen) == 3
    assert recorder.seen[0].step_type.shape == ()
    assert recorder.seen[0].observation.shape == (2,)
    np.testing.assert_array_equal(recorder.field("step_type"), [StepType.FIRST, StepType.MID, StepType.MID])
    np.testing.assert_array_equal(recorder.field("next_step_type"), [StepType.MID] * 3)
    np.testing.assert_array_equal(recorder.field("reward"), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(recorder.field("action"), [1, 1, 1])
    np.testing.assert_array_equal(recorder.field("observation")[:, 0], [0, 1, 2])
    assert int(time_step.step_type) == StepType.MID and time_step.observation[0] == 3


def test_step_driver_does_not_count_boundary_steps():
    env, policy = make(num_envs=None, episode_length=5)
    recorder = Recorder()
    time_step, _ = StepDriver(env, policy, [recorder], num_steps=7).run()
    # 5 transitions to LAST, 1 boundary (LAST -> FIRST, not counted), then 2 more.
    assert len(recorder.seen) == 8
    boundary = recorder.seen[5]
    assert boundary.step_type == StepType.LAST and boundary.next_step_type == StepType.FIRST
    assert boundary.reward == 0.0
    assert time_step.observation[0] == 2


def test_step_driver_batched_counts_steps_summed_over_the_batch():
    env, policy = make(num_envs=3, episode_length=10)
    recorder = Recorder()
    StepDriver(env, policy, [recorder], num_steps=7).run()
    assert len(recorder.seen) == 3  # ceil(7 / 3) batched steps
    assert recorder.seen[0].step_type.shape == (3,)
    assert recorder.seen[0].observation.shape == (3, 2)
    recorder.seen.clear()
    StepDriver(env, policy, [recorder], num_steps=6).run()
    assert len(recorder.seen) == 2


def test_step_driver_batched_adds_a_step_when_boundaries_leave_the_count_short():
    env, policy = make(num_envs=2, episode_length=2)
    recorder = Recorder()
    StepDriver(env, policy, [recorder], num_steps=5).run()
    # counts per batched step: 2 (MID), 2 (LAST), 0 (boundary), 2 -> 6 >= 5 after 4 steps.
    assert len(recorder.seen) == 4
    np.testing.assert_array_equal(recorder.seen[2].next_step_type, [StepType.FIRST] * 2)


def test_run_continues_where_it_stopped():
    env, policy = make(num_envs=None, episode_length=10)
    driver = StepDriver(env, policy, num_steps=2)
    time_step, state = driver.run()
    time_step, state = driver.run(time_step, state)
    assert time_step.observation[0] == 4
    time_step, state = driver.run()  # no time step: continues from env.current_time_step()
    assert time_step.observation[0] == 6


def test_observers_are_called_in_order_with_the_same_step():
    env, policy = make(num_envs=2)
    log: list = []
    first, second = Recorder("first", log), Recorder("second", log)
    StepDriver(env, policy, [first, second], num_steps=6).run()
    assert [name for name, _ in log] == ["first", "second"] * 3
    for mine, theirs in zip(first.seen, second.seen):  # the same step, field by field
        assert all(np.array_equal(a, b) for a, b in zip(mine, theirs))


def test_policy_state_is_threaded_through_steps_and_runs():
    env = FakeEnv(num_envs=None, episode_length=10)
    driver = StepDriver(env, CountingPolicy(env), num_steps=3)
    time_step, state = driver.run()
    assert int(state) == 3
    _, state = driver.run(time_step, state)
    assert int(state) == 6


def test_termination_discount_reaches_observers():
    env, policy = make(num_envs=None, episode_length=2, terminate=True)
    recorder = Recorder()
    StepDriver(env, policy, [recorder], num_steps=2).run()
    np.testing.assert_array_equal(recorder.field("discount"), [1.0, 0.0])


# -- EpisodeDriver ---------------------------------------------------------------------------------


def test_episode_driver_unbatched_stops_on_the_last_step():
    env, policy = make(num_envs=None, episode_length=3)
    recorder = Recorder()
    driver = EpisodeDriver(env, policy, [recorder], num_episodes=2)
    time_step, _ = driver.run()
    assert len(recorder.seen) == 7  # 3 + boundary + 3
    assert int(time_step.step_type) == StepType.LAST
    recorder.seen.clear()
    time_step, _ = driver.run(time_step)
    assert len(recorder.seen) == 8  # boundary + 3 + boundary + 3
    assert recorder.seen[0].step_type == StepType.LAST and recorder.seen[0].next_step_type == StepType.FIRST


def test_episode_driver_batched_counts_episodes_summed_over_the_batch():
    env, policy = make(num_envs=2, episode_length=2)
    recorder = Recorder()
    EpisodeDriver(env, policy, [recorder], num_episodes=3).run()
    # step 2: both envs finish (2 episodes); step 3: boundary; step 5: two more -> 4 >= 3.
    assert len(recorder.seen) == 5


def test_episode_driver_with_staggered_envs():
    env, policy = make(num_envs=2, episode_length=3)
    recorder = Recorder()
    env.reset()
    env.step(np.array([1, 1]))  # both at t=1
    driver = EpisodeDriver(env, policy, [recorder], num_episodes=2)
    driver.run()
    assert len(recorder.seen) == 2  # both reach LAST (t=3) together after 2 steps


# -- validation and replay buffers -----------------------------------------------------------------


@pytest.mark.parametrize("cls, key", [(StepDriver, "num_steps"), (EpisodeDriver, "num_episodes")])
def test_bad_counts_are_rejected(cls, key):
    env, policy = make()
    with pytest.raises(ValueError, match=f"{key} must be >= 1, got 0"):
        cls(env, policy, **{key: 0})
    with pytest.raises(TypeError, match=f"{key} must be an int, got float"):
        cls(env, policy, **{key: 1.5})


def test_non_callable_observer_is_rejected():
    env, policy = make()
    with pytest.raises(TypeError, match="not callable"):
        StepDriver(env, policy, observers=[42])


def test_batched_env_feeds_a_replay_buffer_directly():
    env, policy = make(num_envs=2)
    buffer = FakeReplayBuffer(Trajectory(*([None] * 7)), batch_size=2)
    StepDriver(env, policy, [buffer], num_steps=8).run()
    assert buffer.num_frames() == 8


def test_a_batch_of_one_buffer_takes_an_unbatched_env_directly():
    env, policy = make(num_envs=None, episode_length=3)
    buffer = FakeReplayBuffer(Trajectory(*([None] * 7)), batch_size=1)
    StepDriver(env, policy, [buffer], num_steps=4).run()
    data = buffer.gather_all()
    assert data.step_type.shape == (1, 5)  # 3 + boundary + 1
    assert data.observation.shape == (1, 5, 2)
    np.testing.assert_array_equal(data.step_type[0], [0, 1, 1, 2, 0])
    np.testing.assert_array_equal(data.next_step_type[0], [1, 1, 2, 0, 1])


def test_block_driver_hands_observers_blocks_and_continues():
    env, policy = make(num_envs=3, episode_length=4)
    blocks = []

    class Blocks(Observer):
        def __call__(self, trajectory):
            raise AssertionError("a block-aware observer gets whole blocks")

        def observe_sequence(self, trajectories):
            blocks.append(trajectories)

    driver = BlockDriver(env, policy, [Blocks()], num_steps=6, block_size=4)
    time_step, state = driver.run()
    assert [b.step_type.shape for b in blocks] == [(4, 3), (2, 3)]
    driver.run(time_step, state)
    assert [b.step_type.shape for b in blocks][2:] == [(4, 3), (2, 3)]
    np.testing.assert_array_equal(blocks[1].next_step_type[-1], blocks[2].step_type[0])


def test_block_driver_until_stops_after_the_step_it_names():
    env, policy = make(num_envs=None, episode_length=5)
    rows = []
    driver = BlockDriver(env, policy, [rows.append], num_steps=None,
                         until=lambda time_step, next_time_step: bool(next_time_step.is_last()))
    time_step, _ = driver.run()
    assert time_step.is_last() and len(rows) == 5
    with pytest.raises(ValueError, match="needs num_steps or until"):
        BlockDriver(env, policy, [], num_steps=None)
