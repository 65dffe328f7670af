"""Compiled sampler kernel (private; contract in ``rlkit.kernels.sampler``).

``records`` and ``out`` are read through the plain buffer protocol (their bytes, whatever their
dtype, e.g. the packed structured record dtype of the replay buffer), so no per-field views are made.
"""
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.math cimport floor
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.string cimport memcpy

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


cdef inline void _copy_window(const unsigned char* rec, unsigned char* dst, int64_t i, int64_t env, int64_t pos,
                              int64_t num_steps, int64_t max_length, int64_t record_size) noexcept nogil:
    cdef int64_t j, p
    for j in range(num_steps):
        p = (pos + j) % max_length
        memcpy(dst + (i * num_steps + j) * record_size, rec + (env * max_length + p) * record_size, record_size)


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


cdef int _acquire(object obj, Py_buffer* view, bint writable, Py_ssize_t nbytes, str name) except -1:
    PyObject_GetBuffer(obj, view, PyBUF_WRITABLE if writable else PyBUF_SIMPLE)
    if view.len != nbytes:
        PyBuffer_Release(view)
        raise ValueError(f"{name} holds {view.len} bytes, expected {nbytes}")
    return 0


def random_uint64(uint64_t[::1] rng_state, uint64_t[::1] out):
    cdef Py_ssize_t i
    for i in range(out.shape[0]):
        out[i] = _next(&rng_state[0])


def sample_uniform(object records, int64_t num_envs, int64_t max_length, int64_t record_size,
                   int64_t step_type_offset, int64_t count, int64_t num_steps, int64_t num_last,
                   uint64_t[::1] rng_state, object out, int64_t[::1] ids, float[:, ::1] info, int64_t max_rounds):
    cdef Py_buffer rec_view, out_view
    cdef int64_t m = ids.shape[0]
    cdef int64_t stored, tail_last, valid, oldest, n, env, age, i, u, t, pos, rejected, rounds
    cdef int64_t starts = 0, head = 0
    cdef const unsigned char* rec
    cdef unsigned char* dst
    cdef uint64_t* state = &rng_state[0]
    cdef float probability
    if info.shape[0] != 2 or info.shape[1] != m or step_type_offset < 0 or step_type_offset + 4 > record_size:
        raise ValueError("sample_uniform: info must be [2, M] and the step type must lie inside the record")
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    _acquire(records, &rec_view, False, num_envs * max_length * record_size, "records")
    try:
        _acquire(out, &out_view, True, m * num_steps * record_size, "out")
    except BaseException:
        PyBuffer_Release(&rec_view)
        raise
    rec = <const unsigned char*>rec_view.buf
    dst = <unsigned char*>out_view.buf
    valid = NO_VALID_WINDOW
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
            n = num_envs * starts
            for i in range(m):
                ids[i] = -1
            rejected = 1
            rounds = 0
            while rejected and rounds < max_rounds:
                rounds += 1
                rejected = 0
                for i in range(m):
                    if ids[i] >= 0:
                        continue
                    u = _below(_next(state), n)
                    env = u // starts
                    t = oldest + u % starts
                    pos = t % max_length
                    if _step_type(rec, env * max_length + pos, record_size, step_type_offset) == LAST:
                        rejected += 1
                        continue
                    ids[i] = t * num_envs + env
                    _copy_window(rec, dst, i, env, pos, num_steps, max_length, record_size)
            if rejected:
                valid = GAVE_UP
            else:
                probability = <float>(1.0 / <double>valid)
                for i in range(m):
                    info[0, i] = probability
                    info[1, i] = 1.0
    PyBuffer_Release(&rec_view)
    PyBuffer_Release(&out_view)
    return valid if valid > 0 else (GAVE_UP if valid == GAVE_UP else NO_VALID_WINDOW)


def sample_prioritized(object records, int64_t num_envs, int64_t max_length, int64_t record_size,
                       int64_t step_type_offset, int64_t count, int64_t num_steps, const double[::1] tree,
                       uint64_t[::1] rng_state, object out, int64_t[::1] ids, float[:, ::1] info, int64_t max_rounds):
    cdef Py_buffer rec_view, out_view
    cdef int64_t m = ids.shape[0]
    cdef int64_t num_leaves = tree.shape[0] // 2
    cdef int64_t stored, env, age, i, leaf, pos, rejected, rounds, result
    cdef int64_t head = 0
    cdef double excluded = 0.0, total = 0.0, mass = 1.0, priority
    cdef const unsigned char* rec
    cdef unsigned char* dst
    cdef uint64_t* state = &rng_state[0]
    cdef const double* nodes = &tree[0]
    if info.shape[0] != 2 or info.shape[1] != m or step_type_offset < 0 or step_type_offset + 4 > record_size:
        raise ValueError("sample_prioritized: info must be [2, M] and the step type must lie inside the record")
    if num_leaves < num_envs * max_length:
        raise ValueError(f"sample_prioritized: tree has {num_leaves} leaves, needs {num_envs * max_length}")
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    _acquire(records, &rec_view, False, num_envs * max_length * record_size, "records")
    try:
        _acquire(out, &out_view, True, m * num_steps * record_size, "out")
    except BaseException:
        PyBuffer_Release(&rec_view)
        raise
    rec = <const unsigned char*>rec_view.buf
    dst = <unsigned char*>out_view.buf
    result = NO_VALID_WINDOW
    with nogil:
        stored = count if count < max_length else max_length
        if stored - num_steps + 1 > 0:
            head = count % max_length
            excluded = 0.0
            for env in range(num_envs):
                for age in range(num_steps - 1):
                    excluded += nodes[num_leaves + env * max_length + (head - 1 - age + max_length) % max_length]
            total = nodes[1]
            mass = total - excluded
            if mass > 0.0:
                result = 1
        if result == 1:
            for i in range(m):
                ids[i] = -1
            rejected = 1
            rounds = 0
            while rejected and rounds < max_rounds:
                rounds += 1
                rejected = 0
                for i in range(m):
                    if ids[i] >= 0:
                        continue
                    leaf = _descend(nodes, num_leaves, _unit(_next(state)) * total)
                    env = leaf // max_length
                    pos = leaf % max_length
                    age = (head - 1 - pos + max_length) % max_length
                    priority = nodes[num_leaves + leaf]
                    if age < num_steps - 1 or not priority > 0.0 or \
                            _step_type(rec, env * max_length + pos, record_size, step_type_offset) == LAST:
                        rejected += 1
                        continue
                    ids[i] = (count - 1 - age) * num_envs + env
                    info[0, i] = <float>(priority / mass)
                    _copy_window(rec, dst, i, env, pos, num_steps, max_length, record_size)
            if rejected:
                result = GAVE_UP
    PyBuffer_Release(&rec_view)
    PyBuffer_Release(&out_view)
    return result
