"""Compiled sum-tree kernel (private; contract in ``rlkit.kernels.sumtree``)."""

cdef inline Py_ssize_t _descend(const double[::1] tree, double u) noexcept nogil:
    cdef Py_ssize_t num_leaves = tree.shape[0] // 2
    cdef Py_ssize_t node = 1
    cdef double left
    while node < num_leaves:
        left = tree[2 * node]
        if u >= left and tree[2 * node + 1] > 0.0:
            u -= left
            node = 2 * node + 1
        else:
            node = 2 * node
    return node - num_leaves


def update(double[::1] tree not None, const long long[::1] leaves not None, const double[::1] values not None):
    cdef Py_ssize_t num_leaves = tree.shape[0] // 2
    cdef Py_ssize_t i, node
    if num_leaves < 1:
        raise ValueError(f"sumtree.update expects tree float64[2 L] with L >= 1, got float64[{tree.shape[0]}]")
    if values.shape[0] != leaves.shape[0]:
        raise ValueError(f"update needs as many values as leaves, got {values.shape[0]} and {leaves.shape[0]}")
    for i in range(leaves.shape[0]):
        if leaves[i] < 0 or leaves[i] >= num_leaves:
            raise ValueError(f"leaf {leaves[i]} outside the tree's {num_leaves} leaves")
    with nogil:
        for i in range(leaves.shape[0]):
            node = leaves[i] + num_leaves
            tree[node] = values[i]
            node //= 2
            while node >= 1:
                tree[node] = tree[2 * node] + tree[2 * node + 1]
                node //= 2


def find(const double[::1] tree not None, const double[::1] targets not None, long long[::1] out not None):
    cdef Py_ssize_t i
    if tree.shape[0] < 2:
        raise ValueError(f"sumtree.find expects tree float64[2 L] with L >= 1, got float64[{tree.shape[0]}]")
    if out.shape[0] != targets.shape[0]:
        raise ValueError(f"find needs out of {targets.shape[0]} entries, got {out.shape[0]}")
    with nogil:
        for i in range(targets.shape[0]):
            out[i] = _descend(tree, targets[i])
