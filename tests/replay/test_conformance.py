"""The replay conformance mixins applied to the test fake and to both of rlkit's buffers (every backend)."""
from __future__ import annotations

import pytest

from rlkit.replay import PrioritizedReplayBuffer, UniformReplayBuffer
from rlkit.testing import FakeReplayBuffer
from rlkit.testing.conformance_replay import ReplayBufferConformance, ReplayBufferWindowConformance


class TestFakeReplayBuffer(ReplayBufferConformance):
    """The fake keeps the core contract only (it does not validate dtypes or window boundaries)."""

    @pytest.fixture
    def make_buffer(self):
        return lambda data_spec, batch_size, max_length: FakeReplayBuffer(data_spec, batch_size, max_length)


class TestUniformReplayBuffer(ReplayBufferConformance, ReplayBufferWindowConformance):
    @pytest.fixture
    def make_buffer(self, backend):
        return lambda data_spec, batch_size, max_length: UniformReplayBuffer(
            data_spec, batch_size, max_length, seed=0, backend=backend)


class TestPrioritizedReplayBuffer(ReplayBufferConformance, ReplayBufferWindowConformance):
    @pytest.fixture
    def make_buffer(self, backend):
        return lambda data_spec, batch_size, max_length: PrioritizedReplayBuffer(
            data_spec, batch_size, max_length, seed=0, backend=backend)


@pytest.mark.parametrize("field", ["step_type", "next_step_type"])
def test_window_mixin_catches_a_buffer_that_stores_unknown_step_types(field):
    """The fake validates nothing: the step-type check must fail on it (and passes on rlkit's buffers above)."""
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        ReplayBufferWindowConformance().test_add_rejects_unknown_step_types(
            lambda data_spec, batch_size, max_length: FakeReplayBuffer(data_spec, batch_size, max_length), field)
