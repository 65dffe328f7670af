"""MountainCar's Numba dynamics against gymnasium's MountainCar-v0, and the episode semantics."""
from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from rlkit.types import StepType


def _gym_env(max_episode_steps: int = 200) -> gymnasium.Env:
    return gymnasium.make("MountainCar-v0", max_episode_steps=max_episode_steps)


@pytest.mark.parametrize("num_envs", [None, 1, 7])
def test_lockstep_with_gymnasium_mountaincar(env_module, num_envs):
    """Same start state, same actions -> same observations, rewards and episode ends, for 1000 steps."""
    env = env_module.MountainCar(num_envs=num_envs)
    n = num_envs or 1
    references = [_gym_env() for _ in range(n)]
    rng = np.random.default_rng(7)
    time_step = env.reset(seed=3)
    states = env.state
    for i, reference in enumerate(references):
        reference.reset(seed=i)
        reference.unwrapped.state = states[i].copy()
    steps_by_kind = {"terminated": 0, "truncated": 0}
    for t in range(1000):
        # Energy pumping with random actions mixed in; from step 600 on mostly random, so that
        # episodes both reach the goal and time out.
        velocity = np.reshape(time_step.observation, (n, 2))[:, 1]
        pumping = np.where(velocity >= 0, 2, 0)
        action = np.where(rng.random(n) < (0.7 if t < 600 else 0.0), pumping, rng.integers(0, 3, n))
        time_step = env.step(action[0] if num_envs is None else action)
        step_type = np.atleast_1d(time_step.step_type)
        observation = np.reshape(time_step.observation, (n, 2))
        reward = np.atleast_1d(time_step.reward)
        discount = np.atleast_1d(time_step.discount)
        states = env.state
        for i, reference in enumerate(references):
            if step_type[i] == StepType.FIRST:  # rlkit restarted this car: restart the reference from its state
                reference.reset()
                reference.unwrapped.state = states[i].copy()
                np.testing.assert_array_equal(observation[i], states[i].astype(np.float32))
                continue
            obs, rew, terminated, truncated, _ = reference.step(int(action[i]))
            np.testing.assert_array_equal(observation[i], obs)  # float64 state: exact
            assert reward[i] == rew == -1.0
            if terminated:
                steps_by_kind["terminated"] += 1
                assert (step_type[i], discount[i]) == (StepType.LAST, 0.0)
            elif truncated:
                steps_by_kind["truncated"] += 1
                assert (step_type[i], discount[i]) == (StepType.LAST, 1.0)
            else:
                assert (step_type[i], discount[i]) == (StepType.MID, 1.0)
    assert steps_by_kind["terminated"] > 0 and steps_by_kind["truncated"] > 0, steps_by_kind


def test_reset_with_a_seed_draws_gymnasiums_start_position(env_module):
    for seed in (0, 1, 123):
        observation = env_module.MountainCar().reset(seed=seed).observation
        expected, _ = _gym_env().reset(seed=seed)
        np.testing.assert_array_equal(observation, expected)


def test_left_wall_stops_the_car(env_module):
    env = env_module.MountainCar()
    env.reset(seed=0)
    env.set_physical_state([-1.19, -0.05])
    observation = env.step(0).observation
    assert observation[0] == np.float32(-1.2) and observation[1] == 0.0


def test_goal_terminates_then_next_step_restarts_and_ignores_the_action(env_module):
    env = env_module.MountainCar(num_envs=2)
    env.reset(seed=0)
    env.set_physical_state([[0.49, 0.02], [-0.5, 0.0]])
    time_step = env.step([2, 2])
    assert time_step.step_type.tolist() == [StepType.LAST, StepType.MID]
    assert time_step.discount.tolist() == [0.0, 1.0]
    time_step = env.step([0, 0])
    assert time_step.step_type.tolist() == [StepType.FIRST, StepType.MID]
    assert time_step.reward[0] == 0.0 and time_step.discount[0] == 1.0
    assert -0.6 <= time_step.observation[0, 0] <= -0.4 and time_step.observation[0, 1] == 0.0


def test_goal_velocity_is_required_for_termination(env_module):
    env = env_module.MountainCar(goal_velocity=0.05)
    env.reset(seed=0)
    env.set_physical_state([0.49, 0.02])
    assert env.step(2).step_type == StepType.MID  # at the goal but too slow


def test_time_limit_truncates_with_discount_one(env_module):
    env = env_module.MountainCar(num_envs=3, max_episode_steps=5)
    env.reset(seed=0)
    kinds = [env.step([1, 1, 1]).step_type.tolist() for _ in range(6)]
    assert kinds[:4] == [[StepType.MID] * 3] * 4
    assert kinds[4] == [StepType.LAST] * 3 and kinds[5] == [StepType.FIRST] * 3
    env.reset(seed=0)
    for _ in range(4):
        env.step([1, 1, 1])
    assert env.step([1, 1, 1]).discount.tolist() == [1.0] * 3


def test_same_seed_same_trajectory_and_reseeding_restarts_the_stream(env_module):
    def rollout(env, seed):
        observations = [env.reset(seed=seed).observation]
        for t in range(450):  # crosses two time limits, so restarts draw from the stream too
            observations.append(env.step(np.full(4, t % 3)).observation)
        return np.stack(observations)

    first = rollout(env_module.MountainCar(num_envs=4), 5)
    env = env_module.MountainCar(num_envs=4)
    assert np.array_equal(rollout(env, 5), first)
    assert np.array_equal(rollout(env, 5), first)
    assert not np.array_equal(rollout(env, 6), first)


def test_invalid_actions_raise_value_errors_naming_the_spec(env_module):
    env = env_module.MountainCar(num_envs=2)
    env.reset(seed=0)
    for bad in ([0, 3], [0.0, 1.0], [0, 1, 2], 1):
        with pytest.raises(ValueError, match="action"):
            env.step(bad)


@pytest.mark.parametrize("kwargs", [{"num_envs": 0}, {"num_envs": 2.0}, {"max_episode_steps": 0}])
def test_bad_constructor_arguments_are_value_errors(env_module, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        env_module.MountainCar(**kwargs)


def test_render_draws_the_car_where_it_is(env_module):
    env = env_module.MountainCar(num_envs=2)
    env.reset(seed=0)
    env.set_physical_state([[-1.0, 0.0], [0.3, 0.0]])
    left, right = env.render(0), env.render(1)
    assert left.shape == right.shape == (400, 600, 3) and left.dtype == np.uint8
    car = np.all(left == 0, axis=-1) & np.all(right == 255, axis=-1)  # black in the left frame only
    columns = np.nonzero(car.any(axis=0))[0]
    expected_column = (-1.0 + 1.2) / 1.8 * 600
    assert abs(columns.mean() - expected_column) < 10
    assert (right == [204, 204, 0]).all(axis=-1).any()  # the flag
    with pytest.raises(ValueError, match="env_index"):
        env.render(2)
