"""A NumPy rasteriser for MountainCar frames (no pygame): the hill, the flag and the car.

Geometry follows gymnasium's ``MountainCarEnv.render``: a 600 x 400 canvas, world x in
[-1.2, 0.6] scaled to the width, hill height ``0.45 sin(3x) + 0.55``, a 40 x 20 car tilted by
``cos(3x)`` radians with two wheels, and a yellow flag at the goal position.
"""
from __future__ import annotations

import math

import numpy as np

from rlkit_mountaincar._dynamics import GOAL_POSITION, MAX_POSITION, MIN_POSITION

WIDTH = 600
HEIGHT = 400
_SCALE = WIDTH / (MAX_POSITION - MIN_POSITION)  # pixels per world unit
_CAR_WIDTH = 40
_CAR_HEIGHT = 20
_CLEARANCE = 10
_WHEEL_RADIUS = _CAR_HEIGHT / 2.5

_BACKGROUND = (255, 255, 255)
_HILL = (0, 0, 0)
_CAR = (0, 0, 0)
_WHEEL = (128, 128, 128)
_FLAG = (204, 204, 0)

# Pixel centres in "up" coordinates (y grows upwards from the bottom row), computed once.
_X = np.arange(WIDTH, dtype=np.float64)[None, :] + 0.5
_Y = (HEIGHT - 1 - np.arange(HEIGHT, dtype=np.float64))[:, None] + 0.5


def hill_height(x: np.ndarray | float) -> np.ndarray | float:
    """Height of the hill (world units) at position ``x``."""
    return np.sin(3 * x) * 0.45 + 0.55


def _background() -> np.ndarray:
    frame = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    frame[...] = _BACKGROUND
    xs = MIN_POSITION + (_X[0] / _SCALE)
    hill_y = hill_height(xs) * _SCALE
    frame[np.abs(_Y - hill_y[None, :]) <= 1.5] = _HILL  # a 3-pixel line under every column
    flag_x = (GOAL_POSITION - MIN_POSITION) * _SCALE
    flag_y1 = hill_height(GOAL_POSITION) * _SCALE
    flag_y2 = flag_y1 + 50
    pole = (np.abs(_X - flag_x) <= 1.0) & (_Y >= flag_y1) & (_Y <= flag_y2)
    frame[pole] = _HILL
    # Triangle (flag_x, flag_y2), (flag_x, flag_y2 - 10), (flag_x + 25, flag_y2 - 5).
    dx = _X - flag_x
    cloth = (dx >= 0) & (dx <= 25) & (np.abs(_Y - (flag_y2 - 5)) <= 5 * (1 - dx / 25))
    frame[cloth] = _FLAG
    return frame


_BACKGROUND_FRAME = _background()
_BACKGROUND_FRAME.setflags(write=False)


def render_frame(position: float) -> np.ndarray:
    """An RGB ``uint8`` frame ``[400, 600, 3]`` of a car at ``position`` (world units)."""
    frame = _BACKGROUND_FRAME.copy()
    angle = math.cos(3 * position)
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    base_x = (position - MIN_POSITION) * _SCALE
    base_y = _CLEARANCE + hill_height(position) * _SCALE
    # Car body: pixels whose coordinates in the car's (rotated) frame fall inside the rectangle.
    rel_x = _X - base_x
    rel_y = _Y - base_y
    local_x = rel_x * cos_a + rel_y * sin_a
    local_y = -rel_x * sin_a + rel_y * cos_a
    body = (np.abs(local_x) <= _CAR_WIDTH / 2) & (local_y >= 0) & (local_y <= _CAR_HEIGHT)
    frame[body] = _CAR
    for offset in (_CAR_WIDTH / 4, -_CAR_WIDTH / 4):
        wheel_x = base_x + offset * cos_a
        wheel_y = base_y + offset * sin_a
        wheel = (_X - wheel_x) ** 2 + (_Y - wheel_y) ** 2 <= _WHEEL_RADIUS**2
        frame[wheel] = _WHEEL
    return frame
