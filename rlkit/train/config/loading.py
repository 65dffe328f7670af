"""YAML in, YAML out: safe parsing, ``--set`` overrides, validation into a :class:`Config`, dumping.

YAML is parsed safely: ``yaml.SafeLoader`` (what ``yaml.safe_load`` uses) plus two additions --
``1e-3`` reads as a float (plain PyYAML reads it as a string) and a key repeated within one
mapping is an error instead of silently keeping the last value. No tag can construct Python
objects; the only code a config can load is an explicitly named ``"pkg.module:Attr"`` plugin.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Hashable
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from rlkit.options import describe_error, unknown_key
from rlkit.train.config.schema import COMPONENT_SECTIONS, SECTIONS, Config, ConfigError

__all__ = ["DEFAULT_CONFIG", "parse_yaml", "apply_overrides", "config_from_dict", "load_config", "config_to_dict",
           "dump_config"]

DEFAULT_CONFIG = "tutorial.yaml"


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` + floats without a dot (``1e-3``) + duplicate keys rejected."""


_SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)$"),
    list("-+0123456789"),
)


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            continue  # construct_mapping reports unhashable keys with their position
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse ``text`` safely; a malformed document raises ``ConfigError("<source>:<line>:<column>: ...")``."""
    try:
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source
        context = f" ({err.context})" if err.context and err.problem else ""
        raise ConfigError(f"{where}: invalid YAML: {err.problem or err.context}{context}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: invalid YAML: {err}") from None


def apply_overrides(config_dict: Mapping[str, Any] | None, overrides: Iterable[str]) -> dict:
    """A copy of ``config_dict`` with each ``"section.key=value"`` applied (value parsed as YAML).

    ``"network.fc_layer_params=[64,64]"``, ``"agent.epsilon_schedule.end=0.02"`` (creates the
    mapping), ``"eval.env=null"``. Key paths are checked later, with the rest of the config.
    """
    result = copy.deepcopy(dict(config_dict or {}))
    for override in overrides:
        key_path, sep, text = str(override).partition("=")
        key_path = key_path.strip()
        if not sep or not key_path:
            raise ConfigError(f"override {override!r}: expected KEY=VALUE, e.g. train.num_iterations=5000")
        keys = key_path.split(".")
        if any(not key for key in keys):
            raise ConfigError(f"override {override!r}: malformed key path {key_path!r}")
        value = parse_yaml(text, source=f"override {key_path}") if text.strip() else None
        node = result
        for depth, key in enumerate(keys[:-1]):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            elif not isinstance(child, dict):
                where = ".".join(keys[: depth + 1])
                raise ConfigError(f"{where}: is a {type(child).__name__}, not a mapping; cannot set {key_path}")
            node = child
        node[keys[-1]] = value
    return result


def config_from_dict(data: Any, source: str = "config") -> Config:
    """Validate a plain nested dict (as parsed from YAML) into a :class:`Config`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections ({', '.join(SECTIONS)}), "
                          f"got {type(data).__name__}")
    for key in data:
        if key not in SECTIONS:
            raise ConfigError(unknown_key(key, SECTIONS, str(key), what="section"))
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(describe_error(err, Config)) from None


def _read_text(path: str | Path | None) -> tuple[str, str]:
    if path is None:
        resource = resources.files("rlkit").joinpath("configs", DEFAULT_CONFIG)
        return resource.read_text(encoding="utf-8"), f"<embedded {DEFAULT_CONFIG}>"
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a YAML config file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config file: {err}") from None


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Read, override and validate a config; ``path=None`` is the embedded tutorial config."""
    text, source = _read_text(path)
    data = parse_yaml(text, source)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections ({', '.join(SECTIONS)}), "
                          f"got {type(data).__name__}")
    overrides = list(overrides)
    merged = apply_overrides(data, overrides)
    return config_from_dict(_clear_replaced_exclusive(data, merged, overrides), source)


def _clear_replaced_exclusive(data: dict | None, merged: dict, overrides: list[str]) -> dict:
    """An override setting one of a component's ``exclusive`` options (e.g. ``agent.boltzmann_temperature=1``)
    clears the others that came from the file, so that ``--set`` can switch exploration in one go."""
    from rlkit.registry import get_registry

    for section, cls in COMPONENT_SECTIONS.items():
        raw = merged.get(section)
        if not isinstance(raw, dict):
            continue
        try:
            schema = get_registry(cls.kind).options(raw.get("name", cls.model_fields["name"].default))
        except Exception:  # an unknown or broken name: validation reports it
            continue
        if schema is None or not schema.exclusive:
            continue
        keys = [o.partition("=")[0].strip().split(".") for o in overrides]
        chosen = {k[1] for k in keys if len(k) >= 2 and k[0] == section and k[1] in schema.exclusive}
        from_file = (data or {}).get(section) if isinstance((data or {}).get(section), dict) else {}
        if chosen:
            raw.update({key: None for key in schema.exclusive if key not in chosen and key in from_file})
    return merged


def config_to_dict(config: Any) -> Any:
    """A plain nested dict (lists, not tuples) of ``config``, in field order; YAML- and JSON-ready.

    A component section lists `name`, its other fields, the component's options, then `kwargs`.
    """
    if isinstance(config, BaseModel):
        values = dict(config)  # fields, then a component section's options
        names = [name for name in values if name != "kwargs"] + (["kwargs"] if "kwargs" in values else [])
        return {name: config_to_dict(values[name]) for name in names}
    if isinstance(config, (tuple, list)):
        return [config_to_dict(item) for item in config]
    if isinstance(config, dict):
        return {key: config_to_dict(value) for key, value in config.items()}
    return config


def dump_config(config: Config, path: str | Path) -> None:
    """Write the resolved ``config`` as YAML to ``path`` (atomically); ``load_config(path)`` reads it back."""
    from rlkit import __version__
    from rlkit.fileio import atomic_write

    text = yaml.safe_dump(config_to_dict(config), sort_keys=False, default_flow_style=None, width=100)
    header = f"# Resolved rlkit {__version__} training config: every key, defaults filled in.\n"
    with atomic_write(path, "w") as handle:
        handle.write(header + text)
