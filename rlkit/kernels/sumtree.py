"""The sum-tree kernel behind proportional prioritized replay.

A tree over ``num_leaves`` (a power of two) leaves is a float64 array of ``2 * num_leaves`` nodes:
node 1 is the root, node ``k`` has children ``2k`` and ``2k + 1``, leaf ``i`` is node
``num_leaves + i`` (node 0 is unused). Every internal node equals the sum of its two children,
recomputed (not incremented) on each update, so no rounding drift builds up.

Implemented by ``rlkit_ext._sumtree`` (Cython), ``rlkit.kernels.sumtree_numba`` and
``rlkit.kernels.sumtree_numpy`` (the reference), with identical results.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np


def _got(array: object) -> str:
    return f"{getattr(array, 'dtype', type(array).__name__)}{list(np.shape(array))}"


def check_update(tree: np.ndarray, leaves: np.ndarray, values: np.ndarray) -> None:
    """``ValueError`` unless ``tree`` is float64 ``[2 L]`` and ``leaves`` int64 / ``values`` float64 match ``[N]``.

    (Each kernel also rejects a leaf outside ``[0, L)`` before writing anything.)
    """
    if (type(tree) is not np.ndarray or tree.ndim != 1 or tree.dtype != np.float64 or tree.shape[0] < 2
            or type(leaves) is not np.ndarray or leaves.ndim != 1 or leaves.dtype != np.int64
            or type(values) is not np.ndarray or values.shape != leaves.shape or values.dtype != np.float64):
        raise ValueError(f"sumtree.update expects tree float64[2 L], leaves int64[N] and values float64[N], "
                         f"got {_got(tree)}, {_got(leaves)} and {_got(values)}")


def check_find(tree: np.ndarray, targets: np.ndarray, out: np.ndarray) -> None:
    """``ValueError`` unless ``tree`` is float64 ``[2 L]``, ``targets`` float64 ``[N]`` and ``out`` int64 ``[N]``."""
    if (type(tree) is not np.ndarray or tree.ndim != 1 or tree.dtype != np.float64 or tree.shape[0] < 2
            or type(targets) is not np.ndarray or targets.ndim != 1 or targets.dtype != np.float64
            or type(out) is not np.ndarray or out.shape != targets.shape or out.dtype != np.int64):
        raise ValueError(f"sumtree.find expects tree float64[2 L], targets float64[N] and out int64[N], "
                         f"got {_got(tree)}, {_got(targets)} and {_got(out)}")


class SumTreeKernel(Protocol):
    def update(self, tree: np.ndarray, leaves: np.ndarray, values: np.ndarray) -> None:
        """Set leaf ``leaves[i]`` to ``values[i]`` (int64 / float64 ``[N]``; later duplicates win) and fix the sums."""

    def find(self, tree: np.ndarray, targets: np.ndarray, out: np.ndarray) -> None:
        """For each float64 ``targets[i]`` in ``[0, total)``, the leaf whose prefix-sum interval holds it.

        Descent rule (shared with the sampler): go right when ``target >= left sum`` and the right
        subtree is not empty (subtracting the left sum), else left; so a zero leaf is never returned
        while the total is positive. Writes int64 leaf indices into ``out``.
        """
