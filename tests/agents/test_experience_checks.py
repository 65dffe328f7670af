"""DqnAgent.train / train_block refuse experience that would silently corrupt the weights (issue 12, item 9)."""
from __future__ import annotations

import numpy as np
import pytest

import keras  # noqa: E402  (missing TensorFlow must fail, never skip)

from rlkit.agents.dqn import DqnAgent  # noqa: E402
from rlkit.core import trajectory_spec  # noqa: E402
from rlkit.networks import QNetwork  # noqa: E402
from rlkit.validation import check_experience  # noqa: E402
from tests.agents.helpers import ACTION_SPEC, OBS_SPEC, TS_SPEC, random_experience  # noqa: E402

SPEC = trajectory_spec(TS_SPEC, ACTION_SPEC)


def _corrupt(experience, field: str, value, dtype=None):
    array = np.array(getattr(experience, field), dtype=dtype)
    array.reshape(-1)[1] = value
    return experience._replace(**{field: array})


BAD = [
    ("reward", np.nan, None, "reward must be finite"),
    ("reward", np.inf, None, "reward must be finite"),
    ("observation", np.nan, None, "observation must be finite"),
    ("observation", -np.inf, None, "observation must be finite"),
    ("action", 0.9, np.float64, "actions must be integers"),
    ("action", 7, None, r"actions must lie in the action spec \[0, 1\], got 7"),
    ("discount", 5.0, None, r"discount must be in \[0, 1\], got 5.0"),
    ("discount", -0.5, None, r"discount must be in \[0, 1\]"),
    ("discount", np.nan, None, "discount must be finite"),
    ("step_type", 7, None, "step_type must be 0, 1 or 2 .*got 7"),
    ("next_step_type", -1, None, "next_step_type must be 0, 1 or 2"),
    ("step_type", 1.0, np.float32, "step_type must hold integer step types"),
]


@pytest.mark.parametrize("field,value,dtype,message", BAD)
def test_check_experience_names_the_field(field, value, dtype, message):
    experience = random_experience(np.random.default_rng(0), (3, 4))
    check_experience(experience, SPEC, "train_block")  # the valid block passes
    with pytest.raises(ValueError, match=f"train_block: {message}"):
        check_experience(_corrupt(experience, field, value, dtype), SPEC, "train_block")


@pytest.mark.parametrize("bad,message", [(np.nan, "weights must be finite"), (np.inf, "weights must be finite"),
                                         (-1.0, "weights must be >= 0")])
def test_check_experience_checks_loss_weights(bad, message):
    experience = random_experience(np.random.default_rng(0), (3, 4))
    weights = np.ones((3, 4), np.float32)
    check_experience(experience, SPEC, "train_block", weights)
    weights[1, 2] = bad
    with pytest.raises(ValueError, match=f"train_block: {message}"):
        check_experience(experience, SPEC, "train_block", weights)


def test_check_experience_rejects_a_non_trajectory():
    with pytest.raises(TypeError, match="Trajectory"):
        check_experience({"reward": 1}, SPEC, "train")


@pytest.fixture(scope="module")
def agent() -> DqnAgent:
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(8,), seed=0)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(1e-2), seed=0)
    agent.initialize()
    return agent


@pytest.mark.parametrize("field,value,dtype,message", BAD)
def test_train_and_train_block_refuse_bad_experience_and_leave_the_weights(agent, field, value, dtype, message):
    rng = np.random.default_rng(1)
    before = agent.q_values_mirror.params.copy()
    steps = agent.train_step_counter
    for method, outer in ((agent.train, (4,)), (agent.train_block, (2, 4))):
        bad = _corrupt(random_experience(rng, outer), field, value, dtype)
        with pytest.raises(ValueError, match=message):
            method(bad)
    np.testing.assert_array_equal(agent.q_values_mirror.params, before)
    assert agent.train_step_counter == steps
    agent.train(random_experience(rng, (4,)))  # valid experience still trains
    assert agent.train_step_counter == steps + 1
