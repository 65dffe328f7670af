"""The pure DQN losses against numbers computed by hand."""
import numpy as np

import tensorflow as tf  # noqa: E402,F401  (missing TensorFlow must fail, never skip)

from rlkit.agents.dqn import losses  # noqa: E402

Q_TM1 = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], np.float32)
A_TM1 = np.array([1, 0, 1])
R_T = np.array([1.0, -1.0, 0.5], np.float32)
DISCOUNT_T = np.array([0.9, 0.0, 0.5], np.float32)
Q_T = np.array([[2.0, 4.0], [10.0, 10.0], [-1.0, -3.0]], np.float32)
Q_T_SELECTOR = np.array([[5.0, 1.0], [0.0, 1.0], [0.0, 1.0]], np.float32)


def test_select_q():
    np.testing.assert_allclose(losses.select_q(Q_TM1, A_TM1).numpy(), [2.0, 0.5, 0.0])


def test_q_learning_by_hand():
    # targets: 1 + 0.9 * 4 = 4.6; -1 + 0 = -1; 0.5 + 0.5 * -1 = 0
    # td errors: 4.6 - 2 = 2.6; -1 - 0.5 = -1.5; 0 - 0 = 0
    np.testing.assert_allclose(losses.q_learning_target(R_T, DISCOUNT_T, Q_T).numpy(), [4.6, -1.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(losses.q_learning(Q_TM1, A_TM1, R_T, DISCOUNT_T, Q_T).numpy(), [2.6, -1.5, 0.0], rtol=1e-6)


def test_double_q_learning_by_hand():
    # selector argmax: 0, 1, 1 -> q_t values 2, 10, -3
    # targets: 1 + 0.9 * 2 = 2.8; -1 + 0 = -1; 0.5 + 0.5 * -3 = -1
    # td errors: 0.8; -1.5; -1
    td = losses.double_q_learning(Q_TM1, A_TM1, R_T, DISCOUNT_T, Q_T, Q_T_SELECTOR).numpy()
    np.testing.assert_allclose(td, [0.8, -1.5, -1.0], rtol=1e-5)


def test_squared_and_huber_by_hand():
    targets = np.array([0.0, 0.0, 0.0, 1.0], np.float32)
    predictions = np.array([0.5, -3.0, 1.0, 1.0], np.float32)
    np.testing.assert_allclose(losses.squared_loss(targets, predictions).numpy(), [0.25, 9.0, 1.0, 0.0])
    # huber (delta 1): 0.5 * 0.25; |3| - 0.5; 0.5 * 1; 0
    np.testing.assert_allclose(losses.huber_loss(targets, predictions).numpy(), [0.125, 2.5, 0.5, 0.0])


def test_targets_carry_no_gradient():
    q_t = tf.Variable(Q_T)
    q_tm1 = tf.Variable(Q_TM1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(losses.q_learning(q_tm1, A_TM1, R_T, DISCOUNT_T, q_t))
    grad_t, grad_tm1 = tape.gradient(loss, [q_t, q_tm1])
    assert grad_t is None
    np.testing.assert_allclose(grad_tm1.numpy(), [[0, -1], [-1, 0], [0, -1]])
