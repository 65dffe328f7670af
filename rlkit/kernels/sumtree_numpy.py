"""NumPy reference of the sum-tree kernel (see ``rlkit.kernels.sumtree``); vectorised per tree level."""
from __future__ import annotations

import numpy as np

from rlkit.kernels.sumtree import check_find, check_update

__all__ = ["update", "find", "descend"]


def update(tree: np.ndarray, leaves: np.ndarray, values: np.ndarray) -> None:
    check_update(tree, leaves, values)
    num_leaves = tree.shape[0] // 2
    leaves = np.asarray(leaves, np.int64)
    values = np.asarray(values, np.float64)
    if leaves.size and (leaves.min() < 0 or leaves.max() >= num_leaves):
        bad = leaves[(leaves < 0) | (leaves >= num_leaves)][0]
        raise ValueError(f"leaf {bad} outside the tree's {num_leaves} leaves")
    if leaves.size == 0:
        return
    # later duplicates win, as in the sequential kernels
    last = leaves.size - 1 - np.unique(leaves[::-1], return_index=True)[1]
    nodes = leaves[last] + num_leaves
    tree[nodes] = values[last]
    while nodes[0] > 1:
        nodes = np.unique(nodes // 2)
        tree[nodes] = tree[2 * nodes] + tree[2 * nodes + 1]


def descend(tree: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Leaf index (int64) for each float64 target (the descent rule of ``sumtree.find``)."""
    num_leaves = tree.shape[0] // 2
    node = np.ones(targets.shape[0], np.int64)
    u = targets.astype(np.float64, copy=True)
    width = 1
    while width < num_leaves:
        left = tree[2 * node]
        go_right = (u >= left) & (tree[2 * node + 1] > 0.0)
        u = np.where(go_right, u - left, u)
        node = 2 * node + go_right
        width *= 2
    return node - num_leaves


def find(tree: np.ndarray, targets: np.ndarray, out: np.ndarray) -> None:
    check_find(tree, targets, out)
    out[:] = descend(tree, np.asarray(targets, np.float64))
