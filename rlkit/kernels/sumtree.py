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


class SumTreeKernel(Protocol):
    def update(self, tree: np.ndarray, leaves: np.ndarray, values: np.ndarray) -> None:
        """Set leaf ``leaves[i]`` to ``values[i]`` (int64 / float64 ``[N]``; later duplicates win) and fix the sums."""

    def find(self, tree: np.ndarray, targets: np.ndarray, out: np.ndarray) -> None:
        """For each float64 ``targets[i]`` in ``[0, total)``, the leaf whose prefix-sum interval holds it.

        Descent rule (shared with the sampler): go right when ``target >= left sum`` and the right
        subtree is not empty (subtracting the left sum), else left; so a zero leaf is never returned
        while the total is positive. Writes int64 leaf indices into ``out``.
        """
