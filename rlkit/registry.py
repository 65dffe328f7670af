"""Named registries of envs, agents, policies, replay buffers and networks, extended by plugins.

A name resolves, in order, to: an entry registered in this process (an object or a lazy
``"pkg.module:Attr"`` string, imported on first use); a prefix handler (``"gymnasium:Acrobot-v1"``);
an entry point of the kind's group (``rlkit.envs``, ``rlkit.agents``, ...) in an installed
distribution; or, for a name with a colon, ``"pkg.module:Attr"`` imported directly.

    from rlkit import registry
    registry.register("envs", "MyEnv-v0", "my_pkg.envs:MyEnv", max_episode_steps=200)
    env = registry.make("envs", "MyEnv-v0", num_envs=4)

A plugin that fails to import is reported with a warning naming it; nothing else is affected.
"""
from __future__ import annotations

import difflib
import importlib
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

__all__ = [
    "Entry",
    "Registry",
    "RegistryError",
    "PluginWarning",
    "KINDS",
    "get_registry",
    "register",
    "resolve",
    "make",
    "import_string",
]

BUILTIN = "rlkit (built-in)"


class RegistryError(LookupError, ValueError):
    """An unknown or unloadable name; the message lists what is available."""


class PluginWarning(RuntimeWarning):
    """A plugin (entry point or lazy string) failed to load."""


def import_string(target: str) -> Any:
    """Import ``"pkg.module:Attr"`` (``Attr`` may be dotted) and return the attribute."""
    module_name, sep, attr_path = target.partition(":")
    if not sep or not module_name or not attr_path:
        raise RegistryError(f"{target!r} is not of the form 'pkg.module:Attr'")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise RegistryError(f"module {module_name!r} has no attribute {attr_path!r} (from {target!r})") from None
    return obj


@dataclass
class Entry:
    """One registered name.

    Attributes:
      name: the registered name.
      target: the object, or a ``"pkg.module:Attr"`` string / entry point not loaded yet.
      source: where the entry comes from: ``"rlkit (built-in)"``, a distribution, or ``"runtime"``.
      kwargs: default keyword arguments ``make`` passes (call-site kwargs override them).
      options: the declared options model (:class:`rlkit.options.Options`, or a lazy ``"pkg.module:Attr"``
        string) that validates the keyword arguments; ``None``: undeclared, passed through unchecked.
    """

    name: str
    target: Any
    source: str
    kwargs: dict = field(default_factory=dict)
    options: Any = None
    _loaded: Any = None

    @property
    def target_repr(self) -> str:
        if isinstance(self.target, str):
            return self.target
        if isinstance(self.target, metadata.EntryPoint):
            return self.target.value
        return f"{getattr(self.target, '__module__', '?')}:{getattr(self.target, '__qualname__', repr(self.target))}"

    def load(self) -> Any:
        if self._loaded is None:
            if isinstance(self.target, str):
                self._loaded = import_string(self.target)
            elif isinstance(self.target, metadata.EntryPoint):
                self._loaded = self.target.load()
            else:
                self._loaded = self.target
        return self._loaded


class Registry:
    """Names of one kind of component (``kind``), extended through entry-point ``group``."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, Entry] = {}
        self._prefixes: dict[str, Entry] = {}
        self._entry_points_scanned = False

    # -- registering -------------------------------------------------------------------------
    def register(self, name: str, target: Any, *, source: str = "runtime", overwrite: bool = False,
                 options: Any = None, **kwargs: Any) -> None:
        """Register ``target`` (an object or a lazy ``"pkg.module:Attr"`` string) as ``name``.

        ``options``: the model of its keyword arguments (see :mod:`rlkit.options`), an object or a lazy string.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} names must be non-empty strings, got {name!r}")
        if name in self._entries and not overwrite:
            raise ValueError(
                f"{self.kind} name {name!r} is already registered (from {self._entries[name].source}); "
                "pass overwrite=True to replace it"
            )
        self._entries[name] = Entry(name, target, source, dict(kwargs), options)

    def register_prefix(self, prefix: str, handler: Any, *, source: str = "runtime") -> None:
        """Route names ``"prefix:rest"`` to ``handler(rest, **kwargs)`` (a callable or lazy string)."""
        self._prefixes[prefix] = Entry(prefix, handler, source)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    # -- looking up --------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return self._find(name) is not None

    def names(self) -> list[str]:
        """Every registered and entry-point name, sorted."""
        self._scan_entry_points()
        return sorted(self._entries)

    def entries(self) -> list[Entry]:
        self._scan_entry_points()
        return [self._entries[name] for name in sorted(self._entries)]

    def resolve(self, name: str) -> Any:
        """The object registered as ``name`` (imported now if it was lazy)."""
        return self._load(self._lookup(name))

    def options(self, name: str) -> Any:
        """The options model declared for ``name`` (imported now if lazy), or ``None`` when it declares none."""
        entry = self._find(name)
        if entry is None or entry.options is None:
            return None
        if isinstance(entry.options, str):
            entry.options = import_string(entry.options)
        return entry.options

    def make(self, name: str, **kwargs: Any) -> Any:
        """Call the object registered as ``name`` with its default kwargs updated by ``kwargs``."""
        prefix, sep, rest = name.partition(":")
        if sep and prefix in self._prefixes and name not in self._entries:
            return self._load(self._prefixes[prefix])(rest, **kwargs)
        entry = self._lookup(name)
        return self._load(entry)(**{**entry.kwargs, **kwargs})

    def _find(self, name: str) -> Entry | None:
        if name in self._entries:
            return self._entries[name]
        self._scan_entry_points()
        return self._entries.get(name)

    def _lookup(self, name: str) -> Entry:
        if not isinstance(name, str):
            raise RegistryError(f"{self.kind} name must be a string, got {name!r}")
        entry = self._find(name)
        if entry is not None:
            return entry
        prefix, sep, _ = name.partition(":")
        if sep and prefix in self._prefixes:
            return Entry(name, lambda **kw: self.make(name, **kw), self._prefixes[prefix].source)
        if sep:
            try:
                return Entry(name, import_string(name), "direct import")
            except ImportError as err:
                raise RegistryError(f"cannot import {self.kind} {name!r}: {err}") from None
        raise RegistryError(self._unknown_message(name))

    def _unknown_message(self, name: str) -> str:
        available = self.names()
        close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        listing = ", ".join(available) if available else "(none)"
        prefixes = "".join(f", '{p}:<name>'" for p in sorted(self._prefixes))
        return (
            f"unknown {self.kind} {name!r}.{hint} Available: {listing}. Also accepted: "
            f"'pkg.module:Attr'{prefixes}; plugins register in entry-point group {self.group!r}."
        )

    def _load(self, entry: Entry) -> Any:
        try:
            return entry.load()
        except Exception as err:  # a broken plugin must not take the process down
            message = (
                f"rlkit {self.kind} plugin {entry.name!r} ({entry.target_repr}, from {entry.source}) "
                f"failed to load: {type(err).__name__}: {err}"
            )
            if entry.source != BUILTIN:
                warnings.warn(message, PluginWarning, stacklevel=3)
            raise RegistryError(message) from err

    def check(self, name: str) -> str | None:
        """``None`` if ``name`` loads, else the error message (the warning is emitted too)."""
        try:
            self.resolve(name)
        except RegistryError as err:
            return str(err)
        return None

    def _scan_entry_points(self) -> None:
        if self._entry_points_scanned:
            return
        self._entry_points_scanned = True
        try:
            points = metadata.entry_points(group=self.group)
        except Exception as err:  # pragma: no cover - broken environments
            warnings.warn(f"could not read entry points of group {self.group!r}: {err}", PluginWarning, stacklevel=2)
            return
        for point in points:
            if point.name in self._entries:
                continue
            dist = getattr(point, "dist", None)
            source = f"{dist.name} {dist.version}" if dist is not None else "entry point"
            self._entries[point.name] = Entry(point.name, point, source)


