"""n-step transitions, checked by hand for termination and truncation inside the window."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.replay import NStepTransition, UniformReplayBuffer, to_n_step_transition
from rlkit.types import StepType, Trajectory

from tests.replay.helpers import counting_spec, fill

F, M, L = StepType.FIRST, StepType.MID, StepType.LAST


def window(step_types, rewards, discounts, observations=None):
    """A [1, n+1] window; observation of row i is [10 + i] unless given."""
    n1 = len(step_types)
    obs = np.array(observations if observations is not None else [[10.0 + i] for i in range(n1)], np.float32)
    return Trajectory(
        step_type=np.array([step_types], np.int32), observation=obs[None], action=np.arange(n1)[None] + 7,
        policy_info=(), next_step_type=np.array([list(step_types[1:]) + [M]], np.int32),
        reward=np.array([rewards], np.float32), discount=np.array([discounts], np.float32))


# (step types, rewards, discounts, expected reward, expected discount, expected next-observation row)
CASES = {
    "no episode end": ([M, M, M, M], [1, 2, 3, 4], [1, 1, 1, 1], 1 + 0.9 * 2 + 0.81 * 3, 0.729, 3),
    "termination at row 2": ([F, M, L, F], [1, 2, 3, 4], [1, 0, 1, 1], 1 + 0.9 * 2, 0.0, 2),
    "truncation at row 2": ([F, M, L, F], [1, 2, 3, 4], [1, 1, 1, 1], 1 + 0.9 * 2, 0.81, 2),
    "termination at row 1": ([M, L, F, M], [5, 0, 1, 2], [0, 1, 1, 1], 5.0, 0.0, 1),
    "truncation at row 1": ([M, L, F, M], [5, 0, 1, 2], [1, 1, 1, 1], 5.0, 0.9, 1),
    "env discount inside": ([M, M, M, M], [1, 2, 3, 4], [0.5, 0.5, 1, 1], 1 + 0.9 * 0.5 * 2 + 0.81 * 0.25 * 3,
                            0.729 * 0.25, 3),
    "termination at the last row": ([M, M, M, L], [1, 2, 3, 4], [1, 1, 0, 1], 1 + 0.9 * 2 + 0.81 * 3, 0.0, 3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hand_computed_three_step_targets(name):
    step_types, rewards, discounts, reward, discount, row = CASES[name]
    transition = to_n_step_transition(window(step_types, rewards, discounts), gamma=0.9)
    assert isinstance(transition, NStepTransition)
    assert transition.reward.dtype == np.float32 and transition.discount.dtype == np.float32
    np.testing.assert_allclose(transition.reward, [reward], rtol=1e-6)
    np.testing.assert_allclose(transition.discount, [discount], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(transition.next_observation, [[10.0 + row]])
    np.testing.assert_array_equal(transition.observation, [[10.0]])
    np.testing.assert_array_equal(transition.action, [7])
    np.testing.assert_array_equal(transition.mask, [1.0])


def test_one_step_is_the_usual_transition():
    transition = to_n_step_transition(window([M, M], [2, 9], [0.5, 1]), gamma=0.9)
    np.testing.assert_allclose(transition.reward, [2.0])
    np.testing.assert_allclose(transition.discount, [0.45])
    np.testing.assert_array_equal(transition.next_observation, [[11.0]])


def test_window_starting_on_last_is_masked():
    transition = to_n_step_transition(window([L, F, M], [0, 1, 1], [1, 1, 1]), gamma=0.9)
    np.testing.assert_array_equal(transition.mask, [0.0])


def test_leading_dims_and_nested_observations():
    cases = [CASES[name] for name in ("no episode end", "termination at row 2", "truncation at row 1")]
    rows = [window(*case[:3]) for case in cases]
    stacked = Trajectory(*[np.stack([np.asarray(getattr(r, f)) for r in rows]) if f != "policy_info" else ()
                           for f in Trajectory._fields])  # [K=3, B=1, 4, ...]
    nested = stacked._replace(observation={"x": stacked.observation, "y": (stacked.observation * 2,)})
    transition = to_n_step_transition(nested, gamma=0.9)
    assert transition.reward.shape == (3, 1)
    np.testing.assert_allclose(transition.reward[:, 0], [case[3] for case in cases], rtol=1e-6)
    np.testing.assert_allclose(transition.discount[:, 0], [case[4] for case in cases], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(transition.next_observation["x"][:, 0, 0], [10.0 + case[5] for case in cases])
    np.testing.assert_array_equal(transition.next_observation["y"][0][:, 0, 0], [20.0 + 2 * case[5] for case in cases])
    np.testing.assert_array_equal(transition.observation["x"][:, 0, 0], 10.0)


def test_works_on_sampled_windows():
    buffer = UniformReplayBuffer(counting_spec(), 2, 30, seed=0)
    fill(buffer, 30, episode_length=5)
    experience, _ = buffer.sample(64, num_steps=4)
    transition = to_n_step_transition(experience, gamma=1.0)
    assert transition.reward.shape == (64,)
    np.testing.assert_array_equal(transition.mask, 1.0)  # the buffer never starts a window on LAST
    steps = transition.next_observation[:, 0] - transition.observation[:, 0]
    np.testing.assert_array_equal(transition.reward, steps)  # reward 1 per step until the episode ends


def test_bad_input():
    with pytest.raises(ValueError, match="n \\+ 1 >= 2"):
        to_n_step_transition(window([M], [1], [1]), gamma=0.9)
    with pytest.raises(ValueError, match="gamma"):
        to_n_step_transition(window([M, M], [1, 1], [1, 1]), gamma=1.5)
