"""Act with a policy exported by ``DqnAgent.save_policy`` (a TensorFlow SavedModel), e.g. for ``rlkit eval``."""
from __future__ import annotations

import os
from typing import Any

import numpy as np
import tensorflow as tf

from rlkit.core import Policy
from rlkit.fileio import CorruptFileError
from rlkit.types import PolicyStep, TimeStep

__all__ = ["SavedModelPolicy"]


class SavedModelPolicy(Policy):
    """The greedy policy stored at ``path`` (``serving_default(observation [N, ...]) -> {"action": [N]}``).

    Batched and unbatched time steps are accepted; one TensorFlow call per ``action``.
    """

    def __init__(self, time_step_spec: TimeStep, action_spec: Any, path: str | os.PathLike) -> None:
        super().__init__(time_step_spec, action_spec)
        if not os.path.isfile(os.path.join(os.fspath(path), "saved_model.pb")):
            raise FileNotFoundError(f"no exported policy at {os.fspath(path)!r} (expected a SavedModel with saved_model.pb)")
        try:
            self._module = tf.saved_model.load(os.fspath(path))
            self._serve = self._module.signatures["serving_default"]
        except (tf.errors.OpError, ValueError, KeyError, OSError) as err:  # a damaged or foreign SavedModel
            first = " ".join(str(err).split())[:200]
            raise CorruptFileError(f"the exported policy at {os.fspath(path)!r} cannot be loaded ({type(err).__name__}: "
                                   f"{first}); export it again with `rlkit train --resume RUN_DIR` after removing "
                                   "policy/ and summary.json") from None
        self._observation_rank = len(time_step_spec.observation.shape)

    def _action(self, time_step: TimeStep, policy_state: Any) -> PolicyStep:
        observation = np.asarray(time_step.observation, np.float32)
        batched = observation.ndim > self._observation_rank
        outputs = self._serve(observation=tf.constant(observation if batched else observation[None]))
        action = outputs["action"].numpy().astype(self._action_spec.dtype)
        return PolicyStep(action if batched else action[0], policy_state, ())
