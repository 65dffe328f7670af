"""NumPy reference of the sampler kernel (see ``rlkit.kernels.sampler`` for the contract).

Vectorised per round of draws; the compiled kernels reproduce it draw for draw.
"""
from __future__ import annotations

import numpy as np

from rlkit.kernels.sampler import GAVE_UP, LAST, NO_VALID_WINDOW, check_arguments
from rlkit.kernels.sumtree_numpy import descend

__all__ = ["sample_uniform", "sample_prioritized", "random_uint64"]

from rlkit.kernels.splitmix64 import GAMMA as _GAMMA, MIX1 as _MIX1, MIX2 as _MIX2, UNIT as _UNIT



def _draw(rng_state: np.ndarray, k: int) -> np.ndarray:
    """The next ``k`` splitmix64 outputs (uint64); advances ``rng_state`` by ``k`` steps."""
    base = rng_state[0:1]
    z = base + _GAMMA * np.arange(1, k + 1, dtype=np.uint64)  # array arithmetic wraps silently
    rng_state[0:1] = base + _GAMMA * np.array([k], np.uint64)
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _unit(z: np.ndarray) -> np.ndarray:
    return (z >> np.uint64(11)).astype(np.float64) * _UNIT


def _below(z: np.ndarray, n: int) -> np.ndarray:
    index = np.floor(_unit(z) * float(n)).astype(np.int64)
    return np.minimum(index, n - 1)


def random_uint64(rng_state: np.ndarray, out: np.ndarray) -> None:
    if rng_state.shape != (1,) or rng_state.dtype != np.uint64 or out.ndim != 1:
        raise ValueError(f"random_uint64 expects rng_state uint64[1] and out [N], got {rng_state.dtype}"
                         f"{list(rng_state.shape)} and {list(out.shape)}")
    out[:] = _draw(rng_state, out.shape[0])


def _views(records, num_envs, max_length, record_size, step_type_offset, out, num_steps):
    rec = np.ascontiguousarray(records).reshape(-1).view(np.uint8).reshape(num_envs, max_length, record_size)
    dst = out.reshape(-1).view(np.uint8).reshape(-1, num_steps, record_size)
    return rec, dst


def _step_types(rec: np.ndarray, env: np.ndarray, pos: np.ndarray, offset: int) -> np.ndarray:
    raw = np.ascontiguousarray(rec[env, pos, offset : offset + 4])
    return raw.view(np.int32).reshape(-1)


def _gather(rec, dst, env, first, num_steps, max_length) -> None:
    pos = (first[:, None] + np.arange(num_steps)[None, :]) % max_length
    dst[:] = rec[env[:, None], pos]


def sample_uniform(records, num_envs, max_length, record_size, step_type_offset, count, num_steps, num_last,
                   rng_state, out, ids, info, max_rounds) -> int:
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    check_arguments("sample_uniform", records, num_envs, max_length, record_size, step_type_offset, num_steps,
                    rng_state, out, ids, info)
    rec, dst = _views(records, num_envs, max_length, record_size, step_type_offset, out, num_steps)
    m = ids.shape[0]
    stored = min(count, max_length)
    starts = stored - num_steps + 1
    if starts <= 0 or num_envs <= 0:
        return NO_VALID_WINDOW
    head = count % max_length
    ages = np.arange(num_steps - 1)
    tail_env = np.repeat(np.arange(num_envs), num_steps - 1)
    tail_pos = np.tile((head - 1 - ages) % max_length, num_envs)
    tail_last = int(np.sum(_step_types(rec, tail_env, tail_pos, step_type_offset) == LAST))
    valid = num_envs * starts - (num_last - tail_last)
    if valid <= 0:
        return NO_VALID_WINDOW
    oldest = count - stored
    env_out = np.empty(m, np.int64)
    t_out = np.empty(m, np.int64)
    pending = np.arange(m)
    for _ in range(max_rounds):
        u = _below(_draw(rng_state, pending.shape[0]), num_envs * starts)
        env, t = u // starts, oldest + u % starts
        ok = _step_types(rec, env, t % max_length, step_type_offset) != LAST
        env_out[pending[ok]] = env[ok]
        t_out[pending[ok]] = t[ok]
        pending = pending[~ok]
        if pending.shape[0] == 0:
            break
    else:
        return GAVE_UP
    _gather(rec, dst, env_out, t_out % max_length, num_steps, max_length)
    ids[:] = t_out * num_envs + env_out
    info[0] = np.float32(1.0 / valid)
    info[1] = 1.0
    return int(valid)


def sample_prioritized(records, num_envs, max_length, record_size, step_type_offset, count, num_steps, tree,
                       rng_state, out, ids, info, max_rounds) -> int:
    if num_envs <= 0 or max_length <= 0 or num_steps <= 0 or count < 0:
        return NO_VALID_WINDOW
    check_arguments("sample_prioritized", records, num_envs, max_length, record_size, step_type_offset, num_steps,
                    rng_state, out, ids, info, tree)
    rec, dst = _views(records, num_envs, max_length, record_size, step_type_offset, out, num_steps)
    m = ids.shape[0]
    num_leaves = tree.shape[0] // 2
    stored = min(count, max_length)
    if stored - num_steps + 1 <= 0 or num_envs <= 0:
        return NO_VALID_WINDOW
    head = count % max_length
    tail_pos = (head - 1 - np.arange(num_steps - 1)) % max_length
    tail_leaves = (np.arange(num_envs)[:, None] * max_length + tail_pos[None, :]).reshape(-1)
    excluded = np.cumsum(tree[num_leaves + tail_leaves])[-1] if tail_leaves.size else 0.0  # sequential sum
    total = tree[1]
    mass = total - excluded
    if not mass > 0.0:
        return NO_VALID_WINDOW
    leaf_out = np.empty(m, np.int64)
    pending = np.arange(m)
    for _ in range(max_rounds):
        leaf = descend(tree, _unit(_draw(rng_state, pending.shape[0])) * total)
        env, pos = leaf // max_length, leaf % max_length
        age = (head - 1 - pos) % max_length
        ok = (age >= num_steps - 1) & (tree[num_leaves + leaf] > 0.0) & (env < num_envs)
        ok[ok] = _step_types(rec, env[ok], pos[ok], step_type_offset) != LAST
        leaf_out[pending[ok]] = leaf[ok]
        pending = pending[~ok]
        if pending.shape[0] == 0:
            break
    else:
        return GAVE_UP
    env, pos = leaf_out // max_length, leaf_out % max_length
    first_t = count - 1 - (head - 1 - pos) % max_length
    _gather(rec, dst, env, pos, num_steps, max_length)
    ids[:] = first_t * num_envs + env
    info[0] = (tree[num_leaves + leaf_out] / mass).astype(np.float32)
    return 1
