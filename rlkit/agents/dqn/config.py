"""DQN hyper-parameters, with TF-Agents' ``DqnAgent`` names and meanings, checked on construction."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Union

__all__ = ["DqnConfig"]

LossFn = Union[str, Callable[[Any, Any], Any]]


@dataclass(frozen=True)
class DqnConfig:
    """Options of :class:`~rlkit.agents.dqn.DqnAgent`.

    Attributes:
      epsilon_greedy: exploration rate of ``collect_policy``: a float in [0, 1] or a schedule
        ``callable(train_step) -> float``; ``None`` when ``boltzmann_temperature`` is used.
      boltzmann_temperature: if set (> 0 or a schedule), ``collect_policy`` samples
        ``softmax(Q / temperature)`` instead; mutually exclusive with ``epsilon_greedy``.
      n_step_update: number of environment steps in each TD target (experience windows are
        ``n_step_update + 1`` long).
      target_update_tau: soft-update factor in (0, 1]: ``target = (1 - tau) * target + tau * online``.
      target_update_period: update the target network every this many gradient (train) steps.
      td_errors_loss_fn: ``"huber"`` (TF-Agents' default), ``"squared"`` (the tutorial's), or a
        callable ``(td_targets, predictions) -> element-wise loss`` of TensorFlow tensors.
      gamma: discount factor in [0, 1].
      reward_scale_factor: rewards are multiplied by this before the TD target.
      gradient_clipping: if set (> 0), each gradient tensor is clipped to this L2 norm
        (TF-Agents' ``clip_gradient_norms``: per tensor, not global).
      double_dqn: evaluate the target network at the online network's argmax (double DQN).
      seed: seeds the collect policy's RNG.
    """

    epsilon_greedy: Any = 0.1
    boltzmann_temperature: Any = None
    n_step_update: int = 1
    target_update_tau: float = 1.0
    target_update_period: int = 1
    td_errors_loss_fn: LossFn = "huber"
    gamma: float = 1.0
    reward_scale_factor: float = 1.0
    gradient_clipping: float | None = None
    double_dqn: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.epsilon_greedy is not None and self.boltzmann_temperature is not None:
            raise ValueError(
                f"epsilon_greedy={self.epsilon_greedy!r} and boltzmann_temperature={self.boltzmann_temperature!r} "
                "were both set, but only one exploration method can be used: pass epsilon_greedy=None to use "
                "Boltzmann exploration"
            )
        if self.epsilon_greedy is None and self.boltzmann_temperature is None:
            raise ValueError("set one of epsilon_greedy (e.g. 0.1) or boltzmann_temperature (e.g. 1.0) for the collect policy")
        if isinstance(self.epsilon_greedy, (int, float)) and not 0.0 <= float(self.epsilon_greedy) <= 1.0:
            raise ValueError(f"epsilon_greedy must be in [0, 1], got {self.epsilon_greedy!r}")
        if isinstance(self.boltzmann_temperature, (int, float)) and not float(self.boltzmann_temperature) > 0.0:
            raise ValueError(f"boltzmann_temperature must be > 0, got {self.boltzmann_temperature!r}")
        for name in ("epsilon_greedy", "boltzmann_temperature"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not (isinstance(value, (int, float)) or callable(value))):
                raise TypeError(f"{name} must be a number or a schedule callable(train_step) -> float, got {value!r}")
        if not isinstance(self.n_step_update, int) or isinstance(self.n_step_update, bool) or self.n_step_update < 1:
            raise ValueError(f"n_step_update must be an int >= 1, got {self.n_step_update!r}")
        if not 0.0 < float(self.target_update_tau) <= 1.0:
            raise ValueError(f"target_update_tau must be in (0, 1], got {self.target_update_tau!r}")
        if not isinstance(self.target_update_period, int) or isinstance(self.target_update_period, bool) or self.target_update_period < 1:
            raise ValueError(f"target_update_period must be an int >= 1 (gradient steps), got {self.target_update_period!r}")
        if isinstance(self.td_errors_loss_fn, str):
            if self.td_errors_loss_fn not in ("huber", "squared"):
                raise ValueError(f"td_errors_loss_fn must be 'huber', 'squared' or a callable, got {self.td_errors_loss_fn!r}")
        elif not callable(self.td_errors_loss_fn):
            raise TypeError(f"td_errors_loss_fn must be 'huber', 'squared' or a callable, got {self.td_errors_loss_fn!r}")
        if not 0.0 <= float(self.gamma) <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma!r}")
        if self.gradient_clipping is not None and not float(self.gradient_clipping) > 0.0:
            raise ValueError(f"gradient_clipping must be None or > 0, got {self.gradient_clipping!r}")

    def replace(self, **changes: Any) -> "DqnConfig":
        return dataclasses.replace(self, **changes)
