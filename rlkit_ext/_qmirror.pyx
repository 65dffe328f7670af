"""Compiled forward pass of the Q-value mirror (private; contract in ``rlkit.policies.q_mirror``).

The same arithmetic, in the same order, as ``rlkit.kernels.qmirror_numba``: float32 products and
sums, layer by layer, parameters as one flat float32 vector in ``QValueMirror.layout`` order.
Every entry point checks ``sizes``, ``params`` and the shapes of its arrays before it reads them
(``ValueError`` naming expected and given shapes); ``greedy_action(s)`` report a non-finite
observation instead of acting on it (see ``rlkit.kernels.qmirror``).
"""
from libc.math cimport expf, expm1f, isfinite, tanhf
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

cdef enum:
    RELU = 0
    LINEAR = 1
    TANH = 2
    SIGMOID = 3
    ELU = 4


cdef inline void _activate(float* buf, int64_t n, int code) noexcept nogil:
    cdef int64_t j
    if code == RELU:
        for j in range(n):
            if buf[j] < 0.0:
                buf[j] = 0.0
    elif code == TANH:
        for j in range(n):
            buf[j] = tanhf(buf[j])
    elif code == SIGMOID:
        for j in range(n):
            buf[j] = <float>(1.0 / (1.0 + <double>expf(-buf[j])))
    elif code == ELU:
        for j in range(n):
            if buf[j] < 0.0:
                buf[j] = expm1f(buf[j])


cdef inline int64_t _dense(const float* x, int64_t nin, const float* params, int64_t off, int64_t nout,
                           float* out) noexcept nogil:
    cdef int64_t i, j, row, bias
    cdef float xi
    for j in range(nout):
        out[j] = 0.0
    for i in range(nin):
        xi = x[i]
        if xi != 0.0:
            row = off + i * nout
            for j in range(nout):
                out[j] += xi * params[row + j]
    bias = off + nin * nout
    for j in range(nout):
        out[j] += params[bias + j]
    return bias + nout


cdef void _forward_row(const float* x, const float* params, const int64_t* sizes, int64_t num_layers, int activation,
                       bint dueling, float* buf_a, float* buf_b, float* q_out) noexcept nogil:
    cdef int64_t i, layer, off = 0, hidden, actions, a
    cdef float* swap
    cdef double mean  # float64, as in the Numba kernel (its 0.0 literal is a float64)
    cdef float value
    for i in range(sizes[0]):
        buf_a[i] = x[i]
    for layer in range(num_layers - 2):
        off = _dense(buf_a, sizes[layer], params, off, sizes[layer + 1], buf_b)
        _activate(buf_b, sizes[layer + 1], activation)
        swap = buf_a
        buf_a = buf_b
        buf_b = swap
    hidden = sizes[num_layers - 2]
    actions = sizes[num_layers - 1]
    off = _dense(buf_a, hidden, params, off, actions, q_out)
    if dueling:
        _dense(buf_a, hidden, params, off, 1, buf_b)
        mean = 0.0
        for a in range(actions):
            mean += q_out[a]
        mean /= actions
        value = buf_b[0]
        for a in range(actions):
            q_out[a] = value + (q_out[a] - mean)


cdef int64_t _argmax(const float* q, int64_t n) noexcept nogil:
    cdef int64_t a, best = 0
    for a in range(1, n):
        if q[a] > q[best]:
            best = a
    return best


cdef inline bint _finite(const float* x, int64_t n) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        if not isfinite(x[i]):
            return False
    return True


cdef int64_t _net_width(const int64_t* sizes, int64_t n, int64_t num_params, bint dueling) noexcept nogil:
    """The widest layer of ``sizes``, or -1 if ``sizes`` is not a layer list or ``num_params`` does not fit it."""
    cdef int64_t i, width = 1, expected = 0
    if n < 2 or (dueling and n < 3):
        return -1
    for i in range(n):
        if sizes[i] < 1:
            return -1
        if sizes[i] > width:
            width = sizes[i]
    for i in range(n - 1):
        expected += sizes[i] * sizes[i + 1] + sizes[i + 1]
    if dueling:
        expected += sizes[n - 2] + 1
    return width if num_params == expected else -1


