"""Declared options of a component: a pydantic model that validates what a constructor takes.

    class MyBufferOptions(Options):
        \"\"\"Options of MyBuffer.

        Attributes:
          alpha: priority exponent.
          seed: seeds the sampler.
        \"\"\"

        derived: ClassVar[frozenset[str]] = frozenset({"seed"})  # rlkit train fills it in from train.seed
        alpha: Fraction = 0.6
        seed: Optional[NonNegativeInt] = None

    rlkit.register("replay_buffers", "mine", "my_pkg:MyBuffer", options=MyBufferOptions)

A registry entry names its options model (``options=``); ``rlkit train`` validates the component's
section of a config with it, fills in ``derived`` run values, and documents it in the JSON Schema and
``docs/configuration.md``. A component registered without one gets its keyword arguments unchecked.

Values are strict, as a YAML file should be read: ``true`` is not a number, ``"64"`` is not an int,
``1e5`` is the int 100000, NaN and infinities are rejected. Every error is one line naming the key:
``gamma: must be in [0, 1], got 1.5`` (:class:`OptionsError`, a ``ValueError``).
"""
from __future__ import annotations

import difflib
import math
import types
import typing
from typing import Annotated, Any, Callable, ClassVar, Iterable

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, Strict, ValidationError
from pydantic import WithJsonSchema

__all__ = [
    "Options", "OptionsError", "describe_error", "locate_error", "unknown_key", "type_name", "bounds_text", "attribute_docs", "choice", "bounded", "number_or_schedule",
    "Int", "Float", "Bool", "Str", "PositiveInt", "NonNegativeInt", "Fraction", "PositiveFloat",
]


class OptionsError(ValueError):
    """Invalid options; the message is one line that names the key and the fix."""

    def __init__(self, message: str, loc: tuple = (), problem: str | None = None) -> None:
        super().__init__(" ".join(str(message).split()))
        self.loc = loc  # the key path inside the options, and the problem alone: nested options join paths
        self.problem = problem if problem is not None else str(self)


