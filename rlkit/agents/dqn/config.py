"""DQN options, with TF-Agents' ``DqnAgent`` names and meanings: declared once, here.

:class:`DqnConfig` is what :class:`~rlkit.agents.dqn.DqnAgent` takes (its keyword arguments build one),
the ``agent:`` section of an ``rlkit train`` config (registered as the ``dqn`` agent's options), and
that section's rows of ``docs/configuration.md``. Light: no TensorFlow here.
"""
from __future__ import annotations

import difflib
from typing import Annotated, Any, ClassVar, Optional

from pydantic import PlainValidator, WithJsonSchema, model_validator

from rlkit.options import (
    Bool,
    Float,
    Fraction,
    NonNegativeInt,
    Options,
    PositiveFloat,
    PositiveInt,
    bounded,
    number_or_schedule,
)

__all__ = ["DqnConfig", "EpsilonSchedule", "EXPLORATION"]

EXPLORATION = ("epsilon_greedy", "epsilon_schedule", "boltzmann_temperature")
LOSSES = ("huber", "squared")


def _loss_fn(value: Any) -> Any:
    if isinstance(value, str) and value in LOSSES or callable(value) and not isinstance(value, str):
        return value
    close = difflib.get_close_matches(str(value), LOSSES, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"{value!r} is not allowed; {hint}choose one of {', '.join(LOSSES)} (from Python also a callable)")


LossFn = Annotated[Any, PlainValidator(_loss_fn), WithJsonSchema({"type": "string", "enum": list(LOSSES)})]


class EpsilonSchedule(Options):
    """Linear exploration schedule: epsilon goes from `start` to `end` over `decay_env_steps`, then stays.

    Attributes:
      start: epsilon at env step 0 (the first step after the initial collection).
      end: epsilon from `decay_env_steps` env steps on.
      decay_env_steps: env steps (summed over the envs) the decay takes.
    """

    start: Fraction = 1.0
    end: Fraction = 0.05
    decay_env_steps: PositiveInt = 10_000

    def over_train_steps(self, env_steps_per_train_step: float) -> Any:
        """The schedule as a ``LinearSchedule`` of gradient steps (the step the agent's policies count)."""
        from rlkit.policies.schedules import LinearSchedule

        return LinearSchedule(self.start, self.end, max(1, round(self.decay_env_steps / env_steps_per_train_step)))


class DqnConfig(Options):
    """Options of the DQN agent (`DqnAgent`). Exploration: set one of `epsilon_greedy`, `epsilon_schedule`, `boltzmann_temperature`; setting the schedule or the temperature alone turns the default `epsilon_greedy` off.

    Attributes:
      epsilon_greedy: constant probability of a random action in the collect policy (from Python also a schedule `callable(train_step) -> float`).
      epsilon_schedule: linearly decaying epsilon instead (a mapping with `start`, `end`, `decay_env_steps`).
      boltzmann_temperature: sample collect actions from softmax(Q / temperature) instead (from Python also a schedule).
      n_step_update: steps of reward in each TD target (experience windows of n_step_update + 1 rows).
      target_update_tau: soft target update factor: target = (1 - tau) * target + tau * online (1.0 copies the weights).
      target_update_period: gradient (train) steps between target updates.
      td_errors_loss_fn: element-wise TD loss: `huber` (TF-Agents' default) or `squared` (the tutorial's); from Python also a callable `(td_targets, predictions) -> loss`.
      gamma: discount factor of future rewards.
      reward_scale_factor: multiplier applied to rewards in the TD target.
      gradient_clipping: clip each gradient tensor to this L2 norm (per tensor, as TF-Agents' `clip_gradient_norms`; not the global norm); null for no clipping.
      double_dqn: pick the next action with the online network, value it with the target (double DQN).
      seed: seeds the collect policy's random stream (`rlkit train` derives it from `train.seed`).
      env_steps_per_train_step: env steps collected per gradient step; converts `epsilon_schedule` to gradient steps (`rlkit train` derives it from the `train` section).
    """

    derived: ClassVar[frozenset[str]] = frozenset({"seed", "env_steps_per_train_step"})
    exclusive: ClassVar[tuple[str, ...]] = EXPLORATION

    epsilon_greedy: Optional[number_or_schedule(ge=0.0, le=1.0)] = 0.1
    epsilon_schedule: Optional[EpsilonSchedule] = None
    boltzmann_temperature: Optional[number_or_schedule(gt=0.0)] = None
    n_step_update: PositiveInt = 1
    target_update_tau: bounded(Float, gt=0.0, le=1.0) = 1.0
    target_update_period: PositiveInt = 1
    td_errors_loss_fn: LossFn = "huber"
    gamma: Fraction = 1.0
    reward_scale_factor: Float = 1.0
    gradient_clipping: Optional[PositiveFloat] = None
    double_dqn: Bool = False
    seed: Optional[NonNegativeInt] = None
    env_steps_per_train_step: PositiveFloat = 1.0

    @model_validator(mode="before")
    @classmethod
    def _one_exploration(cls, data: Any) -> Any:
        """Exactly one exploration option: the one place this rule is checked."""
        if not isinstance(data, dict):
            return data
        chosen = [key for key in EXPLORATION if data.get(key) is not None]
        if len(chosen) > 1:
            raise ValueError(f"{' and '.join(chosen)} were both set, but only one exploration option can be used; "
                             "set the others to None (null in YAML)")
        if not chosen and "epsilon_greedy" in data:
            raise ValueError(f"no exploration: set one of {', '.join(EXPLORATION)} (epsilon_greedy: 0.0 for none)")
        if chosen and chosen[0] != "epsilon_greedy":
            data = {**data, "epsilon_greedy": None}  # a schedule or a temperature alone replaces the default epsilon
        return data

    def collect_epsilon(self) -> Any:
        """Epsilon of the collect policy (a float or a schedule of gradient steps); ``None`` with Boltzmann exploration."""
        if self.epsilon_schedule is not None:
            return self.epsilon_schedule.over_train_steps(self.env_steps_per_train_step)
        return self.epsilon_greedy
