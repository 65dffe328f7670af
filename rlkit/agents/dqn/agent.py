"""DQN (and double DQN) on a Keras 3 Q-network, trained K gradient steps per XLA-compiled call.

    q_net = QNetwork(env.observation_spec(), env.action_spec(), fc_layer_params=(100,))
    agent = DqnAgent(env.time_step_spec(), env.action_spec(), q_net, keras.optimizers.Adam(1e-3),
                     td_errors_loss_fn="squared")
    agent.initialize()
    loss_info = agent.train(experience)              # fields [B, n + 1, ...]: one gradient step (TF-Agents semantics)
    loss_info = agent.train_block(experience_block)  # fields [K, B, n + 1, ...]: K steps in ONE compiled call
    action = agent.collect_policy.action(time_step)  # epsilon-greedy on the compiled mirror, no TF call

Why blocks: one ``tf.function`` call costs ~0.5-0.9 ms whatever it does, a gradient step of the
tutorial's network inside an XLA loop ~30 us. ``train_block`` runs K steps (and the target updates
they imply) in one call and returns the new online weights as one flat tensor, from which the acting
mirror is refreshed (reading Keras variables one by one costs ~70 us each).

Semantics follow TF-Agents' ``DqnAgent``: TD target ``reward_scale_factor * r + gamma**n * d * max_a Q_target(s')``
(double DQN: ``Q_target`` at the online argmax); transitions starting on a LAST step are masked out;
the loss is ``mean_b(mask * weights * td_errors_loss_fn(target, Q(s, a)))`` over the whole batch;
gradients are clipped per tensor; the target network is updated after every ``target_update_period``-th
gradient step with ``target = (1 - tau) * target + tau * online``.
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from rlkit.agents.dqn import losses
from rlkit.agents.dqn.config import DqnConfig
from rlkit.core import Agent
from rlkit.networks.tf_runtime import apply_default_threads
from rlkit.policies import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy
from rlkit.policies.base import discrete_action_info
from rlkit.types import LossInfo, TDLossInfo, TimeStep, Trajectory
from rlkit.validation import check_experience

__all__ = ["DqnAgent", "DqnLossInfo", "DqnBlockLossInfo"]

apply_default_threads()  # before any TensorFlow op (see rlkit.networks.tf_runtime)


DqnLossInfo = TDLossInfo  # ``LossInfo.extra`` of :meth:`DqnAgent.train` (TF-Agents' name)


class DqnBlockLossInfo(NamedTuple):
    """``LossInfo.extra`` of :meth:`DqnAgent.train_block` (``loss`` is the mean of ``losses``).

    Attributes:
      losses: float32 ``[K]``: the loss of each gradient step.
      td_loss: float32 ``[K, B]``.
      td_error: float32 ``[K, B]``: for prioritized replay.
    """

    losses: np.ndarray
    td_loss: np.ndarray
    td_error: np.ndarray


def _to_n_step_transition(experience: Trajectory, gamma: float) -> Any:
    from rlkit.replay.nstep import to_n_step_transition  # lazy: the replay package is not needed to build an agent

    return to_n_step_transition(experience, gamma)


class DqnAgent(Agent):
    """Deep Q-learning (Mnih et al., 2015) with TF-Agents' options, plus double DQN.

    Args:
      time_step_spec: the env's ``time_step_spec()``.
      action_spec: a scalar integer ``BoundedArraySpec``.
      q_network: a :class:`rlkit.networks.QNetwork` (anything with its ``copy``, ``mirror_variables``,
        ``flat_params`` and ``to_mirror`` methods).
      optimizer: a Keras 3 optimizer (built here for the network's variables).
      config: a whole :class:`DqnConfig` (default: ``DqnConfig()``).
      target_q_network: optional network for the targets (default: ``q_network.copy()``).
      train_step_counter: an int or an int64 ``tf.Variable`` to count gradient steps in.
      **options: options of :class:`~rlkit.agents.dqn.config.DqnConfig` (``epsilon_greedy``, ``gamma``,
        ``n_step_update``, ...) that replace those of ``config``; only the ones passed count, so
        ``epsilon_greedy=0.1, boltzmann_temperature=1.0`` is the two-exploration-options error.
        ``td_errors_loss_fn=None`` means Huber, as in TF-Agents.
    """

    def __init__(
        self,
        time_step_spec: TimeStep,
        action_spec: Any,
        q_network: Any,
        optimizer: Any,
        config: DqnConfig | None = None,
        *,
        target_q_network: Any = None,
        train_step_counter: Any = None,
        **options: Any,
    ) -> None:
        if config is not None and not isinstance(config, DqnConfig):
            raise TypeError(f"config must be a DqnConfig, got {type(config).__name__}")
        if options.get("td_errors_loss_fn", "huber") is None:
            options["td_errors_loss_fn"] = "huber"  # TF-Agents: None selects the Huber loss
        if config is None:
            config = DqnConfig(**options)
        elif options:  # an exploration option passed here replaces the config's
            cleared = {key: None for key in config.exclusive} if set(options) & set(config.exclusive) else {}
            config = config.replace(**{**cleared, **options})
        self._config = config
        self._num_actions, self._action_minimum, _ = discrete_action_info(action_spec, "DqnAgent")
        self._check_network(time_step_spec, q_network)
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"optimizer must be a Keras 3 optimizer (e.g. keras.optimizers.Adam(1e-3)), got {optimizer!r}")

        self._q_network = q_network
        self._target_q_network = target_q_network if target_q_network is not None else q_network.copy(name="TargetQNetwork")
        self._check_network(time_step_spec, self._target_q_network)
        self._online_variables = list(q_network.mirror_variables())
        self._target_variables = list(self._target_q_network.mirror_variables())
        if [tuple(v.shape) for v in self._online_variables] != [tuple(v.shape) for v in self._target_variables]:
            raise ValueError("target_q_network must have the same architecture as q_network")
        self._optimizer = optimizer
        if not optimizer.built:
            optimizer.build(self._online_variables)

        if isinstance(train_step_counter, tf.Variable):
            self._train_step_variable = train_step_counter
        else:
            initial = 0 if train_step_counter is None else int(train_step_counter)
            self._train_step_variable = tf.Variable(initial, dtype=tf.int64, trainable=False, name="train_step_counter")
        self._target_update_counter = tf.Variable(0, dtype=tf.int64, trainable=False, name="target_update_counter")
        self._train_steps = int(self._train_step_variable.numpy())

        self._mirror = q_network.to_mirror()
        policy = GreedyPolicy(time_step_spec, action_spec, self._mirror)
        if config.boltzmann_temperature is not None:
            collect_policy: Any = BoltzmannPolicy(time_step_spec, action_spec, self._mirror, config.boltzmann_temperature, seed=config.seed)
        else:
            collect_policy = EpsilonGreedyPolicy(time_step_spec, action_spec, self._mirror, config.collect_epsilon(), seed=config.seed)
        collect_policy.set_step(self._train_steps)
        super().__init__(time_step_spec, action_spec, policy, collect_policy, train_sequence_length=config.n_step_update + 1)

        self._loss_fn = losses.LOSSES[config.td_errors_loss_fn] if isinstance(config.td_errors_loss_fn, str) else config.td_errors_loss_fn
        self._train_fn = tf.function(self._train_steps_graph, jit_compile=True, reduce_retracing=False, autograph=False)
        self._concrete_train_fns: dict[tuple, Any] = {}  # (shapes) -> concrete function: skips tf.function's dispatch
        self._flat_params_fn = tf.function(self._q_network.flat_params, autograph=False)
        self._copy_to_target(1.0)

    @staticmethod
    def _check_network(time_step_spec: TimeStep, network: Any) -> None:
        for method in ("copy", "mirror_variables", "flat_params", "to_mirror"):
            if not callable(getattr(network, method, None)):
                raise TypeError(f"q_network must be an rlkit.networks.QNetwork (missing {method}()), got {type(network).__name__}")
        obs_spec = time_step_spec.observation
        size = int(np.prod(getattr(obs_spec, "shape", (-1,))))
        if network.layer_sizes[0] != size:
            raise ValueError(f"q_network expects {network.layer_sizes[0]} observation features, the observation spec has {size}")

    # -- properties ----------------------------------------------------------------------------
    @property
    def config(self) -> DqnConfig:
        return self._config

    @property
    def q_network(self) -> Any:
        return self._q_network

    @property
    def target_q_network(self) -> Any:
        return self._target_q_network

    @property
    def optimizer(self) -> Any:
        return self._optimizer

    @property
    def train_step_counter(self) -> int:
        """Gradient steps taken so far (a Python int; the ``tf.Variable`` is :attr:`train_step_variable`)."""
        return self._train_steps

    @property
    def train_step_variable(self) -> tf.Variable:
        return self._train_step_variable

    @property
    def q_values_mirror(self) -> Any:
        """The :class:`~rlkit.policies.QValueMirror` both policies act from."""
        return self._mirror

    def q_values(self, observations: Any) -> np.ndarray:
        """Online Q-values ``[N, A]`` (or ``[A]``) from the acting mirror (no TensorFlow call)."""
        return self._mirror.q_values(observations)

    # -- setup ---------------------------------------------------------------------------------
    def initialize(self) -> None:
        """Copy the online weights into the target network and the acting mirror (TF-Agents ``initialize``)."""
        self._copy_to_target(1.0)
        self.sync_weights()

    def _copy_to_target(self, tau: float) -> None:
        for target, online in zip(self._target_variables, self._online_variables):
            target.assign(online.value if tau == 1.0 else (1.0 - tau) * target.value + tau * online.value)

    def sync_weights(self, flat_params: Any = None) -> None:
        """Refresh the acting mirror: from ``flat_params`` (float32 ``[num_params]``, array or tensor), or from Keras.

        Reading Keras takes one compiled call for all variables, never a ``.numpy()`` per variable.
        """
        if flat_params is None:
            flat_params = self._flat_params_fn()
        self._mirror.set_params(flat_params.numpy() if hasattr(flat_params, "numpy") else flat_params)

    # -- the compiled training loop ------------------------------------------------------------
    def _update_target(self) -> None:
        cfg = self._config
        tau = float(cfg.target_update_tau)

        def update() -> Any:
            for target, online in zip(self._target_variables, self._online_variables):
                target.assign(online.value if tau == 1.0 else (1.0 - tau) * target.value + tau * online.value)
            return tf.constant(True)

        count = self._target_update_counter.assign_add(1)
        if cfg.target_update_period == 1:
            update()
        else:
            tf.cond(tf.equal(count % cfg.target_update_period, 0), update, lambda: tf.constant(False))

    def _gradient_step(self, obs: Any, actions: Any, rewards: Any, discounts: Any, next_obs: Any, masks: Any, weights: Any) -> tuple:
        cfg = self._config
        with tf.GradientTape() as tape:
            q_tm1 = self._q_network(obs, training=True)
            q_t = self._target_q_network(next_obs)
            r_t = cfg.reward_scale_factor * rewards
            if cfg.double_dqn:
                td_targets = losses.double_q_learning_target(r_t, discounts, q_t, self._q_network(next_obs))
            else:
                td_targets = losses.q_learning_target(r_t, discounts, q_t)
            predictions = losses.select_q(q_tm1, actions)
            td_error = masks * (td_targets - predictions)
            td_loss = masks * self._loss_fn(td_targets, predictions) * weights
            loss = tf.reduce_mean(td_loss)
            if self._q_network.losses:
                loss = loss + tf.reduce_mean(tf.stack(self._q_network.losses))
        grads = tape.gradient(loss, self._online_variables)
        if cfg.gradient_clipping is not None:
            grads = [tf.clip_by_norm(g, cfg.gradient_clipping) for g in grads]
        self._optimizer.apply_gradients(zip(grads, self._online_variables))
        self._train_step_variable.assign_add(1)
        self._update_target()
        return loss, td_loss, td_error

    def _train_steps_graph(self, obs, actions, rewards, discounts, next_obs, masks, weights):  # noqa: ANN001
        num_steps = obs.shape[0]

        def body(k: Any, step_losses: Any, td_losses: Any, td_errors: Any) -> tuple:
            loss, td_loss, td_error = self._gradient_step(
                obs[k], actions[k], rewards[k], discounts[k], next_obs[k], masks[k], weights[k]
            )
            return k + 1, step_losses.write(k, loss), td_losses.write(k, td_loss), td_errors.write(k, td_error)

        # An explicit while_loop, so the function is traced without autograph (its source rewriting
        # cost ~0.8 s per trace).
        arrays = [tf.TensorArray(tf.float32, size=num_steps) for _ in range(3)]
        _, step_losses, td_losses, td_errors = tf.while_loop(
            lambda k, *_: k < num_steps, body, (tf.constant(0), *arrays), maximum_iterations=num_steps)
        return (step_losses.stack(), td_losses.stack(), td_errors.stack(),
                self._q_network.flat_params(), self._train_step_variable.read_value())

    # -- NumPy side ----------------------------------------------------------------------------
    def _prepare(self, experience: Any, weights: Any, block: bool) -> tuple:
        """Validate ``experience`` and convert it to the compiled function's ``[K, B, ...]`` arrays."""
        where = "train_block" if block else "train"
        if not isinstance(experience, Trajectory):
            raise TypeError(f"{where} expects a Trajectory from the replay buffer, got {type(experience).__name__}")
        step_type = np.asarray(experience.step_type)
        expected_rank = 3 if block else 2
        window = self._config.n_step_update + 1
        layout = "[K, B, T]" if block else "[B, T]"
        if step_type.ndim != expected_rank:
            raise ValueError(f"{where} expects experience fields shaped {layout} + item shape, got step_type {step_type.shape}")
        if step_type.shape[-1] != window:
            raise ValueError(
                f"{where}: windows of {step_type.shape[-1]} steps but n_step_update={self._config.n_step_update} needs "
                f"T = {window}; sample the replay buffer with num_steps={window}"
            )
        outer = step_type.shape[:-1]
        obs_shape = tuple(self._time_step_spec.observation.shape)
        observation = np.asarray(experience.observation)
        if observation.shape != step_type.shape + obs_shape:
            raise ValueError(f"{where}: observation shape {observation.shape} does not match {step_type.shape + obs_shape}")
        transition = _to_n_step_transition(experience, float(self._config.gamma))
        if not block:
            transition = type(transition)(*(np.asarray(field)[None] for field in transition))
        lead = (1, *outer) if not block else outer
        obs = np.ascontiguousarray(np.asarray(transition.observation, np.float32).reshape(*lead, -1))
        next_obs = np.ascontiguousarray(np.asarray(transition.next_observation, np.float32).reshape(*lead, -1))
        actions = np.asarray(transition.action).reshape(lead).astype(np.int64) - self._action_minimum
        if actions.size and (actions.min() < 0 or actions.max() >= self._num_actions):
            raise ValueError(
                f"{where}: actions must lie in the action spec [{self._action_minimum}, "
                f"{self._action_minimum + self._num_actions - 1}], got values in "
                f"[{actions.min() + self._action_minimum}, {actions.max() + self._action_minimum}]"
            )
        rewards = np.asarray(transition.reward, np.float32).reshape(lead)
        discounts = np.asarray(transition.discount, np.float32).reshape(lead)
        masks = np.asarray(transition.mask, np.float32).reshape(lead)
        if weights is None:
            weights = np.ones(lead, np.float32)
        else:
            weights = np.asarray(weights, np.float32)
            if weights.shape != tuple(outer):
                raise ValueError(f"{where}: weights must have shape {tuple(outer)} (one per window), got {weights.shape}")
            weights = weights.reshape(lead)
        return obs, actions.astype(np.int32), rewards, discounts, next_obs, masks, weights

    def _run(self, arrays: tuple) -> tuple:
        key = tuple(a.shape for a in arrays)
        train_fn = self._concrete_train_fns.get(key)
        if train_fn is None:  # trace and XLA-compile once per (K, B); later calls skip the dispatch (~0.3 ms)
            specs = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype)) for a in arrays]
            train_fn = self._concrete_train_fns[key] = self._train_fn.get_concrete_function(*specs)
        step_losses, td_loss, td_error, flat_params, step = train_fn(*arrays)
        self._train_steps = int(step)
        self._mirror.set_params(flat_params.numpy())
        self._collect_policy.set_step(self._train_steps)
        return step_losses.numpy(), td_loss.numpy(), td_error.numpy()

    def _train(self, experience: Trajectory, weights: Any = None) -> LossInfo:
        check_experience(experience, self.collect_data_spec, "train", weights)
        step_losses, td_loss, td_error = self._run(self._prepare(experience, weights, block=False))
        return LossInfo(step_losses[0], DqnLossInfo(td_loss[0], td_error[0]))

    def _train_block(self, experience_block: Trajectory, weights: Any = None) -> LossInfo:
        """K gradient steps (and their target updates) in one XLA-compiled call.

        Args:
          experience_block: a ``Trajectory`` with fields ``[K, B, n_step_update + 1, ...]`` (K batches).
          weights: optional float ``[K, B]`` per-window loss weights (importance weights).

        Returns:
          ``LossInfo(loss=mean of the K losses, extra=DqnBlockLossInfo(losses [K], td_loss [K, B], td_error [K, B]))``.
          Equivalent to K :meth:`train` calls on the same batches; XLA compiles once per (K, B).
        """
        check_experience(experience_block, self.collect_data_spec, "train_block", weights)
        step_losses, td_loss, td_error = self._run(self._prepare(experience_block, weights, block=True))
        return LossInfo(np.float32(step_losses.mean()), DqnBlockLossInfo(step_losses, td_loss, td_error))

    # -- saving --------------------------------------------------------------------------------
    def _checkpoint(self) -> tf.train.Checkpoint:
        return tf.train.Checkpoint(
            q_network=self._q_network,
            target_q_network=self._target_q_network,
            optimizer=self._optimizer,
            train_step_counter=self._train_step_variable,
            target_update_counter=self._target_update_counter,
        )

    def save_checkpoint(self, directory: str | os.PathLike) -> str:
        """Write networks, optimizer and counters under ``directory`` (``tf.train.Checkpoint``); returns the prefix."""
        os.makedirs(directory, exist_ok=True)
        return self._checkpoint().write(os.path.join(os.fspath(directory), "agent"))

    def restore_checkpoint(self, directory: str | os.PathLike) -> None:
        """Restore what :meth:`save_checkpoint` wrote, then refresh counters, mirror and exploration schedule."""
        prefix = os.path.join(os.fspath(directory), "agent")
        if not tf.io.gfile.exists(prefix + ".index"):
            raise FileNotFoundError(f"no agent checkpoint at {prefix!r} (expected {prefix}.index)")
        self._checkpoint().read(prefix).assert_existing_objects_matched()
        self._after_restore()

    def _after_restore(self) -> None:
        self._train_steps = int(self._train_step_variable.numpy())
        self.sync_weights()
        self._collect_policy.set_step(self._train_steps)

    def get_state(self) -> dict:
        """The whole training state as NumPy values (networks, optimizer, counters, collect-policy RNG)."""
        return {
            "q_network": [np.array(v.numpy()) for v in self._online_variables],
            "target_q_network": [np.array(v.numpy()) for v in self._target_variables],
            "optimizer": [np.array(v.numpy()) for v in self._optimizer.variables],
            "train_step_counter": int(self._train_step_variable.numpy()),
            "target_update_counter": int(self._target_update_counter.numpy()),
            "collect_policy": self._collect_policy.get_state(),
        }

    def set_state(self, state: dict) -> None:
        """Restore a state from :meth:`get_state` (shapes are checked)."""
        groups = [("q_network", self._online_variables), ("target_q_network", self._target_variables),
                  ("optimizer", list(self._optimizer.variables))]
        for key, variables in groups:
            values = state[key]
            if len(values) != len(variables):
                raise ValueError(f"state[{key!r}] has {len(values)} arrays, the agent has {len(variables)} variables")
            for variable, value in zip(variables, values):
                if tuple(np.shape(value)) != tuple(variable.shape):
                    raise ValueError(f"state[{key!r}]: shape {np.shape(value)} does not fit variable {variable.path} {tuple(variable.shape)}")
        for key, variables in groups:
            for variable, value in zip(variables, state[key]):
                variable.assign(value)
        self._train_step_variable.assign(int(state["train_step_counter"]))
        self._target_update_counter.assign(int(state["target_update_counter"]))
        self._collect_policy.set_state(state["collect_policy"])
        self._after_restore()

    def save_policy(self, path: str | os.PathLike) -> bool:
        """Export the greedy policy as a TensorFlow SavedModel (returns ``True``).

        Signature ``serving_default(observation: float32 [N, *obs_shape]) -> {"action": [N], "q_values": [N, A]}``;
        load it with ``tf.saved_model.load(path).signatures["serving_default"]`` (no rlkit needed).
        """
        module = _GreedyPolicyModule(self._q_network, self._time_step_spec.observation.shape,
                                     self._action_minimum, self._action_spec.dtype)
        tf.saved_model.save(module, os.fspath(path), signatures={"serving_default": module.action})
        return True


class _GreedyPolicyModule(tf.Module):
    """What :meth:`DqnAgent.save_policy` exports: the Q-network and a greedy ``action`` signature."""

    def __init__(self, q_network: Any, observation_shape: tuple, action_minimum: int, action_dtype: Any) -> None:
        super().__init__(name="greedy_policy")
        self.q_network = q_network
        minimum = tf.constant(action_minimum, dtype=tf.as_dtype(action_dtype))

        @tf.function(input_signature=[tf.TensorSpec([None, *observation_shape], tf.float32, name="observation")])
        def action(observation: Any) -> dict:
            q_values = self.q_network(observation)
            index = tf.argmax(q_values, axis=-1, output_type=tf.as_dtype(action_dtype))
            return {"action": index + minimum, "q_values": q_values}

        self.action = action
