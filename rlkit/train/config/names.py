"""Plugin names in a config: registered, ``gymnasium:<id>`` or ``pkg.module:Attr``, checked without importing built-ins."""
from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import AfterValidator, Field

__all__ = ["plugin_name"]


def _check_plugin(kind: str, name: str) -> str:
    """``name`` must resolve in the ``kind`` registry; registered names are not imported here."""
    from rlkit.registry import RegistryError, get_registry

    registry = get_registry(kind)
    if name in registry:
        return name
    prefix, sep, rest = name.partition(":")
    if sep:
        try:
            registry.resolve(name)  # prefix names resolve lazily; "pkg.module:Attr" is imported now
        except RegistryError as err:
            raise ValueError(str(err)) from None
        except Exception as err:  # the plugin module itself failed to import
            raise ValueError(f"cannot load {registry.kind} {name!r}: {type(err).__name__}: {err}") from None
        if prefix == "gymnasium" and ":" not in rest:
            _check_gymnasium_id(rest)
        return name
    available = registry.names()
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    extra = " or 'gymnasium:<id>'" if kind == "envs" else ""
    raise ValueError(f"unknown {registry.kind} {name!r}; {hint}available: {', '.join(available) or '(none)'} "
                     f"(or 'pkg.module:Attr'{extra})")


def _check_gymnasium_id(env_id: str) -> None:
    from gymnasium.envs.registration import registry as gym_registry

    if env_id not in gym_registry:
        close = difflib.get_close_matches(env_id, list(gym_registry), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"gymnasium has no env {env_id!r}{hint}")


def plugin_name(kind: str) -> Any:
    """A registered name of ``kind`` (``rlkit list``), ``pkg.module:Attr``, or a prefix name."""
    return Annotated[str, Field(strict=True, json_schema_extra={"x-rlkit-registry": kind}),
                     AfterValidator(lambda name: _check_plugin(kind, name))]
