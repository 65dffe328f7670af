"""The public API refuses input it used to accept silently, with one line naming the argument (issue 12, item 9)."""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from rlkit import nest
from rlkit.envs import CartPole
from rlkit.envs.gymnasium import GymnasiumEnv, GymnasiumVectorEnv
from rlkit.replay import PrioritizedReplayBuffer, UniformReplayBuffer
from rlkit.specs import ArraySpec, BoundedArraySpec

from tests.replay.helpers import counting_rows, counting_spec, fill


# -- specs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,error,message", [
    ((-1,), ValueError, r"shape dims must be >= 0, got \(-1,\)"),
    ((4, -2), ValueError, r"got \(4, -2\)"),
    ((2.5,), TypeError, "shape must be a tuple of ints"),
    ((True,), TypeError, "shape must be a tuple of ints"),
    ("ab", TypeError, "shape must be a tuple of ints"),
    (4, TypeError, "shape must be a tuple of ints"),
])
def test_array_spec_rejects_bad_shapes(shape, error, message):
    for make in (lambda: ArraySpec(shape, np.float32, name="obs"), lambda: BoundedArraySpec(shape, np.float32, 0, 1)):
        with pytest.raises(error, match=message):
            make()


def test_array_spec_rejects_non_numeric_dtypes_and_nan_bounds():
    with pytest.raises(TypeError, match="dtype must be a bool, integer or float type, got object"):
        ArraySpec((2,), object)
    with pytest.raises(TypeError, match="dtype"):
        ArraySpec((2,), np.str_)
    with pytest.raises(ValueError, match="bounds must not be NaN"):
        BoundedArraySpec((2,), np.float32, np.nan, 1.0, name="x")
    assert ArraySpec((), np.bool_).shape == () and ArraySpec((0, 3), np.int8).shape == (0, 3)


def test_integer_specs_refuse_bools():
    spec = BoundedArraySpec((), np.int64, 0, 1, name="action")
    for value in (True, np.array(False), np.array([True, False])):
        with pytest.raises(ValueError, match="dtype bool cannot be used as int64"):
            spec.check_array(value, np.shape(value))
    assert ArraySpec((), np.bool_).check_array(True).dtype == np.bool_
    assert spec.check_array(1).dtype == np.int64


# -- CartPole --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,name", [({"num_envs": True}, "num_envs"), ({"num_envs": np.bool_(True)}, "num_envs"),
                                         ({"max_episode_steps": True}, "max_episode_steps"), ({"seed": False}, "seed")])
def test_cartpole_refuses_bools_for_ints(kwargs, name):
    with pytest.raises(TypeError, match=f"{name} must be an int.*bool"):
        CartPole(**kwargs)


def test_cartpole_step_refuses_bool_actions(backend):
    env = CartPole(backend=backend, seed=0)
    env.reset()
    for action in (True, False, np.True_, np.array(True)):
        with pytest.raises(ValueError, match="invalid action for CartPole.*bool"):
            env.step(action)
    batched = CartPole(num_envs=2, backend=backend, seed=0)
    batched.reset()
    with pytest.raises(ValueError, match="bool"):
        batched.step(np.array([True, False]))
    assert int(env.step(1).step_type) == 1


def _corrupted(snapshot, name, index, value):
    copy = {key: np.array(array) for key, array in snapshot.items()}
    copy[name].reshape(-1)[index] = value
    return copy


@pytest.mark.parametrize("name,value,message", [
    ("state", np.nan, "'state' must be finite, got nan"),
    ("state", np.inf, "'state' must be finite"),
    ("step_type", 7, "'step_type' must be 0, 1 or 2 .*got 7"),
    ("step_type", -1, "'step_type' must be 0, 1 or 2"),
    ("done", 3, "'done' must be 0 or 1"),
    ("elapsed", -4, r"'elapsed' must be in \[0, 500\]"),
    ("elapsed", 501, r"'elapsed' must be in \[0, 500\]"),
    ("discount", 5.0, r"'discount' must be in \[0, 1\]"),
    ("reward", np.nan, "'reward' must be finite"),
    ("obs", np.nan, "'obs' must be finite"),
])
def test_cartpole_restore_refuses_impossible_snapshots(backend, name, value, message):
    env = CartPole(num_envs=2, backend=backend, seed=0)
    env.reset()
    env.step(np.array([0, 1]))
    good = env.get_state()
    with pytest.raises(ValueError, match=f"CartPole snapshot field {message}"):
        env.set_state(_corrupted(good, name, 1, value))
    for key, array in env.get_state().items():  # nothing was written
        np.testing.assert_array_equal(array, good[key])
    env.set_state(good)


