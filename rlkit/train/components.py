"""A run's components built from a :class:`~rlkit.train.config.Config` through the registry.

Every component is looked up by name, so a plugin env, network, agent or replay buffer works
wherever a built-in one does. The contracts the trainer relies on:

* env: ``make("envs", name, num_envs=N, **kwargs)`` gives a batched ``Env`` of ``N`` envs
  (``num_envs=None``: an unbatched one, used for videos); seeding goes through ``reset(seed=...)``.
* network: ``make("networks", name, observation_spec=, action_spec=, fc_layer_params=, activation=,
  dueling=, seed=, **kwargs)``.
* agent: ``make("agents", name, time_step_spec=, action_spec=, q_network=, optimizer=, <the agent
  section's options>, seed=, **kwargs)``; ``agent.train_block`` is used when it exists.
* replay buffer: ``make("replay_buffers", name, data_spec=, batch_size=N, max_length=, **kwargs)`` (plus
  ``seed=`` and ``backend=`` when it takes them); ``sample_block`` and ``add_sequence`` (the base class
  has both) feed the trainer.

Seeds of the parts of a run are derived from ``train.seed`` (:func:`derive_seed`), so one number
reproduces the whole run and no two parts share a stream.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from rlkit import backend
from rlkit.core import Agent, Env, ReplayBuffer
from rlkit.registry import get_registry, make
from rlkit.train.config import Config

__all__ = ["derive_seed", "make_env", "make_agent", "make_replay_buffer", "make_optimizer", "epsilon_for"]

# One stream per purpose (the second word of the SeedSequence entropy).
SEED_STREAMS = {"env": 1, "eval": 2, "network": 3, "collect_policy": 4, "replay": 5, "random_policy": 6, "video": 7}


def derive_seed(seed: int, purpose: str, *more: int) -> int:
    """A 63-bit seed for ``purpose`` (a key of ``SEED_STREAMS``) derived from the run's ``seed`` and ``more``."""
    entropy = [int(seed), SEED_STREAMS[purpose], *(int(value) for value in more)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _accepts(factory: Any, parameter: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return parameter in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def make_env(config: Config, num_envs: int | None, evaluation: bool = False, render: bool = False) -> Env:
    """The training env (or, with ``evaluation``, the eval env) with ``num_envs`` envs."""
    name = (config.eval.env or config.env.name) if evaluation else config.env.name
    kwargs = dict(config.env.kwargs if not evaluation or config.eval.env_kwargs is None else config.eval.env_kwargs)
    if render and name.startswith("gymnasium:"):
        kwargs.setdefault("render_mode", "rgb_array")
    if config.train.backend is not None and not name.startswith("gymnasium:") and "backend" not in kwargs:
        if _accepts(get_registry("envs").resolve(name), "backend"):
            kwargs["backend"] = config.train.backend
    return make("envs", name, num_envs=num_envs, **kwargs)


def make_optimizer(name: str, learning_rate: float) -> Any:
    """A Keras 3 optimizer by its config name (``adam``, ``adamw``, ``rmsprop``, ``sgd``)."""
    import keras

    classes = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
               "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
    return classes[name](learning_rate=learning_rate)


def epsilon_for(config: Config) -> Any:
    """The collect policy's epsilon: a float, a schedule over gradient steps, or ``None`` (Boltzmann).

    ``agent.epsilon_schedule.decay_env_steps`` counts env steps collected after the initial
    collection; the agent's policies count gradient steps, so the ramp is converted with
    ``train_steps_per_iteration / collect_steps_per_iteration``.
    """
    schedule = config.agent.epsilon_schedule
    if schedule is None:
        return config.agent.epsilon_greedy
    from rlkit.policies.schedules import LinearSchedule

    train = config.train
    duration = max(1, round(schedule.decay_env_steps * train.train_steps_per_iteration / train.collect_steps_per_iteration))
    return LinearSchedule(schedule.start, schedule.end, duration)


def make_agent(config: Config, env: Env) -> Agent:
    """Network, optimizer and agent for ``env``'s specs (imports TensorFlow)."""
    seed = config.train.seed
    network = make(
        "networks", config.network.name,
        observation_spec=env.observation_spec(), action_spec=env.action_spec(),
        fc_layer_params=tuple(config.network.fc_layer_params), activation=config.network.activation,
        dueling=config.network.dueling, seed=derive_seed(seed, "network") % (2**31), **config.network.kwargs,
    )
    with backend.using(config.train.backend):  # the acting mirror the agent builds follows train.backend too
        agent = _agent_from_registry(config, env, network)
    agent.initialize()
    return agent


def _agent_from_registry(config: Config, env: Env, network: Any) -> Agent:
    seed, agent_cfg = config.train.seed, config.agent
    return make(
        "agents", agent_cfg.name,
        time_step_spec=env.time_step_spec(), action_spec=env.action_spec(), q_network=network,
        optimizer=make_optimizer(agent_cfg.optimizer, agent_cfg.learning_rate),
        epsilon_greedy=epsilon_for(config), boltzmann_temperature=agent_cfg.boltzmann_temperature,
        n_step_update=agent_cfg.n_step_update, target_update_tau=agent_cfg.target_update_tau,
        target_update_period=agent_cfg.target_update_period, td_errors_loss_fn=agent_cfg.td_errors_loss_fn,
        gamma=agent_cfg.gamma, reward_scale_factor=agent_cfg.reward_scale_factor,
        gradient_clipping=agent_cfg.gradient_clipping, double_dqn=agent_cfg.double_dqn,
        seed=derive_seed(seed, "collect_policy"), **agent_cfg.kwargs,
    )


def make_replay_buffer(config: Config, agent: Agent, num_envs: int) -> ReplayBuffer:
    """The replay buffer for ``agent.collect_data_spec``, one row per env per step."""
    kwargs = dict(config.replay.kwargs)
    factory = get_registry("replay_buffers").resolve(config.replay.name)
    if config.train.backend is not None and "backend" not in kwargs and _accepts(factory, "backend"):
        kwargs["backend"] = config.train.backend
    if "seed" not in kwargs and _accepts(factory, "seed"):
        kwargs["seed"] = derive_seed(config.train.seed, "replay")
    return make("replay_buffers", config.replay.name, data_spec=agent.collect_data_spec, batch_size=num_envs,
                max_length=config.replay.max_length, **kwargs)
