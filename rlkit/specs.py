"""Array specs: the shape, dtype and bounds of every value an env, policy or buffer exchanges.

Specs may be nested in dicts and tuples (as gymnasium ``Dict`` / ``Tuple`` spaces are).
``validate`` raises ``ValueError`` showing the spec and the offending value.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from rlkit import nest

__all__ = [
    "ArraySpec",
    "BoundedArraySpec",
    "validate_nest",
    "sample_nest",
    "zeros_nest",
    "from_gymnasium_space",
    "to_gymnasium_space",
]


class ArraySpec:
    """Describes an array of fixed ``shape`` and ``dtype``.

    ``outer_shape`` arguments below are leading batch dims (``(N,)`` for a batched env, ``(B, T)``
    for a replay sample) that come before ``shape``.
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape: Sequence[int], dtype: Any, name: str | None = None) -> None:
        self._shape = _check_shape(shape, name)
        self._dtype = np.dtype(dtype)
        if self._dtype.kind not in "biuf":
            raise TypeError(f"{_who(name)}: dtype must be a bool, integer or float type, got {self._dtype}; "
                            "e.g. np.float32 or np.int64")
        self._name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    def __repr__(self) -> str:
        return f"ArraySpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.shape == other.shape  # type: ignore[attr-defined]
            and self.dtype == other.dtype  # type: ignore[attr-defined]
            and self._extra_eq(other)
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.shape, self.dtype.str))

    def _extra_eq(self, other: Any) -> bool:
        return True

    def replace(self, **changes: Any) -> "ArraySpec":
        """A copy with some of ``shape``, ``dtype``, ``name`` changed."""
        kwargs = {"shape": self.shape, "dtype": self.dtype, "name": self.name, **changes}
        return ArraySpec(**kwargs)

    # -- checking ------------------------------------------------------------------------------
    def _fail(self, value: Any, why: str) -> None:
        shown = np.array2string(np.asarray(value), threshold=8) if _is_arraylike(value) else repr(value)
        raise ValueError(f"{self.name or 'value'} {shown} does not match {self!r}: {why}")

    def check_array(self, value: Any, outer_shape: Sequence[int] | None = ()) -> np.ndarray:
        """``value`` as an array of this spec's dtype, or ``ValueError`` naming expected vs got.

        ``outer_shape=None`` accepts any leading dims. Floats are never accepted for an integer
        spec; integer values are accepted for a float spec.
        """
        if not _is_arraylike(value):
            self._fail(value, f"expected an array-like, got {type(value).__name__}")
        array = np.asarray(value)
        if array.dtype != self.dtype:
            if array.dtype.kind not in "biuf" or (self.dtype.kind in "biu" and array.dtype.kind == "f") \
                    or (array.dtype.kind == "b" and self.dtype.kind != "b"):
                self._fail(value, f"dtype {array.dtype} cannot be used as {self.dtype}")
            if self.dtype.kind in "biu" and array.dtype.kind in "biu" and array.size:
                info = np.iinfo(self.dtype) if self.dtype.kind != "b" else None
                if info is not None and (array.min() < info.min or array.max() > info.max):
                    self._fail(value, f"values overflow {self.dtype}")
            array = array.astype(self.dtype)
        if outer_shape is None:
            ndim = len(self.shape)
            if array.shape[array.ndim - ndim :] != self.shape or array.ndim < ndim:
                self._fail(value, f"expected shape (..., {', '.join(map(str, self.shape))}), got {array.shape}")
        elif array.shape != tuple(outer_shape) + self.shape:
            self._fail(value, f"expected shape {tuple(outer_shape) + self.shape}, got {array.shape}")
        self._check_values(value, array)
        return array

    def validate(self, value: Any, outer_shape: Sequence[int] | None = ()) -> None:
        """Raise ``ValueError`` unless ``value`` conforms (see :meth:`check_array`)."""
        self.check_array(value, outer_shape)

    def is_compatible(self, value: Any, outer_shape: Sequence[int] | None = ()) -> bool:
        try:
            self.check_array(value, outer_shape)
        except ValueError:
            return False
        return True

    def _check_values(self, value: Any, array: np.ndarray) -> None:
        if array.dtype.kind == "f" and np.isnan(array).any():
            self._fail(value, "contains NaN")

    # -- making values ------------------------------------------------------------------------
    def zeros(self, outer_shape: Sequence[int] = ()) -> np.ndarray:
        return np.zeros(tuple(outer_shape) + self.shape, self.dtype)

    def sample(self, rng: np.random.Generator | None = None, outer_shape: Sequence[int] = ()) -> np.ndarray:
        """A random conforming value: standard normal for unbounded floats, any value for ints."""
        rng = rng if rng is not None else np.random.default_rng()
        shape = tuple(outer_shape) + self.shape
        if self.dtype.kind == "f":
            return rng.standard_normal(shape).astype(self.dtype)
        if self.dtype.kind == "b":
            return rng.integers(0, 2, shape).astype(bool)
        info = np.iinfo(self.dtype)
        return rng.integers(info.min, info.max, shape, dtype=self.dtype, endpoint=True)