def _integral_float(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # YAML's 1e5
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def bounds_text(ge: float | None = None, gt: float | None = None, le: float | None = None, lt: float | None = None) -> str:
    """``[0, 1]``, ``(0, 1]``, ``>= 1``, ``> 0``: a range in words."""
    low = f"[{_num(ge)}" if ge is not None else f"({_num(gt)}" if gt is not None else None
    high = f"{_num(le)}]" if le is not None else f"{_num(lt)})" if lt is not None else None
    if low and high:
        return f"{low}, {high}"
    if low:
        return (">= " if ge is not None else "> ") + low[1:]
    return ("<= " if le is not None else "< ") + high[:-1] if high else ""


def _range_check(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> Callable[[Any], Any]:
    text = bounds_text(ge, gt, le, lt)

    def check(value: Any) -> Any:
        ok = ((ge is None or value >= ge) and (gt is None or value > gt)
              and (le is None or value <= le) and (lt is None or value < lt))
        if not ok:
            raise ValueError(f"must be {'in ' if text[0] in '[(' else ''}{text}, got {value!r}")
        return value

    return check


def _json_bounds(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> dict:
    keys = {"minimum": ge, "exclusiveMinimum": gt, "maximum": le, "exclusiveMaximum": lt}
    return {key: value for key, value in keys.items() if value is not None}


Int = Annotated[int, BeforeValidator(_integral_float), Strict()]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Bool = Annotated[bool, Strict()]
Str = Annotated[str, Strict()]


def bounded(tp: Any, ge: float | None = None, gt: float | None = None, le: float | None = None,
            lt: float | None = None) -> Any:
    """``tp`` (:data:`Int` or :data:`Float`) within bounds, checked with a one-line message."""
    return Annotated[tp, AfterValidator(_range_check(ge, gt, le, lt)), Field(json_schema_extra=_json_bounds(ge, gt, le, lt))]


PositiveInt = bounded(Int, ge=1)
NonNegativeInt = bounded(Int, ge=0)
PositiveFloat = bounded(Float, gt=0.0)
Fraction = bounded(Float, ge=0.0, le=1.0)


def choice(*values: str) -> Any:
    """A string that is one of ``values``; a typo gets a did-you-mean."""

    def check(value: Any) -> Any:
        if value not in values:
            close = difflib.get_close_matches(str(value), values, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"{value!r} is not allowed; {hint}choose one of {', '.join(values)}")
        return value

    return Annotated[str, Strict(), AfterValidator(check), Field(json_schema_extra={"enum": list(values)})]


def number_or_schedule(ge: float | None = None, gt: float | None = None, le: float | None = None) -> Any:
    """A float within bounds, or (from Python) a schedule ``callable(step) -> float``."""
    in_range = _range_check(ge, gt, le, None)

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError(f"expected a finite float, got {value!r}")
            return in_range(float(value))
        if callable(value):
            return value
        raise ValueError(f"expected float or a schedule callable(step) -> float, got {type(value).__name__} {_show(value)}")

    schema = {"type": "number", **_json_bounds(ge, gt, le, None)}
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


def attribute_docs(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of ``cls``'s docstring as ``{name: one-line description}``."""
    lines = (cls.__doc__ or "").splitlines()
    docs: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
    except StopIteration:
        return docs
    indent = current = None
    for line in lines[start + 1:]:
        if not line.strip():
            break
        this_indent = len(line) - len(line.lstrip())
        indent = this_indent if indent is None else indent
        if this_indent == indent:
            name, _, text = line.strip().partition(":")
            current = name.strip()
            docs[current] = text.strip()
        elif this_indent > indent and current is not None:
            docs[current] += " " + line.strip()
        else:
            break
    return docs


class Options(BaseModel):
    """Base of declared options: frozen, unknown keys rejected, fields described by the ``Attributes:`` docstring.

    Class attributes:
      error: the exception the constructor raises (an :class:`OptionsError`).
      derived: fields the caller fills in from the run (``rlkit train`` passes ``seed``, ``backend``,
        ``env_steps_per_train_step`` to the components that declare them); not keys of a config file.
      exclusive: fields of which at most one may be set; in ``rlkit train``, a ``--set`` of one clears the
        others coming from the file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)
    derived: ClassVar[frozenset[str]] = frozenset()
    exclusive: ClassVar[tuple[str, ...]] = ()
    error: ClassVar[type[OptionsError]] = OptionsError  # what the constructor raises

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        docs = attribute_docs(cls)
        changed = False
        for name, info in cls.model_fields.items():
            if info.description is None and name in docs:
                info.description = docs[name]
                changed = True
        if changed:
            cls.model_rebuild(force=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            loc, problem = locate_error(err, type(self))
            raise self.error(f"{_path('', loc)}: {problem}" if loc else problem, loc, problem) from None

    def replace(self, **changes: Any) -> Any:
        """A validated copy with ``changes``."""
        return type(self)(**{**dict(self), **changes})


# ----------------------------------------------------------------------------------------------
# One-line messages from pydantic's errors
# ----------------------------------------------------------------------------------------------

_TYPE_ERRORS = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float", "bool_type", "bool_parsing",
                "string_type", "dict_type", "list_type", "tuple_type", "model_type", "model_attributes_type",
                "dataclass_type", "is_instance_of", "callable_type", "set_type", "frozen_set_type"}


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """``(tp without Annotated/Optional, nullable)``."""
    nullable = False
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(tp))
            if len(args) != 1:
                return tp, nullable
            tp = args[0]
        else:
            return tp, nullable


def type_name(tp: Any) -> str:
    """``float``, ``list of int``, ``mapping``, ``int or null``: a field type in config words."""
    inner, nullable = _unwrap(tp)
    origin = typing.get_origin(inner)
    if origin in (tuple, list):
        name = f"list of {type_name(typing.get_args(inner)[0])}"
    elif origin is dict or inner is dict or (isinstance(inner, type) and issubclass(inner, BaseModel)):
        name = "mapping"
    else:
        name = {int: "int", float: "float", bool: "bool", str: "str"}.get(inner, "value")
    return f"{name} or null" if nullable else name


def _field_type(model: Any, loc: tuple) -> tuple[Any, Any]:
    """``(annotation at loc, the model owning its last key)`` walking models, lists and mappings."""
    tp: Any = model
    owner = model
    for key in loc:
        inner, _ = _unwrap(tp)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            owner = inner
            if key not in inner.model_fields:
                return None, owner
            tp = inner.model_fields[key].rebuild_annotation()
        elif typing.get_origin(inner) in (tuple, list) and isinstance(key, int):
            tp = typing.get_args(inner)[0]
        else:
            return None, owner
    return tp, owner


def unknown_key(key: Any, valid: Iterable[str], where: str, what: str = "key") -> str:
    """``where: unknown key; did you mean 'x'?`` (or the valid keys when none is close)."""
    valid = list(valid)
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return f"{where}: unknown {what}; did you mean {close[0]!r}?"
    return f"{where}: unknown {what}; valid {what.split()[0]}s: {', '.join(valid) or '(none)'}"


def describe_error(err: ValidationError, model: Any, prefix: str = "", hidden: Iterable[str] = ()) -> str:
    """The first error of ``err`` (raised validating ``model``) as one line: ``<prefix>.<key path>: <problem>``.

    ``hidden``: field names that are not keys here (an options model's ``derived`` fields in a config file).
    """
    loc, problem = locate_error(err, model, hidden)
    where = _path(prefix, loc)
    return f"{where}: {problem}" if where else problem


def locate_error(err: ValidationError, model: Any, hidden: Iterable[str] = ()) -> tuple[tuple, str]:
    """``(key path, problem)`` of the first error in ``err``."""
    error = err.errors(include_url=False)[0]
    loc = tuple(error["loc"])
    if "[key]" in loc:
        index = loc.index("[key]")
        return loc[: index - 1], f"keys must be strings, got {type(loc[index - 1]).__name__} {loc[index - 1]!r}"
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        parent, _ = _unwrap(_field_type(model, loc[:-1])[0])
        owner = parent if isinstance(parent, type) and issubclass(parent, BaseModel) else None
        hide = set(hidden) if len(loc) == 1 else set()
        if loc[-1] in hide:
            return loc, "is filled in by rlkit train from the run; remove it"
        valid = [name for name in owner.model_fields if name not in hide] if owner is not None else []
        return loc, unknown_key(loc[-1], valid, "").removeprefix(": ")
    if kind == "value_error":
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, OptionsError):  # nested options raised from their own constructor
            return loc + tuple(cause.loc), cause.problem
        return loc, str(cause)
    if kind == "finite_number":
        return loc, f"expected a finite float, got {value!r}"
    if kind in _TYPE_ERRORS:
        tp, _ = _field_type(model, loc)
        expected = type_name(tp) if tp is not None else error["msg"]
        return loc, f"expected {expected}, got {type(value).__name__} {_show(value)}"
    if kind == "frozen_instance":
        return loc, f"options are frozen; use .replace({loc[-1] if loc else 'key'}=...)"
    return loc, error["msg"]


def _path(prefix: str, loc: tuple) -> str:
    out = prefix
    for key in loc:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out = f"{out}.{key}" if out else str(key)
    return out
