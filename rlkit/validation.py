"""Checks of what the public API takes, each failing with one line that names the argument, what was
given and the fix (issue 12). Vectorised: callers check a whole block once, never per element.

    check_experience(experience, agent.collect_data_spec, "train")   # NaN rewards, float actions, ...
    check_step_types(step_type, "step_type", "add_batch")             # values in {0, 1, 2}

    check_count(num_envs, "num_envs", allow_none=True)                  # ints >= 1, bools refused
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from rlkit import nest
from rlkit.types import Trajectory

__all__ = ["check_count", "check_experience", "check_step_types", "check_finite"]


def check_count(value: Any, name: str, minimum: int = 1, allow_none: bool = False) -> Any:
    """``value`` as an int ``>= minimum`` (``None`` passes with ``allow_none``).

    A ``TypeError`` for non-integers (bools included: ``True`` is not a count), a ``ValueError``
    below ``minimum``; both name ``name``.
    """
    if value is None and allow_none:
        return None
    expected = f"an int{' or None' if allow_none else ''}"
    if isinstance(value, bool):
        raise TypeError(f"{name} must be {expected}, got bool {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {number}")
    return number


def _first_bad(mask: np.ndarray, array: np.ndarray) -> Any:
    return array.reshape(-1)[int(np.argmax(mask.reshape(-1)))]


def check_step_types(value: Any, name: str, where: str) -> None:
    """``ValueError`` unless every entry of ``value`` is an integer step type FIRST, MID or LAST (0, 1, 2)."""
    array = value if type(value) is np.ndarray else np.asarray(value)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{where}: {name} must hold integer step types 0, 1, 2 (FIRST, MID, LAST), "
                         f"got dtype {array.dtype}")
    if array.size <= 8:  # a row per env from add_batch: cheaper in Python than two ufuncs
        if all(0 <= v <= 2 for v in array.reshape(-1).tolist()):
            return
    bad = (array < 0) | (array > 2)
    if bad.any():
        raise ValueError(f"{where}: {name} must be 0, 1 or 2 (FIRST, MID, LAST), got {_first_bad(bad, array)}; "
                         "build time steps with rlkit.types.restart/transition/termination/truncation")


def check_finite(value: Any, name: str, where: str) -> None:
    """``ValueError`` unless every float entry of ``value`` (a nest) is finite."""
    for leaf in nest.flatten(value):
        array = np.asarray(leaf)
        if array.dtype.kind == "f" or array.dtype.kind == "c":
            finite = np.isfinite(array)
            if not finite.all():
                raise ValueError(f"{where}: {name} must be finite, got {_first_bad(~finite, array)}; "
                                 "check the env (or the reward scale) that produced it")
        elif array.dtype.kind not in "biu":
            raise ValueError(f"{where}: {name} must hold numbers, got dtype {array.dtype}")


def _check_actions(action: Any, action_spec: Any, where: str) -> None:
    for spec, leaf in zip(nest.flatten(action_spec), nest.flatten(action)):
        array = np.asarray(leaf)
        integer_spec = getattr(spec, "dtype", np.dtype(np.float32)).kind in "iu"
        if integer_spec and array.dtype.kind not in "iu":
            raise ValueError(f"{where}: actions must be integers ({spec.dtype}), got dtype {array.dtype} "
                             f"(e.g. {array.reshape(-1)[:1]}); a float action would be truncated: pass the "
                             "actions the policy returned")
        if not integer_spec:
            check_finite(array, "action", where)
        minimum, maximum = getattr(spec, "minimum", None), getattr(spec, "maximum", None)
        if minimum is not None and array.size:
            bad = (array < minimum) | (array > maximum)
            if bad.any():
                raise ValueError(f"{where}: actions must lie in the action spec [{minimum}, {maximum}], "
                                 f"got {_first_bad(bad, array)}")


def check_experience(experience: Any, data_spec: Trajectory, where: str, weights: Any = None) -> None:
    """Check a ``Trajectory`` of experience (any leading dims) against the values ``data_spec`` allows.

    Rejects, with one line naming the field: a non-``Trajectory``; step types outside {0, 1, 2};
    NaN or inf observations, rewards or discounts; discounts outside [0, 1]; non-integer (or
    out-of-spec) actions for an integer action spec; NaN, inf or negative loss ``weights``.
    Shapes are the caller's to check.
    """
    if not isinstance(experience, Trajectory):
        raise TypeError(f"{where} expects an rlkit.types.Trajectory (e.g. from replay_buffer.sample), "
                        f"got {type(experience).__name__}")
    check_step_types(experience.step_type, "step_type", where)
    check_step_types(experience.next_step_type, "next_step_type", where)
    check_finite(experience.observation, "observation", where)
    check_finite(experience.reward, "reward", where)
    _check_actions(experience.action, data_spec.action, where)
    discount = np.asarray(experience.discount)
    check_finite(discount, "discount", where)
    bad = (discount < 0) | (discount > 1)
    if bad.any():
        raise ValueError(f"{where}: discount must be in [0, 1], got {_first_bad(bad, discount)}; "
                         "1 for MID and truncated steps, 0 where the episode terminated")
    if weights is not None:
        array = np.asarray(weights)
        check_finite(array, "weights", where)
        if array.dtype.kind in "iuf" and (array < 0).any():
            raise ValueError(f"{where}: weights must be >= 0 (per-window loss weights, e.g. importance weights), "
                             f"got {_first_bad(array < 0, array)}")
