"""Argument checks shared by rlkit's constructors and functions (one-line errors naming the argument)."""
from __future__ import annotations

import operator
from typing import Any

__all__ = ["check_count"]


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
