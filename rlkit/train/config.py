"""Training configuration: YAML -> validated, typed, frozen dataclasses.

    config = load_config("my.yaml", overrides=["train.num_iterations=5000"])
    config.agent.learning_rate          # 0.001
    dump_config(config, run_dir / "config.yaml")

``load_config(None)`` loads the embedded default, ``rlkit/configs/tutorial.yaml``: the TF-Agents
DQN tutorial on CartPole-v0. Keys a file leaves out take the defaults below, which are the same
tutorial values. Everything is checked before any work starts -- unknown keys (with a
did-you-mean), types, ranges, cross-field rules, plugin names (listing the available ones) and
malformed YAML (with line and column) -- and every problem raises one :class:`ConfigError` whose
message is a single line naming the key path, e.g. ``agent.gama: unknown key; did you mean 'gamma'?``.

YAML is parsed safely: ``yaml.SafeLoader`` (what ``yaml.safe_load`` uses) plus two additions --
``1e-3`` reads as a float (plain PyYAML reads it as a string) and a key repeated within one
mapping is an error instead of silently keeping the last value. No tag can construct Python
objects; the only code a config can load is an explicitly named ``"pkg.module:Attr"`` plugin.

The reference of every key (type, default, range, description) is :func:`reference_markdown`,
committed as ``docs/configuration.md``.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Hashable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Union

import yaml

__all__ = [
    "ConfigError",
    "Config",
    "EnvConfig",
    "NetworkConfig",
    "EpsilonSchedule",
    "AgentConfig",
    "ReplayConfig",
    "TrainConfig",
    "EvalConfig",
    "OutputConfig",
    "load_config",
    "config_from_dict",
    "config_to_dict",
    "dump_config",
    "apply_overrides",
    "parse_yaml",
    "reference_markdown",
    "DEFAULT_CONFIG",
]

DEFAULT_CONFIG = "tutorial.yaml"
ACTIVATIONS = ("relu", "tanh", "elu", "gelu", "selu", "sigmoid", "silu", "swish", "softplus", "softsign",
               "leaky_relu", "relu6", "mish", "linear")
OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
LOSSES = ("squared", "huber")
BACKENDS = ("cython", "numba", "numpy")
_PLUGIN_NOUNS = {"envs": "env", "networks": "network", "agents": "agent", "replay_buffers": "replay buffer"}  # rlkit.backend.BACKENDS (not imported: keeps this module light)


class ConfigError(ValueError):
    """An invalid configuration; the message is one line that names the key path and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# ----------------------------------------------------------------------------------------------
