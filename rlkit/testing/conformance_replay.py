"""Conformance mixins for replay buffers (pytest classes; subclass and give one fixture).

    from rlkit.testing.conformance_replay import ReplayBufferConformance, ReplayBufferWindowConformance

    class TestMyBuffer(ReplayBufferConformance, ReplayBufferWindowConformance):
        @pytest.fixture
        def make_buffer(self):
            return lambda data_spec, batch_size, max_length: MyBuffer(data_spec, batch_size, max_length)

``ReplayBufferConformance`` checks the core contract of ``rlkit.core.ReplayBuffer`` (sizes, FIFO
order, sample shapes, clear, gather_all). ``ReplayBufferWindowConformance`` is opt-in and checks
the stricter promises of rlkit's own buffers: ``add_batch`` and ``add_sequence`` validate every field
against the data spec (step types included: only 0, 1, 2) and write nothing when they refuse, and sampled windows never cover unwritten rows, never cross the write head and never start on
a LAST step.

Rows written by these tests encode where they came from: ``observation = [t, env]`` (``t`` counts
``add_batch`` calls), so a window's rows can be checked for being consecutive rows of one env.
"""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.core import time_step_spec, trajectory_spec
from rlkit.specs import BoundedArraySpec
from rlkit.types import StepType, Trajectory

__all__ = ["ReplayBufferConformance", "ReplayBufferWindowConformance", "counting_spec", "counting_rows"]


def counting_spec() -> Trajectory:
    """The data spec the mixins use: observation float32 ``[2]``, action int64 in {0, 1}, no policy info."""
    observation = BoundedArraySpec((2,), np.float32, -1e9, 1e9, name="observation")
    action = BoundedArraySpec((), np.int64, 0, 1, name="action")
    return trajectory_spec(time_step_spec(observation), action)


def counting_rows(t: int, batch_size: int, episode_length: int = 4) -> Trajectory:
    """Row ``t`` of ``batch_size`` envs whose episodes last ``episode_length`` rows (FIRST .. LAST).

    Env ``e`` is shifted by ``e`` rows so that envs end episodes at different times.
    """
    env = np.arange(batch_size)
    phase = (t + env) % episode_length

    def step_type(p: np.ndarray) -> np.ndarray:
        return np.where(p == 0, StepType.FIRST, np.where(p == episode_length - 1, StepType.LAST, StepType.MID)).astype(np.int32)

    return Trajectory(
        step_type=step_type(phase),
        observation=np.stack([np.full(batch_size, t, np.float32), env.astype(np.float32)], axis=1),
        action=(phase % 2).astype(np.int64),
        policy_info=(),
        next_step_type=step_type((phase + 1) % episode_length),
        reward=np.full(batch_size, 1.0, np.float32),
        discount=np.where(phase + 1 == episode_length - 1, 0.0, 1.0).astype(np.float32),
    )


def counting_sequence_of_length_zero() -> Trajectory:
    """An empty ``[0, 2, ...]`` sequence in the layout of :func:`counting_rows` with ``batch_size=2``."""
    row = counting_rows(0, 2)
    return Trajectory(*(np.asarray(field)[None][:0] if name != "policy_info" else ()
                        for name, field in zip(Trajectory._fields, row)))


def _fill(buffer, num_rows: int, batch_size: int, episode_length: int = 4, start: int = 0) -> None:
    for t in range(start, start + num_rows):
        buffer.add_batch(counting_rows(t, batch_size, episode_length))


