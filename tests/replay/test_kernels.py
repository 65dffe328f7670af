"""The sampler and sum-tree kernels: every backend gives the reference's results draw for draw."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit import backend as rlkit_backend
from rlkit.kernels.sampler import GAVE_UP, NO_VALID_WINDOW
from rlkit.replay import PrioritizedReplayBuffer, UniformReplayBuffer

from tests.replay.helpers import counting_spec, fill

REFERENCE = "numpy"


def test_splitmix64_matches_published_values(backend):
    # splitmix64 seeded with 0 (Vigna's reference implementation)
    sampler = rlkit_backend.load("sampler", backend)
    state = np.zeros(1, np.uint64)
    out = np.empty(3, np.uint64)
    sampler.random_uint64(state, out)
    assert [hex(int(v)) for v in out] == ["0xe220a8397b1dcdaf", "0x6e789e6aa1b965f4", "0x6c45d188009454f"]


@pytest.mark.parametrize("num_envs,max_length,count,num_steps", [(1, 50, 37, 2), (3, 20, 61, 3), (2, 8, 8, 1)])
def test_uniform_sampler_parity(backend, num_envs, max_length, count, num_steps):
    results = {}
    for name in (REFERENCE, backend):
        buffer = UniformReplayBuffer(counting_spec(), num_envs, max_length, seed=7, backend=name)
        fill(buffer, count)
        experience, info = buffer.sample(33, num_steps)
        block, block_info = buffer.sample_block(3, 5, num_steps)
        results[name] = (experience, info, block, block_info, buffer._rng_state.copy())
    for ours, reference in zip(results[backend], results[REFERENCE]):
        for a, b in zip(ours, reference):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_prioritized_sampler_parity(backend):
    results = {}
    for name in (REFERENCE, backend):
        buffer = PrioritizedReplayBuffer(counting_spec(), 2, 30, seed=3, backend=name)
        fill(buffer, 47)
        _, info = buffer.sample(20, 3)
        buffer.update_priorities(info.ids, np.linspace(0.0, 5.0, 20))
        experience, info = buffer.sample(40, 3)
        results[name] = (experience.observation, info.ids, info.probabilities, info.weights, buffer.priorities())
    for ours, reference in zip(results[backend], results[REFERENCE]):
        np.testing.assert_array_equal(ours, reference)


def test_sumtree_parity_and_invariants(backend, rng):
    tree_kernel = rlkit_backend.load("sumtree", backend)
    reference = rlkit_backend.load("sumtree", REFERENCE)
    trees = {name: np.zeros(2 * 64) for name in ("ours", "reference")}
    for _ in range(20):
        leaves = rng.integers(0, 64, 9)  # duplicates included: the later value wins
        values = rng.random(9) * (rng.random(9) > 0.3)
        tree_kernel.update(trees["ours"], leaves, values)
        reference.update(trees["reference"], leaves, values)
    np.testing.assert_array_equal(trees["ours"], trees["reference"])
    tree = trees["ours"]
    internal = np.arange(1, 64)
    np.testing.assert_array_equal(tree[internal], tree[2 * internal] + tree[2 * internal + 1])
    targets = np.sort(rng.random(500)) * tree[1]
    ours, expected = np.empty(500, np.int64), np.empty(500, np.int64)
    tree_kernel.find(tree, targets, ours)
    reference.find(tree, targets, expected)
    np.testing.assert_array_equal(ours, expected)
    assert np.all(tree[64 + ours] > 0), "a zero leaf was found"
    prefix = np.concatenate([[0.0], np.cumsum(tree[64:])])
    assert np.all((prefix[ours] <= targets * (1 + 1e-12)) & (targets <= prefix[ours + 1] * (1 + 1e-12)))


def test_sumtree_later_duplicate_wins(backend):
    kernel = rlkit_backend.load("sumtree", backend)
    tree = np.zeros(8)
    kernel.update(tree, np.array([2, 2], np.int64), np.array([5.0, 1.5]))
    assert tree[4 + 2] == 1.5 and tree[1] == 1.5


def test_sumtree_find_is_proportional(backend):
    kernel = rlkit_backend.load("sumtree", backend)
    tree = np.zeros(8)
    kernel.update(tree, np.arange(4, dtype=np.int64), np.array([1.0, 0.0, 3.0, 4.0]))
    targets = np.array([0.0, 0.999, 1.0, 3.9, 4.0, 7.99])
    out = np.empty(6, np.int64)
    kernel.find(tree, targets, out)
    np.testing.assert_array_equal(out, [0, 0, 2, 2, 3, 3])


def test_kernel_reports_no_valid_window_and_giving_up(backend):
    sampler = rlkit_backend.load("sampler", backend)
    buffer = UniformReplayBuffer(counting_spec(), 1, 4, seed=0, backend=backend)
    args = (buffer._record_bytes, 1, 4, buffer.record_dtype.itemsize, buffer._layout.step_type_offset)
    out = np.empty((2, 2), buffer.record_dtype)
    ids, info = np.empty(2, np.int64), np.empty((2, 2), np.float32)
    assert sampler.sample_uniform(*args, 0, 2, 0, buffer._rng_state, out, ids, info, 10) == NO_VALID_WINDOW
    buffer._records["step_type"][0, :] = 2  # every row LAST, but pretend the counter says none is
    assert sampler.sample_uniform(*args, 4, 2, 0, buffer._rng_state, out, ids, info, 10) == GAVE_UP


def test_cython_kernel_rejects_wrongly_sized_buffers():
    sampler = rlkit_backend.load("sampler", "cython")
    buffer = UniformReplayBuffer(counting_spec(), 1, 4, seed=0, backend="cython")
    fill(buffer, 4)
    args = (buffer._record_bytes, 1, 4, buffer.record_dtype.itemsize, buffer._layout.step_type_offset)
    small_out = np.empty((1, 2), buffer.record_dtype)
    with pytest.raises(ValueError, match="out holds"):
        sampler.sample_uniform(*args, 4, 2, 0, buffer._rng_state, small_out, np.empty(2, np.int64),
                               np.empty((2, 2), np.float32), 10)
    with pytest.raises(ValueError, match="records holds"):
        sampler.sample_uniform(buffer._record_bytes, 1, 5, buffer.record_dtype.itemsize, 0, 4, 2, 0,
                               buffer._rng_state, small_out, np.empty(1, np.int64), np.empty((2, 1), np.float32), 10)
