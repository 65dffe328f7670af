import sys
import textwrap
import warnings

import pytest

from rlkit import registry
from rlkit.registry import Registry, RegistryError


class Widget:
    def __init__(self, size=1, color="red"):
        self.size = size
        self.color = color


def make_plugin_dist(root, name="rlkit_testplugin", version="1.0", entry_points=None, module_source=None):
    """A real (on-disk) distribution that importlib.metadata discovers once ``root`` is on sys.path."""
    dist_info = root / f"{name}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = []
    for group, items in (entry_points or {}).items():
        lines.append(f"[{group}]")
        lines += [f"{key} = {value}" for key, value in items.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    if module_source is not None:
        (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    return root


PLUGIN_SOURCE = """
class PluginEnv:
    def __init__(self, speed=1):
        self.speed = speed
"""


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    make_plugin_dist(
        tmp_path,
        entry_points={"rlkit.envs": {"Plugin-v0": "rlkit_testplugin:PluginEnv", "Broken-v0": "rlkit_missing_module:Env"}},
        module_source=PLUGIN_SOURCE,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("rlkit_testplugin", None)


def test_register_object_and_make_with_default_kwargs():
    reg = Registry("widget", "rlkit.test_widgets")
    reg.register("w", Widget, size=3)
    made = reg.make("w", color="blue")
    assert (made.size, made.color) == (3, "blue")
    assert reg.make("w", size=5).size == 5
    assert "w" in reg and reg.resolve("w") is Widget


def test_lazy_string_is_imported_on_first_use(monkeypatch):
    reg = Registry("widget", "rlkit.test_widgets")
    monkeypatch.delitem(sys.modules, "json.tool", raising=False)
    reg.register("tool", "json.tool:main")
    assert "json.tool" not in sys.modules
    assert callable(reg.resolve("tool"))
    assert "json.tool" in sys.modules


def test_direct_pkg_module_attr_without_registration():
    reg = Registry("widget", "rlkit.test_widgets")
    assert reg.resolve(f"{__name__}:Widget") is Widget
    assert reg.make(f"{__name__}:Widget", size=7).size == 7
    with pytest.raises(RegistryError, match="has no attribute"):
        reg.resolve(f"{__name__}:Nope")
    with pytest.raises(RegistryError, match="cannot import"):
        reg.resolve("no_such_pkg_xyz.mod:Thing")


def test_duplicate_registration_needs_overwrite():
    reg = Registry("widget", "rlkit.test_widgets")
    reg.register("w", Widget)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("w", Widget)
    reg.register("w", dict, overwrite=True)
    assert reg.resolve("w") is dict


def test_unknown_name_lists_alternatives_and_closest_match():
    with pytest.raises(RegistryError) as err:
        registry.make("envs", "CartPol-v1")
    message = str(err.value)
    assert "Did you mean 'CartPole-v1'?" in message
    assert "CartPole-v0" in message and "rlkit.envs" in message


def test_builtins_are_registered_lazily():
    names = registry.get_registry("envs").names()
    assert {"CartPole-v0", "CartPole-v1"} <= set(names)
    for kind, name in [("agents", "dqn"), ("networks", "q_network"), ("replay_buffers", "uniform"),
                       ("policies", "epsilon_greedy")]:
        assert name in registry.get_registry(kind)
    assert registry.get_registry("env") is registry.get_registry("envs")
    with pytest.raises(RegistryError, match="kinds are"):
        registry.get_registry("gizmos")


def test_entry_point_plugin_found_on_a_miss(plugin_path):
    reg = Registry("env", "rlkit.envs")
    env = reg.make("Plugin-v0", speed=4)
    assert type(env).__name__ == "PluginEnv" and env.speed == 4
    entry = {e.name: e for e in reg.entries()}["Plugin-v0"]
    assert entry.source == "rlkit_testplugin 1.0"


def test_broken_plugin_is_one_error_and_does_not_break_others(plugin_path):
    reg = Registry("env", "rlkit.envs")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the error says it all: no raw Python warning besides it
        with pytest.raises(RegistryError, match="'Broken-v0'.*rlkit_missing_module.*failed to load"):
            reg.make("Broken-v0")
        assert reg.make("Plugin-v0").speed == 1
        assert "failed to load" in reg.check("Broken-v0")


def test_entries_must_be_the_kind_they_are_registered_as():
    reg = Registry("env", "rlkit.test_envs", "rlkit.core:Env")
    reg.register("dict", dict)
    reg.register("factory", lambda: {"not": "an env"})
    with pytest.raises(RegistryError, match=r"'dict' is builtins.dict, not a subclass of rlkit.core.Env"):
        reg.resolve("dict")
    with pytest.raises(RegistryError, match=r"'factory' built a builtins.dict, not an rlkit.core.Env"):
        reg.make("factory")
    assert "not a subclass" in reg.check("dict")


def test_prefix_handler():
    reg = Registry("widget", "rlkit.test_widgets")
    reg.register_prefix("w", lambda rest, **kw: (rest, kw))
    assert reg.make("w:thing", a=1) == ("thing", {"a": 1})


def test_a_misspelled_entry_point_group_is_named(tmp_path, monkeypatch):
    from rlkit.registry import unknown_groups

    make_plugin_dist(tmp_path, entry_points={"rlkit.env": {"Typo-v0": "rlkit_testplugin:PluginEnv"}},
                     module_source=PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    problems = unknown_groups()
    assert any("entry-point group 'rlkit.env' is not one rlkit reads" in p and "did you mean 'rlkit.envs'" in p
               for p in problems), problems
