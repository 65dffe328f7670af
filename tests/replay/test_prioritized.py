"""PrioritizedReplayBuffer: proportional sampling, max priority for new rows, weights, beta schedule, validation."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.replay import NotEnoughDataError, PrioritizedReplayBuffer
from rlkit.types import StepType

from tests.replay.helpers import CHI2_CRITICAL_19_DF, counting_rows, counting_spec, fill


def make(backend, batch_size=1, max_length=20, **kwargs):
    return PrioritizedReplayBuffer(counting_spec(), batch_size, max_length, seed=0, backend=backend, **kwargs)


def test_new_rows_get_max_priority_and_last_rows_zero(backend):
    buffer = make(backend, batch_size=2, max_length=8, alpha=0.5)
    fill(buffer, 5, episode_length=4)
    priorities = buffer.priorities()
    step_types = buffer._records["step_type"]
    written = np.zeros_like(priorities, bool)
    written[:, :5] = True
    np.testing.assert_array_equal(priorities[written & (step_types == StepType.LAST)], 0.0)
    np.testing.assert_array_equal(priorities[written & (step_types != StepType.LAST)], 1.0)
    np.testing.assert_array_equal(priorities[~written], 0.0)
    _, info = buffer.sample(4, num_steps=2)
    buffer.update_priorities(info.ids[:1], [8.0])
    fill(buffer, 1, episode_length=1000, start=5)
    assert np.isclose(buffer.priorities()[0, 5], (8.0 + 1e-6) ** 0.5)  # the new max, to the alpha
    internal = np.arange(1, buffer._tree.shape[0] // 2)
    np.testing.assert_array_equal(buffer._tree[internal], buffer._tree[2 * internal] + buffer._tree[2 * internal + 1])
    assert np.isclose(buffer.total_priority(), buffer.priorities().sum())


def test_sampling_is_proportional_to_priority(backend):
    buffer = make(backend, max_length=21, alpha=1.0, epsilon=0.0)
    fill(buffer, 21, episode_length=1000)  # windows of 2 start at rows 0..19
    ids = np.arange(20, dtype=np.int64)
    weights = np.arange(1, 21, dtype=np.float64)
    buffer.update_priorities(ids, weights)
    _, info = buffer.sample(21_000, num_steps=2)
    counts = np.bincount(info.ids, minlength=20)
    assert counts.shape == (20,)
    expected = 21_000 * weights / weights.sum()
    statistic = np.sum((counts - expected) ** 2 / expected)
    assert statistic < CHI2_CRITICAL_19_DF, (statistic, counts)
    np.testing.assert_allclose(info.probabilities, weights[info.ids] / weights.sum(), rtol=1e-6)
    # the newest row (it would run past the head) is never drawn, and its mass is excluded
    assert 20 not in set(info.ids.tolist())
    uniform = np.full(20, 21_000 / 20)
    assert np.sum((counts - uniform) ** 2 / uniform) > CHI2_CRITICAL_19_DF  # the test can tell


def test_importance_weights_and_beta_schedule(backend):
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.5

    buffer = make(backend, max_length=11, alpha=1.0, epsilon=0.0, beta=schedule)
    fill(buffer, 11, episode_length=1000)
    buffer.update_priorities(np.arange(10), np.arange(1.0, 11.0))
    _, info = buffer.sample(50, num_steps=2)
    expected = (info.probabilities / info.probabilities.min()) ** -0.5
    np.testing.assert_allclose(info.weights, expected, rtol=1e-6)
    assert info.weights.max() == pytest.approx(1.0) and np.all(info.weights > 0)
    _, block_info = buffer.sample_block(3, 10, num_steps=2)
    assert block_info.weights.shape == (3, 10)
    np.testing.assert_allclose(block_info.weights.max(axis=1), 1.0)
    assert seen == [0, 1, 2, 3] and buffer.sample_steps == 4


def test_beta_zero_gives_unit_weights(backend):
    buffer = make(backend, beta=0.0)
    fill(buffer, 20, episode_length=1000)
    buffer.update_priorities(np.arange(5), np.arange(5.0))
    np.testing.assert_array_equal(buffer.sample(30)[1].weights, 1.0)


def test_update_priorities_validation(backend):
    buffer = make(backend, max_length=5)
    fill(buffer, 8, episode_length=4)
    _, info = buffer.sample(3)
    with pytest.raises(ValueError, match="shape"):
        buffer.update_priorities(info.ids, [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        buffer.update_priorities(info.ids, [1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match=">= 0"):
        buffer.update_priorities(info.ids, [1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="integers"):
        buffer.update_priorities(info.ids.astype(float), [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="never sampled"):
        buffer.update_priorities([10_000], [1.0])
    with pytest.raises(ValueError, match="never sampled"):
        buffer.update_priorities([-1], [1.0])
    with pytest.raises(ValueError, match="overwritten"):
        buffer.update_priorities([0], [1.0])  # row 0 was overwritten by row 5
    buffer.update_priorities([0, int(info.ids[0])], [1.0, 2.0], skip_stale=True)
    last_row = 3  # rows 3, 7 are LAST with episode_length 4
    with pytest.raises(ValueError, match="LAST"):
        buffer.update_priorities([last_row], [1.0])


def test_zero_priority_windows_are_never_sampled_and_empty_mass_errors(backend):
    buffer = make(backend, max_length=10, alpha=1.0, epsilon=0.0)
    fill(buffer, 10, episode_length=1000)
    buffer.update_priorities(np.arange(9), [0.0] * 8 + [3.0])
    _, info = buffer.sample(50)
    assert set(info.ids.tolist()) == {8}
    buffer.update_priorities([8], [0.0])
    with pytest.raises(NotEnoughDataError):
        buffer.sample(5)


def test_clear_resets_priorities(backend):
    buffer = make(backend)
    fill(buffer, 10)
    buffer.update_priorities([0], [5.0])
    buffer.clear()
    assert buffer.total_priority() == 0.0
    fill(buffer, 3, episode_length=1000)
    np.testing.assert_array_equal(buffer.priorities()[0, :3], 1.0)


@pytest.mark.parametrize("kwargs,match", [({"alpha": -1.0}, "alpha"), ({"beta": float("nan")}, "beta"),
                                          ({"epsilon": -1e-3}, "epsilon")])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PrioritizedReplayBuffer(counting_spec(), 1, 10, **kwargs)


def test_bad_beta_schedule_value_is_reported(backend):
    buffer = make(backend, beta=lambda step: -1.0)
    fill(buffer, 5)
    with pytest.raises(ValueError, match=r"beta\(0\)"):
        buffer.sample(2)


def test_windows_respect_episode_rows_with_priorities(backend):
    buffer = make(backend, batch_size=2, max_length=7)
    for t in range(17):
        buffer.add_batch(counting_rows(t, 2, episode_length=3))
    experience, info = buffer.sample(200, num_steps=3)
    assert np.all(experience.step_type[:, 0] != StepType.LAST)
    np.testing.assert_array_equal(np.diff(experience.observation[..., 0], axis=1), 1)
    assert np.all(experience.observation[..., 0] >= 10)
