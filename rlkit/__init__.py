"""rlkit: a fast, Gymnasium-compatible, pluggable reinforcement-learning toolkit.

``import rlkit`` is light: it loads NumPy and the interfaces, never TensorFlow or Numba. Heavier
parts load when first used (``rlkit.agents``, ``rlkit.networks``, ``rlkit.train``).
"""
import time as _time

_IMPORT_STARTED = _time.perf_counter()  # the CLI's timings (summary.json) count from here

from rlkit._version import __version__  # noqa: E402
from rlkit.core import Agent, Driver, Env, Observer, Policy, ReplayBuffer
from rlkit.registry import make, register
from rlkit.specs import ArraySpec, BoundedArraySpec
from rlkit.types import (
    BufferInfo,
    LossInfo,
    PolicyStep,
    StepType,
    TimeStep,
    Trajectory,
    from_transition,
    restart,
    termination,
    transition,
    truncation,
)

__all__ = [
    "__version__",
    "Agent",
    "Driver",
    "Env",
    "Observer",
    "Policy",
    "ReplayBuffer",
    "ArraySpec",
    "BoundedArraySpec",
    "BufferInfo",
    "LossInfo",
    "PolicyStep",
    "StepType",
    "TimeStep",
    "Trajectory",
    "from_transition",
    "restart",
    "termination",
    "transition",
    "truncation",
    "make",
    "register",
]

# Importing rlkit.envs registers rlkit's envs with gymnasium (string entry points: nothing heavy loads
# here), so gymnasium.make("rlkit/CartPole-v1") works after `import rlkit`, and "rlkit:rlkit/CartPole-v1" without it.
import rlkit.envs as _envs  # noqa: E402,F401
