"""Nested training state <-> (JSON tree, flat dict of arrays), for checkpoints without pickle.

    arrays = {}
    tree = split_state(agent.get_state(), "agent", arrays)   # arrays["agent/q_network/0"] = ndarray ...
    json.dumps(tree)                                          # ints, floats, strings, lists, dicts
    agent.set_state(join_state(tree, arrays))

Arrays become ``{"__array__": key}`` markers in the tree; NumPy scalars become Python numbers;
tuples become lists.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

__all__ = ["split_state", "join_state"]

_MARK = "__array__"


def split_state(tree: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able copy of ``tree`` with each ndarray moved into ``arrays`` under a key below ``prefix``."""
    if isinstance(tree, np.ndarray):
        if prefix in arrays:
            raise ValueError(f"state key {prefix!r} is used twice")
        arrays[prefix] = tree
        return {_MARK: prefix}
    if isinstance(tree, np.generic):
        return tree.item()
    if isinstance(tree, Mapping):
        for key in tree:
            if not isinstance(key, str) or "/" in key or key == _MARK:
                raise ValueError(f"state keys must be strings without '/' (got {key!r} under {prefix!r})")
        return {key: split_state(value, f"{prefix}/{key}", arrays) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [split_state(value, f"{prefix}/{index}", arrays) for index, value in enumerate(tree)]
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    raise TypeError(f"cannot checkpoint {type(tree).__name__} at {prefix!r}: state must be arrays, numbers, "
                    "strings, lists and dicts")


def join_state(tree: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """Inverse of :func:`split_state`; ``KeyError`` names a missing array."""
    if isinstance(tree, dict):
        if set(tree) == {_MARK}:
            key = tree[_MARK]
            if key not in arrays:
                raise KeyError(f"checkpoint has no array {key!r}")
            return arrays[key]
        return {key: join_state(value, arrays) for key, value in tree.items()}
    if isinstance(tree, list):
        return [join_state(value, arrays) for value in tree]
    return tree
