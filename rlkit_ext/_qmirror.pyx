"""Compiled forward pass of the Q-value mirror (private; contract in ``rlkit.policies.q_mirror``).

The same arithmetic, in the same order, as ``rlkit.policies._q_mirror_numba``: float32 products and
sums, layer by layer, parameters as one flat float32 vector in ``QValueMirror.layout`` order.
"""
from libc.math cimport expf, expm1f, tanhf
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


cdef int64_t _width(const int64_t[::1] sizes) noexcept nogil:
    cdef int64_t i, width = 1
    for i in range(sizes.shape[0]):
        if sizes[i] > width:
            width = sizes[i]
    return width


cdef int64_t _argmax(const float* q, int64_t n) noexcept nogil:
    cdef int64_t a, best = 0
    for a in range(1, n):
        if q[a] > q[best]:
            best = a
    return best


def q_values(const float[:, ::1] obs, const float[::1] params, const int64_t[::1] sizes, int activation,
             bint dueling, float[:, ::1] out):
    """Q-values ``out[N, A]`` of observations ``obs[N, D]``."""
    cdef int64_t r, width = _width(sizes), n = sizes.shape[0]
    cdef float* scratch = <float*>malloc(2 * width * sizeof(float))
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        for r in range(obs.shape[0]):
            _forward_row(&obs[r, 0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width, &out[r, 0])
    free(scratch)


def greedy_actions(const float[:, ::1] obs, const float[::1] params, const int64_t[::1] sizes, int activation,
                   bint dueling, int64_t[::1] out):
    """First argmax of the Q-values of each row of ``obs[N, D]`` into ``out[N]``."""
    cdef int64_t r, width = _width(sizes), n = sizes.shape[0], actions = sizes[sizes.shape[0] - 1]
    cdef float* scratch = <float*>malloc((2 * width + actions) * sizeof(float))
    if scratch == NULL:
        raise MemoryError()
    with nogil:
        for r in range(obs.shape[0]):
            _forward_row(&obs[r, 0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width,
                         scratch + 2 * width)
            out[r] = _argmax(scratch + 2 * width, actions)
    free(scratch)


def greedy_action(const float[::1] x, const float[::1] params, const int64_t[::1] sizes, int activation, bint dueling):
    """First argmax of the Q-values of one observation ``x[D]``."""
    cdef int64_t width = _width(sizes), n = sizes.shape[0], actions = sizes[sizes.shape[0] - 1], best
    cdef float stack_scratch[1024]
    cdef float* scratch = stack_scratch
    cdef bint heap = 2 * width + actions > 1024
    if heap:
        scratch = <float*>malloc((2 * width + actions) * sizeof(float))
        if scratch == NULL:
            raise MemoryError()
    _forward_row(&x[0], &params[0], &sizes[0], n, activation, dueling, scratch, scratch + width, scratch + 2 * width)
    best = _argmax(scratch + 2 * width, actions)
    if heap:
        free(scratch)
    return best
