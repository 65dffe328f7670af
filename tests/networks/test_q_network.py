import numpy as np
import pytest

import tensorflow as tf  # noqa: E402,F401  (missing TensorFlow must fail, never skip)

from rlkit import registry  # noqa: E402
from rlkit.networks import QNetwork  # noqa: E402
from rlkit.specs import ArraySpec, BoundedArraySpec  # noqa: E402

OBS_SPEC = BoundedArraySpec((4,), np.float32, -10.0, 10.0)
ACTION_SPEC = BoundedArraySpec((), np.int64, 0, 2)


@pytest.mark.parametrize("fc,activation,dueling", [((100,), "relu", False), ((32, 16), "tanh", True),
                                                    ((8,), "elu", False), ((), "relu", False), ((8, 8), "sigmoid", True)])
def test_mirror_agrees_with_keras(fc, activation, dueling):
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=fc, activation=activation, dueling=dueling, seed=0)
    rng = np.random.default_rng(0)
    for variable in network.mirror_variables():  # move away from the near-constant initial outputs
        variable.assign(rng.standard_normal(tuple(variable.shape)).astype(np.float32) * 0.5)
    obs = rng.standard_normal((200, 4)).astype(np.float32)
    keras_q = network(obs).numpy()
    for backend in ("numba", "numpy"):
        mirror = network.to_mirror(backend=backend)
        np.testing.assert_allclose(mirror.q_values(obs), keras_q, rtol=1e-5, atol=1e-5)
    assert keras_q.shape == (200, 3)


def test_flat_params_follow_mirror_layout():
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(5,), dueling=True, seed=1)
    mirror = network.to_mirror()
    np.testing.assert_array_equal(network.flat_params().numpy(), mirror.params)
    assert [tuple(v.shape) for v in network.mirror_variables()] == [shape for _, shape in mirror.layout]


def test_seeded_networks_are_identical_and_initialisers_follow_tf_agents():
    a = QNetwork(OBS_SPEC, ACTION_SPEC, seed=3)
    b = QNetwork(OBS_SPEC, ACTION_SPEC, seed=3)
    c = QNetwork(OBS_SPEC, ACTION_SPEC, seed=4)
    np.testing.assert_array_equal(a.flat_params().numpy(), b.flat_params().numpy())
    assert not np.array_equal(a.flat_params().numpy(), c.flat_params().numpy())
    np.testing.assert_array_equal(a.q_head.bias.numpy(), np.full(3, -0.2, np.float32))
    assert np.abs(a.q_head.kernel.numpy()).max() <= 0.03
    copy = a.copy(name="target")
    np.testing.assert_array_equal(copy.flat_params().numpy(), a.flat_params().numpy())
    assert copy.mirror_variables()[0] is not a.mirror_variables()[0]


def test_multidimensional_observations_are_flattened():
    network = QNetwork(BoundedArraySpec((2, 3), np.float32, 0, 1), ACTION_SPEC, fc_layer_params=(4,), seed=0)
    obs = np.random.default_rng(0).random((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(network(obs).numpy(), network.to_mirror().q_values(obs.reshape(5, 6)), rtol=1e-5, atol=1e-6)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="activation"):
        QNetwork(OBS_SPEC, ACTION_SPEC, activation="swish")
    with pytest.raises(ValueError, match="scalar discrete"):
        QNetwork(OBS_SPEC, BoundedArraySpec((2,), np.int64, 0, 1))
    with pytest.raises(TypeError, match="ArraySpec"):
        QNetwork({"a": OBS_SPEC}, ACTION_SPEC)
    with pytest.raises(ValueError, match="dueling"):
        QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(), dueling=True)
    with pytest.raises(ValueError, match=r"fc_layer_params\[0\]: must be >= 1"):
        QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(0,))
    assert QNetwork(ArraySpec((4,), np.float32), ACTION_SPEC).num_actions == 3


def test_registered_as_q_network():
    network = registry.make("networks", "q_network", observation_spec=OBS_SPEC, action_spec=ACTION_SPEC, seed=0)
    assert isinstance(network, QNetwork) and network.layer_sizes == (4, 100, 3)
