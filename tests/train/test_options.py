"""Each component declares its options once; the train config, its JSON Schema and its reference come from them."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import ClassVar, Optional

import jsonschema
import pytest

from rlkit import registry
from rlkit.agents.dqn.config import DqnConfig
from rlkit.options import Fraction, NonNegativeInt, Options, OptionsError
from rlkit.train import components
from rlkit.train.config import ConfigError, config_from_dict, config_to_dict, json_schema, load_config, parse_yaml
from rlkit.train.config import reference_markdown

REPO = Path(__file__).resolve().parents[2]
SHIPPED = [REPO / "rlkit/configs/tutorial.yaml", REPO / "rlkit/configs/cartpole_v1.yaml",
           REPO / "examples/plugin_example/mountaincar_dqn.yaml"]


def error_of(overrides=(), path=None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    assert "\n" not in str(info.value)
    return str(info.value)


# -- the defects this replaced ----------------------------------------------------------------------


def test_explicit_default_epsilon_with_a_temperature_is_an_error():
    with pytest.raises(OptionsError, match="^epsilon_greedy and boltzmann_temperature were both set"):
        DqnConfig(epsilon_greedy=0.1, boltzmann_temperature=1.0)
    assert DqnConfig(boltzmann_temperature=1.0).epsilon_greedy is None  # the temperature alone replaces the default


def test_one_exploration_rule_for_python_and_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("agent:\n  epsilon_greedy: 0.1\n  boltzmann_temperature: 1.0\n")
    with pytest.raises(OptionsError) as python:
        DqnConfig(epsilon_greedy=0.1, boltzmann_temperature=1.0)
    assert error_of(path=path) == f"agent: {python.value}"
    assert error_of(["agent.epsilon_greedy=null"]) == f"agent: {pytest.raises(OptionsError, DqnConfig, epsilon_greedy=None).value}"


def test_gradient_clipping_is_documented_per_tensor():
    row = next(line for line in reference_markdown().splitlines() if line.startswith("| `gradient_clipping` |"))
    assert "each gradient tensor" in row and "per tensor" in row
    committed = (REPO / "docs/configuration.md").read_text()
    assert "global norm" not in committed.replace("not the global norm", "")


@pytest.mark.parametrize("num_envs, collect, train, expected", [(1, 1, 1, 1.0), (4, 6, 1, 8.0), (4, 8, 2, 4.0), (3, 1, 1, 3.0)])
def test_env_steps_per_train_step_counts_whole_rounds_of_envs(num_envs, collect, train, expected):
    config = load_config(None, [f"env.num_envs={num_envs}", f"train.collect_steps_per_iteration={collect}",
                                f"train.train_steps_per_iteration={train}", "train.initial_collect_steps=100"])
    assert components.env_steps_per_train_step(config) == expected


def test_epsilon_schedule_decays_over_its_env_steps_with_several_envs():
    # 4 envs, 6 collect steps per iteration: each iteration really steps 8 env steps for its 1 gradient step,
    # so 800 env steps of decay take 100 gradient steps (not 800 / 6 = 133).
    config = load_config(None, ["env.num_envs=4", "train.collect_steps_per_iteration=6",
                                "agent.epsilon_schedule={start: 1.0, end: 0.0, decay_env_steps: 800}"])
    arguments = components.agent_arguments(config)
    assert arguments["env_steps_per_train_step"] == 8.0
    epsilon = DqnConfig(**arguments).collect_epsilon()
    assert epsilon.duration == 100 and epsilon(50) == pytest.approx(0.5)


# -- components validate their own options ----------------------------------------------------------


def test_builtins_declare_their_options_through_the_registry():
    from rlkit.networks.options import QNetworkOptions
    from rlkit.replay.options import PrioritizedOptions

    assert registry.get_registry("agents").options("dqn") is DqnConfig
    assert registry.get_registry("networks").options("q_network") is QNetworkOptions
    assert registry.get_registry("replay_buffers").options("prioritized") is PrioritizedOptions
    assert registry.get_registry("envs").options("gymnasium:CartPole-v1") is None


def test_activations_are_the_acting_mirrors():
    from rlkit.kernels.qmirror import ACTIVATIONS

    enum = json_schema()["properties"]["network"]["properties"]["activation"]["enum"]
    assert enum == list(ACTIVATIONS)
    assert error_of(["network.activation=swish"]).startswith("network.activation: 'swish' is not allowed; choose one of relu")


class FakeBufferOptions(Options):
    """Options of a plugin buffer.

    Attributes:
      alpha: a fraction.
      seed: filled in from the run.
    """

    derived: ClassVar[frozenset[str]] = frozenset({"seed"})
    alpha: Fraction = 0.5
    seed: Optional[NonNegativeInt] = None


@pytest.fixture
def plugins():
    registry.register("replay_buffers", "declared_buffer", "rlkit.replay:UniformReplayBuffer", options=FakeBufferOptions)
    registry.register("networks", "undeclared_net", "rlkit.networks:QNetwork")
    yield
    registry.get_registry("replay_buffers").unregister("declared_buffer")
    registry.get_registry("networks").unregister("undeclared_net")


def test_a_plugin_without_declared_options_gets_its_keys_unchecked(plugins):
    config = config_from_dict({"network": {"name": "undeclared_net", "width": [3, "x"], "kwargs": {"depth": 2}}})
    assert config.network.options() == {"width": [3, "x"], "depth": 2}
    assert config_to_dict(config)["network"] == {"name": "undeclared_net", "width": [3, "x"], "kwargs": {"depth": 2}}


def test_a_plugin_with_declared_options_is_checked_and_gets_its_derived_values(plugins):
    config = load_config(None, ["replay.name=declared_buffer", "replay.kwargs.alpha=0.25"])
    assert config.replay.options() == {"alpha": 0.25}
    assert error_of(["replay.name=declared_buffer", "replay.kwargs.alpha=2"]) == "replay.kwargs.alpha: must be in [0, 1], got 2.0"
    assert error_of(["replay.name=declared_buffer", "replay.kwargs.alpah=0.1"]).startswith(
        "replay.kwargs.alpah: unknown key of replay buffer 'declared_buffer'; did you mean 'alpha'?")
    assert error_of(["replay.name=declared_buffer", "replay.kwargs.seed=1"]) == (
        "replay.kwargs.seed: is filled in by rlkit train from train.seed; remove it")
    derived = components._derived("replay_buffers", "declared_buffer", {"seed": 7, "backend": "numpy"})
    assert derived == {"seed": 7}


def test_derived_options_cannot_be_set_in_a_file():
    assert error_of(["agent.seed=3"]) == "agent.seed: is filled in by rlkit train from train.seed; remove it"
    assert error_of(["agent.env_steps_per_train_step=3"]).startswith("agent.env_steps_per_train_step: is filled in by rlkit train")


def test_env_kwargs_and_eval_env_kwargs_are_checked_by_the_envs_options():
    assert error_of(["env.kwargs.max_episode_step=5"]) == (
        "env.kwargs.max_episode_step: unknown key of env 'CartPole-v0'; did you mean 'max_episode_steps'?")
    assert error_of(["eval.env_kwargs={max_episode_steps: 0}"]) == "eval.env_kwargs.max_episode_steps: must be >= 1, got 0"
    assert load_config(None, ["eval.env_kwargs={max_episode_steps: 1e3}"]).eval.env_kwargs == {"max_episode_steps": 1000}
    assert error_of(["env.kwargs.backend=numpy"]) == "env.kwargs.backend: is filled in by rlkit train from train.backend; remove it"


def test_options_given_twice_are_an_error():
    assert error_of(["agent.gamma=0.5", "agent.kwargs.gamma=0.6"]) == "agent.kwargs.gamma: is also set as agent.gamma; set it once"


def test_no_capability_probing_and_small_modules_in_my_train_code():
    files = [*sorted((REPO / "rlkit/train/config").glob("*.py")), REPO / "rlkit/train/components.py"]
    for path in files:
        text = path.read_text()
        assert not re.search(r"\b(getattr|hasattr)\(|inspect\.signature|callable\(", text), f"{path}: capability probing"
        assert len(text.splitlines()) <= 400, f"{path}: over 400 lines"
    assert not (REPO / "rlkit/train/config.py").exists()


def test_train_code_declares_no_dqn_option():
    text = "".join(p.read_text() for p in (REPO / "rlkit/train").rglob("*.py") if p.name != "trainer.py")
    for name in ("epsilon_greedy", "boltzmann_temperature", "target_update_tau", "gradient_clipping", "fc_layer_params"):
        assert not re.search(rf"\b{name}\b\s*:", text), f"{name} is declared in rlkit/train/"


# -- the JSON Schema ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    out = subprocess.run([sys.executable, "-m", "rlkit", "config", "schema"], capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout)


def test_schema_command_prints_a_valid_json_schema(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == {"env", "network", "agent", "replay", "train", "eval", "output", "collect"}
    assert schema["properties"]["agent"]["properties"]["gamma"] == {
        "default": 1.0, "description": "discount factor of future rewards.", "maximum": 1.0, "minimum": 0.0, "type": "number"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_configs_and_their_resolved_form_validate_against_the_schema(schema, path, tmp_path):
    data = parse_yaml(path.read_text())
    jsonschema.validate(data, schema)
    config = load_config(path)
    jsonschema.validate(config_to_dict(config), schema)
    assert config_from_dict(config_to_dict(config)) == config


@pytest.mark.parametrize("data, word", [
    ({"agent": {"gama": 0.9}}, "gama"),
    ({"agent": {"gamma": 2}}, "maximum"),
    ({"train": {"batch_size": "64"}}, "integer"),
    ({"network": {"activation": "swish"}}, "swish"),
    ({"replay": {"kwargs": {"alpha": 0.5}}}, "alpha"),
    ({"trian": {}}, "trian"),
])
def test_schema_rejects_what_the_loader_rejects(schema, data, word):
    with pytest.raises(jsonschema.ValidationError, match=word):
        jsonschema.validate(data, schema)
    with pytest.raises(ConfigError):
        config_from_dict(data)


def test_schema_leaves_a_plugin_components_keys_open(schema):
    jsonschema.validate({"agent": {"name": "my_pkg:Agent", "anything": 1}}, schema)


def test_the_yaml_language_server_line_is_documented():
    line = "# yaml-language-server: $schema="
    assert line in (REPO / "docs/configuration.md").read_text()
    assert line in (REPO / "docs/cli.md").read_text()
