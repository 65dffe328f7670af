"""Keras 3 Q-network: an MLP from observations to one Q-value per action (TF-Agents ``QNetwork``).

    q_net = QNetwork(env.observation_spec(), env.action_spec(), fc_layer_params=(100,))
    q_values = q_net(observations)          # [N, num_actions] float32
    mirror = q_net.to_mirror()              # compiled copy (Cython / Numba / NumPy) for acting without TensorFlow

Initialisers follow TF-Agents: hidden kernels ``VarianceScaling(2.0, "fan_in", "truncated_normal")``,
the Q head uniform in [-0.03, 0.03] with bias -0.2. With ``seed`` every initialiser is seeded, so
two networks built with the same seed are identical.
"""
from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
import tensorflow as tf

from rlkit.networks.options import QNetworkOptions
from rlkit.networks.tf_runtime import apply_default_threads
from rlkit.policies.base import discrete_action_info
from rlkit.policies.q_mirror import QValueMirror
from rlkit.specs import ArraySpec

apply_default_threads()  # before any TensorFlow op: one thread is fastest for these networks

__all__ = ["QNetwork"]


class QNetwork(keras.Model):
    """Observations ``[N, *obs_shape]`` -> Q-values ``[N, num_actions]`` through ``Dense`` layers.

    Args:
      observation_spec: an ``ArraySpec`` (observations are flattened and cast to float32).
      action_spec: a scalar integer ``BoundedArraySpec``; one output per action in ``[minimum, maximum]``.
      fc_layer_params: units of each hidden layer.
      activation: hidden activation name (one the acting mirror reproduces: ``QNetworkOptions``).
      dueling: ``Q = V + (A - mean(A))`` from a value and an advantage head (Wang et al., 2016).
      seed: seeds every initialiser (``None``: Keras' global seed).
    """

    def __init__(
        self,
        observation_spec: ArraySpec,
        action_spec: Any,
        fc_layer_params: Sequence[int] = (100,),
        activation: str = "relu",
        dueling: bool = False,
        seed: int | None = None,
        name: str = "QNetwork",
    ) -> None:
        super().__init__(name=name)
        if not isinstance(observation_spec, ArraySpec):
            raise TypeError(f"QNetwork needs a single ArraySpec observation spec, got {observation_spec!r}")
        num_actions, _, _ = discrete_action_info(action_spec, "QNetwork")
        options = QNetworkOptions(fc_layer_params=tuple(int(u) for u in fc_layer_params), activation=activation,
                                  dueling=bool(dueling))  # the rules, declared once (rlkit.networks.options)
        units = options.fc_layer_params
        self._observation_spec = observation_spec
        self._action_spec = action_spec
        self._fc_layer_params = units
        self._activation = activation
        self._dueling = bool(dueling)
        self._seed = seed
        self._obs_size = int(np.prod(observation_spec.shape))
        self._num_actions = num_actions

        def seeded(offset: int) -> int | None:
            return None if seed is None else int(seed) + offset

        self.hidden_layers = [
            keras.layers.Dense(
                u,
                activation=None if activation == "linear" else activation,
                kernel_initializer=keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal", seed=seeded(i)),
                name=f"hidden_{i}",
            )
            for i, u in enumerate(units)
        ]
        for i, layer in enumerate(self.hidden_layers):  # direct attributes, so tf.train.Checkpoint tracks them
            setattr(self, f"hidden_{i}", layer)
        self.q_head = keras.layers.Dense(
            num_actions,
            kernel_initializer=keras.initializers.RandomUniform(-0.03, 0.03, seed=seeded(len(units))),
            bias_initializer=keras.initializers.Constant(-0.2),
            name="q_head",
        )
        self.value_head = None
        if self._dueling:
            self.value_head = keras.layers.Dense(
                1,
                kernel_initializer=keras.initializers.RandomUniform(-0.03, 0.03, seed=seeded(len(units) + 1)),
                bias_initializer=keras.initializers.Constant(-0.2),
                name="value_head",
            )
        self.build((None, *observation_spec.shape))

    def build(self, input_shape: Any) -> None:
        size = self._obs_size
        for layer in self.hidden_layers:
            layer.build((None, size))
            size = layer.units
        self.q_head.build((None, size))
        if self.value_head is not None:
            self.value_head.build((None, size))
        self.built = True

    def call(self, observations: Any, training: bool = False) -> Any:
        x = tf.reshape(tf.cast(observations, tf.float32), (-1, self._obs_size))
        for layer in self.hidden_layers:
            x = layer(x)
        q = self.q_head(x)
        if self.value_head is not None:
            q = self.value_head(x) + (q - tf.reduce_mean(q, axis=-1, keepdims=True))
        return q

    # -- description ---------------------------------------------------------------------------
    @property
    def observation_spec(self) -> ArraySpec:
        return self._observation_spec

    @property
    def action_spec(self) -> Any:
        return self._action_spec

    @property
    def num_actions(self) -> int:
        return self._num_actions

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(obs_size, *fc_layer_params, num_actions)``."""
        return (self._obs_size, *self._fc_layer_params, self._num_actions)

    def get_config(self) -> dict:
        return {
            "fc_layer_params": self._fc_layer_params,
            "activation": self._activation,
            "dueling": self._dueling,
            "seed": self._seed,
        }

    def copy(self, name: str | None = None) -> "QNetwork":
        """A network of the same architecture with fresh variables (e.g. the target network)."""
        return QNetwork(
            self._observation_spec, self._action_spec, self._fc_layer_params, self._activation,
            self._dueling, self._seed, name=name or f"{self.name}_copy",
        )

    # -- the acting mirror ---------------------------------------------------------------------
    def mirror_variables(self) -> list:
        """The Keras variables in :class:`QValueMirror` layout order (kernel, bias per layer; heads last)."""
        layers = [*self.hidden_layers, self.q_head] + ([self.value_head] if self.value_head is not None else [])
        return [v for layer in layers for v in (layer.kernel, layer.bias)]

    def flat_params(self) -> Any:
        """All mirror variables concatenated into one float32 tensor (usable inside ``tf.function``)."""
        return tf.concat([tf.reshape(v.value, [-1]) for v in self.mirror_variables()], axis=0)

    def to_mirror(self, backend: str = "auto") -> QValueMirror:
        """A :class:`QValueMirror` holding a copy of the current weights."""
        mirror = QValueMirror(self.layer_sizes, self._activation, self._dueling, backend=backend)
        mirror.set_weights([np.asarray(v.numpy()) for v in self.mirror_variables()])
        return mirror
