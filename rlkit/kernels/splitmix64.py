"""The splitmix64 constants shared by every NumPy/Numba kernel that draws random numbers.

One generator for all backends (the Cython kernels spell the same constants in C) so that the
same seed gives the same draws everywhere.
"""
import numpy as np

GAMMA = np.uint64(0x9E3779B97F4A7C15)  # the state increment (golden ratio)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
UNIT = 2.0**-53  # (x >> 11) * UNIT is a float64 uniform in [0, 1)
