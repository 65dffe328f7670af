"""``add_sequence``: T rows per env in one call, identical to T ``add_batch`` calls (incl. priorities)."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.replay import PrioritizedReplayBuffer, UniformReplayBuffer
from rlkit.types import Trajectory

from tests.replay.helpers import counting_rows, counting_spec


def _sequence(start: int, num_rows: int, batch_size: int) -> Trajectory:
    rows = [counting_rows(t, batch_size) for t in range(start, start + num_rows)]
    return Trajectory(*(() if name == "policy_info" else np.stack([getattr(r, name) for r in rows])
                        for name in Trajectory._fields))


@pytest.mark.parametrize("num_rows", [1, 4, 9, 25])
def test_prioritized_tree_matches_add_batch(num_rows):
    one_by_one = PrioritizedReplayBuffer(counting_spec(), batch_size=3, max_length=8, seed=0)
    at_once = PrioritizedReplayBuffer(counting_spec(), batch_size=3, max_length=8, seed=0)
    for buffer in (one_by_one, at_once):
        for t in range(5):
            buffer.add_batch(counting_rows(t, 3))
        experience, info = buffer.sample(4)
        buffer.update_priorities(info.ids, np.full(4, 3.0))
    for t in range(5, 5 + num_rows):
        one_by_one.add_batch(counting_rows(t, 3))
    at_once.add_sequence(_sequence(5, num_rows, 3))
    np.testing.assert_array_equal(at_once.priorities(), one_by_one.priorities())
    assert at_once.total_priority() == pytest.approx(one_by_one.total_priority())
    first, _ = at_once.sample(16)
    second, _ = one_by_one.sample(16)
    np.testing.assert_array_equal(first.observation, second.observation)


def test_wrong_shape_names_time_and_env_dims():
    buffer = UniformReplayBuffer(counting_spec(), batch_size=2, max_length=8)
    with pytest.raises(ValueError, match=r"add_sequence: field 'observation'.*\[3, 2\] \(time, env\)"):
        buffer.add_sequence(_sequence(0, 3, 2)._replace(observation=np.zeros((3, 2, 5), np.float32)))
    with pytest.raises(ValueError, match="add_sequence expects an rlkit.types.Trajectory"):
        buffer.add_sequence({"observation": np.zeros((3, 2, 2))})
    assert buffer.num_frames() == 0
