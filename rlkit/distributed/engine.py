"""Ray collection (``collect.engine: ray``): collector actors step the envs, the learner keeps the replay
buffer and the fused ``train_block``.

Per call of :meth:`RayEngine.run` (the trainer's collection seam) the learner ``ray.put``s the acting
policy once (its flat weight vector, RNG state and schedule step, a few KB for the tutorial's network)
and every collector receives the same object reference; each returns a ``[T, N]`` block tagged with the
policy version, and the blocks, side by side, reach the observers as one ``[T, W x N]`` block.

* ``mode: sync`` gathers the blocks in collector order: the same seed gives the same run, and one
  collector repeats ``engine: local`` bit for bit (collector 0 acts with the learner's own RNG stream,
  whose state travels with the policy and comes back with the block; the others have their own).
* ``mode: async`` hands the observers the blocks of the previous call and sets the collectors on the
  next one at once, so collection overlaps training; blocks lag the learner by one policy version
  (``summary.json``: ``collect.policy_lag_mean``/``max``); every collector has its own RNG stream.
  Not bit-reproducible.

A collector that dies is replaced by one with a fresh seed stream (logged); its block is collected again.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from rlkit import nest
from rlkit.core import Env, Observer, Policy, State
from rlkit.distributed import require_ray
from rlkit.distributed.collector import CollectedBlock, Collector
from rlkit.distributed.runtime import connect
from rlkit.train.collection import CollectEngine
from rlkit.train.config import Config, ConfigError

__all__ = ["RayEngine"]

_MAX_RESTARTS = 3  # per collector per call


class RayEngine(CollectEngine):
    """``collect.num_workers`` collector actors, each with ``env.num_envs`` envs."""

    def __init__(self, config: Config, env: Env, log: Callable[[str], None]) -> None:
        self._owns_ray = not require_ray("collect.engine").is_initialized()
        self.ray = connect(config.collect.address)
        self.config, self.log = config, log
        self.num_workers = config.collect.num_workers
        self.envs_per_worker = int(env.batch_size or 1)
        self.sync = config.collect.mode == "sync"
        cpus = self.ray.cluster_resources().get("CPU", 0)
        if self.num_workers > cpus:
            if self._owns_ray:
                self.ray.shutdown()
            raise ConfigError(f"collect.num_workers: {self.num_workers} collectors need one CPU each, the Ray cluster "
                              f"has {cpus:g}; lower it or add nodes")
        self._actor = self.ray.remote(num_cpus=1, max_restarts=0)(Collector)
        self.restarts = [0] * self.num_workers
        self.collectors = [self._start(i) for i in range(self.num_workers)]
        self.version = 0
        self.lags: list[int] = []
        self.replaced = 0
        self._seed: tuple[int, ...] = (config.train.seed,)  # what a replacement collector seeds from (with its restart)
        self._pending: list[tuple[Any, tuple]] | None = None

    @property
    def num_envs(self) -> int:
        return self.num_workers * self.envs_per_worker

    def _start(self, index: int) -> Any:
        shared = self.sync and index == 0 and self.restarts[index] == 0
        return self._actor.remote(self.config, index, self.restarts[index], shared)

    def reset(self, seed: int, *more: int) -> None:
        self._drop_pending()
        self._seed = (seed, *more)
        self.ray.get([collector.reset.remote(seed, *more) for collector in self.collectors])

    # -- collecting ------------------------------------------------------------------------------
    def _split(self, policy_state: Any) -> list[Any]:
        if not nest.flatten(policy_state):
            return [policy_state] * self.num_workers
        n = self.envs_per_worker
        return [nest.map_structure(lambda leaf, i=i: np.asarray(leaf)[i * n:(i + 1) * n], policy_state)
                for i in range(self.num_workers)]

    def _submit(self, policy: Policy, policy_state: Any, num_steps: int) -> list[tuple[Any, tuple]]:
        self.version += 1
        shipped = self.ray.put(policy)  # one copy of the weights per call, shared by every collector
        calls = []
        for index, state in enumerate(self._split(policy_state)):
            args = (shipped, state, int(num_steps), self.version, not self.sync)
            calls.append((self.collectors[index].run.remote(*args), args))
        return calls

    def _gather(self, calls: list[tuple[Any, tuple]]) -> list[CollectedBlock]:
        """The blocks in collector order; a collector that died is replaced and asked again."""
        try:
            return self.ray.get([future for future, _ in calls])  # one call for all: the usual case
        except self.ray.exceptions.RayActorError:
            pass  # find which collector died, below
        results = []
        for index, (future, args) in enumerate(calls):
            for attempt in range(_MAX_RESTARTS + 1):
                try:
                    results.append(self.ray.get(future))
                    break
                except self.ray.exceptions.RayActorError as err:
                    if attempt == _MAX_RESTARTS:
                        raise RuntimeError(f"collector {index} died {attempt + 1} times in one call; last: {err}") from None
                    future = self._replace(index, err).run.remote(*args)
        return results

    def _replace(self, index: int, err: Exception) -> Any:
        self.restarts[index] += 1
        self.replaced += 1
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        self.log(f"collector {index} died ({type(err).__name__}: {first[:120]}); restarting it with a fresh seed "
                 f"stream (restart {self.restarts[index]}); training continues")
        self.ray.kill(self.collectors[index])
        self.collectors[index] = self._start(index)
        self.ray.get(self.collectors[index].reset.remote(*self._seed))
        return self.collectors[index]

    def run(self, policy: Policy, policy_state: Any, num_steps: int, observers: Sequence[Observer]) -> Any:
        if self.sync or self._pending is None:
            results = self._gather(self._submit(policy, policy_state, num_steps))
        else:
            results = self._gather(self._pending)
        if results[0].policy is not None:
            policy.set_state(results[0].policy)  # collector 0 acted with the learner's RNG stream: take it back
        states = [result.policy_state for result in results]
        policy_state = states[0] if not nest.flatten(states[0]) else nest.map_structure(
            lambda *leaves: np.concatenate(leaves), *states)
        if not self.sync:  # the next call's blocks are collected while the learner trains on these
            self._pending = self._submit(policy, policy_state, num_steps)
        self.lags.extend(self.version - result.version for result in results)  # versions behind the policy acting now
        block = results[0].block if len(results) == 1 else nest.map_structure(
            lambda *leaves: np.concatenate(leaves, axis=1), *[result.block for result in results])
        for observer in observers:
            observer.observe_sequence(block)
        return policy_state

    def _drop_pending(self) -> None:
        if self._pending is not None:
            self._gather(self._pending)
            self._pending = None

    # -- checkpoints -----------------------------------------------------------------------------
    def get_state(self) -> State | None:
        """Each collector's env, policy stream and restart count; in async mode, from before the blocks in flight
        (a resumed run collects them again, so the replay buffer's rows stay consecutive)."""
        in_flight = self._pending is not None
        states = self.ray.get([collector.get_state.remote(in_flight) for collector in self.collectors])
        if any(state is None for state in states):
            return None
        return {"collectors": states, "version": self.version}

    def set_state(self, state: State) -> None:
        saved = list(state["collectors"])
        if len(saved) != self.num_workers:
            raise ConfigError(f"collect.num_workers: the checkpoint holds {len(saved)} collectors, the config asks "
                              f"for {self.num_workers}")
        self._drop_pending()
        for index, collector_state in enumerate(saved):
            if int(collector_state["restart"]) != self.restarts[index]:
                self.ray.kill(self.collectors[index])
                self.restarts[index] = int(collector_state["restart"])
                self.collectors[index] = self._start(index)
        self.ray.get([collector.set_state.remote(collector_state)
                      for collector, collector_state in zip(self.collectors, saved)])
        self.version = int(state["version"])

    def diagnostics(self) -> dict[str, float]:
        lags = np.asarray(self.lags or [0])
        return {"mode": self.config.collect.mode, "num_workers": self.num_workers, "collectors_replaced": self.replaced,
                "policy_lag_mean": round(float(lags.mean()), 3), "policy_lag_max": int(lags.max())}

    def close(self) -> None:
        for collector in self.collectors:
            self.ray.kill(collector)
        self.collectors = []
        if self._owns_ray:  # a local Ray started for this run ends with it
            self.ray.shutdown()
