"""Returns plot and videos: decode what was written (frame count, size), check the PNG."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from rlkit.testing.fakes import FakeEnv, FakePolicy
from rlkit.viz import plot_returns, record_episodes, write_video

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])  # width, height


def decode(path: Path) -> list[np.ndarray]:
    with imageio.get_reader(path) as reader:
        return [frame for frame in reader]


def only_file(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- plot ------------------------------------------------------------------------------------------


def test_plot_returns_writes_a_png(tmp_path):
    path = plot_returns([0, 1000, 2000, 3000], [9.5, 20.0, 150.0, 200.0], tmp_path / "returns.png",
                        title="CartPole-v0", reward_threshold=195.0)
    assert path == tmp_path / "returns.png"
    assert png_size(path) == (640, 400)
    assert only_file(tmp_path) == ["returns.png"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_plot_returns_single_point_and_many_points(tmp_path):
    png_size(plot_returns([0], [10.0], tmp_path / "one.png"))
    x = np.arange(500)
    png_size(plot_returns(x, np.sin(x), tmp_path / "many.png"))


def test_plot_returns_rejects_mismatched_lengths(tmp_path):
    with pytest.raises(ValueError, match=r"equal length, got shapes \(3,\) and \(2,\)"):
        plot_returns([0, 1, 2], [1.0, 2.0], tmp_path / "bad.png")
    assert only_file(tmp_path) == []


# -- write_video -----------------------------------------------------------------------------------


def test_write_video_keeps_400x600_frames_without_warnings(tmp_path):
    frames = [np.full((400, 600, 3), 20 * i, np.uint8) for i in range(7)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        count = write_video(iter(frames), tmp_path / "clip.mp4", fps=30)
    assert count == 7
    decoded = decode(tmp_path / "clip.mp4")
    assert len(decoded) == 7
    assert decoded[0].shape == (400, 600, 3)
    assert abs(int(decoded[6].mean()) - 120) <= 3  # lossy, but the content survives
    with imageio.get_reader(tmp_path / "clip.mp4") as reader:
        assert reader.get_meta_data()["fps"] == 30
    assert only_file(tmp_path) == ["clip.mp4"]


def test_write_video_pads_odd_sizes_instead_of_rescaling(tmp_path):
    write_video([np.zeros((17, 33, 3), np.uint8)] * 3, tmp_path / "odd.mp4")
    decoded = decode(tmp_path / "odd.mp4")
    assert len(decoded) == 3 and decoded[0].shape == (18, 34, 3)


@pytest.mark.parametrize("frames, message", [
    ([], "at least one frame"),
    ([np.zeros((8, 8, 3), np.float32)], r"frame 0 must be uint8 RGB \[H, W, 3\], got float32"),
    ([np.zeros((8, 8), np.uint8)], "frame 0 must be uint8 RGB"),
    ([np.zeros((8, 8, 3), np.uint8), np.zeros((8, 10, 3), np.uint8)], r"frame 1 has shape \(8, 10, 3\), but the first"),
])
def test_write_video_rejects_bad_frames_and_leaves_no_file(tmp_path, frames, message):
    with pytest.raises(ValueError, match=message):
        write_video(frames, tmp_path / "bad.mp4")
    assert only_file(tmp_path) == []


def test_write_video_rejects_bad_fps(tmp_path):
    with pytest.raises(ValueError, match="fps must be a positive int"):
        write_video([np.zeros((8, 8, 3), np.uint8)], tmp_path / "x.mp4", fps=0)


# -- record_episodes -------------------------------------------------------------------------------


def test_record_episodes_unbatched_like_the_tutorial(tmp_path):
    env = FakeEnv(num_envs=None, episode_length=5, num_actions=3)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), action=2)
    result = record_episodes(env, policy, 2, tmp_path / "trained.mp4", fps=10)
    assert result.num_frames == 2 * (1 + 5)  # a frame after reset, then one per step
    assert result.returns == [10.0, 10.0]
    decoded = decode(tmp_path / "trained.mp4")
    assert len(decoded) == 12 and decoded[0].shape == (16, 16, 3)
    red = [int(frame[..., 0].mean()) for frame in decoded[:6]]  # FakeEnv paints t * 40 in red
    assert red == pytest.approx([0, 40, 80, 120, 160, 200], abs=8)


def test_record_episodes_batched_records_one_env(tmp_path):
    env = FakeEnv(num_envs=3, episode_length=4)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), action=1)
    result = record_episodes(env, policy, 1, tmp_path / "b.mp4", env_index=2)
    assert result == (5, [4.0])
    assert len(decode(tmp_path / "b.mp4")) == 5
    with pytest.raises(ValueError, match="env_index 3 is out of range"):
        record_episodes(env, policy, 1, tmp_path / "c.mp4", env_index=3)


def test_record_episodes_caps_endless_episodes(tmp_path):
    env = FakeEnv(num_envs=None, episode_length=1000)
    policy = FakePolicy(env.time_step_spec(), env.action_spec(), action=1)
    result = record_episodes(env, policy, 2, tmp_path / "capped.mp4", max_steps=3)
    assert result == (8, [3.0, 3.0])


def test_import_is_light():
    code = "import sys, rlkit.viz; print([m for m in ('matplotlib', 'imageio') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
