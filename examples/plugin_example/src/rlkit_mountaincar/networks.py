"""``funnel_q_network``: a Q-network plugin whose hidden layers narrow towards the output.

Keras loads only when the factory is called (the module itself stays light, so ``rlkit list``,
which imports every plugin entry to check it, does not pay for TensorFlow). The result is an
``rlkit.networks.QNetwork``, so ``DqnAgent``'s target copy and acting mirror work unchanged.
"""
from __future__ import annotations

from typing import Any, Sequence

__all__ = ["funnel_q_network"]


def funnel_q_network(
    observation_spec: Any,
    action_spec: Any,
    fc_layer_params: Sequence[int] = (256,),
    shrink: int = 2,
    depth: int = 3,
    **kwargs: Any,
) -> Any:
    """A ``QNetwork`` with ``depth`` hidden layers: ``fc_layer_params[0]`` units, each next one ``shrink`` x fewer.

    ``fc_layer_params=(256,)``, ``shrink=2``, ``depth=3`` -> hidden layers ``(256, 128, 64)``.
    Other keyword arguments (``activation``, ``dueling``, ``seed``, ``name``) go to ``QNetwork``.
    """
    if len(fc_layer_params) < 1:
        raise ValueError("funnel_q_network needs fc_layer_params with the width of the first layer, e.g. [256]")
    if isinstance(shrink, bool) or not isinstance(shrink, int) or shrink < 1:
        raise ValueError(f"shrink must be an int >= 1, got {shrink!r}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int >= 1, got {depth!r}")
    from rlkit.networks import QNetwork  # imports Keras / TensorFlow

    first = int(fc_layer_params[0])
    layers = tuple(max(1, first // shrink**i) for i in range(depth))
    return QNetwork(observation_spec, action_spec, fc_layer_params=layers, **kwargs)
