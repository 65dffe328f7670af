"""Uniform replay: every valid window is equally likely (TF-Agents' ``TFUniformReplayBuffer``, NumPy-native)."""
from __future__ import annotations

import numpy as np

from rlkit.replay.base import MAX_ROUNDS, RecordReplayBuffer

__all__ = ["UniformReplayBuffer"]


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
    """

    def _draw(self, out: np.ndarray, ids: np.ndarray, info: np.ndarray, num_steps: int, num_blocks: int,
              rng: np.random.Generator | None) -> None:
        state = self._rng_state if rng is None else self._rng_for(rng)
        code = self._sampler.sample_uniform(*self._kernel_args, self._count, num_steps, self._num_last,
                                            state, out, ids, info, MAX_ROUNDS)
        if code <= 0:
            self._raise_sampling_error(code, num_steps)
