"""Training configuration: YAML -> validated, typed, frozen pydantic models.

    config = load_config("my.yaml", overrides=["train.num_iterations=5000"])
    config.agent.learning_rate          # 0.001
    dump_config(config, run_dir / "config.yaml")

``load_config(None)`` loads the embedded default, ``rlkit/configs/tutorial.yaml``: the TF-Agents
DQN tutorial on CartPole-v0. Everything is checked before any work starts -- unknown keys (with a
did-you-mean), types, ranges, cross-field rules, plugin names (listing the available ones) and
malformed YAML (with line and column) -- and every problem raises one :class:`ConfigError` whose
message is a single line naming the key path, e.g. ``agent.gama: unknown key; did you mean 'gamma'?``.

Modules: :mod:`~rlkit.train.config.schema` (the sections; components validate their own options),
:mod:`~rlkit.train.config.loading` (YAML, ``--set`` overrides, dumping) and
:mod:`~rlkit.train.config.reference` (the JSON Schema and ``docs/configuration.md``).
"""
from rlkit.agents.dqn.config import EpsilonSchedule
from rlkit.train.config.loading import (
    DEFAULT_CONFIG,
    apply_overrides,
    config_from_dict,
    config_to_dict,
    dump_config,
    load_config,
    parse_yaml,
)
from rlkit.train.config.reference import json_schema, reference_markdown
from rlkit.train.config.schema import (
    SECTIONS,
    AgentConfig,
    Config,
    ConfigError,
    EnvConfig,
    EvalConfig,
    NetworkConfig,
    OutputConfig,
    ReplayConfig,
    TrainConfig,
)

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
    "SECTIONS",
    "load_config",
    "config_from_dict",
    "config_to_dict",
    "dump_config",
    "apply_overrides",
    "parse_yaml",
    "reference_markdown",
    "json_schema",
    "DEFAULT_CONFIG",
]