cdef int64_t _check_net(const float[::1] params, const int64_t[::1] sizes, bint dueling, str who) except -1:
    """The widest layer of ``sizes`` after checking ``sizes`` and the number of ``params`` (ValueError)."""
    cdef int64_t i, expected = 0, n = sizes.shape[0]
    cdef int64_t width = _net_width(&sizes[0] if n else NULL, n, params.shape[0], dueling)
    if width > 0:
        return width
    if n < 2:
        raise ValueError(f"{who}: sizes must be [obs_dim, *hidden, num_actions], got {n} entries")
    for i in range(n):
        if sizes[i] < 1:
            raise ValueError(f"{who}: sizes must be positive, got {list(sizes)}")
    if dueling and n < 3:
        raise ValueError(f"{who}: a dueling head needs a hidden layer, got sizes {list(sizes)}")
    for i in range(n - 1):
        expected += sizes[i] * sizes[i + 1] + sizes[i + 1]
    if dueling:
        expected += sizes[n - 2] + 1
    raise ValueError(f"{who}: params must have shape ({expected},) for sizes {list(sizes)} "
                     f"(dueling={bool(dueling)}), got ({params.shape[0]},)")


def q_values(const float[:, ::1] obs not None, const float[::1] params not None, const int64_t[::1] sizes not None,
             int activation, bint dueling, float[:, ::1] out not None):
    """Q-values ``out[N, A]`` of observations ``obs[N, D]``."""
    cdef int64_t r, width = _check_net(params, sizes, dueling, "q_values"), n = sizes.shape[0]
    cdef int64_t actions = sizes[n - 1]
    if obs.shape[1] != sizes[0] or out.shape[0] != obs.shape[0] or out.shape[1] != actions:
        raise ValueError(f"q_values: expected obs of shape (N, {sizes[0]}) and out (N, {actions}), "
                         f"got obs ({obs.shape[0]}, {obs.shape[1]}) and out ({out.shape[0]}, {out.shape[1]})")
    cdef float* scratch = <float*>malloc(2 * width * sizeof(float))
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        for r in range(obs.shape[0]):
            _forward_row(&obs[r, 0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width, &out[r, 0])
    free(scratch)


def greedy_actions(const float[:, ::1] obs not None, const float[::1] params not None,
                   const int64_t[::1] sizes not None, int activation, bint dueling, int64_t[::1] out not None):
    """First argmax of the Q-values of each row of ``obs[N, D]`` into ``out[N]``.

    Returns -1, or the index of the first row holding NaN or inf (then ``out`` is unspecified).
    """
    cdef int64_t r, width = _check_net(params, sizes, dueling, "greedy_actions"), n = sizes.shape[0]
    cdef int64_t actions = sizes[n - 1], dim = sizes[0], bad = -1
    if obs.shape[1] != dim or out.shape[0] != obs.shape[0]:
        raise ValueError(f"greedy_actions: expected obs of shape (N, {dim}) and out (N,), "
                         f"got obs ({obs.shape[0]}, {obs.shape[1]}) and out ({out.shape[0]},)")
    cdef float* scratch = <float*>malloc((2 * width + actions) * sizeof(float))
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        for r in range(obs.shape[0]):
            if not _finite(&obs[r, 0], dim):
                bad = r
                break
            _forward_row(&obs[r, 0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width,
                         scratch + 2 * width)
            out[r] = _argmax(scratch + 2 * width, actions)
    free(scratch)
    return bad


def greedy_action(const float[::1] x not None, const float[::1] params not None, const int64_t[::1] sizes not None,
                  int activation, bint dueling):
    """First argmax of the Q-values of one observation ``x[D]``; -1 if ``x`` holds NaN or inf."""
    cdef int64_t n = sizes.shape[0], actions, best
    cdef int64_t width = _net_width(&sizes[0] if n else NULL, n, params.shape[0], dueling)
    if width < 0:
        width = _check_net(params, sizes, dueling, "greedy_action")  # raises the ValueError
    actions = sizes[n - 1]
    cdef float stack_scratch[1024]
    cdef float* scratch = stack_scratch
    cdef bint heap = 2 * width + actions > 1024
    if x.shape[0] != sizes[0]:
        raise ValueError(f"greedy_action: expected an observation of shape ({sizes[0]},), got ({x.shape[0]},)")
    if not _finite(&x[0], x.shape[0]):
        return -1
    if heap:
        scratch = <float*>malloc((2 * width + actions) * sizeof(float))
        if scratch == NULL:
            raise MemoryError()
    _forward_row(&x[0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width, scratch + 2 * width)
    best = _argmax(scratch + 2 * width, actions)
    if heap:
        free(scratch)
    return best
