"""EnvConformance applied to rlkit.testing.FakeEnv (the mixin's own check), batched and unbatched."""
from __future__ import annotations

import numpy as np
import pytest

from rlkit.testing import EnvConformance, FakeEnv
from rlkit.types import StepType


class TestFakeEnvBatched(EnvConformance):
    seed_sensitive = False  # FakeEnv's episodes do not depend on the seed
    time_limit = 4  # FakeEnv truncates at episode_length
    renders = True

    @pytest.fixture
    def make_env(self):
        return lambda: FakeEnv(num_envs=3, episode_length=4)


class TestFakeEnvUnbatched(EnvConformance):
    seed_sensitive = False

    @pytest.fixture
    def make_env(self):
        return lambda: FakeEnv(num_envs=None, episode_length=3, terminate=True)


class _NoAutoreset(FakeEnv):
    """A broken env: keeps counting after LAST instead of restarting."""

    def _step(self, action):
        self._done[:] = False
        return super()._step(action)


class TestMixinCatchesBrokenEnvs:
    """The mixin must be able to fail: run its checks on deliberately broken envs."""

    def test_missing_autoreset_fails(self):
        suite = EnvConformance()
        suite.max_steps_to_last = 20
        with pytest.raises(BaseException):
            suite.test_next_step_autoreset(_NoAutoreset(num_envs=2, episode_length=3))

    def test_wrong_step_type_dtype_fails(self):
        env = FakeEnv(num_envs=2)
        original = env._time_step
        env._time_step = lambda *args: original(*args)._replace(step_type=np.zeros(2, np.int64) + StepType.MID)
        with pytest.raises(AssertionError, match="step_type dtype"):
            EnvConformance().test_step_types_and_shapes(env)
