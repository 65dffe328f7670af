"""The replay sampler kernel: index draw + window validity + gather, in one call.

Implemented three times with identical results (same ``rng_state`` -> same batch):
``rlkit_ext._sampler`` (Cython), ``rlkit.kernels.sampler_numba``, ``rlkit.kernels.sampler_numpy``
(the reference). Pick one with ``rlkit.backend.load("sampler", backend)``.

Storage layout the kernel reads: ``records`` is a C-contiguous array whose bytes are
``[num_envs, max_length, record_size]``: one packed record per stored row (every field of the
``Trajectory``), env ``e`` writing its ``t``-th row (``t`` counts rows since the last clear) at
position ``t % max_length``. The ``step_type`` of a row is a native int32 at byte
``step_type_offset`` of its record. ``count`` is the number of rows each env has written.

A *window* is ``num_steps`` consecutive stored rows of one env. It is valid when all its rows are
stored (none unwritten, none past the write head after wrap-around) and its first row is not LAST.

Random numbers: a splitmix64 stream in plain uint64 arithmetic; ``rng_state`` (uint64 ``[1]``) is
advanced by one step per draw. A draw ``x`` picks an integer below ``n`` as
``floor(float64(x >> 11) * 2**-53 * n)`` (clamped to ``n - 1``) and a float below ``total`` as
``float64(x >> 11) * 2**-53 * total``. Rejected draws are redrawn in *rounds*: round 1 draws once
for every output slot in order, each later round once for every slot still rejected, in order.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

LAST = 2  # rlkit.types.StepType.LAST
GAVE_UP = -1  # returned when ``max_rounds`` rounds left some slot rejected
NO_VALID_WINDOW = 0  # returned when no valid window exists


class SamplerKernel(Protocol):
    def sample_uniform(
        self,
        records: np.ndarray,
        num_envs: int,
        max_length: int,
        record_size: int,
        step_type_offset: int,
        count: int,
        num_steps: int,
        num_last: int,
        rng_state: np.ndarray,
        out: np.ndarray,
        ids: np.ndarray,
        info: np.ndarray,
        max_rounds: int,
    ) -> int:
        """Draw ``M = ids.shape[0]`` windows uniformly among the valid ones and gather them.

        Args:
          records: bytes ``[num_envs, max_length, record_size]`` (any dtype, C-contiguous).
          count: rows written per env since the last clear (stored rows: ``min(count, max_length)``).
          num_last: how many stored rows (all envs) have step_type LAST.
          rng_state: uint64 ``[1]``, advanced in place.
          out: C-contiguous, bytes ``[M, num_steps, record_size]``: the gathered windows.
          ids: int64 ``[M]``: window ids ``t * num_envs + e`` of each first row (``t`` as above).
          info: float32 ``[2, M]``: row 0 the probability ``1 / num_valid_windows``, row 1 the weight 1.
          max_rounds: give up after this many rounds of redraws.

        Returns:
          The number of valid windows (> 0) on success, ``NO_VALID_WINDOW`` (0) or ``GAVE_UP`` (-1).
        """

    def sample_prioritized(
        self,
        records: np.ndarray,
        num_envs: int,
        max_length: int,
        record_size: int,
        step_type_offset: int,
        count: int,
        num_steps: int,
        tree: np.ndarray,
        rng_state: np.ndarray,
        out: np.ndarray,
        ids: np.ndarray,
        info: np.ndarray,
        max_rounds: int,
    ) -> int:
        """Draw ``M`` windows with probability proportional to the priority of their first row.

        ``tree`` is a float64 sum tree (see ``rlkit.kernels.sumtree``) whose leaf ``e * max_length + p``
        holds the priority of row position ``p`` of env ``e`` (0 for unwritten and LAST rows). Windows
        that would run past the write head are redrawn; the probability written to ``info[0]`` is
        ``priority / (total - priority of rows too close to the head)``. ``info[1]`` is untouched.

        Returns:
          1 on success, ``NO_VALID_WINDOW`` (0) or ``GAVE_UP`` (-1).
        """

    def random_uint64(self, rng_state: np.ndarray, out: np.ndarray) -> None:
        """Fill uint64 ``out`` with the next values of the stream (for tests and seeding)."""
