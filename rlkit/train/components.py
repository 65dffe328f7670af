"""A run's components built from a :class:`~rlkit.train.config.Config` through the registry.

Every component is looked up by name, so a plugin env, network, agent or replay buffer works
wherever a built-in one does. Each is called with the arguments of its kind, its options from its
config section (checked by the options model it declares, see :mod:`rlkit.options`), and the run
values it lists in its options' ``derived`` (:data:`~rlkit.train.config.schema.RUN_VALUES`):

* env: ``make("envs", name, num_envs=N, **options)``; derived: ``backend``.
* network: ``make("networks", name, observation_spec=, action_spec=, seed=, **options)``.
* agent: ``make("agents", name, time_step_spec=, action_spec=, q_network=, optimizer=, seed=, **options)``;
  derived: ``env_steps_per_train_step``.
* replay buffer: ``make("replay_buffers", name, data_spec=, batch_size=N, max_length=, **options)``;
  derived: ``seed``, ``backend``.

A component without declared options gets its section's keys unchecked and no derived values.
Seeds of the parts of a run are derived from ``train.seed`` (:func:`derive_seed`), so one number
reproduces the whole run and no two parts share a stream.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit import backend
from rlkit.core import Agent, Env, ReplayBuffer
from rlkit.registry import get_registry, make
from rlkit.train.config import Config

__all__ = ["derive_seed", "make_env", "make_agent", "make_replay_buffer", "env_steps_per_train_step", "agent_arguments"]

# One stream per purpose (the second word of the SeedSequence entropy).
SEED_STREAMS = {"env": 1, "eval": 2, "network": 3, "collect_policy": 4, "replay": 5, "random_policy": 6, "video": 7}


def derive_seed(seed: int, purpose: str, *more: int) -> int:
    """A 63-bit seed for ``purpose`` (a key of ``SEED_STREAMS``) derived from the run's ``seed`` and ``more``."""
    entropy = [int(seed), SEED_STREAMS[purpose], *(int(value) for value in more)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _derived(kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """The run ``values`` (keys of ``RUN_VALUES``) that component ``name`` declares in its options' ``derived``."""
    options = get_registry(kind).options(name)
    return {} if options is None else {key: value for key, value in values.items() if key in options.derived}


def env_steps_per_train_step(config: Config, num_envs: int | None = None) -> float:
    """Env steps collected per gradient step: an iteration collects ``collect_steps_per_iteration`` rounded up
    to a multiple of the number of envs (every env steps together; with ``collect.engine: ray``, the envs of
    every collector), then takes ``train_steps_per_iteration``."""
    envs = config.env.num_envs if num_envs is None else num_envs
    envs *= config.collect.num_workers if config.collect.engine == "ray" else 1
    per_iteration = -(-config.train.collect_steps_per_iteration // envs) * envs
    return per_iteration / config.train.train_steps_per_iteration


def make_env(config: Config, num_envs: int | None, evaluation: bool = False, render: bool = False) -> Env:
    """The training env (or, with ``evaluation``, the eval env) with ``num_envs`` envs."""
    name = (config.eval.env or config.env.name) if evaluation else config.env.name
    kwargs = dict(config.env.options() if not evaluation or config.eval.env_kwargs is None else config.eval.env_kwargs)
    if render and name.startswith("gymnasium:"):
        kwargs.setdefault("render_mode", "rgb_array")
    kwargs = {**_derived("envs", name, {"backend": config.train.backend}), **kwargs}
    return make("envs", name, num_envs=num_envs, **kwargs)


def agent_arguments(config: Config, env: Env | None = None) -> dict[str, Any]:
    """The agent's keyword arguments besides the specs, network and optimizer: its options and derived values."""
    section = config.agent
    derived = {"env_steps_per_train_step": env_steps_per_train_step(config, None if env is None else env.batch_size)}
    return {"seed": derive_seed(config.train.seed, "collect_policy"), **_derived("agents", section.name, derived),
            **section.options()}


def make_agent(config: Config, env: Env) -> Agent:
    """Network, optimizer and agent for ``env``'s specs (imports TensorFlow)."""
    from rlkit.agents.optimizers import make_optimizer

    network = make(
        "networks", config.network.name,
        observation_spec=env.observation_spec(), action_spec=env.action_spec(),
        seed=derive_seed(config.train.seed, "network") % (2**31), **config.network.options(),
    )
    with backend.using(config.train.backend):  # the acting mirror the agent builds follows train.backend too
        agent = make(
            "agents", config.agent.name,
            time_step_spec=env.time_step_spec(), action_spec=env.action_spec(), q_network=network,
            optimizer=make_optimizer(config.agent.optimizer, config.agent.learning_rate), **agent_arguments(config, env),
        )
    agent.initialize()
    return agent


def make_replay_buffer(config: Config, agent: Agent, num_envs: int, batch_size: int | None = None) -> ReplayBuffer:
    """The replay buffer for ``agent.collect_data_spec``: ``replay.max_length x num_envs`` rows in
    ``batch_size`` columns (default ``num_envs``: one per env)."""
    section = config.replay
    batch_size = num_envs if batch_size is None else batch_size
    derived = _derived("replay_buffers", section.name,
                       {"seed": derive_seed(config.train.seed, "replay"), "backend": config.train.backend})
    return make("replay_buffers", section.name, data_spec=agent.collect_data_spec, batch_size=batch_size,
                max_length=-(-section.max_length * num_envs // batch_size), **derived, **section.options())
