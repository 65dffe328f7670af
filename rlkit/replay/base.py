"""Shared machinery of rlkit's replay buffers: packed circular storage, validation, the kernel call, files.

Storage: one packed record per row (see ``rlkit.replay.layout``) in a ``[batch_size, max_length]``
structured array, env ``e`` writing its ``t``-th row (``t`` counts ``add_batch`` calls since the
last ``clear``) at position ``t % max_length``. The next observation of row ``t`` is the observation
of row ``t + 1`` of the same env, so each frame is stored once.

Window ids (``BufferInfo.ids``) are ``t * batch_size + e`` for the window's first row: unique over
the buffer's life, so a stale id (its row overwritten since) is recognised.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rlkit import backend as _backend
from rlkit.validation import check_count
from rlkit.core import ReplayBuffer
from rlkit.fileio import atomic_write
from rlkit.types import BufferInfo, StepType, Trajectory

from rlkit.replay.layout import RecordLayout

__all__ = ["RecordReplayBuffer", "OutputArena", "ReplayBufferFileError", "NotEnoughDataError", "FILE_FORMAT", "FILE_VERSION"]

FILE_FORMAT = "rlkit.replay_buffer"
FILE_VERSION = 1
MAX_ROUNDS = 1000  # rounds of redraws before sampling gives up (see rlkit.kernels.sampler)
_LAST = int(StepType.LAST)


class ReplayBufferFileError(ValueError):
    """A saved buffer file that is truncated, corrupt, or does not match the buffer loading it."""


class NotEnoughDataError(ValueError):
    """The buffer holds no (or too few) valid windows to sample from."""


def _seed_state(seed: int | None) -> np.ndarray:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return np.random.SeedSequence(None if seed is None else int(seed)).generate_state(1, np.uint64)


class OutputArena:
    """Output arrays for ``size`` future samples of shape ``[B, T]``, allocated at once.

    ``out[i]``, ``ids[i]`` and ``info[i]`` serve the ``i``-th call and are never handed out twice, so
    results stay valid; slicing them is ~3x cheaper than three fresh allocations per call.
    """

    __slots__ = ("shape", "size", "next", "out", "ids", "info")

    def __init__(self, dtype: np.dtype, sample_batch_size: int, num_steps: int, size: int = 16) -> None:
        self.shape = (sample_batch_size, num_steps)
        self.size = size
        self.next = 0
        self.out = np.empty((size, sample_batch_size, num_steps), dtype)
        self.ids = np.empty((size, sample_batch_size), np.int64)
        self.info = np.empty((size, 2, sample_batch_size), np.float32)


class RecordReplayBuffer(ReplayBuffer):
    """Base of ``UniformReplayBuffer`` and ``PrioritizedReplayBuffer``; subclasses write ``_draw``."""

    def __init__(self, data_spec: Trajectory, batch_size: int = 1, max_length: int = 100_000,
                 seed: int | None = None, backend: str | None = None) -> None:
        batch_size = check_count(batch_size, "batch_size")
        max_length = check_count(max_length, "max_length")
        self._layout = RecordLayout(data_spec)
        super().__init__(data_spec, batch_size * max_length, batch_size)
        self._max_length = max_length
        self._records = np.zeros((batch_size, max_length), self._layout.dtype)
        self._columns = [self._records[name] for name in self._layout.names]
        self._step_types = self._records["step_type"]
        self._backend = _backend.default() if backend is None else backend
        self._sampler = _backend.load("sampler", self._backend)
        self._rng_state = _seed_state(seed)
        self._count = 0  # rows written per env since the last clear
        self._num_last = 0  # stored rows (all envs) whose step_type is LAST
        # constant kernel arguments, bound once
        self._record_bytes = self._records.reshape(-1).view(np.uint8).reshape(batch_size, max_length, -1)
        self._kernel_args = (self._record_bytes, batch_size, max_length, self._layout.record_size,
                             self._layout.step_type_offset)

    # -- properties ------------------------------------------------------------------------------
    @property
    def max_length(self) -> int:
        """Rows kept per env (FIFO)."""
        return self._max_length

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def nbytes(self) -> int:
        """Bytes of preallocated storage (``nbytes / capacity`` bytes per stored transition)."""
        return int(self._records.nbytes)

    @property
    def record_dtype(self) -> np.dtype:
        return self._layout.dtype

    def num_frames(self) -> int:
        return self._batch_size * min(self._count, self._max_length)

    # -- writing ---------------------------------------------------------------------------------
    def _add_batch(self, items: Trajectory) -> None:
        leaves = self._layout.validate(items, self._batch_size)
        pos = self._count % self._max_length
        if self._count >= self._max_length:
            self._num_last -= int(np.count_nonzero(self._step_types[:, pos] == _LAST))
        for column, leaf in zip(self._columns, leaves):
            column[:, pos] = leaf
        self._num_last += int(np.count_nonzero(self._step_types[:, pos] == _LAST))
        self._count += 1
        self._after_add(np.array([pos], np.int64))

    def _add_sequence(self, items: Trajectory) -> None:
        """``T`` rows per env validated once and written with one copy per field."""
        step_type = np.asarray(getattr(items, "step_type", None))
        if not isinstance(items, Trajectory) or step_type.ndim < 1:
            self._layout.validate(items, self._batch_size, 0)  # raises the message naming the layout
        num_steps = int(step_type.shape[0])
        leaves = self._layout.validate(items, self._batch_size, num_steps)
        if num_steps == 0:
            return
        rows = np.arange(self._count, self._count + num_steps, dtype=np.int64)
        if num_steps > self._max_length:  # only the newest max_length rows survive
            rows, leaves = rows[-self._max_length:], [leaf[-self._max_length:] for leaf in leaves]
        positions = rows % self._max_length
        overwritten = positions[rows >= self._max_length]
        if overwritten.size:
            self._num_last -= int(np.count_nonzero(self._step_types[:, overwritten] == _LAST))
        for column, leaf in zip(self._columns, leaves):
            column[:, positions] = np.swapaxes(leaf, 0, 1)
        self._num_last += int(np.count_nonzero(self._step_types[:, positions] == _LAST))
        self._count += num_steps
        self._after_add(positions)

    def _after_add(self, positions: np.ndarray) -> None:
        """Hook: rows at ``positions`` (int64 ``[P]``) of every env were just written."""

    def clear(self) -> None:
        self._count = 0
        self._num_last = 0

    def gather_all(self) -> Trajectory:
        stored = min(self._count, self._max_length)
        order = (self._count - stored + np.arange(stored)) % self._max_length
        return self._layout.to_trajectory(self._records[:, order])

    # -- sampling --------------------------------------------------------------------------------
    def _sample(self, sample_batch_size: int, num_steps: int, rng: np.random.Generator | None
                ) -> tuple[Trajectory, BufferInfo]:
        if type(sample_batch_size) is not int or type(num_steps) is not int or sample_batch_size < 1 or num_steps < 1:
            check_count(sample_batch_size, "sample_batch_size")
            check_count(num_steps, "num_steps")
            sample_batch_size, num_steps = int(sample_batch_size), int(num_steps)
        out = np.empty((sample_batch_size, num_steps), self._layout.dtype)
        ids = np.empty(sample_batch_size, np.int64)
        info = np.empty((2, sample_batch_size), np.float32)
        self._draw(out, ids, info, num_steps, 1, rng)
        return self._layout.to_trajectory(out), BufferInfo(ids, info[0], info[1])

    def _sample_block(self, num_blocks: int, sample_batch_size: int, num_steps: int,
                      rng: np.random.Generator | None) -> tuple[Trajectory, BufferInfo]:
        """``num_blocks`` batches in one kernel call (independent draws, as ``K`` ``sample`` calls)."""
        num_blocks = check_count(num_blocks, "num_blocks")
        sample_batch_size = check_count(sample_batch_size, "sample_batch_size")
        num_steps = check_count(num_steps, "num_steps")
        out = np.empty((num_blocks, sample_batch_size, num_steps), self._layout.dtype)
        ids = np.empty((num_blocks, sample_batch_size), np.int64)
        info = np.empty((2, num_blocks, sample_batch_size), np.float32)
        self._draw(out, ids.reshape(-1), info.reshape(2, -1), num_steps, num_blocks, rng)
        return self._layout.to_trajectory(out), BufferInfo(ids, info[0], info[1])

    def _rng_for(self, rng: np.random.Generator | None) -> np.ndarray:
        if rng is None:
            return self._rng_state
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator or None, got {type(rng).__name__}")
        return np.array([rng.integers(np.iinfo(np.uint64).max, dtype=np.uint64, endpoint=True)], np.uint64)

    def _draw(self, out: np.ndarray, ids: np.ndarray, info: np.ndarray, num_steps: int, num_blocks: int,
              rng: np.random.Generator | None) -> None:
        """Fill ``out`` (``[M, num_steps]`` records), ``ids`` ``[M]`` and ``info`` ``[2, M]``."""
        raise NotImplementedError

    def _raise_sampling_error(self, code: int, num_steps: int) -> None:
        stored = min(self._count, self._max_length)
        if code == 0:
            raise NotEnoughDataError(
                f"cannot sample windows of num_steps={num_steps} from {type(self).__name__}: each of its "
                f"{self._batch_size} env(s) holds {stored} row(s) and no window of {num_steps} rows that does "
                f"not start on a LAST step fits; add more data (or use a smaller num_steps) first"
            )
        raise NotEnoughDataError(
            f"gave up sampling windows of num_steps={num_steps} after {MAX_ROUNDS} rounds of redraws: "
            f"almost every candidate window of the {self.num_frames()} stored rows starts on a LAST step or runs "
            "past the write head; add more data first"
        )

    # -- validity (used by update_priorities and tests) ------------------------------------------
    def _locate(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(env, t, stored)`` for window ids; ``stored`` is False where the row is gone or never written."""
        env = ids % self._batch_size
        t = ids // self._batch_size
        stored = (t >= self._count - min(self._count, self._max_length)) & (t < self._count) & (ids >= 0)
        return env, t, stored

    # -- files -----------------------------------------------------------------------------------
    def _extra_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Hook: ``(json header entries, arrays)`` a subclass adds to a saved file."""
        return {}, {}

    def _restore_extra(self, header: dict, arrays: dict[str, np.ndarray], where: str) -> None:
        """Hook: restore what ``_extra_state`` saved (validated against ``header`` first); ``where``
        names the source in error messages."""

    def _header(self) -> dict:
        return {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "kind": type(self).__name__,
            "batch_size": self._batch_size,
            "max_length": self._max_length,
            "record_size": self._layout.record_size,
            "spec": self._layout.signature(),
            "count": self._count,
        }

    def get_state(self) -> dict[str, np.ndarray]:
        """Storage, counters, RNG state and subclass state: a JSON ``header`` (uint8) and raw arrays.

        The arrays are views of the live storage: copy them (or write them out) before adding more."""
        header, extra = self._extra_state()
        header = {**self._header(), **header}
        return {
            "header": np.frombuffer(json.dumps(header).encode(), np.uint8),
            "records": self._records.reshape(-1).view(np.uint8),
            "rng_state": self._rng_state,
            **extra,
        }

    def set_state(self, state: Any, where: str = "replay buffer state") -> None:
        """Restore in place a :meth:`get_state` of a buffer of the same kind, sizes and spec.

        Raises ``ReplayBufferFileError`` (a ``ValueError``) naming ``where`` on a corrupt or mismatched
        state; the buffer is unchanged then."""
        arrays = dict(state)
        try:
            header = json.loads(np.asarray(arrays.pop("header"), np.uint8).tobytes().decode())
        except (KeyError, ValueError, UnicodeDecodeError) as err:
            raise ReplayBufferFileError(f"{where} has no readable header ({err}); it is truncated or corrupt") from None
        if not isinstance(header, dict) or header.get("format") != FILE_FORMAT:
            raise ReplayBufferFileError(f"{where} is not rlkit replay buffer state (no {FILE_FORMAT} header)")
        expected = self._header()
        for key in ("format", "version", "kind", "batch_size", "max_length", "record_size", "spec"):
            if header.get(key) != expected[key]:
                raise ReplayBufferFileError(
                    f"{where} does not match this buffer: {key} is "
                    f"{header.get(key)!r} there but {expected[key]!r} here; load it into a "
                    f"{header.get('kind', 'buffer')} built with the same data_spec, batch_size and max_length"
                )
        count = header.get("count")
        if not isinstance(count, int) or count < 0:
            raise ReplayBufferFileError(f"{where} is corrupt: bad count {count!r}")
        self._check_array(where, arrays, "records", np.uint8, (self._records.nbytes,))
        self._check_array(where, arrays, "rng_state", np.uint64, (1,))
        self._restore_extra(header, arrays, where)  # validates before anything changes here
        self._records.reshape(-1).view(np.uint8)[:] = arrays["records"]
        self._rng_state[:] = arrays["rng_state"]
        self._count = count
        stored = min(count, self._max_length)
        order = (count - stored + np.arange(stored)) % self._max_length
        self._num_last = int(np.count_nonzero(self._step_types[:, order] == _LAST))

    def save(self, path: str | Path) -> None:
        """Write :meth:`get_state` to ``path`` atomically: an uncompressed ``.npz`` (no pickle) holding
        the JSON header (format version, buffer kind and sizes, data spec signature, counters) and
        the raw arrays; ``path`` is used as given."""
        with atomic_write(path, "wb") as handle:
            np.savez(handle, **self.get_state())

    def load(self, path: str | Path) -> None:
        """Restore in place the state ``save`` wrote to ``path`` (a buffer of the same kind, sizes and spec).

        Raises ``ReplayBufferFileError`` (a ``ValueError``) naming the file on a truncated, corrupt or
        mismatched file; the buffer is unchanged then.
        """
        self.set_state(self._read(Path(path)), where=f"replay buffer file {str(path)!r}")

    @staticmethod
    def _check_array(where: str, arrays: dict, name: str, dtype: Any, shape: tuple) -> None:
        array = arrays.get(name)
        if array is None or array.dtype != dtype or array.shape != shape:
            got = "missing" if array is None else f"{array.dtype}{list(array.shape)}"
            raise ReplayBufferFileError(
                f"{where} is corrupt: array {name!r} should be "
                f"{np.dtype(dtype)}{list(shape)}, got {got}; save the buffer again"
            )

    @staticmethod
    def _read(path: Path) -> dict[str, np.ndarray]:
        fix = "it is truncated or corrupt; restore it from an older checkpoint or save the buffer again"
        try:
            with np.load(path, allow_pickle=False) as archive:
                return {name: archive[name] for name in archive.files}
        except FileNotFoundError:
            raise ReplayBufferFileError(f"replay buffer file {str(path)!r} does not exist; check the path") from None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            raise ReplayBufferFileError(f"cannot read replay buffer file {str(path)!r} ({err}): {fix}") from None
