"""Options of the built-in Q-network, declared once (no TensorFlow here): :class:`QNetworkOptions`."""
from __future__ import annotations

from typing import ClassVar, Optional

from pydantic import model_validator

from rlkit.kernels.qmirror import ACTIVATIONS
from rlkit.options import Bool, NonNegativeInt, Options, PositiveInt, choice

__all__ = ["QNetworkOptions"]


class QNetworkOptions(Options):
    """Options of the built-in Q-network (`QNetwork`).

    Attributes:
      fc_layer_params: units of each hidden fully connected layer, input to output.
      activation: activation of the hidden layers: the ones the NumPy acting mirror reproduces.
      dueling: split the head into state value and action advantages (dueling DQN).
      seed: seeds every initialiser (`rlkit train` derives it from `train.seed`).
    """

    derived: ClassVar[frozenset[str]] = frozenset({"seed"})

    fc_layer_params: tuple[PositiveInt, ...] = (100,)
    activation: choice(*ACTIVATIONS) = "relu"
    dueling: Bool = False
    seed: Optional[NonNegativeInt] = None

    @model_validator(mode="after")
    def _dueling_needs_a_layer(self) -> "QNetworkOptions":
        if self.dueling and not self.fc_layer_params:
            raise ValueError("dueling: needs at least one hidden layer in fc_layer_params")
        return self
