"""rlkit.envs.CartPole: conformance, lockstep with gymnasium, seeding, time limits, loading, rendering."""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import rlkit.envs
from rlkit.envs import CartPole
from rlkit.envs.render import cartpole_frame
from rlkit.testing import EnvConformance
from rlkit.types import StepType


class TestCartPoleUnbatched(EnvConformance):
    renders = True

    @pytest.fixture
    def make_env(self, backend):
        return lambda: CartPole(backend=backend)


class TestCartPoleBatched(EnvConformance):
    time_limit = 30
    renders = True

    @pytest.fixture
    def make_env(self, backend):
        return lambda: CartPole(num_envs=5, max_episode_steps=30, backend=backend)


# -- lockstep with gymnasium ---------------------------------------------------------------------


def test_lockstep_with_gymnasium_cartpole_v1(backend):
    """10,000 random actions over hundreds of episodes: float32 observations identical (exact, 0 ulp)."""
    gym_env = gymnasium.make("CartPole-v1")
    env = CartPole(max_episode_steps=500, backend=backend)
    gym_obs, _ = gym_env.reset(seed=0)
    env.reset(seed=0)
    env.set_physical_state(gym_env.unwrapped.state)
    actions = np.random.default_rng(0).integers(0, 2, 10_000)
    episodes = 0
    for action in actions.tolist():
        gym_obs, gym_reward, terminated, truncated, _ = gym_env.step(action)
        time_step = env.step(action)
        np.testing.assert_array_equal(time_step.observation, gym_obs)
        assert time_step.reward == gym_reward
        assert bool(time_step.is_last()) == (terminated or truncated)
        assert (bool(time_step.is_last()) and time_step.discount == 0) == terminated
        if terminated or truncated:
            episodes += 1
            gym_env.reset()
            assert env.step(0).step_type == StepType.FIRST
            env.set_physical_state(gym_env.unwrapped.state)
    assert episodes > 300


def test_batched_lockstep_with_gymnasium_vector_env(backend):
    """Against gymnasium's CartPoleVectorEnv (same next-step autoreset), time limit 20 so truncations occur."""
    n = 32
    gym_env = gymnasium.make_vec("CartPole-v1", num_envs=n, vectorization_mode="vector_entry_point",
                                 max_episode_steps=20)
    env = CartPole(num_envs=n, max_episode_steps=20, backend=backend)
    gym_env.reset(seed=1)
    env.reset(seed=1)
    env.set_physical_state(gym_env.unwrapped.state.T)
    rng = np.random.default_rng(1)
    truncations = 0
    for _ in range(3000):
        actions = rng.integers(0, 2, n)
        gym_obs, gym_reward, terminated, truncated, _ = gym_env.step(actions)
        time_step = env.step(actions)
        first = time_step.is_first()
        np.testing.assert_array_equal(first, (gym_reward == 0))
        np.testing.assert_array_equal(time_step.observation[~first], gym_obs[~first])
        np.testing.assert_array_equal(time_step.reward, gym_reward)
        np.testing.assert_array_equal(time_step.is_last() & (time_step.discount == 0), terminated)
        np.testing.assert_array_equal(time_step.is_last() & (time_step.discount == 1), truncated & ~terminated)
        truncations += int(np.sum(truncated & ~terminated))
        if first.any():
            env.set_physical_state(gym_env.unwrapped.state.T)
    assert truncations > 0


# -- seeding, time limits, batches ----------------------------------------------------------


def _observations(env, seed, steps=300):
    env.reset(seed=seed)
    rng = np.random.default_rng(3)
    shape = () if env.batch_size is None else (env.batch_size,)
    return np.stack([env.step(rng.integers(0, 2, shape)).observation for _ in range(steps)])


def test_same_seed_same_episodes_on_every_backend(backend):
    reference = _observations(CartPole(num_envs=4, backend="numpy"), seed=11)
    np.testing.assert_array_equal(_observations(CartPole(num_envs=4, backend=backend), seed=11), reference)
    assert not np.array_equal(_observations(CartPole(num_envs=4, backend=backend), seed=12), reference)


