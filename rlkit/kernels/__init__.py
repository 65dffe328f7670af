"""Kernels: the hot loops, each as a Protocol (``<kernel>.py``) with NumPy and Numba implementations.

The compiled (Cython) implementations live in the private package ``rlkit_ext``; ``rlkit.backend``
picks one. Nothing here is imported by ``import rlkit``.
"""
