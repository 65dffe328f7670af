"""Schedules: callables ``step -> value`` for exploration rates (epsilon, temperature).

A schedule takes a step count and returns a float. The *unit* of the step is whatever the caller
passes (DqnAgent passes its ``train_step_counter``, i.e. gradient steps); name it where you
configure one (``..._train_steps`` vs ``..._env_steps``).

    epsilon = LinearSchedule(start=1.0, end=0.05, duration=10_000)   # 1.0 -> 0.05 over 10k steps
    epsilon(0), epsilon(5_000), epsilon(20_000)                      # 1.0, 0.525, 0.05
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol, Union, runtime_checkable

__all__ = ["Schedule", "ConstantSchedule", "LinearSchedule", "ExponentialSchedule", "as_schedule", "ScheduleLike"]


@runtime_checkable
class Schedule(Protocol):
    """Anything called with a step count (int >= 0) that returns a float."""

    def __call__(self, step: int) -> float: ...


@dataclass(frozen=True)
class ConstantSchedule:
    """Always ``value``."""

    value: float

    def __call__(self, step: int) -> float:
        return float(self.value)


@dataclass(frozen=True)
class LinearSchedule:
    """``start`` at step ``begin``, linearly to ``end`` at ``begin + duration`` steps, then ``end``.

    Attributes:
      start: value at and before ``begin``.
      end: value from ``begin + duration`` on.
      duration: number of steps of the ramp (> 0).
      begin: step at which the ramp starts (>= 0).
    """

    start: float
    end: float
    duration: int
    begin: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.duration, (int, float)) and self.duration > 0):
            raise ValueError(f"LinearSchedule duration must be a positive number of steps, got {self.duration!r}")
        if self.begin < 0:
            raise ValueError(f"LinearSchedule begin must be >= 0, got {self.begin!r}")

    def __call__(self, step: int) -> float:
        fraction = min(max(step - self.begin, 0) / self.duration, 1.0)
        return float(self.start + fraction * (self.end - self.start))


@dataclass(frozen=True)
class ExponentialSchedule:
    """``start * decay ** (step / decay_steps)``, never below ``end``.

    Attributes:
      start: value at step 0.
      end: floor of the value.
      decay: factor applied every ``decay_steps`` steps, in (0, 1].
      decay_steps: steps per application of ``decay`` (> 0).
    """

    start: float
    end: float
    decay: float
    decay_steps: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.decay <= 1.0:
            raise ValueError(f"ExponentialSchedule decay must be in (0, 1], got {self.decay!r}")
        if self.decay_steps <= 0:
            raise ValueError(f"ExponentialSchedule decay_steps must be > 0, got {self.decay_steps!r}")

    def __call__(self, step: int) -> float:
        return float(max(self.end, self.start * math.pow(self.decay, max(step, 0) / self.decay_steps)))


ScheduleLike = Union[float, int, Callable[[int], float]]


def as_schedule(value: ScheduleLike, name: str = "value") -> Callable[[int], float]:
    """``value`` as a schedule: numbers become :class:`ConstantSchedule`, callables pass through."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a schedule callable(step) -> float, got {value!r}")
    if isinstance(value, (int, float)):
        return ConstantSchedule(float(value))
    if callable(value):
        return value
    raise TypeError(f"{name} must be a number or a schedule callable(step) -> float, got {type(value).__name__}")
