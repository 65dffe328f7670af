"""Minimal nest utilities: observations and actions may be arrays or dict/tuple/list nests of arrays.

Dicts are traversed in sorted-key order (as gymnasium's ``Dict`` space and ``tf.nest`` do).
NamedTuples are leaves-containers too.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["is_nested", "flatten", "map_structure", "pack_sequence_as", "stack", "index"]


def is_nested(structure: Any) -> bool:
    """True for dict, list and tuple (NamedTuple included) containers."""
    return isinstance(structure, (dict, list, tuple))


def flatten(structure: Any) -> list:
    """The leaves of ``structure`` in a deterministic order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_sequence_as(structure: Any, leaves: list) -> Any:
    """Inverse of :func:`flatten`: rebuild ``structure``'s shape from ``leaves``."""
    iterator = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: build(node[key]) for key in sorted(node)}
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return type(node)(*(build(item) for item in node))
        if isinstance(node, (list, tuple)):
            return type(node)(build(item) for item in node)
        return next(iterator)

    result = build(structure)
    return result


def map_structure(fn: Callable, *structures: Any) -> Any:
    """Apply ``fn`` leaf-wise over one or more structures of the same shape."""
    first = structures[0]
    if isinstance(first, dict):
        return {key: map_structure(fn, *(s[key] for s in structures)) for key in sorted(first)}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(map_structure(fn, *items) for items in zip(*structures)))
    if isinstance(first, (list, tuple)):
        return type(first)(map_structure(fn, *items) for items in zip(*structures))
    return fn(*structures)


def stack(structures: Sequence[Any]) -> Any:
    """Structures of the same shape stacked leaf-wise along a new first axis (``[len(structures), ...]``)."""
    return map_structure(lambda *leaves: np.stack(leaves), *structures)


def index(structure: Any, key: Any) -> Any:
    """``structure`` with every leaf indexed by ``key`` (an int or a slice of the first axis)."""
    return map_structure(lambda leaf: np.asarray(leaf)[key], structure)
