"""Private compiled kernels of rlkit (Cython). No public API: use them through ``rlkit.backend``."""
