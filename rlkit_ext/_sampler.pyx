"""Compiled sampler kernel (private; contract in ``rlkit.kernels.sampler``).

``records`` and ``out`` are read through the plain buffer protocol (their bytes, whatever their
dtype, e.g. the packed structured record dtype of the replay buffer), so no per-field views are made.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.math cimport floor
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.string cimport memcpy

cdef extern from *:
    void __builtin_prefetch(const void* address) noexcept nogil

cdef int LAST = 2
cdef int64_t GAVE_UP = -1
cdef int64_t NO_VALID_WINDOW = 0
cdef double UNIT = 1.0 / 9007199254740992.0  # 2**-53


cdef inline uint64_t _next(uint64_t* state) noexcept nogil:
    cdef uint64_t z = state[0] + <uint64_t>0x9E3779B97F4A7C15ULL
    state[0] = z
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline double _unit(uint64_t z) noexcept nogil:
    return <double>(z >> 11) * UNIT


cdef inline int64_t _below(uint64_t z, int64_t n) noexcept nogil:
    cdef int64_t index = <int64_t>floor(_unit(z) * <double>n)
    return n - 1 if index >= n else index


cdef inline int32_t _step_type(const unsigned char* rec, int64_t row, int64_t record_size, int64_t offset) noexcept nogil:
    cdef int32_t value
    memcpy(&value, rec + row * record_size + offset, 4)
    return value


cdef inline void _copy_record(unsigned char* dst, const unsigned char* src, int64_t record_size) noexcept nogil:
    cdef int64_t k
    cdef uint64_t word
    if record_size & 7 == 0:
        for k in range(0, record_size, 8):  # fixed-size memcpy compiles to one load and store
            memcpy(&word, src + k, 8)
            memcpy(dst + k, &word, 8)
    else:
        memcpy(dst, src, record_size)


cdef inline void _copy_window(const unsigned char* rec, unsigned char* dst, int64_t i, int64_t env, int64_t pos,
                              int64_t num_steps, int64_t max_length, int64_t record_size) noexcept nogil:
    cdef int64_t j, p = pos
    for j in range(num_steps):
        _copy_record(dst + (i * num_steps + j) * record_size, rec + (env * max_length + p) * record_size, record_size)
        p += 1
        if p == max_length:
            p = 0


cdef inline int64_t _descend(const double* tree, int64_t num_leaves, double u) noexcept nogil:
    # same rule as rlkit_ext._sumtree._descend
    cdef int64_t node = 1
    cdef double left
    while node < num_leaves:
        left = tree[2 * node]
        if u >= left and tree[2 * node + 1] > 0.0:
            u -= left
            node = 2 * node + 1
        else:
            node = 2 * node
    return node - num_leaves


cdef struct Buffers:
    Py_buffer views[6]  # the most any kernel acquires
    int acquired


cdef void* _acquire(Buffers* held, object obj, bint writable, Py_ssize_t nbytes, str name) except NULL:
    """The data of C-contiguous ``obj`` (exactly ``nbytes`` long, else ValueError); released by ``_release``."""
    if held.acquired >= 6:
        raise RuntimeError("_sampler: too many buffers acquired")
    cdef Py_buffer* view = &held.views[held.acquired]
    PyObject_GetBuffer(obj, view, PyBUF_WRITABLE if writable else PyBUF_SIMPLE)
    held.acquired += 1
    if view.len != nbytes:
        raise ValueError(f"{name} holds {view.len} bytes, expected {nbytes}")
    if view.buf == NULL:  # zero-length arrays
        return <void*>&_EMPTY
    return view.buf


cdef char _EMPTY = 0


cdef void _release(Buffers* held) noexcept:
    while held.acquired > 0:
        held.acquired -= 1
        PyBuffer_Release(&held.views[held.acquired])


def random_uint64(uint64_t[::1] rng_state not None, uint64_t[::1] out not None):
    cdef Py_ssize_t i
    if rng_state.shape[0] != 1:
        raise ValueError(f"random_uint64 expects rng_state uint64[1], got uint64[{rng_state.shape[0]}]")
    for i in range(out.shape[0]):
        out[i] = _next(&rng_state[0])


def sample_uniform(object records, int64_t num_envs, int64_t max_length, int64_t record_size,
                   int64_t step_type_offset, int64_t count, int64_t num_steps, int64_t num_last,
                   object rng_state, object out, object ids, object info, int64_t max_rounds):
    cdef Buffers held
    cdef int64_t m = len(ids)
    cdef int64_t stored, tail_last, oldest, oldest_pos, n, env, age, i, u, s, pos, rejected, rounds
    cdef int64_t starts = 0, head = 0, valid = NO_VALID_WINDOW
    cdef const unsigned char* rec
    cdef unsigned char* dst
    cdef uint64_t* state
    cdef int64_t* id_out
    cdef float* info_out
    cdef float probability
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    if step_type_offset < 0 or step_type_offset + 4 > record_size:
        raise ValueError("sample_uniform: the step type must lie inside the record")
    held.acquired = 0
    try:
        rec = <const unsigned char*>_acquire(&held, records, False, num_envs * max_length * record_size, "records")
        dst = <unsigned char*>_acquire(&held, out, True, m * num_steps * record_size, "out")
        state = <uint64_t*>_acquire(&held, rng_state, True, 8, "rng_state")
        id_out = <int64_t*>_acquire(&held, ids, True, 8 * m, "ids")
        info_out = <float*>_acquire(&held, info, True, 8 * m, "info")
        with nogil:
            stored = count if count < max_length else max_length
            starts = stored - num_steps + 1
            if starts > 0:
                head = count % max_length
                tail_last = 0
                for env in range(num_envs):
                    for age in range(num_steps - 1):
                        pos = (head - 1 - age + max_length) % max_length
                        if _step_type(rec, env * max_length + pos, record_size, step_type_offset) == LAST:
                            tail_last += 1
                valid = num_envs * starts - (num_last - tail_last)
            if valid > 0:
                oldest = count - stored
                oldest_pos = oldest % max_length
                n = num_envs * starts
                for i in range(m):
                    id_out[i] = -1
                rejected = 1
                rounds = 0
                while rejected and rounds < max_rounds:
                    rounds += 1
                    # pass 1: draw for every pending slot, in order, and prefetch its first row
                    for i in range(m):
                        if id_out[i] >= 0:
                            continue
                        u = _below(_next(state), n)
                        env = u // starts if num_envs > 1 else 0
                        pos = oldest_pos + (u - env * starts)
                        if pos >= max_length:
                            pos -= max_length
                        id_out[i] = -2 - u  # pending with candidate u
                        __builtin_prefetch(rec + (env * max_length + pos) * record_size)
                    # pass 2: accept or reject each candidate, gather the accepted windows
                    rejected = 0
                    for i in range(m):
                        if id_out[i] >= -1:
                            continue
                        u = -2 - id_out[i]
                        env = u // starts if num_envs > 1 else 0
                        s = u - env * starts
                        pos = oldest_pos + s
                        if pos >= max_length:
                            pos -= max_length
                        if _step_type(rec, env * max_length + pos, record_size, step_type_offset) == LAST:
                            id_out[i] = -1
                            rejected += 1
                            continue
                        id_out[i] = (oldest + s) * num_envs + env
                        _copy_window(rec, dst, i, env, pos, num_steps, max_length, record_size)
                if rejected:
                    valid = GAVE_UP
                else:
                    probability = <float>(1.0 / <double>valid)
                    for i in range(m):
                        info_out[i] = probability
                        info_out[m + i] = 1.0
    finally:
        _release(&held)
    return valid if valid > 0 else (GAVE_UP if valid == GAVE_UP else NO_VALID_WINDOW)


def sample_prioritized(object records, int64_t num_envs, int64_t max_length, int64_t record_size,
                       int64_t step_type_offset, int64_t count, int64_t num_steps, object tree,
                       object rng_state, object out, object ids, object info, int64_t max_rounds):
    cdef Buffers held
    cdef int64_t m = len(ids)
    cdef int64_t num_leaves = len(tree) // 2
    cdef int64_t stored, env, age, i, leaf, pos, rejected, rounds
    cdef int64_t head = 0, result = NO_VALID_WINDOW
    cdef double excluded = 0.0, total = 0.0, mass = 1.0, priority
    cdef const unsigned char* rec
    cdef unsigned char* dst
    cdef const double* nodes
    cdef uint64_t* state
    cdef int64_t* id_out
    cdef float* info_out
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    if step_type_offset < 0 or step_type_offset + 4 > record_size:
        raise ValueError("sample_prioritized: the step type must lie inside the record")
    if num_leaves < num_envs * max_length:
        raise ValueError(f"sample_prioritized: tree has {num_leaves} leaves, needs {num_envs * max_length}")
    held.acquired = 0
    try:
        rec = <const unsigned char*>_acquire(&held, records, False, num_envs * max_length * record_size, "records")
        dst = <unsigned char*>_acquire(&held, out, True, m * num_steps * record_size, "out")
        nodes = <const double*>_acquire(&held, tree, False, 16 * num_leaves, "tree")
        state = <uint64_t*>_acquire(&held, rng_state, True, 8, "rng_state")
        id_out = <int64_t*>_acquire(&held, ids, True, 8 * m, "ids")
        info_out = <float*>_acquire(&held, info, True, 8 * m, "info")
        with nogil:
            stored = count if count < max_length else max_length
            if stored - num_steps + 1 > 0:
                head = count % max_length
                for env in range(num_envs):
                    for age in range(num_steps - 1):
                        excluded += nodes[num_leaves + env * max_length + (head - 1 - age + max_length) % max_length]
                total = nodes[1]
                mass = total - excluded
                if mass > 0.0:
                    result = 1
            if result == 1:
                for i in range(m):
                    id_out[i] = -1
                rejected = 1
                rounds = 0
                while rejected and rounds < max_rounds:
                    rounds += 1
                    rejected = 0
                    for i in range(m):
                        if id_out[i] >= 0:
                            continue
                        leaf = _descend(nodes, num_leaves, _unit(_next(state)) * total)
                        env = leaf // max_length
                        pos = leaf % max_length
                        age = (head - 1 - pos + max_length) % max_length
                        priority = nodes[num_leaves + leaf]
                        if age < num_steps - 1 or not priority > 0.0 or env >= num_envs or \
                                _step_type(rec, env * max_length + pos, record_size, step_type_offset) == LAST:
                            rejected += 1
                            continue
                        id_out[i] = (count - 1 - age) * num_envs + env
                        info_out[i] = <float>(priority / mass)
                        _copy_window(rec, dst, i, env, pos, num_steps, max_length, record_size)
                if rejected:
                    result = GAVE_UP
    finally:
        _release(&held)
    return result
