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


def q_values(obs, params, sizes, activation, dueling, out) -> None:
    """Q-values ``out[N, A]`` of observations ``obs[N, D]``."""
    out[...] = _forward(obs, params, sizes, activation, dueling)


def greedy_actions(obs, params, sizes, activation, dueling, out) -> None:
    """First argmax of the Q-values of each row of ``obs[N, D]`` into ``out[N]``."""
    out[...] = np.argmax(_forward(obs, params, sizes, activation, dueling), axis=-1)


def greedy_action(x, params, sizes, activation, dueling) -> int:
    """First argmax of the Q-values of one observation ``x[D]``."""
    return int(np.argmax(_forward(x[None, :], params, sizes, activation, dueling)[0]))
