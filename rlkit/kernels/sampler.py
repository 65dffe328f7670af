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

Every implementation checks its arguments (sizes in bytes, the step type inside the record,
``rng_state`` uint64 ``[1]``, ``ids`` int64 ``[M]``, ``info`` float32 ``[2, M]``, the tree's leaves)
before it reads memory, with a ``ValueError`` naming expected and given (:func:`check_arguments`).

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

_U64, _I64, _F32, _F64 = np.dtype(np.uint64), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64)


def _got(array: object) -> str:
    return f"{getattr(array, 'dtype', type(array).__name__)}{list(np.shape(array))}"


def check_arguments(who: str, records: np.ndarray, num_envs: int, max_length: int, record_size: int,
                    step_type_offset: int, num_steps: int, rng_state: np.ndarray, out: np.ndarray, ids: np.ndarray,
                    info: np.ndarray, tree: np.ndarray | None = None) -> None:
    """``ValueError`` naming expected and given unless the arguments fit the contract below.

    The NumPy kernel calls this before touching memory; the Numba kernel (no bounds checks) makes
    the same checks, compiled, and the Cython kernel in C. Assumes sizes already known positive.
    """
    if not 0 <= step_type_offset <= record_size - 4:
        raise ValueError(f"{who}: the int32 step type at byte {step_type_offset} must lie inside the "
                         f"{record_size}-byte record")
    for name, array, nbytes in (("records", records, num_envs * max_length * record_size),
                                ("out", out, ids.shape[0] * num_steps * record_size)):
        if type(array) is not np.ndarray or array.nbytes != nbytes or not array.flags.c_contiguous:
            raise ValueError(f"{who}: {name} must be a C-contiguous array of {nbytes} bytes, got {_got(array)} "
                             f"({getattr(array, 'nbytes', '?')} bytes)")
    m = ids.shape[0]
    if (type(rng_state) is not np.ndarray or rng_state.shape != (1,) or rng_state.dtype != _U64
            or type(ids) is not np.ndarray or ids.ndim != 1 or ids.dtype != _I64
            or type(info) is not np.ndarray or info.shape != (2, m) or info.dtype != _F32):
        raise ValueError(f"{who}: expected rng_state uint64[1], ids int64[M] and info float32[2, M], "
                         f"got {_got(rng_state)}, {_got(ids)} and {_got(info)}")
    if tree is not None and (type(tree) is not np.ndarray or tree.ndim != 1 or tree.dtype != _F64
                             or tree.shape[0] // 2 < num_envs * max_length):
        raise ValueError(f"{who}: tree must be float64[2 * L] with L >= {num_envs * max_length} leaves, "
                         f"got {_got(tree)}")


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