# Field declarations
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """What a field's value must satisfy beyond its type."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] | None = None
    plugin: str | None = None  # registry kind: the value is a registered name of this kind
    item_ge: int | None = None  # for lists: every item >= this
    path_component: bool = False  # a single file-name component (no separators)

    def describe(self) -> str:
        """The range column of the reference."""
        if self.choices:
            return "one of " + ", ".join(f"`{c}`" for c in self.choices)
        if self.plugin:
            return f"a registered {_PLUGIN_NOUNS[self.plugin]} name (`rlkit list {self.plugin}`)"
        if self.item_ge is not None:
            return f"each item >= {self.item_ge}"
        if self.path_component:
            return "a file name (no path separators)"
        low = f"[{_num(self.ge)}" if self.ge is not None else f"({_num(self.gt)}" if self.gt is not None else None
        high = f"{_num(self.le)}]" if self.le is not None else f"{_num(self.lt)})" if self.lt is not None else None
        if low and high:
            return f"{low}, {high}"
        if low:
            return (">= " if self.ge is not None else "> ") + low[1:]
        if high:
            return ("<= " if self.le is not None else "< ") + high[:-1]
        return ""


def _num(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _opt(default: Any = None, **rule: Any) -> Any:
    """A dataclass field with a default and a :class:`_Rule` (mutable defaults are copied per instance)."""
    meta = {"rule": _Rule(**rule)}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


# ----------------------------------------------------------------------------------------------
# The schema
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvConfig:
    """The training env.

    Attributes:
      name: env to train on: a registered name (`CartPole-v0`, `CartPole-v1`, plugins),
        `gymnasium:<id>` for any gymnasium env, or `pkg.module:Attr` for a class or factory.
      kwargs: keyword arguments for the env constructor.
      num_envs: envs stepped together in one batched env while collecting.
      seed: env seed; null derives it from `train.seed`.
    """

    name: str = _opt("CartPole-v0", plugin="envs")
    kwargs: dict[str, Any] = _opt({})
    num_envs: int = _opt(1, ge=1)
    seed: int | None = _opt(None, ge=0)


@dataclass(frozen=True)
class NetworkConfig:
    """The Q-network.

    Attributes:
      name: network: a registered name or `pkg.module:Attr`.
      fc_layer_params: units of each hidden fully connected layer, input to output.
      activation: Keras activation of the hidden layers.
      dueling: split the head into state value and action advantages (dueling DQN).
      kwargs: further keyword arguments for the network constructor.
    """

    name: str = _opt("q_network", plugin="networks")
    fc_layer_params: tuple[int, ...] = _opt((100,), item_ge=1)
    activation: str = _opt("relu", choices=ACTIVATIONS)
    dueling: bool = _opt(False)
    kwargs: dict[str, Any] = _opt({})


@dataclass(frozen=True)
class EpsilonSchedule:
    """Linear exploration schedule: epsilon goes from `start` to `end` over `decay_env_steps`, then stays.

    Attributes:
      start: epsilon at env step 0.
      end: epsilon from `decay_env_steps` env steps on.
      decay_env_steps: env steps (summed over `env.num_envs`) the decay takes.
    """

    start: float = _opt(1.0, ge=0.0, le=1.0)
    end: float = _opt(0.05, ge=0.0, le=1.0)
    decay_env_steps: int = _opt(10_000, ge=1)


EXPLORATION_KEYS = ("epsilon_greedy", "epsilon_schedule", "boltzmann_temperature")


@dataclass(frozen=True)
class AgentConfig:
    """The agent (TF-Agents `DqnAgent` option names). Exploration: set exactly one of `epsilon_greedy`,
    `epsilon_schedule`, `boltzmann_temperature`; setting the schedule or the temperature alone turns
    the default `epsilon_greedy` off.

    Attributes:
      name: agent: a registered name or `pkg.module:Attr`.
      optimizer: optimizer of the Q-network.
      learning_rate: optimizer step size.
      epsilon_greedy: constant probability of a random action in the collect policy.
      epsilon_schedule: linearly decaying epsilon instead (mapping with `start`, `end`, `decay_env_steps`).
      boltzmann_temperature: sample collect actions from softmax(Q / temperature) instead.
      n_step_update: steps of reward in each TD target (experience windows of n_step_update + 1 rows).
      target_update_tau: soft target update factor (1.0 copies the weights).
      target_update_period: gradient (train) steps between target updates.
      td_errors_loss_fn: element-wise TD loss: `squared` (the tutorial) or `huber` (TF-Agents' default).
      gamma: discount factor of future rewards.
      reward_scale_factor: multiplier applied to rewards in the TD target.
      gradient_clipping: clip gradients to this global norm; null for no clipping.
      double_dqn: pick the next action with the online network, value it with the target (double DQN).
      kwargs: further keyword arguments for the agent constructor.
    """

    name: str = _opt("dqn", plugin="agents")
    optimizer: str = _opt("adam", choices=OPTIMIZERS)
    learning_rate: float = _opt(1e-3, gt=0.0)
    epsilon_greedy: float | None = _opt(0.1, ge=0.0, le=1.0)
    epsilon_schedule: EpsilonSchedule | None = _opt(None)
    boltzmann_temperature: float | None = _opt(None, gt=0.0)
    n_step_update: int = _opt(1, ge=1)
    target_update_tau: float = _opt(1.0, gt=0.0, le=1.0)
    target_update_period: int = _opt(1, ge=1)
    td_errors_loss_fn: str = _opt("squared", choices=LOSSES)
    gamma: float = _opt(1.0, ge=0.0, le=1.0)
    reward_scale_factor: float = _opt(1.0)
    gradient_clipping: float | None = _opt(None, gt=0.0)
    double_dqn: bool = _opt(False)
    kwargs: dict[str, Any] = _opt({})


@dataclass(frozen=True)
class ReplayConfig:
    """The replay buffer.

    Attributes:
      name: replay buffer: `uniform`, `prioritized`, another registered name or `pkg.module:Attr`.
      max_length: rows kept per env (capacity = max_length x env.num_envs), as in TF-Agents.
      kwargs: further keyword arguments, e.g. `alpha` and `beta` (each in [0, 1]) for `prioritized`.
    """

    name: str = _opt("uniform", plugin="replay_buffers")
    max_length: int = _opt(100_000, ge=1)
    kwargs: dict[str, Any] = _opt({})


@dataclass(frozen=True)
class TrainConfig:
    """The training loop (counts are iterations unless the name says otherwise).

    Attributes:
      num_iterations: training iterations (each collects, then trains).
      initial_collect_steps: env steps collected with the random policy before training;
        at least (agent.n_step_update + 1) x env.num_envs so that the first batch can be sampled.
      collect_steps_per_iteration: env steps collected per iteration (summed over env.num_envs).
      batch_size: experience windows per gradient step; at most the replay capacity.
      train_steps_per_iteration: gradient steps per iteration.
      chunk_size: iterations fused into one compiled call (K); 1 reproduces per-step semantics.
      log_interval: iterations between log lines.
      checkpoint_interval: iterations between checkpoints (one is also written at the end).
      seed: seed of everything random in the run.
      backend: kernel backend; null picks the default (`RLKIT_BACKEND`, else cython -> numba -> numpy).
    """

    num_iterations: int = _opt(20_000, ge=1)
    initial_collect_steps: int = _opt(100, ge=0)
    collect_steps_per_iteration: int = _opt(1, ge=1)
    batch_size: int = _opt(64, ge=1)
    train_steps_per_iteration: int = _opt(1, ge=1)
    chunk_size: int = _opt(100, ge=1)
    log_interval: int = _opt(200, ge=1)
    checkpoint_interval: int = _opt(10_000, ge=1)
    seed: int = _opt(0, ge=0)
    backend: str | None = _opt(None, choices=BACKENDS)


@dataclass(frozen=True)
class EvalConfig:
    """Evaluation of the greedy policy on a separate env.

    Attributes:
      interval: iterations between evaluations (as in the tutorial, one also runs before training).
      num_episodes: episodes per evaluation; the average return is reported.
      env: eval env name; null uses `env.name`.
      env_kwargs: eval env keyword arguments; null uses `env.kwargs`.
    """

    interval: int = _opt(1000, ge=1)
    num_episodes: int = _opt(10, ge=1)
    env: str | None = _opt(None, plugin="envs")
    env_kwargs: dict[str, Any] | None = _opt(None)


@dataclass(frozen=True)
class OutputConfig:
    """What a run writes, and where.

    Attributes:
      dir: parent directory of run directories.
      name: run directory name prefix (`<dir>/<name>-<timestamp>/`); null uses the env name.
      video: record `trained.mp4` and `random.mp4`.
      video_episodes: episodes in each video.
      video_fps: frames per second of the videos.
      tensorboard: write TensorBoard event files.
      keep_checkpoints: newest checkpoints kept on disk.
    """

    dir: str = _opt("runs")
    name: str | None = _opt(None, path_component=True)
    video: bool = _opt(True)
    video_episodes: int = _opt(5, ge=1)
    video_fps: int = _opt(30, ge=1, le=240)
    tensorboard: bool = _opt(True)
    keep_checkpoints: int = _opt(3, ge=1)


@dataclass(frozen=True)
class Config:
    """A whole training run.

    Attributes:
      env: the training env.
      network: the Q-network.
      agent: the agent and its exploration.
      replay: the replay buffer.
      train: the training loop.
      eval: evaluation.
      output: the run directory and what goes in it.
    """

    env: EnvConfig = field(default_factory=EnvConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    replay: ReplayConfig = field(default_factory=ReplayConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config)}  # type: ignore[misc]


# ----------------------------------------------------------------------------------------------
# YAML
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# Building and validating
# ----------------------------------------------------------------------------------------------


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        names = [_type_name(arg) for arg in typing.get_args(tp) if arg is not type(None)]
        return " or ".join(names) + " or null"
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict or tp is dict:
        return "mapping"
    if dataclasses.is_dataclass(tp):
        return "mapping"
    return {int: "int", float: "float", bool: "bool", str: "str"}.get(tp, getattr(tp, "__name__", str(tp)))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _convert(value: Any, tp: Any, path: str) -> Any:
    """``value`` (from YAML) as type ``tp``, or a ``ConfigError`` naming ``path`` and the expected type."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        try:
            return _convert(value, inner, path)
        except ConfigError as err:
            if str(err).startswith(f"{path}: expected "):
                raise ConfigError(f"{path}: expected {_type_name(tp)}, got {type(value).__name__} {_show(value)}") from None
            raise
    expected = f"{path}: expected {_type_name(tp)}, got {type(value).__name__} {_show(value)}"
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(expected)
        return value
    if tp is int:
        if isinstance(value, float) and value.is_integer() and not isinstance(value, bool):
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(expected)
        return value
    if tp is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(expected)
        if not math.isfinite(value):
            raise ConfigError(f"{path}: expected a finite float, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(expected)
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(expected)
        item_type = typing.get_args(tp)[0]
        return tuple(_convert(item, item_type, f"{path}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(expected)
        for key in value:
            if not isinstance(key, str):
                raise ConfigError(f"{path}: keys must be strings, got {type(key).__name__} {key!r}")
        return dict(value)
    raise TypeError(f"unsupported config field type {tp!r} at {path}")  # a schema bug, not user input


def _check_rule(value: Any, rule: _Rule, path: str) -> None:
    if value is None:
        return
    if rule.choices is not None and value not in rule.choices:
        close = difflib.get_close_matches(str(value), rule.choices, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{path}: {value!r} is not allowed; {hint}choose one of {', '.join(rule.choices)}")
    in_range = (
        (rule.ge is None or value >= rule.ge)
        and (rule.gt is None or value > rule.gt)
        and (rule.le is None or value <= rule.le)
        and (rule.lt is None or value < rule.lt)
    )
    if not in_range:
        bounds = rule.describe()
        raise ConfigError(f"{path}: must be {'in ' if bounds[0] in '[(' else ''}{bounds}, got {value!r}")
    if rule.item_ge is not None:
        for i, item in enumerate(value):
            if item < rule.item_ge:
                raise ConfigError(f"{path}[{i}]: must be >= {rule.item_ge}, got {item!r}")
    if rule.path_component and (not value or value in (".", "..") or "/" in value or "\\" in value):
        raise ConfigError(f"{path}: must be a plain file name without path separators, got {value!r}")
    if rule.plugin is not None:
        _check_plugin(rule.plugin, value, path)


def _check_plugin(kind: str, name: str, path: str) -> None:
    """``name`` must resolve in the ``kind`` registry; registered names are not imported here."""
    from rlkit.registry import RegistryError, get_registry

    registry = get_registry(kind)
    if name in registry:
        return
    prefix, sep, rest = name.partition(":")
    if sep:
        try:
            registry.resolve(name)  # prefix names resolve lazily; "pkg.module:Attr" is imported now
        except RegistryError as err:
            raise ConfigError(f"{path}: {err}") from None
        except Exception as err:  # the plugin module itself failed to import
            raise ConfigError(f"{path}: cannot load {registry.kind} {name!r}: {type(err).__name__}: {err}") from None
        if prefix == "gymnasium" and ":" not in rest:
            _check_gymnasium_id(rest, path)
        return
    available = registry.names()
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    extra = " or 'gymnasium:<id>'" if kind == "envs" else ""
    raise ConfigError(
        f"{path}: unknown {registry.kind} {name!r}; {hint}available: {', '.join(available) or '(none)'} "
        f"(or 'pkg.module:Attr'{extra})"
    )


def _check_gymnasium_id(env_id: str, path: str) -> None:
    from gymnasium.envs.registration import registry as gym_registry

    if env_id in gym_registry:
        return
    close = difflib.get_close_matches(env_id, list(gym_registry), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ConfigError(f"{path}: gymnasium has no env {env_id!r}{hint}")


def _unknown_key(key: Any, valid: Iterable[str], path: str, what: str = "key") -> ConfigError:
    valid = list(valid)
    where = f"{path}.{key}" if path else str(key)
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return ConfigError(f"{where}: unknown {what}; did you mean {close[0]!r}?")
    return ConfigError(f"{where}: unknown {what}; valid {what}s: {', '.join(valid)}")


def _build(cls: type, raw: Any, path: str) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys, got {type(raw).__name__} {_show(raw)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            raise _unknown_key(key, fields, path)
    values = {}
    for name, spec in fields.items():
        if name in raw:
            sub = f"{path}.{name}"
            value = _convert(raw[name], hints[name], sub)
            _check_rule(value, spec.metadata.get("rule", _Rule()), sub)
            values[name] = value
    if cls is AgentConfig:
        values = _resolve_exploration(raw, values, path)
    return cls(**values)


def _resolve_exploration(raw: Mapping[str, Any], values: dict, path: str) -> dict:
    chosen = [key for key in EXPLORATION_KEYS if raw.get(key) is not None]
    if len(chosen) > 1:
        raise ConfigError(
            f"{path}: {' and '.join(chosen)} are mutually exclusive; set only one of "
            f"{', '.join(EXPLORATION_KEYS)} (set the others to null)"
        )
    if not chosen and "epsilon_greedy" in raw:
        raise ConfigError(f"{path}: no exploration: set one of {', '.join(EXPLORATION_KEYS)} (epsilon_greedy: 0.0 for none)")
    if chosen and chosen[0] != "epsilon_greedy":
        values["epsilon_greedy"] = None
    return values


def _check_config(config: Config) -> None:
    """Rules that relate keys of different sections."""
    from rlkit.kernels.qmirror import ACTIVATIONS as MIRROR_ACTIVATIONS

    if config.network.name == "q_network" and config.network.activation not in MIRROR_ACTIVATIONS:
        raise ConfigError(
            f"network.activation: {config.network.activation!r} is not supported by q_network's acting mirror; "
            f"choose one of {', '.join(MIRROR_ACTIVATIONS)}"
        )
    capacity = config.replay.max_length * config.env.num_envs
    if config.train.batch_size > capacity:
        raise ConfigError(
            f"train.batch_size: {config.train.batch_size} exceeds the replay capacity {capacity} "
            "(replay.max_length x env.num_envs); lower it or raise replay.max_length"
        )
    needed = (config.agent.n_step_update + 1) * config.env.num_envs
    if config.train.initial_collect_steps < needed:
        raise ConfigError(
            f"train.initial_collect_steps: {config.train.initial_collect_steps} is too few to sample the first batch; "
            f"need at least (agent.n_step_update + 1) x env.num_envs = {needed}"
        )
    kwargs = config.replay.kwargs
    if config.replay.name == "prioritized":
        for key in ("alpha", "beta"):
            if key in kwargs:
                value = _convert(kwargs[key], float, f"replay.kwargs.{key}")
                _check_rule(value, _Rule(ge=0.0, le=1.0), f"replay.kwargs.{key}")
    elif config.replay.name == "uniform":
        for key in ("alpha", "beta"):
            if key in kwargs:
                raise ConfigError(f"replay.kwargs.{key}: only the 'prioritized' replay buffer takes {key}; "
                                  "set replay.name: prioritized or remove it")


def config_from_dict(data: Any, source: str = "config") -> Config:
    """Validate a plain nested dict (as parsed from YAML) into a :class:`Config`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections "
                          f"({', '.join(SECTIONS)}), got {type(data).__name__}")
    for key in data:
        if key not in SECTIONS:
            raise _unknown_key(key, SECTIONS, "", what="section")
    config = Config(**{name: _build(cls, data.get(name), name) for name, cls in SECTIONS.items()})
    _check_config(config)
    return config


# ----------------------------------------------------------------------------------------------
# Overrides, loading, dumping
# ----------------------------------------------------------------------------------------------


def apply_overrides(config_dict: Mapping[str, Any] | None, overrides: Iterable[str]) -> dict:
    """A copy of ``config_dict`` with each ``"section.key=value"`` applied (value parsed as YAML).

    ``"network.fc_layer_params=[64,64]"``, ``"agent.epsilon_schedule.end=0.02"`` (creates the
    mapping), ``"eval.env=null"``. Key paths are checked later, with the rest of the config.
    """
    import copy

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
        raise ConfigError(f"{source}: the top level must be a mapping of sections "
                          f"({', '.join(SECTIONS)}), got {type(data).__name__}")
    overrides = list(overrides)
    data = _clear_replaced_exploration(data, overrides)
    return config_from_dict(apply_overrides(data, overrides), source)


def _clear_replaced_exploration(data: dict | None, overrides: list[str]) -> dict | None:
    """An override choosing an exploration key (e.g. ``agent.boltzmann_temperature=1``) clears the
    others that came from the file, so that ``--set`` can switch exploration in one go."""
    chosen = {o.partition("=")[0].strip().split(".")[1] for o in overrides
              if o.strip().startswith("agent.") and o.partition("=")[0].strip().count(".") >= 1}
    chosen &= set(EXPLORATION_KEYS)
    agent = (data or {}).get("agent")
    if not chosen or not isinstance(agent, dict):
        return data
    cleared = {key: None for key in EXPLORATION_KEYS if key not in chosen and key in agent}
    return {**data, "agent": {**agent, **cleared}}


def config_to_dict(config: Any) -> Any:
    """A plain nested dict (lists, not tuples) of ``config``, in field order; YAML- and JSON-ready."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        return {f.name: config_to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
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


# ----------------------------------------------------------------------------------------------
# Reference
# ----------------------------------------------------------------------------------------------


def attribute_docs(cls: type) -> dict[str, str]:
    """The ``Attributes:`` section of ``cls``'s docstring as ``{name: one-line description}``."""
    lines = (cls.__doc__ or "").splitlines()
    docs: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
    except StopIteration:
        return docs
    indent = None
    current = None
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        this_indent = len(line) - len(line.lstrip())
        if indent is None:
            indent = this_indent
        if this_indent == indent:
            name, _, text = line.strip().partition(":")
            current = name.strip()
            docs[current] = text.strip()
        elif this_indent > indent and current is not None:
            docs[current] += " " + line.strip()
        else:
            break
    return docs


def _yaml_value(value: Any) -> str:
    return yaml.safe_dump(config_to_dict(value), default_flow_style=True, width=1000).strip().removesuffix("\n...")


def _summary(cls: type) -> str:
    doc = (cls.__doc__ or "").split("Attributes:")[0]
    return " ".join(doc.split())


def reference_markdown() -> str:
    """The configuration reference (``docs/configuration.md``): every key, type, default, range, description."""
    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by rlkit.train.config.reference_markdown(); do not edit by hand. -->",
        "",
        "`rlkit train [CONFIG.yaml] [--set section.key=value ...]` reads a YAML file with the sections below.",
        "Keys left out take the defaults shown, which are the TF-Agents DQN tutorial's settings "
        "(the embedded `rlkit/configs/tutorial.yaml`). Any mistake -- an unknown key, a wrong type, a value",
        "out of range, an unknown plugin name, malformed YAML -- stops `rlkit train` before any work with a",
        "one-line message naming the key, and exit code 2. `--set` values are parsed as YAML "
        "(`--set network.fc_layer_params=[64,64]`).",
        "",
    ]
    nested = {EpsilonSchedule: "agent.epsilon_schedule"}
    for section, cls in [*SECTIONS.items(), *((path, cls) for cls, path in nested.items())]:
        docs = attribute_docs(cls)
        hints = typing.get_type_hints(cls)
        out += [f"## `{section}`", "", _summary(cls), "", "| key | type | default | range | description |",
                "|---|---|---|---|---|"]
        defaults = cls()
        for f in dataclasses.fields(cls):
            rule = f.metadata.get("rule", _Rule())
            default = _yaml_value(getattr(defaults, f.name))
            description = docs.get(f.name, "").replace("|", "\\|")
            out.append(f"| `{f.name}` | {_type_name(hints[f.name])} | `{default}` | {rule.describe()} | {description} |")
        out.append("")
    out += [
        "## Rules across keys",
        "",
        "- `train.batch_size` <= `replay.max_length` x `env.num_envs` (the replay capacity).",
        "- `train.initial_collect_steps` >= (`agent.n_step_update` + 1) x `env.num_envs`.",
        "- Exactly one of `agent.epsilon_greedy`, `agent.epsilon_schedule`, `agent.boltzmann_temperature`;",
        "  a `--set` of one of them clears the others coming from the file.",
        "- `replay.kwargs.alpha` / `beta` only with `replay.name: prioritized`, each in [0, 1].",
        "",
    ]
    return "\n".join(out)
