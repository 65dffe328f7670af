import subprocess
import sys

import numpy as np
import pytest

from rlkit.policies import MIRROR_ACTIVATIONS, QValueMirror


def _pair(sizes, activation, dueling, seed=0):
    numba_mirror = QValueMirror(sizes, activation, dueling, backend="numba")
    numpy_mirror = QValueMirror(sizes, activation, dueling, backend="numpy")
    params = np.random.default_rng(seed).standard_normal(numba_mirror.num_params).astype(np.float32) * 0.5
    numba_mirror.set_params(params)
    numpy_mirror.set_params(params)
    return numba_mirror, numpy_mirror


@pytest.mark.parametrize("activation", sorted(MIRROR_ACTIVATIONS))
@pytest.mark.parametrize("sizes,dueling", [([4, 100, 2], False), ([3, 16, 8, 5], False), ([6, 12, 7, 4], True), ([5, 3], False)])
def test_numba_matches_numpy(sizes, dueling, activation):
    numba_mirror, numpy_mirror = _pair(sizes, activation, dueling)
    obs = np.random.default_rng(1).standard_normal((50, sizes[0])).astype(np.float32)
    np.testing.assert_allclose(numba_mirror.q_values(obs), numpy_mirror.q_values(obs), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(numba_mirror.greedy_actions(obs), np.argmax(numpy_mirror.q_values(obs), -1))
    assert [numba_mirror.greedy_action(o) for o in obs] == list(numba_mirror.greedy_actions(obs))
    assert [numpy_mirror.greedy_action(o) for o in obs] == list(numpy_mirror.greedy_actions(obs))


def test_hand_computed_q_values():
    mirror = QValueMirror([2, 2, 2], "relu", backend="numba")
    # hidden W = [[1, -1], [2, 0]], b = [0, 1]; head W = [[1, 0], [0, 1]], b = [0.5, 0]
    mirror.set_weights([np.array([[1, -1], [2, 0]]), np.array([0, 1]), np.eye(2), np.array([0.5, 0])])
    # x = [1, 1]: hidden = relu([3, 0]) = [3, 0]; q = [3.5, 0]
    np.testing.assert_allclose(mirror.q_values(np.array([1.0, 1.0])), [3.5, 0.0])
    # x = [-1, 0]: hidden = relu([-1, 2]) = [0, 2]; q = [0.5, 2]
    assert mirror.greedy_action(np.array([-1.0, 0.0], np.float32)) == 1


def test_dueling_hand_computed():
    mirror = QValueMirror([1, 1, 3], "linear", dueling=True, backend="numpy")
    # hidden h = x; advantages = h * [1, 2, 3]; value = 10 * h + 1 -> q = v + a - mean(a)
    mirror.set_weights([np.ones((1, 1)), np.zeros(1), np.array([[1.0, 2.0, 3.0]]), np.zeros(3), np.array([[10.0]]), np.ones(1)])
    np.testing.assert_allclose(mirror.q_values(np.array([2.0])), [21.0 - 2.0, 21.0, 21.0 + 2.0])


def test_weights_round_trip_and_layout():
    mirror = QValueMirror([4, 10, 3], dueling=True)
    assert [name for name, _ in mirror.layout] == [
        "hidden_0/kernel", "hidden_0/bias", "q_head/kernel", "q_head/bias", "value_head/kernel", "value_head/bias"]
    weights = [np.random.default_rng(i).standard_normal(shape).astype(np.float32) for i, (_, shape) in enumerate(mirror.layout)]
    mirror.set_weights(weights)
    for got, want in zip(mirror.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    assert mirror.num_params == 4 * 10 + 10 + 10 * 3 + 3 + 10 + 1


def test_bad_inputs_are_rejected_with_clear_messages():
    with pytest.raises(ValueError, match="activation"):
        QValueMirror([4, 2], activation="swish")
    with pytest.raises(ValueError, match="layer_sizes"):
        QValueMirror([4])
    mirror = QValueMirror([4, 8, 2])
    with pytest.raises(ValueError, match="expected .* parameters"):
        mirror.set_params(np.zeros(3))
    with pytest.raises(ValueError, match="4 features"):
        mirror.q_values(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="shape"):
        mirror.set_weights([np.zeros((4, 8)), np.zeros(8), np.zeros((8, 3)), np.zeros(2)])


def test_params_view_is_read_only():
    mirror = QValueMirror([4, 8, 2])
    with pytest.raises(ValueError):
        mirror.params[0] = 1.0


def test_import_policies_is_light():
    code = "import sys, rlkit.policies; print('tensorflow' in sys.modules, 'keras' in sys.modules, 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


@pytest.mark.parametrize("activation", sorted(MIRROR_ACTIVATIONS))
@pytest.mark.parametrize("sizes,dueling", [([4, 100, 2], False), ([3, 16, 8, 5], False), ([6, 12, 7, 4], True), ([5, 3], False)])
def test_cython_matches_numba_bit_for_bit(sizes, dueling, activation):
    numba_mirror, _ = _pair(sizes, activation, dueling)
    cython_mirror = QValueMirror(sizes, activation, dueling, params=numba_mirror.params, backend="cython")
    obs = np.random.default_rng(2).standard_normal((64, sizes[0])).astype(np.float32)
    np.testing.assert_array_equal(cython_mirror.q_values(obs), numba_mirror.q_values(obs))
    np.testing.assert_array_equal(cython_mirror.greedy_actions(obs), numba_mirror.greedy_actions(obs))
    assert [cython_mirror.greedy_action(o) for o in obs] == list(numba_mirror.greedy_actions(obs))


def test_wide_layers_take_the_heap_path():
    mirror = QValueMirror([3, 700, 2], backend="cython")
    reference = QValueMirror([3, 700, 2], backend="numpy")
    params = np.random.default_rng(3).standard_normal(mirror.num_params).astype(np.float32)
    mirror.set_params(params)
    reference.set_params(params)
    obs = np.random.default_rng(4).standard_normal((20, 3)).astype(np.float32)
    assert [mirror.greedy_action(o) for o in obs] == list(reference.greedy_actions(obs))


def test_auto_backend_follows_rlkit_backend(monkeypatch):
    from rlkit import backend

    try:
        for name in ("numpy", "cython", "numba"):
            monkeypatch.setenv("RLKIT_BACKEND", name)
            backend.default.cache_clear()
            assert QValueMirror([2, 2]).backend == name
    finally:
        backend.default.cache_clear()