def test_cartpole_restore_refuses_a_malformed_started_flag_and_non_snapshots():
    env = CartPole(seed=0)
    env.reset()
    good = env.get_state()
    with pytest.raises(ValueError, match="'started': expected bool"):
        env.set_state({**good, "started": np.array([1, 1, 1])})
    with pytest.raises(ValueError, match="not a CartPole snapshot"):
        env.set_state(42)
    with pytest.raises(ValueError, match="missing rng"):
        env.set_state({key: value for key, value in good.items() if key != "rng"})


# -- replay buffers --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [UniformReplayBuffer, PrioritizedReplayBuffer])
@pytest.mark.parametrize("field", ["step_type", "next_step_type"])
def test_buffers_refuse_unknown_step_types(kind, field):
    buffer = kind(counting_spec(), batch_size=2, max_length=16, seed=0)
    fill(buffer, 3)
    row = counting_rows(3, 2, 4)
    with pytest.raises(ValueError, match=f"add_batch: {field} must be 0, 1 or 2 .*got 7"):
        buffer.add_batch(row._replace(**{field: np.array([1, 7], np.int32)}))
    rows = [counting_rows(t, 2, 4) for t in range(3, 40)]
    sequence = nest.stack(rows)
    bad = np.array(getattr(sequence, field))
    bad[30, 1] = 7
    with pytest.raises(ValueError, match=f"add_sequence: {field} must be 0, 1 or 2 .*got 7"):
        buffer.add_sequence(sequence._replace(**{field: bad}))
    assert buffer.num_frames() == 6  # nothing written by the refused calls
    buffer.add_sequence(sequence)
    assert buffer.num_frames() == 32


@pytest.mark.parametrize("kwargs,message", [
    ({"alpha": 2.0}, r"alpha must be a number in \[0, 1\], got 2.0"),
    ({"alpha": -0.1}, r"alpha must be a number in \[0, 1\]"),
    ({"alpha": float("nan")}, "alpha"),
    ({"alpha": True}, "alpha"),
    ({"beta": 1.5}, r"beta must be a number in \[0, 1\], got 1.5"),
    ({"epsilon": -1.0}, "epsilon must be a finite number >= 0"),
])
def test_prioritized_buffer_checks_its_exponents(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PrioritizedReplayBuffer(counting_spec(), max_length=8, **kwargs)


def test_prioritized_buffer_checks_a_beta_schedule_when_used():
    buffer = PrioritizedReplayBuffer(counting_spec(), max_length=32, beta=lambda step: 3.0, seed=0)
    fill(buffer, 20)
    with pytest.raises(ValueError, match=r"beta\(0\) must be a number in \[0, 1\], got 3.0"):
        buffer.sample(4)


# -- gymnasium envs --------------------------------------------------------------------------------
def test_gymnasium_env_refuses_use_after_close():
    env = GymnasiumEnv(gymnasium.make("CartPole-v1"))
    env.reset(seed=0)
    env.step(0)
    env.close()
    for call in (lambda: env.step(0), lambda: env.reset(), lambda: env.render()):
        with pytest.raises(RuntimeError, match="GymnasiumEnv is closed: create a new env"):
            call()


def test_gymnasium_vector_env_refuses_use_after_close():
    env = GymnasiumVectorEnv(gymnasium.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync"))
    env.reset(seed=0)
    env.step(np.array([0, 1]))
    env.close()
    for call in (lambda: env.step(np.array([0, 1])), lambda: env.reset(), lambda: env.render()):
        with pytest.raises(RuntimeError, match="GymnasiumVectorEnv is closed"):
            call()


@pytest.mark.parametrize("discount", [5.0, -0.1, True, "1"])
def test_gymnasium_envs_check_the_discount(discount):
    with pytest.raises(ValueError, match=r"discount must be a number in \[0, 1\]"):
        GymnasiumEnv(gymnasium.make("CartPole-v1"), discount=discount)
    with pytest.raises(ValueError, match=r"discount must be a number in \[0, 1\]"):
        GymnasiumVectorEnv(gymnasium.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync"), discount=discount)


# -- policies --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[4, True, 2], [4, 2.5, 2], [4, 0, 2], [4], ["4", 2]])
def test_q_mirror_refuses_bad_layer_sizes(sizes):
    from rlkit.policies.q_mirror import QValueMirror

    with pytest.raises(ValueError, match="layer_sizes must be"):
        QValueMirror(sizes)


@pytest.mark.parametrize("seed,error", [(True, TypeError), (1.5, TypeError), ("0", TypeError), (-1, ValueError)])
def test_seeded_policies_refuse_bad_seeds(seed, error):
    from rlkit.policies import RandomPolicy

    env = CartPole()
    with pytest.raises(error, match="seed must be an int >= 0 or None"):
        RandomPolicy(env.time_step_spec(), env.action_spec(), seed=seed)
    RandomPolicy(env.time_step_spec(), env.action_spec(), seed=np.int64(3))
