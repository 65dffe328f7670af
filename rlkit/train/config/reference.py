"""The config's JSON Schema (``rlkit config schema``) and its Markdown reference (``docs/configuration.md``).

Both are generated from the models: the sections of :mod:`rlkit.train.config.schema` and the
options each built-in component declares (found through the registry). The Markdown is made from
the JSON Schema, so the two cannot disagree.
"""
from __future__ import annotations

from typing import Any

import yaml

from rlkit.options import bounds_text
from rlkit.train.config.schema import SECTIONS

__all__ = ["json_schema", "reference_markdown", "SCHEMA_COMMENT"]

SCHEMA_COMMENT = "# yaml-language-server: $schema=rlkit-config.schema.json"
_TYPES = {"integer": "int", "number": "float", "boolean": "bool", "string": "str", "object": "mapping"}
_NOUNS = {"envs": "env", "networks": "network", "agents": "agent", "replay_buffers": "replay buffer"}


def _summary(description: str | None) -> str:
    return " ".join((description or "").split("Attributes:")[0].split())


def _clean(node: Any) -> Any:
    """Drop pydantic's titles, keep descriptions to their summary."""
    if isinstance(node, dict):
        out = {key: _clean(value) for key, value in node.items() if key != "title" or not isinstance(value, str)}
        if isinstance(out.get("description"), str):
            out["description"] = _summary(out["description"])
        return out
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


def _model_schema(cls: Any, defs: dict, exclude: frozenset = frozenset()) -> dict:
    schema = cls.model_json_schema(ref_template="#/$defs/{model}")
    defs.update(_clean(schema.pop("$defs", {})))
    schema = _clean(schema)
    schema["properties"] = {k: v for k, v in schema.get("properties", {}).items() if k not in exclude}
    return schema


def _options_of(cls: Any, name: str) -> Any:
    from rlkit.registry import get_registry

    return get_registry(cls.kind).options(name)


