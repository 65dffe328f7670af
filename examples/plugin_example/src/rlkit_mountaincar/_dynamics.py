"""MountainCar dynamics as one Numba kernel over a batch of cars (private; see ``env.MountainCar``).

Constants and update order are gymnasium's ``MountainCar-v0`` (``mountain_car.py``), computed in
float64 like gymnasium's state, so the float32 observations match it exactly step for step.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

MIN_POSITION = -1.2
MAX_POSITION = 0.6
MAX_SPEED = 0.07
GOAL_POSITION = 0.5
FORCE = 0.001
GRAVITY = 0.0025
START_LOW = -0.6
START_HIGH = -0.4

# StepType values (rlkit.types.StepType), inlined so the kernel needs no Python objects.
_FIRST = 0
_MID = 1
_LAST = 2


@njit(cache=True, error_model="numpy")
def step_batch(
    state: np.ndarray,
    elapsed: np.ndarray,
    needs_reset: np.ndarray,
    action: np.ndarray,
    start_position: np.ndarray,
    max_episode_steps: int,
    goal_velocity: float,
    observation: np.ndarray,
    step_type: np.ndarray,
    reward: np.ndarray,
    discount: np.ndarray,
) -> None:
    """Advance every car one step in place (next-step autoreset).

    Args:
      state: float64 ``[N, 2]`` (position in [-1.2, 0.6], velocity in [-0.07, 0.07]); updated.
      elapsed: int64 ``[N]`` steps taken in the current episode; updated.
      needs_reset: bool ``[N]``: the previous step was LAST, so this step restarts; updated.
      action: int64 ``[N]`` in {0: push left, 1: no push, 2: push right} (validated by the caller).
      start_position: float64 ``[N]``: the start position for cars that restart this step.
      max_episode_steps: time limit; reaching it truncates (LAST, discount 1).
      goal_velocity: the episode terminates when position >= 0.5 and velocity >= this.
      observation, step_type, reward, discount: outputs ``[N, 2]`` float32, ``[N]`` int32,
        ``[N]`` float32, ``[N]`` float32.
    """
    for i in range(state.shape[0]):
        if needs_reset[i]:
            state[i, 0] = start_position[i]
            state[i, 1] = 0.0
            elapsed[i] = 0
            needs_reset[i] = False
            step_type[i] = _FIRST
            reward[i] = 0.0
            discount[i] = 1.0
        else:
            position = state[i, 0]
            velocity = state[i, 1]
            velocity += (action[i] - 1) * FORCE + math.cos(3.0 * position) * (-GRAVITY)
            velocity = min(max(velocity, -MAX_SPEED), MAX_SPEED)
            position += velocity
            position = min(max(position, MIN_POSITION), MAX_POSITION)
            if position == MIN_POSITION and velocity < 0.0:
                velocity = 0.0  # inelastic collision with the left wall
            state[i, 0] = position
            state[i, 1] = velocity
            elapsed[i] += 1
            reward[i] = -1.0
            if position >= GOAL_POSITION and velocity >= goal_velocity:
                step_type[i] = _LAST  # termination: no value beyond the goal
                discount[i] = 0.0
                needs_reset[i] = True
            elif elapsed[i] >= max_episode_steps:
                step_type[i] = _LAST  # truncation: the time limit, bootstrapping continues
                discount[i] = 1.0
                needs_reset[i] = True
            else:
                step_type[i] = _MID
                discount[i] = 1.0
        observation[i, 0] = np.float32(state[i, 0])
        observation[i, 1] = np.float32(state[i, 1])