class ReplayBufferConformance:
    """The core ``ReplayBuffer`` contract. Needs a fixture ``make_buffer(data_spec, batch_size, max_length)``."""

    @pytest.fixture
    def make_buffer(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError("define a make_buffer fixture returning make_buffer(data_spec, batch_size, max_length)")

    def test_capacity_and_num_frames(self, make_buffer):
        buffer = make_buffer(counting_spec(), 3, 5)
        assert buffer.capacity == 15
        assert buffer.num_frames() == 0
        _fill(buffer, 2, 3)
        assert buffer.num_frames() == 6
        _fill(buffer, 10, 3, start=2)
        assert buffer.num_frames() == 15

    def test_data_spec_is_kept(self, make_buffer):
        spec = counting_spec()
        assert make_buffer(spec, 1, 4).data_spec == spec

    def test_add_batch_rejects_wrong_batch_size(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        with pytest.raises(ValueError):
            buffer.add_batch(counting_rows(0, 3))

    def test_fifo_wraparound(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        _fill(buffer, 13, 2)
        everything = buffer.gather_all()
        np.testing.assert_array_equal(everything.observation[..., 0], np.tile(np.arange(8, 13), (2, 1)))
        np.testing.assert_array_equal(everything.observation[..., 1], np.repeat([[0.0], [1.0]], 5, axis=1))

    def test_gather_all_matches_added_rows(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 6)
        _fill(buffer, 4, 2)
        everything = buffer.gather_all()
        for t in range(4):
            row = counting_rows(t, 2)
            for field in ("step_type", "observation", "action", "next_step_type", "reward", "discount"):
                np.testing.assert_array_equal(np.asarray(getattr(everything, field))[:, t], getattr(row, field))
        assert np.asarray(everything.step_type).dtype == np.int32
        assert np.asarray(everything.observation).dtype == np.float32

    @pytest.mark.parametrize("num_steps", [1, 2, 3])
    def test_sample_shapes(self, make_buffer, num_steps):
        buffer = make_buffer(counting_spec(), 2, 16)
        _fill(buffer, 16, 2)
        experience, info = buffer.sample(7, num_steps=num_steps)
        assert np.shape(experience.step_type) == (7, num_steps)
        assert np.shape(experience.observation) == (7, num_steps, 2)
        assert np.shape(experience.action) == (7, num_steps)
        assert np.shape(experience.reward) == (7, num_steps)
        assert np.shape(experience.discount) == (7, num_steps)
        assert np.asarray(experience.observation).dtype == np.float32
        assert np.asarray(experience.action).dtype == np.int64
        assert np.shape(info.ids) == np.shape(info.probabilities) == np.shape(info.weights) == (7,)

    def test_sample_block_shapes(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 16)
        _fill(buffer, 16, 2)
        experience, info = buffer.sample_block(3, 5, num_steps=2)
        assert np.shape(experience.observation) == (3, 5, 2, 2)
        assert np.shape(experience.step_type) == np.shape(experience.reward) == (3, 5, 2)
        assert np.shape(info.ids) == np.shape(info.probabilities) == np.shape(info.weights) == (3, 5)

    def test_sampled_rows_are_stored_rows(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 6)
        _fill(buffer, 9, 2)
        experience, _ = buffer.sample(50, num_steps=1)
        assert np.all(np.asarray(experience.observation)[..., 0] >= 3)  # rows 0..2 were overwritten

    def test_clear(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        _fill(buffer, 7, 2)
        buffer.clear()
        assert buffer.num_frames() == 0
        _fill(buffer, 3, 2, start=100)
        assert buffer.num_frames() == 6
        np.testing.assert_array_equal(buffer.gather_all().observation[0, :, 0], [100, 101, 102])

    def test_is_an_observer(self, make_buffer):
        buffer = make_buffer(counting_spec(), 1, 5)
        buffer(counting_rows(0, 1))
        assert buffer.num_frames() == 1

    @pytest.mark.parametrize("num_rows", [0, 3, 7, 12])
    def test_add_sequence_equals_add_batch_calls(self, make_buffer, num_rows):
        one_by_one, at_once = make_buffer(counting_spec(), 2, 5), make_buffer(counting_spec(), 2, 5)
        _fill(one_by_one, 2, 2)
        _fill(at_once, 2, 2)
        _fill(one_by_one, num_rows, 2, start=2)
        rows = [counting_rows(t, 2) for t in range(2, 2 + num_rows)]
        sequence = Trajectory(*(np.stack([getattr(row, field) for row in rows]) if field != "policy_info" else ()
                                for field in Trajectory._fields)) if rows else counting_sequence_of_length_zero()
        at_once.add_sequence(sequence)
        assert at_once.num_frames() == one_by_one.num_frames()
        for field in ("step_type", "observation", "action", "next_step_type", "reward", "discount"):
            np.testing.assert_array_equal(getattr(at_once.gather_all(), field), getattr(one_by_one.gather_all(), field))


class ReplayBufferWindowConformance:
    """Opt-in: strict ``add_batch`` validation and window validity. Needs the same ``make_buffer`` fixture."""

    def test_add_batch_rejects_wrong_dtype(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        rows = counting_rows(0, 2)._replace(action=np.array([0.5, 1.0]))
        with pytest.raises(ValueError, match="action"):
            buffer.add_batch(rows)
        assert buffer.num_frames() == 0

    def test_add_batch_rejects_wrong_shape(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        rows = counting_rows(0, 2)._replace(observation=np.zeros((2, 3), np.float32))
        with pytest.raises(ValueError, match=r"observation.*\(2, 2\)"):
            buffer.add_batch(rows)

    def test_add_batch_rejects_missing_field(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        with pytest.raises(ValueError, match="reward"):
            buffer.add_batch(counting_rows(0, 2)._replace(reward=None))
        with pytest.raises((ValueError, TypeError)):
            buffer.add_batch({"observation": np.zeros((2, 2), np.float32)})
        assert buffer.num_frames() == 0

    @pytest.mark.parametrize("field", ["step_type", "next_step_type"])
    def test_add_rejects_unknown_step_types(self, make_buffer, field):
        """Step types other than FIRST, MID, LAST (0, 1, 2) are refused whole, by add_batch and add_sequence."""
        buffer = make_buffer(counting_spec(), 2, 8)
        _fill(buffer, 3, 2)
        with pytest.raises(ValueError, match=field):
            buffer.add_batch(counting_rows(3, 2)._replace(**{field: np.array([1, 7], np.int32)}))
        rows = [counting_rows(t, 2) for t in range(3, 7)]
        sequence = Trajectory(*(np.stack([getattr(r, name) for r in rows]) if name != "policy_info" else ()
                                for name in Trajectory._fields))
        bad = np.array(getattr(sequence, field))
        bad[2, 0] = -1
        with pytest.raises(ValueError, match=field):
            buffer.add_sequence(sequence._replace(**{field: bad}))
        assert buffer.num_frames() == 6, "a refused add must write nothing"

    def test_sampling_an_empty_buffer_fails_clearly(self, make_buffer):
        buffer = make_buffer(counting_spec(), 2, 5)
        with pytest.raises(ValueError, match="num_steps"):
            buffer.sample(4, num_steps=2)
        buffer.add_batch(counting_rows(0, 2))
        with pytest.raises(ValueError, match="num_steps"):
            buffer.sample(4, num_steps=2)

    @pytest.mark.parametrize("batch_size", [1, 3])
    @pytest.mark.parametrize("num_steps", [1, 2, 3])
    def test_windows_are_valid(self, make_buffer, batch_size, num_steps):
        """At every fill level (before and after wrap-around): consecutive stored rows of one env,
        never unwritten, never across the write head, never starting on LAST."""
        max_length = 6
        buffer = make_buffer(counting_spec(), batch_size, max_length)
        for count in range(1, 3 * max_length + 2):
            buffer.add_batch(counting_rows(count - 1, batch_size))
            if min(count, max_length) < num_steps + 1:  # not every level has a window that avoids LAST
                continue
            experience, _ = buffer.sample(40, num_steps=num_steps)
            t = np.asarray(experience.observation)[..., 0]
            env = np.asarray(experience.observation)[..., 1]
            oldest = count - min(count, max_length)
            assert np.all(t >= oldest) and np.all(t <= count - 1), "window covers unwritten/overwritten rows"
            np.testing.assert_array_equal(np.diff(t, axis=1), 1, err_msg="window rows are not consecutive")
            assert np.all(env == env[:, :1]), "window mixes envs"
            assert np.all(np.asarray(experience.step_type)[:, 0] != StepType.LAST), "window starts on LAST"
