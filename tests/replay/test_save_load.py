"""Save -> load restores the full state; bad files fail with ReplayBufferFileError naming the file."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from rlkit.core import time_step_spec, trajectory_spec
from rlkit.replay import PrioritizedReplayBuffer, ReplayBufferFileError, UniformReplayBuffer
from rlkit.specs import BoundedArraySpec

from tests.replay.helpers import counting_spec, fill

BUFFERS = [UniformReplayBuffer, PrioritizedReplayBuffer]


@pytest.mark.parametrize("cls", BUFFERS)
def test_save_load_gives_identical_subsequent_samples(tmp_path, backend, cls):
    original = cls(counting_spec(), 2, 10, seed=1, backend=backend)
    fill(original, 23)
    _, info = original.sample(5, 2)
    if cls is PrioritizedReplayBuffer:
        original.update_priorities(info.ids, np.arange(5.0))
    path = tmp_path / "buffer.npz"
    original.save(path)
    restored = cls(counting_spec(), 2, 10, seed=99, backend=backend)
    fill(restored, 3, start=500)  # state that load must replace
    restored.load(path)
    assert restored.num_frames() == original.num_frames()
    for _ in range(3):
        a, a_info = original.sample(16, 3)
        b, b_info = restored.sample(16, 3)
        np.testing.assert_array_equal(a.observation, b.observation)
        np.testing.assert_array_equal(a_info.ids, b_info.ids)
        np.testing.assert_array_equal(a_info.weights, b_info.weights)
    fill(original, 4, start=23)
    fill(restored, 4, start=23)
    np.testing.assert_array_equal(original.gather_all().observation, restored.gather_all().observation)
    assert original._num_last == restored._num_last


def test_file_has_no_pickle_and_a_versioned_header(tmp_path):
    buffer = UniformReplayBuffer(counting_spec(), 1, 4, seed=0)
    fill(buffer, 2)
    buffer.save(tmp_path / "b.npz")
    with np.load(tmp_path / "b.npz", allow_pickle=False) as archive:
        header = json.loads(archive["header"].tobytes())
        assert {"records", "rng_state"} <= set(archive.files)
    assert header["version"] == 1 and header["kind"] == "UniformReplayBuffer" and header["count"] == 2
    assert ["observation", [2], "<f4"] in header["spec"]


def test_truncated_file(tmp_path):
    buffer = UniformReplayBuffer(counting_spec(), 1, 50, seed=0)
    fill(buffer, 50)
    path = tmp_path / "b.npz"
    buffer.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    fresh = UniformReplayBuffer(counting_spec(), 1, 50, seed=0)
    with pytest.raises(ReplayBufferFileError, match=r"b\.npz.*truncated or corrupt"):
        fresh.load(path)
    assert fresh.num_frames() == 0


def test_corrupt_bytes(tmp_path):
    buffer = UniformReplayBuffer(counting_spec(), 1, 200, seed=0)
    fill(buffer, 200)
    path = tmp_path / "b.npz"
    buffer.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("records.npy")
    middle = info.header_offset + 200 + info.compress_size // 2  # inside the stored records
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ReplayBufferFileError, match="b.npz"):
        UniformReplayBuffer(counting_spec(), 1, 200, seed=0).load(path)


def test_not_a_buffer_file_and_missing_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ReplayBufferFileError, match="other.npz"):
        UniformReplayBuffer(counting_spec(), 1, 4).load(path)
    with pytest.raises(ReplayBufferFileError, match="does not exist"):
        UniformReplayBuffer(counting_spec(), 1, 4).load(tmp_path / "missing.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ReplayBufferFileError, match="text.npz"):
        UniformReplayBuffer(counting_spec(), 1, 4).load(tmp_path / "text.npz")


@pytest.mark.parametrize("other", [
    lambda: UniformReplayBuffer(counting_spec(), 1, 5),
    lambda: UniformReplayBuffer(counting_spec(), 2, 4),
    lambda: PrioritizedReplayBuffer(counting_spec(), 1, 4),
    lambda: UniformReplayBuffer(trajectory_spec(time_step_spec(BoundedArraySpec((3,), np.float32, -1, 1)),
                                                BoundedArraySpec((), np.int64, 0, 1)), 1, 4),
], ids=["max_length", "batch_size", "kind", "spec"])
def test_mismatched_buffer(tmp_path, other):
    buffer = UniformReplayBuffer(counting_spec(), 1, 4, seed=0)
    fill(buffer, 3)
    buffer.save(tmp_path / "b.npz")
    with pytest.raises(ReplayBufferFileError, match=r"b\.npz.*does not match"):
        other().load(tmp_path / "b.npz")


def test_prioritized_alpha_mismatch(tmp_path):
    buffer = PrioritizedReplayBuffer(counting_spec(), 1, 4, alpha=0.6)
    buffer.save(tmp_path / "p.npz")
    with pytest.raises(ReplayBufferFileError, match="alpha"):
        PrioritizedReplayBuffer(counting_spec(), 1, 4, alpha=0.7).load(tmp_path / "p.npz")


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    buffer = UniformReplayBuffer(counting_spec(), 1, 4, seed=0)
    fill(buffer, 3)
    path = tmp_path / "b.npz"
    buffer.save(path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError):
        buffer.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.npz"]
