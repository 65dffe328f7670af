"""Draws CartPole frames with NumPy alone (no pygame, no display): gymnasium's 400x600 picture.

The frame matches gymnasium's ``CartPoleEnv.render()`` layout: white background, black track
line, black 50x30 cart, brown 10-pixel pole of 125 pixels (1 m) pivoting on a blue axle;
``x = 0`` is the centre column, 1 m is 125 pixels, positive ``theta`` leans the pole right.

Both sides are multiples of 8, so MP4 writers encode frames unchanged with
``imageio``'s ``macro_block_size=8`` (or 1); the default of 16 would pad 600 to 608.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["FRAME_HEIGHT", "FRAME_WIDTH", "cartpole_frame"]

FRAME_HEIGHT = 400
FRAME_WIDTH = 600
_SCALE = FRAME_WIDTH / (2 * 2.4)  # pixels per metre: the track spans +-2 x_threshold
_POLE_WIDTH = 10.0
_POLE_LENGTH = _SCALE * (2 * 0.5)
_CART_WIDTH = 50.0
_CART_HEIGHT = 30.0
_CART_TOP_Y = 100.0  # gymnasium's ``carty``: the track height, y measured upwards from the bottom
_AXLE_OFFSET = _CART_HEIGHT / 4.0

BACKGROUND = (255, 255, 255)
TRACK_COLOR = (0, 0, 0)
CART_COLOR = (0, 0, 0)
POLE_COLOR = (202, 152, 101)
AXLE_COLOR = (129, 132, 203)


def _box(frame_shape: tuple[int, ...], x0: float, x1: float, y0: float, y1: float) -> tuple[slice, slice, np.ndarray, np.ndarray]:
    """Row/column slices of the frame covering ``[x0, x1] x [y0, y1]`` (y up) and their pixel coordinates."""
    height, width = frame_shape[:2]
    c0, c1 = max(0, int(math.floor(x0))), min(width, int(math.ceil(x1)) + 1)
    r0, r1 = max(0, height - 1 - int(math.ceil(y1))), min(height, height - int(math.floor(y0)))
    cols = np.arange(c0, max(c0, c1), dtype=np.float64)
    ys = (height - 1 - np.arange(r0, max(r0, r1), dtype=np.float64))
    return slice(r0, max(r0, r1)), slice(c0, max(c0, c1)), cols[None, :], ys[:, None]


def cartpole_frame(x: float, theta: float) -> np.ndarray:
    """The RGB frame ``uint8 [400, 600, 3]`` of a cart at ``x`` (m) with its pole at ``theta`` (rad)."""
    frame = np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 255, np.uint8)
    cart_x = float(x) * _SCALE + FRAME_WIDTH / 2.0
    theta = float(theta)

    rows, cols, px, py = _box(frame.shape, cart_x - _CART_WIDTH / 2, cart_x + _CART_WIDTH / 2,
                              _CART_TOP_Y - _CART_HEIGHT / 2, _CART_TOP_Y + _CART_HEIGHT / 2)
    frame[rows, cols] = CART_COLOR

    pivot_x, pivot_y = cart_x, _CART_TOP_Y + _AXLE_OFFSET
    reach = _POLE_LENGTH + _POLE_WIDTH
    rows, cols, px, py = _box(frame.shape, pivot_x - reach, pivot_x + reach, pivot_y - reach, pivot_y + reach)
    wx, wy = px - pivot_x, py - pivot_y
    cos_t, sin_t = math.cos(theta), math.sin(theta)
    along = wx * sin_t + wy * cos_t  # distance along the pole from the pivot
    across = wx * cos_t - wy * sin_t
    pole = (np.abs(across) <= _POLE_WIDTH / 2) & (along >= -_POLE_WIDTH / 2) & (along <= _POLE_LENGTH - _POLE_WIDTH / 2)
    region = frame[rows, cols]
    region[pole] = POLE_COLOR

    radius = _POLE_WIDTH / 2
    axle_x, axle_y = float(int(pivot_x)), float(int(pivot_y))
    rows, cols, px, py = _box(frame.shape, axle_x - radius, axle_x + radius, axle_y - radius, axle_y + radius)
    region = frame[rows, cols]
    region[(px - axle_x) ** 2 + (py - axle_y) ** 2 <= radius * radius] = AXLE_COLOR

    frame[FRAME_HEIGHT - 1 - int(_CART_TOP_Y), :] = TRACK_COLOR
    return frame