def test_constructor_seed_and_batch_member_streams(backend):
    a = CartPole(num_envs=6, seed=3, backend=backend).reset().observation
    b = CartPole(num_envs=2, seed=3, backend=backend).reset().observation
    single = CartPole(seed=3, backend=backend).reset().observation
    np.testing.assert_array_equal(a[:2], b)
    np.testing.assert_array_equal(a[0], single)
    assert not np.array_equal(a[0], a[1])


def test_reset_without_seed_continues_the_streams(backend):
    env = CartPole(seed=0, backend=backend)
    first = env.reset().observation
    assert not np.array_equal(env.reset().observation, first)
    np.testing.assert_array_equal(env.reset(seed=0).observation, first)


def test_truncation_is_last_with_discount_one(backend):
    env = CartPole(max_episode_steps=5, backend=backend)
    env.reset(seed=0)
    env.set_physical_state([0.0, 0.0, 0.0, 0.0])
    steps = [env.step(i % 2) for i in range(6)]  # alternate pushes: stays upright for 5 steps
    assert [int(s.step_type) for s in steps] == [1, 1, 1, 1, 2, 0]
    assert float(steps[4].discount) == 1.0 and float(steps[4].reward) == 1.0
    assert float(steps[5].reward) == 0.0


def test_termination_is_last_with_discount_zero(backend):
    env = CartPole(num_envs=2, backend=backend)
    env.reset(seed=0)
    env.set_physical_state([[0.0, 0.0, 0.2, 1.0], [0.0, 0.0, 0.0, 0.0]])
    time_step = env.step(np.array([1, 1]))
    np.testing.assert_array_equal(time_step.step_type, [StepType.LAST, StepType.MID])
    np.testing.assert_array_equal(time_step.discount, [0.0, 1.0])
    np.testing.assert_array_equal(env.step(np.array([1, 1])).step_type, [StepType.FIRST, StepType.MID])


def test_batched_actions_accept_lists_and_other_int_dtypes(backend):
    env = CartPole(num_envs=3, backend=backend)
    env.reset(seed=0)
    assert env.step([0, 1, 1]).observation.shape == (3, 4)
    assert env.step(np.array([1, 0, 1], np.int32)).observation.dtype == np.float32
    assert env.step(np.array([1, 0, 1, 1, 0, 1])[::2]).step_type.shape == (3,)


@pytest.mark.parametrize("bad", [np.array([0, 2, 1]), np.array([0, -1, 1]), np.array([0.0, 1.0, 1.0]),
                                 np.array([0, 1]), np.array([[0, 1, 1]])])
def test_batched_invalid_actions_name_the_spec(bad):
    env = CartPole(num_envs=3)
    env.reset(seed=0)
    before = env.physical_state()
    with pytest.raises(ValueError, match=r"BoundedArraySpec\(shape=\(\), dtype=dtype\('int64'\), name='action'"):
        env.step(bad)
    np.testing.assert_array_equal(env.physical_state(), before)


def test_returned_arrays_are_not_reused(backend):
    env = CartPole(num_envs=2, backend=backend)
    first = env.reset(seed=0)
    second = env.step(np.array([1, 1]))
    assert not np.shares_memory(first.observation, second.observation)
    unbatched = CartPole(backend=backend)
    a = unbatched.reset(seed=0).observation
    b = unbatched.step(1).observation
    c = unbatched.step(1).observation
    assert not (np.shares_memory(a, b) or np.shares_memory(b, c))


def test_rollout_equals_step_by_step(backend):
    actions = np.random.default_rng(4).integers(0, 2, (200, 3))
    fast, slow = CartPole(num_envs=3, max_episode_steps=40, backend=backend), CartPole(num_envs=3, max_episode_steps=40)
    fast.reset(seed=2)
    slow.reset(seed=2)
    rolled = fast.rollout(actions)
    for t, row in enumerate(actions):
        step = slow.step(row)
        for name in ("step_type", "reward", "discount", "observation"):
            np.testing.assert_array_equal(getattr(rolled, name)[t], getattr(step, name))
    np.testing.assert_array_equal(fast.current_time_step().observation, slow.current_time_step().observation)
    with pytest.raises(ValueError, match="name='action'"):
        fast.rollout(np.full((2, 3), 2))
    unbatched = CartPole(backend=backend)
    unbatched.reset(seed=0)
    assert unbatched.rollout([0, 1, 0]).observation.shape == (3, 4)


