"""Options of the built-in replay buffers besides ``data_spec``, ``batch_size`` and ``max_length`` (no NumPy work here)."""
from __future__ import annotations

from typing import ClassVar, Optional

from rlkit.backend import BACKENDS
from rlkit.options import Fraction, NonNegativeInt, Options, choice, number_or_schedule

__all__ = ["UniformOptions", "PrioritizedOptions"]


class UniformOptions(Options):
    """Options of `UniformReplayBuffer`.

    Attributes:
      seed: seeds the sampler (`rlkit train` derives it from `train.seed`).
      backend: kernel backend of the sampler (`rlkit train` passes `train.backend`).
    """

    derived: ClassVar[frozenset[str]] = frozenset({"seed", "backend"})

    seed: Optional[NonNegativeInt] = None
    backend: Optional[choice(*BACKENDS)] = None


class PrioritizedOptions(UniformOptions):
    """Options of `PrioritizedReplayBuffer` (Schaul et al., 2016).

    Attributes:
      seed: seeds the sampler (`rlkit train` derives it from `train.seed`).
      backend: kernel backend of the sampler (`rlkit train` passes `train.backend`).
      alpha: priority exponent: P(i) ~ priority_i ** alpha (0 is uniform).
      beta: importance-sampling exponent of the weights (from Python also a schedule of train steps).
      epsilon: added to every |TD error| so that no priority is 0.
    """

    alpha: Fraction = 0.6
    beta: number_or_schedule(ge=0.0, le=1.0) = 0.4
    epsilon: Fraction = 1e-6
