"""Uniform replay: every valid window is equally likely (TF-Agents' ``TFUniformReplayBuffer``, NumPy-native)."""
from __future__ import annotations

import numpy as np

from rlkit.replay.base import MAX_ROUNDS, OutputArena, RecordReplayBuffer
from rlkit.types import BufferInfo, Trajectory

__all__ = ["UniformReplayBuffer"]

_new = tuple.__new__


class UniformReplayBuffer(RecordReplayBuffer):
    """Circular storage of ``Trajectory`` rows from ``batch_size`` envs; samples windows uniformly.

    Example::

        buffer = UniformReplayBuffer(agent.collect_data_spec, batch_size=1, max_length=100_000, seed=0)
        buffer.add_batch(trajectory)                          # every field [batch_size, ...]
        experience, info = buffer.sample(64, num_steps=2)     # fields [64, 2, ...]
        block, info = buffer.sample_block(10, 64)             # fields [10, 64, 2, ...], one kernel call

    Args:
      data_spec: a ``Trajectory`` of specs (dict/tuple nests allowed; ``policy_info`` may be ``()``).
      batch_size: envs whose rows each ``add_batch`` appends (one row each).
      max_length: rows kept per env; ``capacity = batch_size * max_length``.
      seed: seed of the buffer's own random stream (part of the saved state); ``None`` draws one.
      backend: kernel backend (``"cython"``, ``"numba"``, ``"numpy"``; default ``rlkit.backend.default()``).
        Every backend gives the same samples for the same seed.

    ``BufferInfo.probabilities`` is ``1 / number of valid windows``; ``weights`` are ones.
    Each sample's arrays are fresh (never overwritten later); they are carved from chunks allocated
    for several calls at once, which keeps ``sample`` within a few microseconds.
    """

    def __init__(self, data_spec: Trajectory, batch_size: int = 1, max_length: int = 100_000,
                 seed: int | None = None, backend: str | None = None) -> None:
        super().__init__(data_spec, batch_size, max_length, seed, backend)
        self._arena = OutputArena(self._layout.dtype, 1, 1, size=0)

    def _sample(self, sample_batch_size: int, num_steps: int, rng: np.random.Generator | None
                ) -> tuple[Trajectory, BufferInfo]:
        """The hot path, kept flat: preallocated outputs, one kernel call. ``rng`` (a NumPy Generator)
        replaces the buffer's own random stream for this call only."""
        if type(sample_batch_size) is not int or type(num_steps) is not int or sample_batch_size < 1 or num_steps < 1:
            return super()._sample(sample_batch_size, num_steps, rng)
        arena = self._arena
        if arena.shape != (sample_batch_size, num_steps) or arena.next == arena.size:
            arena = self._arena = OutputArena(self._layout.dtype, sample_batch_size, num_steps)
        i = arena.next
        arena.next = i + 1
        out, ids, info = arena.out[i], arena.ids[i], arena.info[i]
        code = self._sampler.sample_uniform(*self._kernel_args, self._count, num_steps, self._num_last,
                                            self._rng_state if rng is None else self._rng_for(rng),
                                            out, ids, info, MAX_ROUNDS)
        if code <= 0:
            self._raise_sampling_error(code, num_steps)
        return self._layout.to_trajectory(out), _new(BufferInfo, (ids, info[0], info[1]))

    def _draw(self, out: np.ndarray, ids: np.ndarray, info: np.ndarray, num_steps: int, num_blocks: int,
              rng: np.random.Generator | None) -> None:
        state = self._rng_state if rng is None else self._rng_for(rng)
        code = self._sampler.sample_uniform(*self._kernel_args, self._count, num_steps, self._num_last,
                                            state, out, ids, info, MAX_ROUNDS)
        if code <= 0:
            self._raise_sampling_error(code, num_steps)
