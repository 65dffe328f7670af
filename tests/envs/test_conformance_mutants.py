"""EnvConformance catches envs that break what docs/plugins.md promises (issue 12, item 10).

Each mutant breaks one promise of a correct env (``FakeEnv``); the matching mixin check must FAIL
on it, and pass on the unbroken env.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _pytest.outcomes import Failed

from rlkit.testing import EnvConformance, FakeEnv
from rlkit.types import StepType, TimeStep

CAUGHT = (AssertionError, Failed)


class ActionOnAutoreset(FakeEnv):
    """Starts the new episode from the action given on the step after LAST (must be ignored)."""

    def _step(self, action: Any) -> TimeStep:
        restarting = self._done.copy()
        time_step = super()._step(action)
        if restarting.any():
            self._t = np.where(restarting, np.atleast_1d(np.asarray(action)), self._t)
            time_step = self._time_step(np.asarray(time_step.step_type).reshape(-1), np.atleast_1d(time_step.reward),
                                        np.atleast_1d(time_step.discount))
        return time_step


class RewardOnAutoreset(FakeEnv):
    """Pays the action as reward on the autoreset step (FIRST must ignore the action and pay 0)."""

    def _step(self, action: Any) -> TimeStep:
        restarting = self._done.copy()
        time_step = super()._step(action)
        reward = np.where(restarting, np.atleast_1d(np.asarray(action)), np.atleast_1d(time_step.reward)) * 0.5
        return time_step._replace(reward=reward.astype(np.float32).reshape(np.shape(time_step.reward)))


class ReusedObservationBuffer(FakeEnv):
    """Writes every observation into one buffer (earlier time steps change under the driver's feet)."""

    def _time_step(self, step_type, reward, discount) -> TimeStep:
        time_step = super()._time_step(step_type, reward, discount)
        if not hasattr(self, "_buffer"):
            self._buffer = np.empty_like(time_step.observation)
        self._buffer[...] = time_step.observation
        return time_step._replace(observation=self._buffer)


class SharedWritableReward(FakeEnv):
    """Returns the same writable reward array every step, rewritten with equal values (no visible change)."""

    def _time_step(self, step_type, reward, discount) -> TimeStep:
        time_step = super()._time_step(step_type, reward, discount)
        if not hasattr(self, "_reward"):
            self._reward = np.zeros_like(time_step.reward)
        return time_step._replace(reward=self._reward)


class TruncationWithDiscountZero(FakeEnv):
    """Ends each episode at the time limit with discount 0 (bootstrapping wrongly cut)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(terminate=True, **kwargs)


class OutlastsTheTimeLimit(FakeEnv):
    """Declared time limit 4, but episodes run 5 steps."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(episode_length=5, **kwargs)


class FloatFrames(FakeEnv):
    def render(self, env_index: int = 0) -> np.ndarray:
        return super().render(env_index).astype(np.float32) / 255


class GrayFrames(FakeEnv):
    def render(self, env_index: int = 0) -> np.ndarray:
        return super().render(env_index)[..., 0]


class RgbaFrames(FakeEnv):
    def render(self, env_index: int = 0) -> np.ndarray:
        frame = super().render(env_index)
        return np.concatenate([frame, frame[..., :1]], axis=-1)


class FramesAsLists(FakeEnv):
    def render(self, env_index: int = 0) -> Any:
        return super().render(env_index).tolist()


def _suite(**attributes: Any) -> EnvConformance:
    suite = EnvConformance()
    suite.max_steps_to_last = 20
    for name, value in attributes.items():
        setattr(suite, name, value)
    return suite


@pytest.mark.parametrize("num_envs", [None, 3])
@pytest.mark.parametrize("mutant", [ActionOnAutoreset, RewardOnAutoreset])
def test_action_used_on_autoreset_is_caught(mutant, num_envs):
    suite = _suite()
    suite.test_action_ignored_on_autoreset(lambda: FakeEnv(num_envs=num_envs, episode_length=3))  # the control passes
    with pytest.raises(CAUGHT):
        suite.test_action_ignored_on_autoreset(lambda: mutant(num_envs=num_envs, episode_length=3))


@pytest.mark.parametrize("num_envs", [None, 2])
@pytest.mark.parametrize("mutant,message", [(ReusedObservationBuffer, "changed after later steps|shares memory"),
                                            (SharedWritableReward, "reward of time step .* shares memory")])
def test_time_steps_sharing_arrays_are_caught(mutant, message, num_envs):
    suite = _suite()
    suite.test_time_steps_share_no_arrays(FakeEnv(num_envs=num_envs, episode_length=3))
    with pytest.raises(AssertionError, match=message):
        suite.test_time_steps_share_no_arrays(mutant(num_envs=num_envs, episode_length=3))


def test_read_only_constants_may_be_shared():
    class ConstantStepTypes(FakeEnv):
        _constants = {int(v): np.array(v, np.int32) for v in StepType}
        for constant in _constants.values():
            constant.setflags(write=False)

        def _time_step(self, step_type, reward, discount) -> TimeStep:
            time_step = super()._time_step(step_type, reward, discount)
            return time_step._replace(step_type=self._constants[int(time_step.step_type)])

    _suite().test_time_steps_share_no_arrays(ConstantStepTypes(num_envs=None, episode_length=3))


@pytest.mark.parametrize("num_envs", [None, 3])
def test_truncation_with_discount_zero_is_caught(num_envs):
    suite = _suite(time_limit=4)
    suite.test_truncation_discount_is_one(FakeEnv(num_envs=num_envs, episode_length=4))
    with pytest.raises(AssertionError, match="truncation .* must keep discount 1"):
        suite.test_truncation_discount_is_one(TruncationWithDiscountZero(num_envs=num_envs, episode_length=4))
    with pytest.raises(AssertionError, match="past time_limit=4"):
        suite.test_truncation_discount_is_one(OutlastsTheTimeLimit(num_envs=num_envs))


def test_truncation_check_fails_when_no_episode_reaches_the_limit():
    with pytest.raises(Failed, match="no episode reached time_limit=50"):
        _suite(time_limit=50).test_truncation_discount_is_one(FakeEnv(num_envs=2, episode_length=4, terminate=True))


@pytest.mark.parametrize("num_envs", [None, 2])
@pytest.mark.parametrize("mutant,message", [(FloatFrames, "uint8"), (GrayFrames, r"\[H, W, 3\]"),
                                            (RgbaFrames, r"\[H, W, 3\]"), (FramesAsLists, "NumPy array")])
def test_bad_frames_are_caught(mutant, message, num_envs):
    suite = _suite(renders=True)
    suite.test_render_returns_uint8_rgb(FakeEnv(num_envs=num_envs))
    with pytest.raises(AssertionError, match=message):
        suite.test_render_returns_uint8_rgb(mutant(num_envs=num_envs))
