"""A compiled copy (Cython, Numba or the NumPy reference) of a Keras Q-network's weights, so that acting needs no TensorFlow call.

The network is an MLP: hidden ``Dense`` layers with one activation, then a linear head of
``num_actions`` units, or with ``dueling=True`` an advantage head ``A`` and a value head ``V``
combined as ``Q = V + (A - mean(A))``. All parameters live in one flat float32 vector in
:meth:`QValueMirror.layout` order (per layer: kernel ``[in, out]`` row-major, then bias ``[out]``;
dueling: advantage head, then value head), so refreshing the mirror is one array swap::

    mirror = q_network.to_mirror()           # rlkit.networks.QNetwork builds it
    mirror.set_params(flat_params)           # float32 [num_params], e.g. returned by a compiled train call
    mirror.q_values(observations)            # [N, A] (or [A] for one observation)
    mirror.greedy_action(observation)        # int, ~0.5 us with Numba

The forward pass is compiled: the Cython kernel (``rlkit_ext._qmirror``) or the Numba one, both
about 9x faster than the NumPy reference for one observation. ``backend="auto"`` follows
:func:`rlkit.backend.default` (``RLKIT_BACKEND``, else cython -> numba -> numpy).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from rlkit import backend as _backend
from rlkit.kernels.qmirror import ACTIVATIONS
from rlkit.validation import check_count

__all__ = ["QValueMirror", "MIRROR_ACTIVATIONS"]

MIRROR_ACTIVATIONS = ACTIVATIONS


class QValueMirror:
    """Q-values of an MLP from a flat float32 parameter vector (Cython, Numba or the NumPy reference).

    Args:
      layer_sizes: ``[obs_dim, hidden_1, ..., hidden_L, num_actions]`` (at least 2 entries).
      activation: hidden activation, one of ``MIRROR_ACTIVATIONS``.
      dueling: combine an advantage and a value head.
      params: initial flat parameters (default zeros).
      backend: ``"auto"`` (:func:`rlkit.backend.default`), ``"cython"``, ``"numba"`` or ``"numpy"``.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        dueling: bool = False,
        params: Any = None,
        backend: str = "auto",
    ) -> None:
        try:
            sizes = [check_count(s, "layer_sizes entry") for s in layer_sizes]
        except (TypeError, ValueError):
            sizes = []
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes must be [obs_dim, *hidden, num_actions] of positive ints, got {layer_sizes!r}")
        if activation not in MIRROR_ACTIVATIONS:
            raise ValueError(f"activation {activation!r} has no NumPy mirror; use one of {sorted(MIRROR_ACTIVATIONS)}")
        if dueling and len(sizes) < 3:
            raise ValueError("a dueling head needs at least one hidden layer")
        if backend == "auto":
            backend = _backend.default()
        if backend not in _backend.BACKENDS:
            raise ValueError(f"backend must be 'auto', 'cython', 'numba' or 'numpy', got {backend!r}")
        self._sizes = np.asarray(sizes, np.int64)
        self._activation = activation
        self._activation_code = MIRROR_ACTIVATIONS[activation]
        self._dueling = bool(dueling)
        self._backend = backend
        self._layout = self._make_layout(sizes, self._dueling)
        self._slices = []
        offset = 0
        for _, shape in self._layout:
            size = int(np.prod(shape))
            self._slices.append((offset, offset + size, shape))
            offset += size
        self._num_params = offset
        self._kernels = _backend.load("qmirror", backend)
        self._params = np.zeros(self._num_params, np.float32)
        if params is not None:
            self.set_params(params)

    # -- structure ----------------------------------------------------------------------------
    @staticmethod
    def _make_layout(sizes: list[int], dueling: bool) -> list[tuple[str, tuple[int, ...]]]:
        layout: list[tuple[str, tuple[int, ...]]] = []
        for i in range(len(sizes) - 2):
            layout += [(f"hidden_{i}/kernel", (sizes[i], sizes[i + 1])), (f"hidden_{i}/bias", (sizes[i + 1],))]
        hidden, actions = sizes[-2], sizes[-1]
        layout += [("q_head/kernel", (hidden, actions)), ("q_head/bias", (actions,))]
        if dueling:
            layout += [("value_head/kernel", (hidden, 1)), ("value_head/bias", (1,))]
        return layout

    @property
    def layout(self) -> list[tuple[str, tuple[int, ...]]]:
        """``(name, shape)`` of each weight array, in flat-parameter order."""
        return list(self._layout)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self._sizes)

    @property
    def num_actions(self) -> int:
        return int(self._sizes[-1])

    @property
    def observation_size(self) -> int:
        return int(self._sizes[0])

    @property
    def num_params(self) -> int:
        return self._num_params

    @property
    def activation(self) -> str:
        return self._activation

    @property
    def dueling(self) -> bool:
        return self._dueling

    @property
    def backend(self) -> str:
        return self._backend

    # -- weights ------------------------------------------------------------------------------
    @property
    def params(self) -> np.ndarray:
        """The flat float32 parameters (read-only view)."""
        view = self._params.view()
        view.setflags(write=False)
        return view

    def set_params(self, params: Any) -> None:
        """Replace all parameters with a flat vector of ``num_params`` values (copied, float32)."""
        flat = np.array(params, dtype=np.float32, copy=True).reshape(-1)
        if flat.shape[0] != self._num_params:
            raise ValueError(
                f"expected {self._num_params} parameters for layers {self.layer_sizes} "
                f"(dueling={self._dueling}), got {flat.shape[0]}"
            )
        self._params = flat

    def _split(self, flat: np.ndarray) -> list[np.ndarray]:
        return [flat[start:stop].reshape(shape) for start, stop, shape in self._slices]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Replace all parameters from arrays shaped as :attr:`layout` (Keras ``get_weights()`` order)."""
        if len(weights) != len(self._layout):
            raise ValueError(f"expected {len(self._layout)} weight arrays ({[n for n, _ in self._layout]}), got {len(weights)}")
        for (name, shape), array in zip(self._layout, weights):
            if tuple(np.shape(array)) != shape:
                raise ValueError(f"weight {name} must have shape {shape}, got {np.shape(array)}")
        self.set_params(np.concatenate([np.asarray(w, np.float32).reshape(-1) for w in weights]))

    def get_weights(self) -> list[np.ndarray]:
        """The parameters split into arrays shaped as :attr:`layout`."""
        return [view.copy() for view in self._split(self._params)]

    # -- forward ------------------------------------------------------------------------------
    def _as_batch(self, observations: Any) -> tuple[np.ndarray, bool]:
        obs = np.asarray(observations)
        if obs.dtype.kind not in "biuf":
            raise ValueError(f"observations must be real numbers, got dtype {obs.dtype}")
        obs = obs.astype(np.float32, copy=False)
        if obs.ndim == 0:
            raise ValueError(f"observations must have shape [N, {int(self._sizes[0])}] or [{int(self._sizes[0])}], "
                             "got a scalar")
        if obs.ndim == 1:
            batch, single = obs[None, :], True
        else:
            batch, single = obs.reshape(obs.shape[0], -1) if obs.ndim > 2 else obs, False
        if batch.shape[-1] != self._sizes[0]:
            raise ValueError(
                f"observations must have {int(self._sizes[0])} features (shape [N, {int(self._sizes[0])}] "
                f"or [{int(self._sizes[0])}]), got shape {obs.shape}"
            )
        return np.ascontiguousarray(batch), single

    def q_values(self, observations: Any) -> np.ndarray:
        """Q-values ``[N, A]`` of observations ``[N, D]`` (or ``[A]`` for one observation ``[D]``)."""
        batch, single = self._as_batch(observations)
        out = np.empty((batch.shape[0], self.num_actions), np.float32)
        self._kernels.q_values(batch, self._params, self._sizes, self._activation_code, self._dueling, out)
        return out[0] if single else out

    def greedy_actions(self, observations: Any) -> np.ndarray:
        """First argmax action index ``[N]`` (int64) for observations ``[N, D]``; ``ValueError`` on NaN or inf."""
        batch, _ = self._as_batch(observations)
        out = np.empty(batch.shape[0], np.int64)
        bad = self._kernels.greedy_actions(batch, self._params, self._sizes, self._activation_code, self._dueling, out)
        if bad >= 0:
            raise ValueError(f"observation {bad} of the batch holds NaN or inf: {batch[bad]}; "
                             "the Q-network needs finite observations (check the env)")
        return out

    def greedy_action(self, observation: np.ndarray) -> int:
        """First argmax action index of one observation ``[D]`` (the hot path: the kernel checks the
        shape; anything but a float32 ``[D]`` array is converted first). ``ValueError`` on NaN or inf."""
        try:
            best = self._kernels.greedy_action(observation, self._params, self._sizes, self._activation_code,
                                               self._dueling)
        except Exception:  # not a float32 [D] array for the compiled kernel: convert (or say why not) and retry
            observation = self._one(observation)
            best = self._kernels.greedy_action(observation, self._params, self._sizes, self._activation_code,
                                               self._dueling)
        if best < 0:
            raise ValueError(f"observation {observation} holds NaN or inf; the Q-network needs finite observations "
                             "(check the env)")
        return best

    def _one(self, observation: Any) -> np.ndarray:
        obs = np.asarray(observation)
        if obs.ndim != 1 or obs.dtype.kind not in "biuf":
            raise ValueError(f"greedy_action expects one observation of shape ({self.observation_size},) and a real "
                             f"dtype, got shape {obs.shape} and dtype {obs.dtype}")
        return np.ascontiguousarray(obs, np.float32)

    def __repr__(self) -> str:
        return (
            f"QValueMirror(layer_sizes={self.layer_sizes}, activation={self._activation!r}, "
            f"dueling={self._dueling}, backend={self._backend!r})"
        )
