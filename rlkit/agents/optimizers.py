"""Keras optimizers by name (imports Keras): what a training config's ``agent.optimizer`` names."""
from __future__ import annotations

from typing import Any

__all__ = ["make_optimizer"]


def make_optimizer(name: str, learning_rate: float) -> Any:
    """A Keras 3 optimizer by its config name (``adam``, ``adamw``, ``rmsprop``, ``sgd``)."""
    import keras

    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate}})
