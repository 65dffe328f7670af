"""Observer adapters: give an observer the row shape it wants.

Drivers hand observers trajectories shaped like the env's time steps (TF-Agents' ``PyDriver``):
a batched env of ``N`` envs gives fields ``[N, ...]``, an unbatched env gives unbatched fields.
Replay buffers store rows ``[batch_size, ...]``, so an unbatched env feeds one through
:func:`batched`::

    driver = StepDriver(env, policy, observers=[batched(buffer), AverageReturnMetric()])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rlkit import nest
from rlkit.core import ReplayBuffer
from rlkit.types import Trajectory

__all__ = ["BatchedObserver", "batched", "add_batch_dim", "stores_batched_rows"]


def add_batch_dim(trajectory: Trajectory) -> Trajectory:
    """``trajectory`` with a leading batch dim of 1 on every array (``()`` nests stay ``()``)."""
    return nest.map_structure(lambda leaf: np.expand_dims(np.asarray(leaf), 0), trajectory)


class BatchedObserver:
    """Calls ``observer`` with rows that always have a batch dim (unbatched ones get ``[1, ...]``)."""

    def __init__(self, observer: Callable[[Trajectory], Any]) -> None:
        if not callable(observer):
            raise TypeError(f"observer {observer!r} is not callable: observers are called with each Trajectory")
        self.observer = observer

    def __call__(self, trajectory: Trajectory) -> None:
        if np.ndim(trajectory.step_type) == 0:
            trajectory = add_batch_dim(trajectory)
        self.observer(trajectory)

    def __repr__(self) -> str:
        return f"batched({self.observer!r})"


def batched(observer: Callable[[Trajectory], Any]) -> BatchedObserver:
    """Wrap ``observer`` (e.g. a replay buffer) so that it receives rows ``[1, ...]`` from an unbatched env."""
    return BatchedObserver(observer)


def stores_batched_rows(observer: Any) -> bool:
    """True for a replay buffer or its bound ``add_batch``: observers that need fields ``[batch_size, ...]``."""
    owner = getattr(observer, "__self__", observer)
    return isinstance(owner, ReplayBuffer)
