"""rlkit-mountaincar: an example rlkit plugin distribution.

* ``MountainCar`` (entry point ``rlkit.envs: MountainCarPlugin-v0``): gymnasium's MountainCar-v0
  as a batched rlkit ``Env`` whose dynamics are a Numba kernel.
* ``EnergyPolicy`` (entry point ``rlkit.policies: energy``): a heuristic that solves it.
* ``funnel_q_network`` (entry point ``rlkit.networks: funnel``): a Keras Q-network whose hidden
  layers narrow towards the output.

rlkit finds both through the entry points in this distribution's ``pyproject.toml``; importing
this package is not needed (and does not import Numba until the env module loads).
"""
from __future__ import annotations

__version__ = "0.1.0"
