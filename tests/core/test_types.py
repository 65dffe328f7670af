import numpy as np
import pytest

from rlkit import types
from rlkit.types import PolicyStep, StepType, TimeStep, Trajectory


def test_step_type_helpers():
    assert StepType.FIRST.first() and not StepType.FIRST.last()
    assert StepType.MID.mid()
    assert StepType.LAST.last()
    assert [int(s) for s in StepType] == [0, 1, 2]


def test_restart_unbatched_and_batched():
    ts = types.restart(np.zeros(4, np.float32))
    assert ts.step_type == StepType.FIRST and ts.reward == 0.0 and ts.discount == 1.0
    assert ts.step_type.dtype == np.int32 and ts.reward.dtype == np.float32
    assert bool(ts.is_first()) and not bool(ts.is_last())
    batched = types.restart(np.zeros((3, 4), np.float32), batch_size=3)
    assert batched.step_type.shape == (3,)
    np.testing.assert_array_equal(batched.is_first(), [True, True, True])


def test_transition_termination_truncation_discounts():
    mid = types.transition(np.ones(2), reward=1.5, discount=0.9)
    assert mid.step_type == StepType.MID and mid.discount == np.float32(0.9) and mid.reward == np.float32(1.5)
    term = types.termination(np.ones(2), reward=1.0)
    assert term.step_type == StepType.LAST and term.discount == 0.0
    trunc = types.truncation(np.ones(2), reward=1.0)
    assert trunc.step_type == StepType.LAST and trunc.discount == 1.0
    batched = types.termination(np.ones((2, 3)), reward=[1.0, 2.0])
    np.testing.assert_array_equal(batched.discount, [0.0, 0.0])
    np.testing.assert_array_equal(batched.step_type, [2, 2])
    bt = types.transition(np.ones((2, 3)), reward=[1.0, 2.0])
    np.testing.assert_array_equal(bt.discount, [1.0, 1.0])


def test_from_transition_layout():
    ts = types.restart(np.array([1.0], np.float32))
    action_step = PolicyStep(action=np.int64(1), state=(), info={"q": 0.5})
    next_ts = types.termination(np.array([2.0], np.float32), reward=3.0)
    traj = types.from_transition(ts, action_step, next_ts)
    assert isinstance(traj, Trajectory)
    assert traj.step_type == StepType.FIRST
    np.testing.assert_array_equal(traj.observation, [1.0])
    assert traj.action == 1 and traj.policy_info == {"q": 0.5}
    assert traj.next_step_type == StepType.LAST and traj.reward == 3.0 and traj.discount == 0.0
    assert not traj.is_boundary() and traj.is_last()


def test_policy_step_and_loss_info_defaults():
    step = PolicyStep(np.int64(0))
    assert step.state == () and step.info == ()
    assert types.LossInfo(1.0).extra == ()


@pytest.mark.parametrize("field", TimeStep._fields)
def test_timestep_fields_named_like_tf_agents(field):
    assert field in ("step_type", "reward", "discount", "observation")


def test_make_time_step_unbatched_gives_0d_arrays_and_copies():
    from rlkit.types import make_time_step

    obs = np.zeros((1, 3), np.float32)
    step_type, reward = np.array([1], np.int64), np.array([2.0])
    time_step = make_time_step(step_type, reward, [1.0], obs)
    for value, dtype in zip(time_step[:3], (np.int32, np.float32, np.float32)):
        assert isinstance(value, np.ndarray) and value.shape == () and value.dtype == dtype
    assert time_step.observation.shape == (3,)
    obs[0, 0] = 9.0
    step_type[0] = 2
    assert time_step.observation[0] == 0.0 and int(time_step.step_type) == 1
    scalar = make_time_step(np.int32(0), np.float32(0.0), 1.0, np.zeros(3, np.float32))
    assert isinstance(scalar.reward, np.ndarray) and scalar.observation.shape == (3,)


def test_make_time_step_batched_checks_shapes_and_copies_nests():
    from rlkit.types import make_time_step

    obs = {"a": np.zeros((2, 3), np.float32), "b": np.ones(2, np.int64)}
    time_step = make_time_step([0, 1], [0.0, 1.0], [1.0, 0.0], obs, batch_size=2)
    assert time_step.step_type.dtype == np.int32 and time_step.reward.shape == (2,)
    assert not np.shares_memory(time_step.observation["a"], obs["a"])
    with pytest.raises(ValueError, match=r"reward must have shape \(2,\)"):
        make_time_step([0, 1], [0.0], [1.0, 1.0], obs, batch_size=2)
    with pytest.raises(ValueError, match=r"observation leaves must start with \[2\]"):
        make_time_step([0, 1], [0.0, 1.0], [1.0, 1.0], np.zeros((3, 3)), batch_size=2)
