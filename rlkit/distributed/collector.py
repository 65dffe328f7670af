"""The collector actor of Ray collection: the training env and the acting policy, in NumPy only.

A collector builds ``env.num_envs`` envs from the run's config and, per call, runs the policy the learner
shipped (the compiled NumPy/Cython Q-mirror with the current weights, its RNG state and schedule step)
through a :class:`~rlkit.drivers.BlockDriver`; it returns the ``[T, N]`` block tagged with the policy
version. Nothing here imports TensorFlow, so a collector starts in about a second and stays small.

Seeds: collector ``i`` after ``r`` restarts seeds its env and its own policy RNG stream from
``(train.seed, i, r)``; collector 0 before any restart seeds its env as ``engine: local`` does and, in
sync mode, acts with the learner's own policy RNG (``shared``), which is why one collector repeats a
local run bit for bit.
"""
from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple

import numpy as np

from rlkit import nest
from rlkit.core import Observer, Policy, State
from rlkit.drivers import BlockDriver
from rlkit.policies import SeededPolicy
from rlkit.train.components import derive_seed
from rlkit.train.config import Config
from rlkit.types import Trajectory

__all__ = ["Collector", "CollectedBlock", "collector_seed"]


def collector_seed(seed: int, purpose: str, index: int, restart: int, *more: int) -> int:
    """The seed of ``purpose`` for collector ``index`` after ``restart`` restarts (collector 0, never
    restarted, gets the seed a local run uses)."""
    extra = () if (index, restart) == (0, 0) else (index + 1, restart)
    return derive_seed(seed, purpose, *more, *extra)


class CollectedBlock(NamedTuple):
    """What a collector returns per call."""

    block: Trajectory        # fields [T, N, ...]
    policy_state: Any        # the driver's policy state to continue with
    policy: State | None     # the shipped policy's get_state() after acting (collector 0 only: the learner's stream)
    version: int             # the learner's policy version the block was collected with
    index: int               # the collector
    time_step: Any           # the envs' time step after the block (where the next block starts)
    node: str                # the Ray node the collector runs on


class _Keep(Observer):
    def __init__(self) -> None:
        self.blocks: list[Trajectory] = []

    def __call__(self, trajectory: Trajectory) -> None:
        self.blocks.append(nest.map_structure(lambda leaf: np.expand_dims(leaf, 0), trajectory))

    def observe_sequence(self, trajectories: Trajectory) -> None:
        self.blocks.append(trajectories)


class Collector:
    """Collector ``index`` (after ``restart`` restarts) for the run described by ``config``; ``shared``: act
    with the RNG stream of the shipped policy (the learner's) and return its state, else with its own."""

    def __init__(self, config: Config, index: int, restart: int, shared: bool = False) -> None:
        from rlkit.train.components import make_env

        self.index, self.restart = int(index), int(restart)
        self.env = make_env(config, config.env.num_envs)
        self.time_step: Any = None
        self.snapshot: State | None = None
        self.rng = None if shared else np.random.Generator(
            np.random.PCG64(collector_seed(config.train.seed, "collect_policy", index, restart)))

    def pid(self) -> int:
        return os.getpid()

    def node(self) -> str:
        """The id of the Ray node this collector runs on ("" outside Ray)."""
        ray = sys.modules.get("ray")
        return ray.get_runtime_context().get_node_id() if ray is not None and ray.is_initialized() else ""

    def modules(self) -> list[str]:
        """The modules imported in this process (a test checks that TensorFlow is not among them)."""
        return sorted(sys.modules)

    def reset(self, seed: int, *more: int) -> None:
        self.time_step = self.env.reset(seed=collector_seed(seed, "env", self.index, self.restart, *more))

    def run(self, policy: Policy, policy_state: Any, num_steps: int, version: int, snapshot: bool = False) -> CollectedBlock:
        """``num_steps`` batched steps of ``policy`` (a fresh copy shipped by the learner); ``snapshot``: keep
        the state from before them (an async learner checkpoints that while this block is in flight)."""
        self.snapshot = self.get_state() if snapshot else None
        seeded = self.rng is not None and isinstance(policy, SeededPolicy)
        if seeded:
            policy.rng.bit_generator.state = self.rng.bit_generator.state
        keep = _Keep()
        self.time_step, policy_state = BlockDriver(self.env, policy, [keep], num_steps=num_steps).run(
            self.time_step, policy_state)
        if seeded:
            self.rng.bit_generator.state = policy.rng.bit_generator.state
        block = keep.blocks[0] if len(keep.blocks) == 1 else nest.map_structure(
            lambda *leaves: np.concatenate(leaves), *keep.blocks)
        return CollectedBlock(block, policy_state, None if self.rng is not None else policy.get_state(), version,
                              self.index, self.time_step, self.node())

    def get_state(self, before_last_run: bool = False) -> State | None:
        if before_last_run:
            return self.snapshot
        env = self.env.get_state()
        if env is None:
            return None
        return {"env": env, "rng": None if self.rng is None else self.rng.bit_generator.state, "restart": self.restart}

    def set_state(self, state: State) -> None:
        self.env.set_state(state["env"])
        self.time_step = self.env.current_time_step()
        if self.rng is not None and state["rng"] is not None:
            self.rng.bit_generator.state = state["rng"]