class BoundedArraySpec(ArraySpec):
    """An :class:`ArraySpec` whose values lie in ``[minimum, maximum]`` (inclusive, broadcast to ``shape``)."""

    __slots__ = ("_minimum", "_maximum")

    def __init__(
        self,
        shape: Sequence[int],
        dtype: Any,
        minimum: Any = None,
        maximum: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(shape, dtype, name)
        dtype = self.dtype
        if dtype.kind == "f":
            info = np.finfo(dtype)
        elif dtype.kind == "b":
            info = None
        else:
            info = np.iinfo(dtype)
        low = (info.min if info is not None else False) if minimum is None else minimum
        high = (info.max if info is not None else True) if maximum is None else maximum
        for bound in (low, high):
            if np.asarray(bound).dtype.kind == "f" and np.isnan(np.asarray(bound, np.float64)).any():
                raise ValueError(f"{_who(name, 'BoundedArraySpec')}: bounds must not be NaN, got {low!r}..{high!r}")
        try:
            self._minimum = np.array(low, dtype=dtype)
            self._maximum = np.array(high, dtype=dtype)
            np.broadcast_to(self._minimum, self.shape)
            np.broadcast_to(self._maximum, self.shape)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"BoundedArraySpec bounds {low!r}..{high!r} do not fit shape {self.shape} and dtype {dtype}: {err}") from None
        if np.any(self._minimum > self._maximum):
            raise ValueError(f"BoundedArraySpec minimum {low!r} exceeds maximum {high!r}")
        self._minimum.setflags(write=False)
        self._maximum.setflags(write=False)

    @property
    def minimum(self) -> np.ndarray:
        return self._minimum

    @property
    def maximum(self) -> np.ndarray:
        return self._maximum

    @property
    def num_values(self) -> int | None:
        """For a scalar integer spec: how many discrete values it allows (e.g. number of actions)."""
        if self.dtype.kind in "iu" and self.minimum.ndim == 0 and self.maximum.ndim == 0:
            return int(self.maximum) - int(self.minimum) + 1
        if self.dtype.kind in "iu" and np.all(self.minimum == self.minimum.flat[0]) and np.all(self.maximum == self.maximum.flat[0]):
            return int(self.maximum.flat[0]) - int(self.minimum.flat[0]) + 1
        return None

    def __repr__(self) -> str:
        return (
            f"BoundedArraySpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r}, "
            f"minimum={self.minimum}, maximum={self.maximum})"
        )

    def _extra_eq(self, other: Any) -> bool:
        return bool(np.array_equal(self.minimum, other.minimum) and np.array_equal(self.maximum, other.maximum))

    __hash__ = ArraySpec.__hash__

    def replace(self, **changes: Any) -> "BoundedArraySpec":
        kwargs = {
            "shape": self.shape,
            "dtype": self.dtype,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "name": self.name,
            **changes,
        }
        return BoundedArraySpec(**kwargs)

    def _check_values(self, value: Any, array: np.ndarray) -> None:
        super()._check_values(value, array)
        if array.size and (np.any(array < self.minimum) or np.any(array > self.maximum)):
            self._fail(value, f"out of bounds [{self.minimum}, {self.maximum}]")

    def sample(self, rng: np.random.Generator | None = None, outer_shape: Sequence[int] = ()) -> np.ndarray:
        """A uniform random value within the bounds (standard normal, clipped, where a bound is infinite)."""
        rng = rng if rng is not None else np.random.default_rng()
        shape = tuple(outer_shape) + self.shape
        low = np.broadcast_to(self.minimum, shape)
        high = np.broadcast_to(self.maximum, shape)
        if self.dtype.kind == "f":
            low64, high64 = low.astype(np.float64), high.astype(np.float64)
            finite = np.isfinite(low64) & np.isfinite(high64) & (high64 - low64 < 1e300)
            out = np.where(
                finite,
                rng.uniform(np.where(finite, low64, 0.0), np.where(finite, high64, 1.0), shape),
                np.clip(rng.standard_normal(shape), low64, high64),
            )
            return np.clip(out.astype(self.dtype), low, high)
        if self.dtype.kind == "b":
            return rng.integers(low.astype(np.int64), high.astype(np.int64), shape, endpoint=True).astype(bool)
        return rng.integers(low, high, shape, dtype=self.dtype, endpoint=True)


