"""Where a run's experience comes from: a collection engine runs a policy for a number of batched steps
and hands the ``[T, N]`` blocks to the observers (the replay buffer and the training metrics).

    engine = make_engine(config, env, log)        # LocalEngine, or RayEngine with collect.engine: ray
    engine.reset(config.train.seed)               # new episodes, seeded from the run's seed
    policy_state = engine.run(policy, policy_state, num_steps, observers)   # the trainer's one seam
    state = engine.get_state()                    # for checkpoints (None: the envs cannot save themselves)

The local engine is a :class:`~rlkit.drivers.BlockDriver` on the training env; the Ray engine
(:mod:`rlkit.distributed.engine`) runs the same driver inside collector actors and gathers their blocks.
"""
from __future__ import annotations

import abc
from typing import Any, Callable, Sequence

from rlkit.core import Env, Observer, Policy, State
from rlkit.drivers import BlockDriver
from rlkit.train.components import derive_seed
from rlkit.train.config import Config

__all__ = ["CollectEngine", "LocalEngine", "make_engine"]


class CollectEngine(abc.ABC):
    """Collects experience for the trainer; observers receive every block, as from a driver."""

    @property
    @abc.abstractmethod
    def num_envs(self) -> int:
        """Envs stepped together (the ``N`` of the blocks and the replay buffer's batch size)."""

    @property
    def replay_batch_size(self) -> int:
        """Columns of the replay buffer the blocks are written to: ``num_envs`` (one per env) unless the
        engine writes differently (Ray's async mode: one collector's ``env.num_envs``, see
        :mod:`rlkit.distributed.engine`)."""
        return self.num_envs

    @abc.abstractmethod
    def reset(self, seed: int, *more: int) -> None:
        """Start new episodes in every env, seeded from the run's ``seed`` (and ``more``, e.g. an iteration)."""

    @abc.abstractmethod
    def run(self, policy: Policy, policy_state: Any, num_steps: int, observers: Sequence[Observer]) -> Any:
        """``num_steps`` batched steps of ``policy`` handed to ``observers`` as ``[T, N]`` blocks; returns the
        policy state to continue with. ``policy``'s own state (``get_state``) advances as if it had acted here."""

    def get_state(self) -> State | None:
        """The envs' state (and the engine's streams) for a checkpoint, or ``None`` if an env has none."""
        return None

    def set_state(self, state: State) -> None:
        """Continue from :meth:`get_state`."""
        raise NotImplementedError(f"{type(self).__name__} cannot restore state")

    def diagnostics(self) -> dict[str, float]:
        """Figures for ``summary.json`` (e.g. the async policy lag); default ``{}``."""
        return {}

    def close(self) -> None:
        """Release workers and envs."""


class LocalEngine(CollectEngine):
    """A :class:`~rlkit.drivers.BlockDriver` on ``env`` in this process (``collect.engine: local``)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.time_step: Any = None

    @property
    def num_envs(self) -> int:
        return int(self.env.batch_size or 1)

    def reset(self, seed: int, *more: int) -> None:
        self.time_step = self.env.reset(seed=derive_seed(seed, "env", *more))

    def run(self, policy: Policy, policy_state: Any, num_steps: int, observers: Sequence[Observer]) -> Any:
        self.time_step, policy_state = BlockDriver(self.env, policy, observers, num_steps=num_steps).run(
            self.time_step, policy_state)
        return policy_state

    def get_state(self) -> State | None:
        return self.env.get_state()

    def set_state(self, state: State) -> None:
        self.env.set_state(state)
        self.time_step = self.env.current_time_step()


def make_engine(config: Config, env: Env, log: Callable[[str], None]) -> CollectEngine:
    """The engine ``config.collect`` asks for; ``env`` is the training env (the Ray engine reads its specs
    and builds its own envs in the collectors). ``ConfigError`` if Ray is asked for and not installed."""
    if config.collect.engine == "local":
        return LocalEngine(env)
    from rlkit.distributed import require_ray

    require_ray("collect.engine")
    from rlkit.distributed.engine import RayEngine

    return RayEngine(config, env, log)
