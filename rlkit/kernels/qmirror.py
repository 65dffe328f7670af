"""The contract of the Q-value mirror kernel (forward pass of an MLP from one flat float32 vector).

Implementations: ``rlkit_ext._qmirror`` (Cython), ``rlkit.kernels.qmirror_numba`` and
``rlkit.kernels.qmirror_numpy`` (the reference). Each module defines, for ``params`` float32
``[num_params]`` in ``QValueMirror.layout`` order, ``sizes`` int64 ``[obs_dim, *hidden, num_actions]``,
``activation`` a code of ``ACTIVATIONS`` and ``dueling`` a bool:

* ``q_values(obs [N, D] float32, params, sizes, activation, dueling, out [N, A] float32)``
* ``greedy_actions(obs [N, D] float32, params, sizes, activation, dueling, out [N] int64) -> int``: first
  argmax per row; returns -1, or the index of the first row holding NaN or inf (``out`` then unspecified)
* ``greedy_action(x [D] float32, params, sizes, activation, dueling) -> int``: first argmax, or -1 if
  ``x`` holds NaN or inf

Every entry point checks ``sizes`` (>= 2 positive entries), the length of ``params`` and the
shapes of its arrays before reading them, and raises ``ValueError`` naming expected and given
shapes: the compiled kernels run without bounds checks.

Cython and Numba compute in the same order (float32 layers, the dueling mean in float64) and agree
bit for bit; NumPy's matmul sums in another order (agrees to ~1e-6).
"""
ACTIVATIONS = {"relu": 0, "linear": 1, "tanh": 2, "sigmoid": 3, "elu": 4}