def _who(name: str | None, kind: str = "spec") -> str:
    return f"{kind} {name!r}" if name else kind


def _check_shape(shape: Any, name: str | None) -> tuple[int, ...]:
    """``shape`` as a tuple of ints >= 0, or a one-line ``TypeError``/``ValueError``."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"{_who(name)}: shape must be a tuple of ints, got {shape!r}; e.g. (4,) or () for a scalar")
    dims = []
    for dim in shape:
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{_who(name)}: shape must be a tuple of ints, got {tuple(shape)!r}")
        if dim < 0:
            raise ValueError(f"{_who(name)}: shape dims must be >= 0, got {tuple(int(d) for d in shape)}; "
                             "a spec describes one item without batch dims, so give its exact size")
        dims.append(int(dim))
    return tuple(dims)


def _is_arraylike(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.generic, int, float, bool, list, tuple)) or hasattr(value, "__array__")


# -- nests --------------------------------------------------------------------------------------


def validate_nest(spec: Any, value: Any, outer_shape: Sequence[int] | None = ()) -> Any:
    """Check a nest of values against a nest of specs; returns the values as arrays of the spec dtypes."""
    if nest.is_nested(spec):
        if type(value) is not type(spec) and not (isinstance(spec, dict) and isinstance(value, dict)):
            if not (isinstance(spec, (list, tuple)) and isinstance(value, (list, tuple))):
                raise ValueError(f"expected a {type(spec).__name__} matching {spec!r}, got {type(value).__name__}")
        if isinstance(spec, dict):
            if set(spec) != set(value):
                raise ValueError(f"expected keys {sorted(spec)}, got {sorted(value)}")
            return {k: validate_nest(spec[k], value[k], outer_shape) for k in sorted(spec)}
        if len(spec) != len(value):
            raise ValueError(f"expected {len(spec)} items matching {spec!r}, got {len(value)}")
        items = [validate_nest(s, v, outer_shape) for s, v in zip(spec, value)]
        return type(spec)(*items) if hasattr(spec, "_fields") else type(spec)(items)
    return spec.check_array(value, outer_shape)


def sample_nest(spec: Any, rng: np.random.Generator | None = None, outer_shape: Sequence[int] = ()) -> Any:
    rng = rng if rng is not None else np.random.default_rng()
    return nest.map_structure(lambda s: s.sample(rng, outer_shape), spec)


def zeros_nest(spec: Any, outer_shape: Sequence[int] = ()) -> Any:
    return nest.map_structure(lambda s: s.zeros(outer_shape), spec)


# -- gymnasium spaces ---------------------------------------------------------------------------


def from_gymnasium_space(space: Any, name: str | None = None) -> Any:
    """A spec (or nest of specs) for a ``gymnasium.spaces`` space.

    Box -> BoundedArraySpec; Discrete(n, start) -> scalar int64 spec [start, start+n-1];
    MultiDiscrete -> int64 spec per element; MultiBinary -> int8 spec in [0, 1];
    Dict -> dict of specs; Tuple -> tuple of specs.
    """
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        return BoundedArraySpec(space.shape, space.dtype, space.low, space.high, name=name)
    if isinstance(space, spaces.Discrete):
        start = int(space.start)
        return BoundedArraySpec((), np.int64, start, start + int(space.n) - 1, name=name)
    if isinstance(space, spaces.MultiDiscrete):
        start = np.asarray(space.start, np.int64)
        return BoundedArraySpec(space.shape, np.int64, start, start + np.asarray(space.nvec, np.int64) - 1, name=name)
    if isinstance(space, spaces.MultiBinary):
        return BoundedArraySpec(space.shape, np.int8, 0, 1, name=name)
    if isinstance(space, spaces.Dict):
        return {key: from_gymnasium_space(sub, name=key) for key, sub in space.spaces.items()}
    if isinstance(space, spaces.Tuple):
        return tuple(from_gymnasium_space(sub, name=f"{name or 'item'}_{i}") for i, sub in enumerate(space.spaces))
    raise TypeError(
        f"cannot convert gymnasium space {space!r} to an rlkit spec: supported are Box, Discrete, "
        "MultiDiscrete, MultiBinary, Dict and Tuple"
    )


def to_gymnasium_space(spec: Any) -> Any:
    """The ``gymnasium.spaces`` space for a spec (or nest), inverse of :func:`from_gymnasium_space`."""
    from gymnasium import spaces

    if isinstance(spec, dict):
        return spaces.Dict({key: to_gymnasium_space(sub) for key, sub in spec.items()})
    if isinstance(spec, (tuple, list)):
        return spaces.Tuple(tuple(to_gymnasium_space(sub) for sub in spec))
    if not isinstance(spec, ArraySpec):
        raise TypeError(f"expected an ArraySpec or a dict/tuple of them, got {spec!r}")
    if isinstance(spec, BoundedArraySpec) and spec.dtype == np.int8 and np.all(spec.minimum == 0) and np.all(spec.maximum == 1) and spec.shape:
        return spaces.MultiBinary(spec.shape[0] if len(spec.shape) == 1 else list(spec.shape))
    if isinstance(spec, BoundedArraySpec) and spec.dtype == np.int64:
        low = np.broadcast_to(spec.minimum, spec.shape)
        high = np.broadcast_to(spec.maximum, spec.shape)
        if spec.shape == ():
            return spaces.Discrete(int(high) - int(low) + 1, start=int(low))
        return spaces.MultiDiscrete(high - low + 1, start=low.copy())
    if isinstance(spec, BoundedArraySpec):
        return spaces.Box(
            np.broadcast_to(spec.minimum, spec.shape).copy(),
            np.broadcast_to(spec.maximum, spec.shape).copy(),
            spec.shape,
            spec.dtype,
        )
    if spec.dtype.kind == "f":
        return spaces.Box(-np.inf, np.inf, spec.shape, spec.dtype)
    info = np.iinfo(spec.dtype)
    return spaces.Box(info.min, info.max, spec.shape, spec.dtype)
