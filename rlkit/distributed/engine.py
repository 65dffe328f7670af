"""Ray collection (``collect.engine: ray``): collector actors step the envs, the learner keeps the replay
buffer and the fused ``train_block``.

Per call of :meth:`RayEngine.run` (the trainer's collection seam) the learner ``ray.put``s the acting
policy once (its flat weight vector, RNG state and schedule step, a few KB for the tutorial's network);
every collector it sets to work receives that object reference and returns a ``[T, N]`` block tagged
with the policy version it acted with.

* ``mode: sync``: every collector collects the call's ``T`` steps; the blocks, side by side in collector
  order, reach the observers as one ``[T, W x N]`` block. The same seed gives the same run, and one
  collector repeats ``engine: local`` bit for bit (collector 0 acts with the learner's own RNG stream,
  whose state travels with the policy and comes back with the block; the others have their own).
* ``mode: async``: collectors never stop. The learner takes blocks as they arrive (``ray.wait``), sends
  the collector that delivered straight back to work with the newest policy, and returns as soon as it
  holds the call's ``W x T`` rows per env column, from whichever collectors delivered them: a slow
  collector delays nobody, a fast one simply delivers more blocks. Each block goes to the replay buffer
  on its own, followed by a *seam*: one LAST row holding the observation where the collector stopped, so
  the buffer (``env.num_envs`` columns; ``replay.max_length x W`` rows each, the same capacity) never
  joins two collectors' rows into one transition: a window ending on the seam bootstraps from the true
  next observation, none starts on it, as at an episode boundary. Metrics take each block
  into that collector's own env columns (``Metric.observe_columns``). Every collector has its own RNG
  stream; arrival order decides the buffer's order, so runs are not bit-reproducible. The policy lag
  (learner version minus the version a block was collected with) goes to ``summary.json``.

A collector that dies is replaced by one with a fresh seed stream (logged); in sync mode its block is
collected again, in async mode the others go on delivering meanwhile.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from rlkit import nest
from rlkit.core import Env, Observer, Policy, ReplayBuffer, State
from rlkit.distributed.collector import CollectedBlock, Collector
from rlkit.distributed.runtime import connect, ray_is_running
from rlkit.metrics import Metric
from rlkit.train.collection import CollectEngine
from rlkit.train.config import Config, ConfigError
from rlkit.types import StepType, TimeStep, Trajectory

__all__ = ["RayEngine", "CollectorError", "seam_row"]

_MAX_RESTARTS = 3  # deaths in a row of one collector before the run stops


class CollectorError(RuntimeError):
    """A collector's env or policy raised; the message names the collector and the exception, a note holds
    the collector's traceback."""


def seam_row(block: Trajectory, time_step: TimeStep) -> Trajectory:
    """The row ``[1, N]`` written after ``block`` in async mode: LAST at the envs' observation after the
    block (``time_step``), zero action and reward, discount 1, next step FIRST."""
    zeros = nest.map_structure(lambda leaf: np.zeros_like(np.asarray(leaf)[:1]), block)
    return zeros._replace(step_type=np.full_like(zeros.step_type, StepType.LAST),
                          observation=nest.map_structure(lambda leaf: np.asarray(leaf)[None], time_step.observation),
                          next_step_type=np.full_like(zeros.next_step_type, StepType.FIRST),
                          discount=np.ones_like(zeros.discount))


