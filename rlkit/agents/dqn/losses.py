"""DQN targets and losses as pure TensorFlow functions, named by time step (rlax style).

Shapes: ``q_tm1, q_t`` ``[B, A]`` Q-values at ``t-1`` and ``t``; ``a_tm1`` ``[B]`` int action
indices (0-based); ``r_t`` ``[B]`` rewards; ``discount_t`` ``[B]`` discounts (``gamma**n`` times the env
discounts, 0 after a termination). Targets are wrapped in ``stop_gradient``.

    td_error = q_learning(q_tm1, a_tm1, r_t, discount_t, q_t)      # r + d * max_a q_t - q_tm1[a]
    loss = huber_loss(td_targets, predictions)                     # element-wise, TF-Agents' default
"""
from __future__ import annotations

from typing import Any

import tensorflow as tf

__all__ = [
    "select_q",
    "q_learning_target",
    "double_q_learning_target",
    "q_learning",
    "double_q_learning",
    "squared_loss",
    "huber_loss",
    "LOSSES",
]


def select_q(q: Any, a: Any) -> Any:
    """``q[b, a[b]]`` for each ``b``: ``[B, A], [B] -> [B]``."""
    return tf.gather(q, tf.cast(a, tf.int32), axis=-1, batch_dims=len(q.shape) - 1)


def q_learning_target(r_t: Any, discount_t: Any, q_t: Any) -> Any:
    """``r_t + discount_t * max_a q_t[a]`` (no gradient)."""
    return tf.stop_gradient(r_t + discount_t * tf.reduce_max(q_t, axis=-1))


def double_q_learning_target(r_t: Any, discount_t: Any, q_t_value: Any, q_t_selector: Any) -> Any:
    """``r_t + discount_t * q_t_value[argmax_a q_t_selector[a]]`` (van Hasselt et al., 2015; no gradient)."""
    best = tf.argmax(q_t_selector, axis=-1, output_type=tf.int32)
    return tf.stop_gradient(r_t + discount_t * select_q(q_t_value, best))


def q_learning(q_tm1: Any, a_tm1: Any, r_t: Any, discount_t: Any, q_t: Any) -> Any:
    """TD error of Q-learning: ``r_t + discount_t * max q_t - q_tm1[a_tm1]``, ``[B]``."""
    return q_learning_target(r_t, discount_t, q_t) - select_q(q_tm1, a_tm1)


def double_q_learning(q_tm1: Any, a_tm1: Any, r_t: Any, discount_t: Any, q_t_value: Any, q_t_selector: Any) -> Any:
    """TD error of double Q-learning, ``[B]``: the target evaluates ``q_t_value`` at ``argmax q_t_selector``."""
    return double_q_learning_target(r_t, discount_t, q_t_value, q_t_selector) - select_q(q_tm1, a_tm1)


def squared_loss(td_targets: Any, predictions: Any) -> Any:
    """Element-wise ``(td_targets - predictions) ** 2`` (TF-Agents ``element_wise_squared_loss``)."""
    return tf.square(td_targets - predictions)


def huber_loss(td_targets: Any, predictions: Any, delta: float = 1.0) -> Any:
    """Element-wise Huber loss (TF-Agents ``element_wise_huber_loss``, ``delta=1``).

    ``0.5 * e**2`` for ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``, with ``e = predictions - td_targets``.
    """
    abs_error = tf.abs(predictions - td_targets)
    quadratic = tf.minimum(abs_error, delta)
    linear = abs_error - quadratic
    return 0.5 * quadratic * quadratic + delta * linear


LOSSES = {"squared": squared_loss, "huber": huber_loss}