def _component_schema(cls: Any, defs: dict) -> dict:
    """Generic keys, the default component's options; `then` restricts the keys when `name` is the default."""
    schema = _model_schema(cls, defs)
    default = cls.model_fields["name"].default
    options = _options_of(cls, default)
    generic = schema["properties"]
    declared = _model_schema(options, defs, options.derived)["properties"] if options is not None else {}
    first = {k: v for k, v in generic.items() if k != "kwargs"}
    schema["properties"] = {**first, **(declared if cls.flat else {}), "kwargs": generic["kwargs"]}
    if cls.flat:
        then = {"propertyNames": {"enum": list(schema["properties"])}}
    else:
        kwargs = {"type": "object", "properties": declared, "additionalProperties": False}
        then = {"properties": {"kwargs": kwargs}}
    schema["additionalProperties"] = bool(cls.flat)
    schema["if"] = {"properties": {"name": {"const": default}}}
    schema["then"] = then
    return schema


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of an ``rlkit train`` config file."""
    from rlkit.train.config.schema import COMPONENT_SECTIONS, Config

    defs: dict = {}
    properties = {name: (_component_schema(cls, defs) if name in COMPONENT_SECTIONS else _model_schema(cls, defs))
                  for name, cls in SECTIONS.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rlkit train config",
        "description": _summary(Config.__doc__) + " Reference: docs/configuration.md.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


# ----------------------------------------------------------------------------------------------
# Markdown
# ----------------------------------------------------------------------------------------------


def _yaml_value(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("\n...").strip()


def _inner(prop: dict) -> tuple[dict, bool]:
    if "anyOf" in prop:
        items = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return (items[0] if len(items) == 1 else prop), len(items) < len(prop["anyOf"])
    return prop, False


def _type(prop: dict) -> str:
    inner, nullable = _inner(prop)
    if "$ref" in inner:
        name = "mapping"
    elif inner.get("type") == "array":
        name = f"list of {_type(inner.get('items', {}))}"
    else:
        name = _TYPES.get(inner.get("type"), "any")
    return f"{name} or null" if nullable else name


def _range(prop: dict) -> str:
    inner, _ = _inner(prop)
    inner = {**{k: v for k, v in prop.items() if k != "anyOf"}, **inner}
    if "enum" in inner:
        return "one of " + ", ".join(f"`{v}`" for v in inner["enum"])
    if "x-rlkit-registry" in inner:
        kind = inner["x-rlkit-registry"]
        return f"a registered {_NOUNS[kind]} name (`rlkit list {kind}`)"
    if "pattern" in inner:
        return "a file name (no path separators)"
    if inner.get("type") == "array" and "minimum" in inner.get("items", {}):
        return f"each item >= {inner['items']['minimum']}"
    return bounds_text(inner.get("minimum"), inner.get("exclusiveMinimum"), inner.get("maximum"), inner.get("exclusiveMaximum"))


def _table(properties: dict) -> list[str]:
    rows = ["| key | type | default | range | description |", "|---|---|---|---|---|"]
    for key, prop in properties.items():
        default = f"`{_yaml_value(prop['default'])}`" if "default" in prop else ""
        description = (prop.get("description") or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type(prop)} | {default} | {_range(prop)} | {description} |")
    return rows + [""]


def _nested(path: str, properties: dict, defs: dict) -> list[str]:
    out = []
    for key, prop in properties.items():
        inner, _ = _inner(prop)
        if "$ref" in inner:
            target = defs[inner["$ref"].rsplit("/", 1)[-1]]
            out += [f"## `{path}.{key}`", "", target.get("description", ""), "", *_table(target["properties"])]
    return out


def _builtin_options(cls: Any) -> list[tuple[str, Any]]:
    """``(names, options model)`` of the built-in components of ``cls.kind`` that declare options."""
    from rlkit.registry import BUILTIN, get_registry

    registry = get_registry(cls.kind)
    found: dict[Any, list[str]] = {}
    for entry in registry.entries():
        if entry.source == BUILTIN and entry.options is not None:
            found.setdefault(registry.options(entry.name), []).append(entry.name)
    return [(", ".join(f"`{n}`" for n in names), model) for model, names in found.items()]


def reference_markdown() -> str:
    """The configuration reference (``docs/configuration.md``): every key, type, default, range, description."""
    from rlkit.train.config.schema import COMPONENT_SECTIONS

    schema = json_schema()
    defs = schema["$defs"]
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by rlkit.train.config.reference_markdown(); do not edit by hand. -->",
        "",
        "`rlkit train [CONFIG.yaml] [--set section.key=value ...]` reads a YAML file with the sections below.",
        "Keys left out take the defaults shown: the built-in components' own defaults (DQN's are TF-Agents'),",
        "and for the loop the TF-Agents DQN tutorial's settings; the embedded `rlkit/configs/tutorial.yaml` is the",
        "whole tutorial (it also sets the tutorial's `td_errors_loss_fn: squared`). Any mistake -- an unknown key,",
        "a wrong type, a value out of range, an unknown plugin name, malformed YAML -- stops `rlkit train` before",
        "any work with a one-line message naming the key, and exit code 2. `--set` values are parsed as YAML",
        "(`--set network.fc_layer_params=[64,64]`).",
        "",
        "The `env`, `network`, `agent` and `replay` sections name a component; the component declares its own",
        "options (the tables below are those of the built-in ones), and a plugin's options are checked against",
        "what it declares (`options=` of `rlkit.register`), or passed through unchecked if it declares none.",
        "",
        "**Editor support.** `rlkit config schema > rlkit-config.schema.json` writes the JSON Schema of this file;",
        "with a YAML language server (VS Code's YAML extension, ...) the first line",
        "",
        f"    {SCHEMA_COMMENT}",
        "",
        "gives completion, descriptions and checks while you type.",
        "",
    ]
    for section, prop in schema["properties"].items():
        out += [f"## `{section}`", "", prop.get("description", ""), "", *_table(prop["properties"])]
        out += _nested(section, prop["properties"], defs)
        if section in COMPONENT_SECTIONS:
            cls = COMPONENT_SECTIONS[section]
            default = cls.model_fields["name"].default
            for names, model in _builtin_options(cls):
                if cls.flat and model is _options_of(cls, default):
                    continue
                where = f"{section}.{'' if cls.flat else 'kwargs.'}"
                options = {k: v for k, v in _clean(model.model_json_schema())["properties"].items() if k not in model.derived}
                if options:
                    out += [f"### `{where}*` of {names}", "", _summary(model.__doc__), "", *_table(options)]
    out += [
        "## Rules across keys",
        "",
        "- `train.batch_size` <= `replay.max_length` x `env.num_envs` (the replay capacity).",
        "- `train.initial_collect_steps` >= (`agent.n_step_update` + 1) x `env.num_envs`.",
        "- A component's `exclusive` options (DQN: `epsilon_greedy`, `epsilon_schedule`, `boltzmann_temperature`):",
        "  at most one is set; a `--set` of one of them clears the others coming from the file.",
        "- Options marked \"derived\" by a component (`seed`, `backend`, `env_steps_per_train_step`) are filled in",
        "  by `rlkit train` from `train.seed`, `train.backend` and the `train` counts, not set in the file.",
        "",
    ]
    return "\n".join(out)

