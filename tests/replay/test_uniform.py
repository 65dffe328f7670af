"""UniformReplayBuffer: exhaustive window validity, uniformity, blocks, memory, nests, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.core import time_step_spec, trajectory_spec
from rlkit.replay import NotEnoughDataError, UniformReplayBuffer
from rlkit.specs import ArraySpec
from rlkit.types import StepType, Trajectory

from tests.replay.helpers import CHI2_CRITICAL_19_DF, cartpole_spec, counting_rows, counting_spec, fill


def valid_window_ids(buffer: UniformReplayBuffer, count: int, num_steps: int) -> set[int]:
    """Every valid window id, enumerated from first principles."""
    stored = min(count, buffer.max_length)
    step_types = buffer.gather_all().step_type  # [E, stored] in insertion order
    ids = set()
    for env in range(buffer.batch_size):
        for s in range(stored - num_steps + 1):
            if step_types[env, s] != StepType.LAST:
                ids.add((count - stored + s) * buffer.batch_size + env)
    return ids


@pytest.mark.parametrize("batch_size", [1, 2])
@pytest.mark.parametrize("num_steps", [1, 2, 3])
def test_exhaustive_windows_on_small_buffers(backend, batch_size, num_steps):
    """For every fill level of a 5-row buffer: sampled ids are exactly the valid windows, each with p = 1/|valid|."""
    buffer = UniformReplayBuffer(counting_spec(), batch_size, 5, seed=1, backend=backend)
    for count in range(1, 14):
        buffer.add_batch(counting_rows(count - 1, batch_size, episode_length=3))
        valid = valid_window_ids(buffer, count, num_steps)
        if not valid:
            with pytest.raises(NotEnoughDataError):
                buffer.sample(4, num_steps)
            continue
        experience, info = buffer.sample(400, num_steps)
        assert set(info.ids.tolist()) == valid
        np.testing.assert_allclose(info.probabilities, 1.0 / len(valid), rtol=1e-6)
        np.testing.assert_array_equal(info.weights, 1.0)
        t = experience.observation[..., 0]
        np.testing.assert_array_equal(t[:, 0] * batch_size + experience.observation[:, 0, 1], info.ids)


def test_uniformity_chi_square(backend):
    buffer = UniformReplayBuffer(counting_spec(), 1, 20, seed=5, backend=backend)
    fill(buffer, 31, episode_length=1000)  # no LAST rows; wrapped; 19 windows of 2 rows
    _, info = buffer.sample(19_000, num_steps=2)
    counts = np.bincount(info.ids - 11, minlength=19)
    assert counts.shape == (19,) and counts.sum() == 19_000
    expected = 1000.0
    statistic = np.sum((counts - expected) ** 2 / expected)
    # 19 cells -> 18 dof; use the (larger) 19-dof critical value at p = 0.001: a biased sampler fails
    assert statistic < CHI2_CRITICAL_19_DF, (statistic, counts)
    # the check can fail: a sampler that never picks the newest valid window is rejected
    biased = np.bincount(np.minimum(info.ids - 11, 17), minlength=19)
    assert np.sum((biased - expected) ** 2 / expected) > CHI2_CRITICAL_19_DF


def test_same_seed_same_batches_and_rng_argument(backend):
    a = UniformReplayBuffer(counting_spec(), 2, 30, seed=9, backend=backend)
    b = UniformReplayBuffer(counting_spec(), 2, 30, seed=9, backend=backend)
    fill(a, 40)
    fill(b, 40)
    np.testing.assert_array_equal(a.sample(16)[1].ids, b.sample(16)[1].ids)
    state = a._rng_state.copy()
    ids_1 = a.sample(16, rng=np.random.default_rng(3))[1].ids
    ids_2 = a.sample(16, rng=np.random.default_rng(3))[1].ids
    np.testing.assert_array_equal(ids_1, ids_2)
    np.testing.assert_array_equal(a._rng_state, state)  # an explicit rng leaves the buffer's stream alone


def test_results_are_never_overwritten(backend):
    buffer = UniformReplayBuffer(counting_spec(), 1, 50, seed=0, backend=backend)
    fill(buffer, 50, episode_length=1000)
    first, info = buffer.sample(8)
    kept = (first.observation.copy(), info.ids.copy())
    for _ in range(40):  # more calls than one output chunk holds
        buffer.sample(8)
    np.testing.assert_array_equal(first.observation, kept[0])
    np.testing.assert_array_equal(info.ids, kept[1])


def test_sample_block_is_k_samples_in_one_call(backend):
    a = UniformReplayBuffer(counting_spec(), 2, 40, seed=4, backend=backend)
    b = UniformReplayBuffer(counting_spec(), 2, 40, seed=4, backend=backend)
    fill(a, 40, episode_length=1000)  # no LAST rows, so no redraws: the draw order is the same
    fill(b, 40, episode_length=1000)
    block, block_info = a.sample_block(3, 8, num_steps=2)
    assert block.observation.shape == (3, 8, 2, 2) and block.step_type.shape == (3, 8, 2)
    assert block_info.ids.shape == block_info.probabilities.shape == block_info.weights.shape == (3, 8)
    for k in range(3):
        experience, info = b.sample(8, num_steps=2)
        np.testing.assert_array_equal(block.observation[k], experience.observation)
        np.testing.assert_array_equal(block_info.ids[k], info.ids)


def test_as_dataset_yields_batches(backend):
    buffer = UniformReplayBuffer(counting_spec(), 1, 10, seed=0, backend=backend)
    fill(buffer, 10)
    iterator = buffer.as_dataset(4, num_steps=2)
    experience, info = next(iterator)
    assert experience.observation.shape == (4, 2, 2) and info.ids.shape == (4,)


def test_cartpole_transition_takes_40_bytes():
    buffer = UniformReplayBuffer(cartpole_spec(), batch_size=1, max_length=100_000, seed=0)
    assert buffer.nbytes / buffer.capacity == 40
    assert buffer.record_dtype.itemsize == 40  # obs 16 + action 8 + step types 8 + reward 4 + discount 4


def test_nested_observations_and_policy_info(backend):
    observation = {"position": ArraySpec((2,), np.float32), "flags": (ArraySpec((), np.int8), ArraySpec((3,), np.uint8))}
    spec = trajectory_spec(time_step_spec(observation), ArraySpec((), np.int64),
                           info_spec={"log_probability": ArraySpec((), np.float32)})
    buffer = UniformReplayBuffer(spec, 2, 6, seed=0, backend=backend)
    for t in range(8):
        buffer.add_batch(Trajectory(
            step_type=np.ones(2, np.int32),
            observation={"position": np.full((2, 2), t, np.float32),
                         "flags": (np.full(2, t, np.int8), np.full((2, 3), t, np.uint8))},
            action=np.arange(2), policy_info={"log_probability": np.full(2, -t, np.float32)},
            next_step_type=np.ones(2, np.int32), reward=np.zeros(2, np.float32), discount=np.ones(2, np.float32)))
    experience, _ = buffer.sample(5, num_steps=2)
    assert set(experience.observation) == {"position", "flags"}
    position = experience.observation["position"]
    assert position.shape == (5, 2, 2) and position.dtype == np.float32
    flags = experience.observation["flags"]
    assert isinstance(flags, tuple) and flags[0].shape == (5, 2) and flags[1].shape == (5, 2, 3)
    np.testing.assert_array_equal(flags[0], position[..., 0])
    np.testing.assert_array_equal(flags[1][..., 2], position[..., 1])
    np.testing.assert_array_equal(experience.policy_info["log_probability"], -position[..., 0])
    assert buffer.gather_all().observation["flags"][1].shape == (2, 6, 3)


def test_bad_add_batch_messages_are_readable():
    buffer = UniformReplayBuffer(cartpole_spec(), batch_size=2, max_length=10, seed=0)
    good = Trajectory(np.zeros(2, np.int32), np.zeros((2, 4), np.float32), np.zeros(2, np.int64), (),
                      np.ones(2, np.int32), np.zeros(2, np.float32), np.ones(2, np.float32))
    buffer.add_batch(good)
    with pytest.raises(ValueError, match=r"(?s)field 'observation'.*expected shape \(2, 4\), got \(2, 3\)"):
        buffer.add_batch(good._replace(observation=np.zeros((2, 3), np.float32)))
    with pytest.raises(ValueError, match=r"(?s)field 'action'.*float64 cannot be used as int64"):
        buffer.add_batch(good._replace(action=np.zeros(2)))
    with pytest.raises(ValueError, match=r"(?s)field 'discount'"):
        buffer.add_batch(good._replace(discount=None))
    with pytest.raises(ValueError, match=r"(?s)field 'step_type'.*batch_size=2"):
        buffer.add_batch(good._replace(step_type=np.zeros(3, np.int32)))
    with pytest.raises(ValueError, match="Trajectory"):
        buffer.add_batch(tuple(good)[:5])
    assert buffer.num_frames() == 2  # nothing half-written


@pytest.mark.parametrize("kwargs,match", [
    ({"batch_size": 0}, "batch_size"), ({"max_length": -1}, "max_length"), ({"seed": -3}, "seed")])
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UniformReplayBuffer(cartpole_spec(), **kwargs)


def test_bad_sample_arguments():
    buffer = UniformReplayBuffer(counting_spec(), 1, 10, seed=0)
    fill(buffer, 10)
    with pytest.raises(ValueError, match="sample_batch_size"):
        buffer.sample(0)
    with pytest.raises(ValueError, match="num_steps"):
        buffer.sample(4, num_steps=0)
    with pytest.raises(ValueError, match="num_steps=11"):
        buffer.sample(4, num_steps=11)
    with pytest.raises(ValueError, match="num_blocks"):
        buffer.sample_block(0, 4)


def test_registry_builds_the_buffers():
    from rlkit import registry
    buffer = registry.make("replay_buffers", "uniform", data_spec=cartpole_spec(), max_length=10)
    assert isinstance(buffer, UniformReplayBuffer)
    assert type(registry.make("replay_buffers", "prioritized", data_spec=cartpole_spec(), max_length=10)).__name__ \
        == "PrioritizedReplayBuffer"
