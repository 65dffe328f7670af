"""NumPy reference of the Q-value mirror's forward pass (the test oracle; contract in ``rlkit.kernels.qmirror``)."""
from __future__ import annotations

import numpy as np

RELU, LINEAR, TANH, SIGMOID, ELU = 0, 1, 2, 3, 4


def _activate(x: np.ndarray, code: int) -> np.ndarray:
    if code == RELU:
        return np.maximum(x, np.float32(0.0))
    if code == TANH:
        return np.tanh(x)
    if code == SIGMOID:
        return (np.float32(1.0) / (np.float32(1.0) + np.exp(-x))).astype(np.float32)
    if code == ELU:
        return np.where(x < 0, np.expm1(x), x).astype(np.float32)
    return x


def _forward(obs: np.ndarray, params: np.ndarray, sizes: np.ndarray, activation: int, dueling: bool) -> np.ndarray:
    x, offset = obs, 0

    def dense(x: np.ndarray, nin: int, nout: int) -> np.ndarray:
        nonlocal offset
        kernel = params[offset:offset + nin * nout].reshape(nin, nout)
        bias = params[offset + nin * nout:offset + nin * nout + nout]
        offset += nin * nout + nout
        return x @ kernel + bias

    for layer in range(len(sizes) - 2):
        x = _activate(dense(x, int(sizes[layer]), int(sizes[layer + 1])), activation)
    q = dense(x, int(sizes[-2]), int(sizes[-1]))
    if dueling:
        value = dense(x, int(sizes[-2]), 1)
        q = value + (q - q.mean(axis=-1, keepdims=True))
    return q.astype(np.float32)


def _check_net(params: np.ndarray, sizes: np.ndarray, dueling: bool, who: str) -> None:
    """``ValueError`` unless ``sizes`` is a valid layer list and ``params`` has its number of parameters."""
    if sizes.ndim != 1 or sizes.shape[0] < 2 or np.any(sizes < 1):
        raise ValueError(f"{who}: sizes must be [obs_dim, *hidden, num_actions] of positive ints, got {list(sizes)}")
    expected = int(sum(int(a) * int(b) + int(b) for a, b in zip(sizes[:-1], sizes[1:])))
    if dueling:
        if sizes.shape[0] < 3:
            raise ValueError(f"{who}: a dueling head needs a hidden layer, got sizes {list(sizes)}")
        expected += int(sizes[-2]) + 1
    if params.shape != (expected,):
        raise ValueError(f"{who}: params must have shape ({expected},) for sizes {list(sizes)} "
                         f"(dueling={bool(dueling)}), got {params.shape}")


def _check_obs(who: str, obs: np.ndarray, dim: int, out: np.ndarray, out_shape: tuple) -> None:
    if obs.ndim != 2 or obs.shape[1] != dim or out.shape != out_shape:
        shown = "(N,)" if len(out_shape) == 1 else f"(N, {out_shape[1]})"
        raise ValueError(f"{who}: expected obs of shape (N, {dim}) and out {shown}, got obs {obs.shape} "
                         f"and out {out.shape}")


def q_values(obs, params, sizes, activation, dueling, out) -> None:
    """Q-values ``out[N, A]`` of observations ``obs[N, D]``."""
    _check_net(params, sizes, dueling, "q_values")
    _check_obs("q_values", obs, int(sizes[0]), out, (obs.shape[0], int(sizes[-1])))
    out[...] = _forward(obs, params, sizes, activation, dueling)


def greedy_actions(obs, params, sizes, activation, dueling, out) -> int:
    """First argmax of the Q-values of each row of ``obs[N, D]`` into ``out[N]``.

    Returns -1, or the index of the first row holding NaN or inf (then ``out`` is unspecified).
    """
    _check_net(params, sizes, dueling, "greedy_actions")
    _check_obs("greedy_actions", obs, int(sizes[0]), out, (obs.shape[0],))
    finite = np.isfinite(obs).all(axis=1)
    if not finite.all():
        return int(np.argmin(finite))
    out[...] = np.argmax(_forward(obs, params, sizes, activation, dueling), axis=-1)
    return -1


def greedy_action(x, params, sizes, activation, dueling) -> int:
    """First argmax of the Q-values of one observation ``x[D]``; -1 if ``x`` holds NaN or inf."""
    _check_net(params, sizes, dueling, "greedy_action")
    if x.shape != (int(sizes[0]),):
        raise ValueError(f"greedy_action: expected an observation of shape ({int(sizes[0])},), got {x.shape}")
    if not np.isfinite(x).all():
        return -1
    return int(np.argmax(_forward(x[None, :], params, sizes, activation, dueling)[0]))
