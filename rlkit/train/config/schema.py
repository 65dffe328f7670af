"""The training config: frozen pydantic models, one per section, validated on construction.

The ``env``, ``network``, ``agent`` and ``replay`` sections name a registered component; its
declared options (``rlkit.options.Options``, found through the registry) validate the rest of the
section, so this module knows no component's options. A component without declared options gets
its keys passed through unchecked.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Optional

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from rlkit.backend import BACKENDS
from rlkit.options import (
    Bool,
    Int,
    NonNegativeInt,
    Options,
    OptionsError,
    PositiveFloat,
    PositiveInt,
    Str,
    bounded,
    choice,
    locate_error,
    unknown_key,
)
from rlkit.train.config.names import plugin_name

__all__ = ["ConfigError", "Config", "EnvConfig", "NetworkConfig", "AgentConfig", "ReplayConfig", "TrainConfig",
           "EvalConfig", "OutputConfig", "CollectConfig", "SECTIONS", "COMPONENT_SECTIONS", "OPTIMIZERS", "BACKENDS", "RUN_VALUES"]

OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
# The run values rlkit train passes to a component that lists them in its options' `derived` (and where they come from).
RUN_VALUES = {"seed": "train.seed", "backend": "train.backend",
              "env_steps_per_train_step": "train.collect_steps_per_iteration, env.num_envs and train.train_steps_per_iteration"}


class ConfigError(OptionsError):
    """An invalid configuration; the message is one line that names the key path and the fix."""


class _Section(Options):
    """A section of the config: its constructor raises :class:`ConfigError`."""

    error: ClassVar[type[OptionsError]] = ConfigError


_MAX_NAME = 100  # characters of output.name; the timestamp suffix and the files inside must still fit NAME_MAX


def _file_name(value: Optional[str]) -> Optional[str]:
    if value is not None and (not value or value in (".", "..") or "/" in value or "\\" in value):
        raise ValueError(f"must be a plain file name without path separators, got {value!r}")
    if value is not None and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"must not contain control characters (NUL, newline, ...), got {value!r}")
    if value is not None and len(value) > _MAX_NAME:
        raise ValueError(f"must be at most {_MAX_NAME} characters, got {len(value)}")
    return value


def split_ray_address(value: str) -> tuple[str, int] | None:
    """``(host, port)`` of a Ray cluster address (``host:port`` or ``ray://host:port``), ``None`` for ``auto``;
    ``ValueError`` for anything else."""
    if value == "auto":
        return None
    host, _, port = value.removeprefix("ray://").rpartition(":")
    if not host or any(c.isspace() for c in host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not a Ray cluster address; pass host:port as `ray start --head` prints it "
                         "(e.g. 10.0.0.5:6379), or auto")
    return host.strip("[]"), int(port)


def ray_address(value: Optional[str]) -> Optional[str]:
    """``value`` if it is ``None`` or a Ray cluster address (:func:`split_ray_address`), else ``ValueError``."""
    if value is not None:
        split_ray_address(value)
    return value


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------


class _Component(_Section):
    """A section naming a registered component; the rest of its keys are the component's options."""

    model_config = ConfigDict(frozen=True, extra="allow", arbitrary_types_allowed=True)
    kind: ClassVar[str]  # registry kind
    section: ClassVar[str]  # key of the section in the config
    flat: ClassVar[bool]  # options are keys of the section (True) or only of `kwargs` (False)
    # Subclasses declare `name` (a plugin name of `kind`) first and `kwargs: dict[str, Any]` last.
    if TYPE_CHECKING:
        name: str
        kwargs: dict[str, Any]

    @model_validator(mode="after")
    def _validate_options(self) -> "_Component":
        extras = dict(self.__pydantic_extra__ or {})
        schema = options_model(self.kind, self.name)
        declared = [] if schema is None else [key for key in schema.model_fields if key not in schema.derived]
        for key in extras:
            if schema is not None and key in schema.derived:
                raise OptionsError("", (key,), _derived_problem(key))
            if not self.flat or (schema is not None and key not in declared):
                valid = list(type(self).model_fields) + (declared if self.flat else [])
                raise OptionsError("", (key,), unknown_key(key, valid, "")[2:])
        both = sorted(set(extras) & set(self.kwargs))
        if both and schema is not None:
            raise OptionsError("", ("kwargs", both[0]), f"is also set as {self.section}.{both[0]}; set it once")
        values = check_options(self.kind, self.name, {**extras, **self.kwargs}, at={key: ("kwargs",) for key in self.kwargs})
        if values is not None:
            object.__setattr__(self, "kwargs", {key: values[key] for key in self.kwargs})
            flat = {key: value for key, value in values.items() if key not in self.kwargs} if self.flat else {}
            object.__setattr__(self, "__pydantic_extra__", flat)
        return self

    def replace(self, **changes: Any) -> Any:
        """A validated copy with ``changes``."""
        return type(self)(**{**dict(self), **changes})

    def options(self) -> dict[str, Any]:
        """The component's keyword arguments from this section: its options and ``kwargs`` (validated if declared)."""
        return {**(self.__pydantic_extra__ or {}), **self.kwargs}


def options_model(kind: str, name: str) -> Any:
    """The options model component ``name`` of ``kind`` declares (``None``: undeclared)."""
    from rlkit.registry import get_registry

    registry = get_registry(kind)
    try:
        return registry.options(name)
    except Exception as err:  # a plugin's options model that fails to import
        raise OptionsError("", ("name",), f"cannot load the options of {registry.kind} {name!r}: {err}") from None


def _derived_problem(key: str) -> str:
    return f"is filled in by rlkit train from {RUN_VALUES.get(key, 'the run')}; remove it"


def check_options(kind: str, name: str, given: dict[str, Any], at: dict[str, tuple] | None = None) -> dict[str, Any] | None:
    """``given`` validated by the options component ``name`` declares: every declared option (defaults filled
    in, ``derived`` left out) or ``None`` if it declares none. ``at[key]``: where ``key`` sits, for messages."""
    schema = options_model(kind, name)
    if schema is None:
        return None
    at = at or {}
    declared = [key for key in schema.model_fields if key not in schema.derived]
    from rlkit.registry import get_registry

    noun = f"key of {get_registry(kind).kind} {name!r}"
    for key in given:
        if key in schema.derived:
            raise OptionsError("", (*at.get(key, ()), key), _derived_problem(key))
        if key not in declared:
            raise OptionsError("", (*at.get(key, ()), key), unknown_key(key, declared, "", noun)[2:])
    try:
        options = schema.model_validate(given)
    except ValidationError as err:
        loc, problem = locate_error(err, schema, hidden=schema.derived)
        raise OptionsError("", (*at.get(loc[0], ()), *loc) if loc else (), problem) from None
    return {key: value for key, value in options if key in declared}


class EnvConfig(_Component):
    """The training env.

    Attributes:
      name: env to train on: a registered name (`CartPole-v0`, `CartPole-v1`, plugins), `gymnasium:<id>` for any gymnasium env, or `pkg.module:Attr` for a class or factory.
      num_envs: envs stepped together in one batched env while collecting.
      seed: env seed; null derives it from `train.seed`.
      kwargs: keyword arguments for the env constructor (checked against the env's declared options).
    """

    kind: ClassVar[str] = "envs"
    section: ClassVar[str] = "env"
    flat: ClassVar[bool] = False

    name: plugin_name("envs") = "CartPole-v0"
    num_envs: PositiveInt = 1
    seed: Optional[NonNegativeInt] = None
    kwargs: dict[str, Any] = {}


class NetworkConfig(_Component):
    """The Q-network: `name`, then the network's options (those of `q_network` below), then `kwargs`.

    Attributes:
      name: network: a registered name or `pkg.module:Attr`.
      kwargs: further keyword arguments for the network constructor.
    """

    kind: ClassVar[str] = "networks"
    section: ClassVar[str] = "network"
    flat: ClassVar[bool] = True

    name: plugin_name("networks") = "q_network"
    kwargs: dict[str, Any] = {}


class AgentConfig(_Component):
    """The agent: `name`, its optimizer, then the agent's options (those of `dqn` below), then `kwargs`.

    Attributes:
      name: agent: a registered name or `pkg.module:Attr`.
      optimizer: optimizer of the Q-network.
      learning_rate: optimizer step size.
      kwargs: further keyword arguments for the agent constructor.
    """

    kind: ClassVar[str] = "agents"
    section: ClassVar[str] = "agent"
    flat: ClassVar[bool] = True

    name: plugin_name("agents") = "dqn"
    optimizer: choice(*OPTIMIZERS) = "adam"
    learning_rate: PositiveFloat = 1e-3
    kwargs: dict[str, Any] = {}


class ReplayConfig(_Component):
    """The replay buffer.

    Attributes:
      name: replay buffer: `uniform`, `prioritized`, another registered name or `pkg.module:Attr`.
      max_length: rows kept per env (capacity = max_length x env.num_envs), as in TF-Agents.
      kwargs: further keyword arguments (checked against the buffer's declared options), e.g. `alpha` and `beta` of `prioritized`.
    """

    kind: ClassVar[str] = "replay_buffers"
    section: ClassVar[str] = "replay"
    flat: ClassVar[bool] = False

    name: plugin_name("replay_buffers") = "uniform"
    max_length: PositiveInt = 100_000
    kwargs: dict[str, Any] = {}


class TrainConfig(_Section):
    """The training loop (counts are iterations unless the name says otherwise).

    Attributes:
      num_iterations: training iterations (each collects, then trains).
      initial_collect_steps: env steps collected with the random policy before training; at least (agent.n_step_update + 1) x env.num_envs so that the first batch can be sampled.
      collect_steps_per_iteration: env steps collected per iteration (summed over env.num_envs; rounded up to a multiple of it).
      batch_size: experience windows per gradient step; at most the replay capacity.
      train_steps_per_iteration: gradient steps per iteration.
      chunk_size: iterations fused into one compiled call (K); 1 reproduces per-step semantics.
      log_interval: iterations between log lines.
      checkpoint_interval: iterations between checkpoints (one is also written at the end).
      seed: seed of everything random in the run.
      backend: kernel backend; null picks the default (`RLKIT_BACKEND`, else cython -> numba -> numpy).
    """

    num_iterations: PositiveInt = 20_000
    initial_collect_steps: NonNegativeInt = 100
    collect_steps_per_iteration: PositiveInt = 1
    batch_size: PositiveInt = 64
    train_steps_per_iteration: PositiveInt = 1
    chunk_size: PositiveInt = 100
    log_interval: PositiveInt = 200
    checkpoint_interval: PositiveInt = 10_000
    seed: NonNegativeInt = 0
    backend: Optional[choice(*BACKENDS)] = None


class EvalConfig(_Section):
    """Evaluation of the greedy policy on a separate env.

    Attributes:
      interval: iterations between evaluations (as in the tutorial, one also runs before training).
      num_episodes: episodes per evaluation; the average return is reported.
      env: eval env name; null uses `env.name`.
      env_kwargs: eval env keyword arguments; null uses `env.kwargs`.
    """

    interval: PositiveInt = 1000
    num_episodes: PositiveInt = 10
    env: Optional[plugin_name("envs")] = None
    env_kwargs: Optional[dict[str, Any]] = None


class CollectConfig(_Section):
    """Where experience is collected: in the training process, or by collector actors on Ray (docs/scaling.md).

    Attributes:
      engine: `local` (a driver in the training process) or `ray` (collector actors holding the env and the NumPy acting policy, no TensorFlow; needs `pip install "rlkit[ray]"`).
      num_workers: collector actors with `engine: ray` (one CPU each); each steps `env.num_envs` envs, so the replay buffer and an iteration's steps span num_workers x env.num_envs envs.
      mode: `sync`: each chunk's blocks are gathered in collector order, seed-reproducible, and one worker repeats `engine: local` bit for bit; `async`: collectors never stop and the learner takes blocks from whichever collectors deliver first (`ray.wait`), so a slow collector delays nobody; the replay buffer then has env.num_envs columns (replay.max_length x num_workers rows each) and a seam row after every block; not bit-reproducible; the policy lag goes to summary.json.
      address: Ray cluster address (`host:port` as `ray start --head` prints it, `ray://host:port`, or `auto`); null starts a local Ray on this machine.
    """

    engine: choice("local", "ray") = "local"
    num_workers: PositiveInt = 1
    mode: choice("sync", "async") = "sync"
    address: Annotated[Optional[Str], AfterValidator(ray_address)] = None

    @model_validator(mode="after")
    def _ray_keys_need_ray(self) -> "CollectConfig":
        if self.engine == "local":  # a key that would be silently ignored is an error
            chosen = {"num_workers": self.num_workers != 1, "mode": self.mode != "sync", "address": self.address is not None}
            for key in (key for key, set_ in chosen.items() if set_):
                raise OptionsError("", (key,), f"{dict(self)[key]!r} has no effect with collect.engine: local; "
                                   "set collect.engine: ray to use it, or remove it")
        return self


class OutputConfig(_Section):
    """What a run writes, and where.

    Attributes:
      dir: parent directory of run directories.
      name: run directory name prefix (`<dir>/<name>-<timestamp>/`); null uses the env name.
      video: record `trained.mp4` and `random.mp4`.
      video_episodes: episodes in each video.
      video_fps: frames per second of the videos.
      tensorboard: write TensorBoard event files.
      keep_checkpoints: newest checkpoints kept on disk.
      report: write `report.html` at the end (summary, config, plot, videos, evaluations; `rlkit report`).
    """

    dir: Str = "runs"
    name: Annotated[Optional[Str], AfterValidator(_file_name), Field(json_schema_extra={"pattern": r"^[^/\\]+$"})] = None
    video: Bool = True
    video_episodes: PositiveInt = 5
    video_fps: bounded(Int, ge=1, le=240) = 30
    tensorboard: Bool = True
    keep_checkpoints: PositiveInt = 3
    report: Bool = True


class Config(_Section):
    """A whole training run.

    Attributes:
      env: the training env.
      network: the Q-network.
      agent: the agent and its exploration.
      replay: the replay buffer.
      train: the training loop.
      eval: evaluation.
      output: the run directory and what goes in it.
      collect: where experience is collected (this process or Ray).
    """

    env: EnvConfig = Field(default_factory=EnvConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    replay: ReplayConfig = Field(default_factory=ReplayConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    collect: CollectConfig = Field(default_factory=CollectConfig)

    @field_validator("env", "network", "agent", "replay", "train", "eval", "output", "collect", mode="before")
    @classmethod
    def _section_is_a_mapping(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, (dict, Options)):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise ValueError(f"expected a mapping of keys, got {type(value).__name__} {shown}")
        return value

    @model_validator(mode="after")
    def _rules_across_sections(self) -> "Config":
        """Rules that relate keys of different sections."""
        if self.eval.env_kwargs is not None:
            name, where = self.eval.env or self.env.name, {key: ("eval", "env_kwargs") for key in self.eval.env_kwargs}
            values = check_options("envs", name, self.eval.env_kwargs, at=where)
            if values is not None:
                object.__setattr__(self.eval, "env_kwargs", {key: values[key] for key in self.eval.env_kwargs})
        capacity = self.replay.max_length * self.env.num_envs
        if self.train.batch_size > capacity:
            raise OptionsError("", ("train", "batch_size"), f"{self.train.batch_size} exceeds the replay capacity "
                               f"{capacity} (replay.max_length x env.num_envs); lower it or raise replay.max_length")
        n_step = self.agent.options().get("n_step_update", 1)
        needed = (n_step + 1) * self.env.num_envs if isinstance(n_step, int) else 0
        if self.train.initial_collect_steps < needed:
            raise OptionsError("", ("train", "initial_collect_steps"), f"{self.train.initial_collect_steps} is too few to "
                               f"sample the first batch; need at least (agent.n_step_update + 1) x env.num_envs = {needed}")
        return self

    def replace(self, **changes: Any) -> "Config":
        """A validated copy with whole sections replaced: ``config.replace(output=config.output.replace(video=False))``."""
        return type(self)(**{**dict(self), **changes})


SECTIONS: dict[str, type[Options]] = {name: info.annotation for name, info in Config.model_fields.items()}  # type: ignore[misc]
COMPONENT_SECTIONS: dict[str, type[_Component]] = {name: cls for name, cls in SECTIONS.items() if issubclass(cls, _Component)}