class RayEngine(CollectEngine):
    """``collect.num_workers`` collector actors, each with ``env.num_envs`` envs."""

    def __init__(self, config: Config, env: Env, log: Callable[[str], None]) -> None:
        self._owns_ray = not ray_is_running()
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
        self.blocks = [0] * self.num_workers     # blocks delivered per collector
        self.nodes = [""] * self.num_workers     # the Ray node of each collector's last block
        self.replaced = 0
        self._seed: tuple[int, ...] = (config.train.seed,)  # what a replacement collector seeds from (with its restart)
        self._shipped: Any = None                # the newest policy, in the object store
        # async mode: one call in flight per collector, each collector's policy state, rows still owed
        self._running: dict[Any, int] = {}
        self._policy: Policy | None = None
        self._policy_since = 0
        self._lanes: list[Any] = []
        self._owed = 0
        self._num_steps = 0
        self._deaths = [0] * self.num_workers

    @property
    def num_envs(self) -> int:
        return self.num_workers * self.envs_per_worker

    @property
    def replay_batch_size(self) -> int:
        return self.num_envs if self.sync else self.envs_per_worker

    def _start(self, index: int) -> Any:
        shared = self.sync and index == 0 and self.restarts[index] == 0
        return self._actor.remote(self.config, index, self.restarts[index], shared)

    def reset(self, seed: int, *more: int) -> None:
        self._drain()
        self._seed = (seed, *more)
        self.ray.get([collector.reset.remote(seed, *more) for collector in self.collectors])

    # -- collecting ------------------------------------------------------------------------------
    def run(self, policy: Policy, policy_state: Any, num_steps: int, observers: Sequence[Observer]) -> Any:
        self.version += 1
        self._shipped = self.ray.put(policy)  # one copy of the weights per call, shared by every collector
        if self.sync:
            return self._run_sync(policy, policy_state, int(num_steps), observers)
        if policy is not self._policy:  # e.g. the random policy's first steps, then the collect policy
            self._policy, self._policy_since, self._lanes = policy, self.version, self._split(policy_state)
        return self._run_async(int(num_steps), observers)

    def _split(self, policy_state: Any) -> list[Any]:
        if not nest.flatten(policy_state):
            return [policy_state] * self.num_workers
        n = self.envs_per_worker
        return [nest.map_structure(lambda leaf, i=i: np.asarray(leaf)[i * n:(i + 1) * n], policy_state)
                for i in range(self.num_workers)]

    @staticmethod
    def _join(states: list[Any]) -> Any:
        return states[0] if not nest.flatten(states[0]) else nest.map_structure(
            lambda *leaves: np.concatenate(leaves), *states)

    def _call(self, index: int, policy_state: Any, num_steps: int) -> Any:
        return self.collectors[index].run.remote(self._shipped, policy_state, num_steps, self.version, not self.sync)

    def _run_sync(self, policy: Policy, policy_state: Any, num_steps: int, observers: Sequence[Observer]) -> Any:
        states = self._split(policy_state)
        results = self._gather([self._call(index, state, num_steps) for index, state in enumerate(states)],
                               states, num_steps)
        if results[0].policy is not None:
            policy.set_state(results[0].policy)  # collector 0 acted with the learner's RNG stream: take it back
        self.lags.extend(self.version - result.version for result in results)
        for result in results:
            self.blocks[result.index] += 1
            self.nodes[result.index] = result.node
        block = results[0].block if len(results) == 1 else nest.map_structure(
            lambda *leaves: np.concatenate(leaves, axis=1), *[result.block for result in results])
        for observer in observers:
            observer.observe_sequence(block)
        return self._join([result.policy_state for result in results])

    def _gather(self, futures: list[Any], states: list[Any], num_steps: int) -> list[CollectedBlock]:
        """The blocks in collector order; a collector that died is replaced and asked again."""
        try:
            return self.ray.get(futures)  # one call for all: the usual case
        except (self.ray.exceptions.RayActorError, self.ray.exceptions.RayTaskError):
            pass  # find which collector died or raised, below
        results = []
        for index, future in enumerate(futures):
            while True:
                result = self._fetch(future, index)
                if result is not None:
                    results.append(result)
                    break
                future = self._call(index, states[index], num_steps)
        return results

    def _run_async(self, num_steps: int, observers: Sequence[Observer]) -> Any:
        self._num_steps = num_steps
        busy = set(self._running.values())
        for index in range(self.num_workers):
            if index not in busy:
                self._running[self._call(index, self._lanes[index], num_steps)] = index
        self._owed += num_steps * self.num_workers
        while self._owed > 0:  # wait for any collector, never for a particular one
            futures = list(self._running)
            ready, rest = self.ray.wait(futures, num_returns=1)
            if rest:
                ready += self.ray.wait(rest, num_returns=len(rest), timeout=0)[0]  # and take whatever else is done
            for future in ready:
                index = self._running.pop(future)
                result = self._fetch(future, index)
                if result is not None:
                    self._deliver(result, observers)
                    self._owed -= int(np.shape(result.block.step_type)[0])
                    if result.version >= self._policy_since:  # not a block of the previous policy
                        self._lanes[index] = result.policy_state
                self._running[self._call(index, self._lanes[index], num_steps)] = index  # back to work at once
        return self._join(self._lanes)

    def _fetch(self, future: Any, index: int) -> CollectedBlock | None:
        """The block of ``future`` (collector ``index``), or ``None`` after replacing a collector that died;
        ``CollectorError`` if its env or policy raised (replacing it would only raise again)."""
        try:
            result = self.ray.get(future)
        except self.ray.exceptions.RayActorError as err:
            self._replace(index, err)
            return None
        except self.ray.exceptions.RayTaskError as err:
            cause = err.cause if isinstance(err.cause, BaseException) else err
            error = CollectorError(f"collector {index}: {type(cause).__name__}: {' '.join(str(cause).split())[:200]}")
            error.add_note(str(err))  # the collector's traceback, for train.log
            raise error from None
        self._deaths[index] = 0
        return result

    def _deliver(self, result: CollectedBlock, observers: Sequence[Observer]) -> None:
        """One collector's block: to a replay buffer with its seam row, to a metric into the collector's env
        columns, to any other observer as it is."""
        self.lags.append(self.version - result.version)
        self.blocks[result.index] += 1
        self.nodes[result.index] = result.node
        block, first = result.block, result.index * self.envs_per_worker
        sealed = None
        for observer in observers:
            if isinstance(observer, ReplayBuffer):
                if sealed is None:
                    sealed = nest.map_structure(lambda a, b: np.concatenate([np.asarray(a), b]), block,
                                                seam_row(block, result.time_step))
                observer.observe_sequence(sealed)
            elif isinstance(observer, Metric):
                observer.observe_columns(block, first, self.num_envs)
            else:
                observer.observe_sequence(block)

    def _replace(self, index: int, err: Exception) -> Any:
        self._deaths[index] += 1
        if self._deaths[index] > _MAX_RESTARTS:
            raise RuntimeError(f"collector {index} died {self._deaths[index]} times in a row; last: {err}") from None
        self.restarts[index] += 1
        self.replaced += 1
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        self.log(f"collector {index} died ({type(err).__name__}: {first[:120]}); restarting it with a fresh seed "
                 f"stream (restart {self.restarts[index]}); training continues")
        self.ray.kill(self.collectors[index])
        self.collectors[index] = self._start(index)
        self.ray.get(self.collectors[index].reset.remote(*self._seed))
        return self.collectors[index]

    def _drain(self) -> None:
        """Async mode: let the calls in flight finish and drop their blocks (a reset or a restore follows)."""
        for future, index in list(self._running.items()):
            self._fetch(future, index)
        self._running.clear()
        self._owed = 0

    # -- checkpoints -----------------------------------------------------------------------------
    def get_state(self) -> State | None:
        """Each collector's env, policy stream and restart count; in async mode, from before the block in
        flight (a resumed run collects it again, so no row is lost or written twice)."""
        in_flight = bool(self._running)
        try:
            states = self.ray.get([collector.get_state.remote(in_flight) for collector in self.collectors])
        except self.ray.exceptions.RayActorError:  # a collector died since its last block: replace it first
            states = [self._collector_state(index, in_flight) for index in range(self.num_workers)]
        if any(state is None for state in states):
            return None
        return {"collectors": states, "version": self.version}

    def _collector_state(self, index: int, in_flight: bool) -> State | None:
        while True:
            try:
                return self.ray.get(self.collectors[index].get_state.remote(in_flight))
            except self.ray.exceptions.RayActorError as err:
                self._replace(index, err)
                for future in [future for future, owner in self._running.items() if owner == index]:
                    del self._running[future]  # the dead collector's call; the new one starts its own
                    self._running[self._call(index, self._lanes[index], self._num_steps)] = index

    def set_state(self, state: State) -> None:
        saved = list(state["collectors"])
        if len(saved) != self.num_workers:
            raise ConfigError(f"collect.num_workers: the checkpoint holds {len(saved)} collectors, the config asks "
                              f"for {self.num_workers}")
        self._drain()
        for index, collector_state in enumerate(saved):
            if int(collector_state["restart"]) != self.restarts[index]:
                self.ray.kill(self.collectors[index])
                self.restarts[index] = int(collector_state["restart"])
                self.collectors[index] = self._start(index)
        self.ray.get([collector.set_state.remote(collector_state)
                      for collector, collector_state in zip(self.collectors, saved)])
        self.version = int(state["version"])

    def diagnostics(self) -> dict[str, Any]:
        lags = np.asarray(self.lags or [0])
        return {"mode": self.config.collect.mode, "num_workers": self.num_workers, "nodes": len(set(self.nodes) - {""}),
                "collectors_replaced": self.replaced, "blocks_per_collector": list(self.blocks),
                "policy_lag_mean": round(float(lags.mean()), 3), "policy_lag_max": int(lags.max())}

    def close(self) -> None:
        for collector in self.collectors:
            self.ray.kill(collector)
        self.collectors, self._running = [], {}
        if self._owns_ray:  # a local Ray started for this run ends with it
            self.ray.shutdown()
