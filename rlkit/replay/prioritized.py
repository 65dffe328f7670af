"""Proportional prioritized replay (Schaul et al. 2016) on a compiled sum tree."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from rlkit import backend as _backend
from rlkit.core import PrioritizedReplay
from rlkit.replay.base import MAX_ROUNDS, RecordReplayBuffer, ReplayBufferFileError
from rlkit.types import StepType, Trajectory

__all__ = ["PrioritizedReplayBuffer"]


def _check_fraction(name: str, value: float, maximum: float = math.inf) -> float:
    """``value`` as a float in ``[0, maximum]`` (``[0, inf)`` by default), else a one-line ``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not math.isfinite(value) or not 0.0 <= value <= maximum:
        allowed = "a finite number >= 0" if maximum == math.inf else f"a number in [0, {maximum:g}]"
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return float(value)


class PrioritizedReplayBuffer(RecordReplayBuffer, PrioritizedReplay):
    """A replay buffer that samples a window with probability proportional to its first row's priority.

    ``P(i) = p_i**alpha / sum_k p_k**alpha`` over the valid windows, where ``p_i`` is the priority
    (new rows get the largest priority given so far, initially 1; ``update_priorities`` sets
    ``p_i = priority + epsilon``). Importance weights ``w_i = (N * P(i))**-beta / max_j w_j`` use the
    max over the sampled batch (Acme's convention), so they lie in ``(0, 1]`` and ``N`` cancels.

    Example::

        buffer = PrioritizedReplayBuffer(spec, max_length=100_000, alpha=0.6,
                                         beta=lambda step: min(1.0, 0.4 + 0.6 * step / 100_000))
        experience, info = buffer.sample(64)                  # info.weights scale the per-sample loss
        buffer.update_priorities(info.ids, np.abs(td_errors))

    Args:
      alpha: priority exponent in [0, 1] (0: uniform, 1: fully proportional).
      beta: importance-sampling exponent in [0, 1], or a schedule ``beta(step) -> float`` where ``step``
        counts the batches sampled from this buffer so far (``sample`` counts 1, ``sample_block`` K;
        i.e. gradient steps when each batch feeds one step). The counter is saved with the buffer.
      epsilon: added to every updated priority so no window becomes unreachable.
      The other arguments are those of ``UniformReplayBuffer``.
    """

    def __init__(self, data_spec: Trajectory, batch_size: int = 1, max_length: int = 100_000,
                 alpha: float = 0.6, beta: float | Callable[[int], float] = 0.4, epsilon: float = 1e-6,
                 seed: int | None = None, backend: str | None = None) -> None:
        super().__init__(data_spec, batch_size, max_length, seed, backend)
        self._alpha = _check_fraction("alpha", alpha, 1.0)
        if not callable(beta):
            beta = _check_fraction("beta", beta, 1.0)
        self._beta = beta
        self._epsilon = _check_fraction("epsilon", epsilon)
        self._sumtree = _backend.load("sumtree", self._backend)
        num_leaves = 1 << max(0, (self.capacity - 1).bit_length())
        self._tree = np.zeros(2 * num_leaves, np.float64)
        self._max_priority = 1.0
        self._sample_steps = 0
        self._env_leaves = np.arange(self._batch_size, dtype=np.int64) * self._max_length

    @property
    def alpha(self) -> float:
        return self._alpha

    @property
    def sample_steps(self) -> int:
        """Batches sampled so far: the ``step`` passed to a ``beta`` schedule."""
        return self._sample_steps

    def beta_at(self, step: int) -> float:
        """The importance-sampling exponent for the ``step``-th sampled batch."""
        beta = self._beta(step) if callable(self._beta) else self._beta
        return _check_fraction(f"beta({step})", beta, 1.0)

    def total_priority(self) -> float:
        """Sum of ``priority**alpha`` over stored rows (the sum tree's root)."""
        return float(self._tree[1])

    def priorities(self) -> np.ndarray:
        """``priority**alpha`` per row position: float64 ``[batch_size, max_length]`` (0 = unreachable)."""
        num_leaves = self._tree.shape[0] // 2
        return self._tree[num_leaves:num_leaves + self.capacity].reshape(self._batch_size, self._max_length).copy()

    # -- writing -----------------------------------------------------------------------------------
    def _after_add(self, positions: np.ndarray) -> None:
        values = np.where(self._step_types[:, positions] == StepType.LAST, 0.0, self._max_priority ** self._alpha)
        leaves = self._env_leaves[:, None] + positions[None, :]
        self._sumtree.update(self._tree, leaves.reshape(-1), values.reshape(-1))

    def clear(self) -> None:
        super().clear()
        self._tree[:] = 0.0
        self._max_priority = 1.0

    def update_priorities(self, ids: Any, priorities: Any, skip_stale: bool = False) -> None:
        """Set the priority of the windows ``ids`` (``BufferInfo.ids``) to ``priorities + epsilon``.

        Args:
          ids: int ``[N]`` window ids from ``sample`` / ``sample_block`` (any shape, flattened).
          priorities: finite, ``>= 0``, same shape as ``ids`` (e.g. ``abs(td_error)``).
          skip_stale: ignore ids whose row was overwritten since it was sampled (else ``ValueError``).
        """
        ids_array = np.asarray(ids)
        values = np.asarray(priorities)
        if ids_array.dtype.kind not in "iu":
            raise ValueError(f"update_priorities: ids must be integers (BufferInfo.ids), got dtype {ids_array.dtype}")
        if values.shape != ids_array.shape:
            raise ValueError(f"update_priorities: priorities shape {values.shape} must equal ids shape {ids_array.shape}")
        if values.dtype.kind not in "iuf":
            raise ValueError(f"update_priorities: priorities must be numbers, got dtype {values.dtype}")
        ids_array = ids_array.reshape(-1).astype(np.int64)
        values = values.reshape(-1).astype(np.float64)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = values[~(np.isfinite(values) & (values >= 0))][:5]
            raise ValueError(f"update_priorities: priorities must be finite and >= 0, got {bad} (e.g. use abs(td_error))")
        env, t, stored = self._locate(ids_array)
        if np.any(ids_array < 0) or np.any(t >= self._count):
            bad = ids_array[(ids_array < 0) | (t >= self._count)][:5]
            raise ValueError(f"update_priorities: ids {bad} were never sampled from this buffer (use BufferInfo.ids)")
        if not np.all(stored):
            if not skip_stale:
                raise ValueError(
                    f"update_priorities: ids {ids_array[~stored][:5]} refer to rows overwritten since they were "
                    "sampled; pass skip_stale=True to ignore them"
                )
            ids_array, values, env, t = ids_array[stored], values[stored], env[stored], t[stored]
        pos = t % self._max_length
        if np.any(self._step_types[env, pos] == StepType.LAST):
            raise ValueError("update_priorities: some ids point at LAST rows, which never start a window")
        values = values + self._epsilon
        if values.size:
            self._max_priority = max(self._max_priority, float(values.max()))
        self._sumtree.update(self._tree, env * self._max_length + pos, values ** self._alpha)

    # -- sampling ----------------------------------------------------------------------------------
    def _draw(self, out: np.ndarray, ids: np.ndarray, info: np.ndarray, num_steps: int, num_blocks: int,
              rng: np.random.Generator | None) -> None:
        state = self._rng_state if rng is None else self._rng_for(rng)
        code = self._sampler.sample_prioritized(*self._kernel_args, self._count, num_steps, self._tree,
                                                state, out, ids, info, MAX_ROUNDS)
        if code <= 0:
            self._raise_sampling_error(code, num_steps)
        weights = info[1]
        if num_blocks == 1:
            beta = self._beta if type(self._beta) is float else self.beta_at(self._sample_steps)
            np.divide(info[0].min(), info[0], out=weights)  # (N P_i)^-beta / max_j (N P_j)^-beta
        else:
            probabilities = info[0].reshape(num_blocks, -1)
            beta = np.array([self.beta_at(self._sample_steps + k) for k in range(num_blocks)], np.float32)[:, None]
            np.divide(probabilities.min(axis=1, keepdims=True), probabilities, out=weights.reshape(num_blocks, -1))
            beta = np.broadcast_to(beta, probabilities.shape).reshape(-1)
        np.power(weights, beta, out=weights)
        self._sample_steps += num_blocks

    # -- files -------------------------------------------------------------------------------------
    def _extra_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        header = {"max_priority": self._max_priority, "sample_steps": self._sample_steps,
                  "alpha": self._alpha, "epsilon": self._epsilon}
        return header, {"tree": self._tree}

    def _restore_extra(self, header: dict, arrays: dict[str, np.ndarray], where: str) -> None:
        self._check_array(where, arrays, "tree", np.float64, self._tree.shape)
        max_priority, steps = header.get("max_priority"), header.get("sample_steps")
        if not isinstance(max_priority, (int, float)) or not max_priority > 0 or not isinstance(steps, int) or steps < 0:
            raise ReplayBufferFileError(f"{where} is corrupt: bad priority state in the header")
        if header.get("alpha") != self._alpha:
            raise ReplayBufferFileError(
                f"{where} was saved with alpha={header.get('alpha')!r} but this buffer "
                f"has alpha={self._alpha!r}; build the buffer with the same alpha"
            )
        self._tree[:] = arrays["tree"]
        self._max_priority = float(max_priority)
        self._sample_steps = steps
