import gymnasium as gym
import numpy as np
import pytest

from rlkit import specs
from rlkit.specs import ArraySpec, BoundedArraySpec

ACTION = BoundedArraySpec((), np.int64, 0, 1, name="action")


def test_repr_matches_tf_agents_style():
    assert repr(ACTION) == "BoundedArraySpec(shape=(), dtype=dtype('int64'), name='action', minimum=0, maximum=1)"
    assert repr(ArraySpec((), np.float32, "reward")) == "ArraySpec(shape=(), dtype=dtype('float32'), name='reward')"


@pytest.mark.parametrize("good", [0, 1, np.int64(1), np.array(0, np.int32)])  # bools are refused (issue 12)
def test_validate_accepts_good_values(good):
    ACTION.validate(good)


@pytest.mark.parametrize(
    "bad, why",
    [
        (2, "out of bounds"),
        (-1, "out of bounds"),
        (1.5, "cannot be used as int64"),
        (np.nan, "cannot be used as int64"),
        ([0, 1], "expected shape ()"),
        ("a", "expected an array-like"),
        (None, "expected an array-like"),
    ],
)
def test_validate_rejects_bad_values_with_expected_vs_got(bad, why):
    with pytest.raises(ValueError) as err:
        ACTION.validate(bad)
    message = str(err.value)
    assert why in message
    assert "BoundedArraySpec(shape=(), dtype=dtype('int64'), name='action'" in message


def test_validate_outer_shape_and_nan_for_floats():
    obs = BoundedArraySpec((4,), np.float32, -1.0, 1.0, name="observation")
    obs.validate(np.zeros((3, 4)), outer_shape=(3,))
    obs.validate(np.zeros((2, 5, 4)), outer_shape=None)
    with pytest.raises(ValueError, match=r"expected shape \(3, 4\), got \(4,\)"):
        obs.validate(np.zeros(4), outer_shape=(3,))
    with pytest.raises(ValueError, match="NaN"):
        ArraySpec((2,), np.float32).validate([np.nan, 0.0])
    with pytest.raises(ValueError, match="out of bounds"):
        obs.validate([0.0, 0.0, 2.0, 0.0])


def test_check_array_casts_ints_to_float_and_rejects_overflow():
    out = ArraySpec((2,), np.float32).check_array([1, 2])
    assert out.dtype == np.float32
    with pytest.raises(ValueError, match="overflow"):
        ArraySpec((), np.int8).check_array(300)


def test_bounds_checked_at_construction():
    with pytest.raises(ValueError, match="exceeds maximum"):
        BoundedArraySpec((), np.int64, 3, 1)
    with pytest.raises(ValueError, match="do not fit shape"):
        BoundedArraySpec((2,), np.float32, [0, 0, 0], 1)


def test_sample_is_within_bounds_and_seeded():
    spec = BoundedArraySpec((3,), np.float32, [-1, -np.inf, 0], [1, np.inf, 0.5])
    a = spec.sample(np.random.default_rng(0), outer_shape=(100,))
    b = spec.sample(np.random.default_rng(0), outer_shape=(100,))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (100, 3) and a.dtype == np.float32
    spec.validate(a, outer_shape=(100,))
    ints = ACTION.sample(np.random.default_rng(1), outer_shape=(1000,))
    assert set(np.unique(ints)) == {0, 1}


def test_equality_and_hash():
    assert ACTION == BoundedArraySpec((), np.int64, 0, 1, name="other-name")
    assert ACTION != BoundedArraySpec((), np.int64, 0, 2)
    assert ArraySpec((2,), np.float32) != BoundedArraySpec((2,), np.float32)
    assert hash(ACTION) == hash(BoundedArraySpec((), np.int64, 0, 1))
    assert ACTION.num_values == 2


def test_nest_validation_and_sampling():
    nested = {"pos": ArraySpec((2,), np.float32, "pos"), "flags": (BoundedArraySpec((), np.int64, 0, 3),)}
    value = specs.sample_nest(nested, np.random.default_rng(0), outer_shape=(5,))
    checked = specs.validate_nest(nested, value, outer_shape=(5,))
    assert checked["pos"].shape == (5, 2)
    with pytest.raises(ValueError, match="expected keys"):
        specs.validate_nest(nested, {"pos": value["pos"]}, outer_shape=(5,))
    zeros = specs.zeros_nest(nested, (2,))
    assert zeros["flags"][0].shape == (2,)


SPACES = [
    gym.spaces.Box(-1.0, 2.0, (3,), np.float32),
    gym.spaces.Box(np.array([-1.0, -np.inf]), np.array([1.0, np.inf]), dtype=np.float64),
    gym.spaces.Box(0, 255, (4, 4, 3), np.uint8),
    gym.spaces.Discrete(3),
    gym.spaces.Discrete(4, start=-2),
    gym.spaces.MultiDiscrete([2, 5, 3]),
    gym.spaces.MultiBinary(4),
    gym.spaces.Dict({"a": gym.spaces.Discrete(2), "b": gym.spaces.Box(0.0, 1.0, (2,), np.float32)}),
    gym.spaces.Tuple((gym.spaces.Discrete(2), gym.spaces.Box(0.0, 1.0, (1,), np.float32))),
]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: type(s).__name__)
def test_gymnasium_space_round_trip(space):
    spec = specs.from_gymnasium_space(space)
    back = specs.to_gymnasium_space(spec)
    assert back == space
    # A sample of the space validates against the spec.
    space.seed(0)
    sample = space.sample()
    specs.validate_nest(spec, sample if not isinstance(sample, dict) else dict(sample))


def test_discrete_maps_to_scalar_int_spec():
    spec = specs.from_gymnasium_space(gym.spaces.Discrete(2), name="action")
    assert spec == ACTION and spec.name == "action"


def test_unsupported_space_is_a_clear_error():
    with pytest.raises(TypeError, match="supported are Box, Discrete"):
        specs.from_gymnasium_space(gym.spaces.Text(5))