KINDS: dict[str, Registry] = {
    "envs": Registry("env", "rlkit.envs"),
    "agents": Registry("agent", "rlkit.agents"),
    "policies": Registry("policy", "rlkit.policies"),
    "replay_buffers": Registry("replay buffer", "rlkit.replay_buffers"),
    "networks": Registry("network", "rlkit.networks"),
}
_ALIASES = {"env": "envs", "agent": "agents", "policy": "policies", "replay_buffer": "replay_buffers",
            "replay": "replay_buffers", "buffers": "replay_buffers", "network": "networks"}


def get_registry(kind: str) -> Registry:
    """The registry of ``kind``: one of ``envs, agents, policies, replay_buffers, networks`` (singular accepted)."""
    key = _ALIASES.get(kind, kind)
    if key not in KINDS:
        raise RegistryError(f"unknown registry kind {kind!r}; kinds are: {', '.join(KINDS)}")
    return KINDS[key]


def register(kind: str, name: str, target: Any, **kwargs: Any) -> None:
    """Register ``target`` under ``name`` in the ``kind`` registry (see :meth:`Registry.register`)."""
    get_registry(kind).register(name, target, **kwargs)


def resolve(kind: str, name: str) -> Any:
    return get_registry(kind).resolve(name)


def make(kind: str, name: str, **kwargs: Any) -> Any:
    """Build the ``kind`` component called ``name`` with ``kwargs`` (e.g. ``make("envs", "CartPole-v1")``)."""
    return get_registry(kind).make(name, **kwargs)


def _register_builtins() -> None:
    def add(kind: str, name: str, target: str, **kwargs: Any) -> None:
        KINDS[kind].register(name, target, source=BUILTIN, **kwargs)

    cartpole = "rlkit.envs.options:CartPoleOptions"
    add("envs", "CartPole-v0", "rlkit.envs.cartpole:CartPole", options=cartpole, max_episode_steps=200, reward_threshold=195.0)
    add("envs", "CartPole-v1", "rlkit.envs.cartpole:CartPole", options=cartpole, max_episode_steps=500, reward_threshold=475.0)
    KINDS["envs"].register_prefix("gymnasium", "rlkit.envs.gymnasium:load_gymnasium", source=BUILTIN)
    add("agents", "dqn", "rlkit.agents.dqn:DqnAgent", options="rlkit.agents.dqn.config:DqnConfig")
    add("policies", "random", "rlkit.policies:RandomPolicy")
    add("policies", "greedy", "rlkit.policies:GreedyPolicy")
    add("policies", "epsilon_greedy", "rlkit.policies:EpsilonGreedyPolicy")
    add("policies", "boltzmann", "rlkit.policies:BoltzmannPolicy")
    add("replay_buffers", "uniform", "rlkit.replay:UniformReplayBuffer", options="rlkit.replay.options:UniformOptions")
    add("replay_buffers", "prioritized", "rlkit.replay:PrioritizedReplayBuffer",
        options="rlkit.replay.options:PrioritizedOptions")
    add("networks", "q_network", "rlkit.networks:QNetwork", options="rlkit.networks.options:QNetworkOptions")


_register_builtins()