def test_constructor_and_state_validation():
    with pytest.raises(ValueError, match="num_envs"):
        CartPole(num_envs=0)
    with pytest.raises(TypeError, match="max_episode_steps"):
        CartPole(max_episode_steps=2.5)
    with pytest.raises(ValueError, match="seed"):
        CartPole(seed=-1)
    env = CartPole(num_envs=2)
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        env.set_physical_state(np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        env.set_physical_state(np.full((2, 4), np.nan))


def test_load_by_name_mirrors_suite_gym():
    v0 = rlkit.envs.load("CartPole-v0")
    assert isinstance(v0, CartPole) and v0.batch_size is None
    assert (v0.max_episode_steps, v0.reward_threshold) == (200, 195.0)
    v1 = rlkit.envs.load("CartPole-v1", num_envs=8)
    assert (v1.batch_size, v1.max_episode_steps, v1.reward_threshold) == (8, 500, 475.0)
    assert repr(v0.action_spec()) == (
        "BoundedArraySpec(shape=(), dtype=dtype('int64'), name='action', minimum=0, maximum=1)")
    assert repr(v0.time_step_spec().reward) == "ArraySpec(shape=(), dtype=dtype('float32'), name='reward')"
    np.testing.assert_allclose(v0.observation_spec().maximum, [4.8, np.finfo(np.float32).max, 0.41887903, np.finfo(np.float32).max], rtol=1e-6)


# -- rendering ---------------------------------------------------------------------------------


def _cart_columns(frame):
    black = np.all(frame == 0, axis=-1)
    rows = black.sum(axis=1) < 100  # drop the track line
    return np.flatnonzero(black[rows].any(axis=0))


def _pole_pixels(frame):
    return np.argwhere(np.all(frame == (202, 152, 101), axis=-1))


def test_render_frame_shape_and_content():
    env = CartPole(num_envs=2)
    env.reset(seed=0)
    frame = env.render(1)
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    assert frame.shape[0] % 8 == 0 and frame.shape[1] % 8 == 0  # MP4-friendly with macro_block_size=8
    assert len(_pole_pixels(frame)) > 500 and np.any(np.all(frame == (129, 132, 203), axis=-1))
    with pytest.raises(IndexError):
        env.render(2)


def test_cart_moves_with_x():
    centre = _cart_columns(cartpole_frame(0.0, 0.0)).mean()
    right = _cart_columns(cartpole_frame(1.0, 0.0)).mean()
    left = _cart_columns(cartpole_frame(-1.0, 0.0)).mean()
    assert abs(centre - 300) <= 1 and abs(right - centre - 125) <= 1 and abs(centre - left - 125) <= 1


def test_pole_tilts_with_theta():
    def centroid_column(theta):
        return _pole_pixels(cartpole_frame(0.0, theta))[:, 1].mean()

    mid_pole = (125 - 10) / 2  # distance of the pole's centre from the axle, pixels
    assert abs(centroid_column(0.0) - 300) <= 1
    assert centroid_column(0.2) > 305 and centroid_column(-0.2) < 295
    for theta in (-0.2, 0.1, 0.2):
        np.testing.assert_allclose(centroid_column(theta) - 300, mid_pole * np.sin(theta), atol=1.5)


def test_frames_encode_to_mp4_without_resizing(tmp_path):
    import imageio.v2 as imageio
    import warnings

    env = CartPole()
    env.reset(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with imageio.get_writer(tmp_path / "cartpole.mp4", fps=50, macro_block_size=8) as writer:
            for _ in range(5):
                writer.append_data(env.render())
                env.step(1)
    assert (tmp_path / "cartpole.mp4").stat().st_size > 0
