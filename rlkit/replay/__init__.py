"""Replay buffers: uniform and prioritized, compiled sampler, n-step windows, save/restore.

    from rlkit.replay import UniformReplayBuffer, to_n_step_transition
    buffer = UniformReplayBuffer(agent.collect_data_spec, batch_size=1, max_length=100_000, seed=0)
    experience, info = buffer.sample(64, num_steps=n + 1)        # fields [64, n + 1, ...]
    transition = to_n_step_transition(experience, gamma=0.99)     # first obs, action, n-step return, ...
"""
from rlkit.replay.base import NotEnoughDataError, ReplayBufferFileError
from rlkit.replay.layout import RecordLayout
from rlkit.replay.nstep import NStepTransition, to_n_step_transition
from rlkit.replay.prioritized import PrioritizedReplayBuffer
from rlkit.replay.uniform import UniformReplayBuffer

__all__ = [
    "UniformReplayBuffer",
    "PrioritizedReplayBuffer",
    "NStepTransition",
    "to_n_step_transition",
    "NotEnoughDataError",
    "ReplayBufferFileError",
    "RecordLayout",
]
