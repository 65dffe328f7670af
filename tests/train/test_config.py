"""Config loading and validation: every rule, each with a one-line ConfigError naming the key path."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from rlkit.agents.dqn.config import DqnConfig
from rlkit.options import attribute_docs
from rlkit.train import config as cfg
from rlkit.train.config import (
    Config,
    ConfigError,
    EpsilonSchedule,
    apply_overrides,
    config_from_dict,
    config_to_dict,
    dump_config,
    load_config,
    reference_markdown,
)

REPO = Path(__file__).resolve().parents[2]


def error_of(overrides=(), path=None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# -- defaults and shipped configs --------------------------------------------------------------------


def test_embedded_default_is_the_model_defaults_with_the_tutorials_loss():
    # Defaults are declared once, by the components (DqnConfig: TF-Agents' Huber); the tutorial file sets its squared loss.
    assert load_config(None) == Config(agent=Config().agent.replace(td_errors_loss_fn="squared"))
    assert Config().agent.td_errors_loss_fn == DqnConfig().td_errors_loss_fn == "huber"


def test_defaults_are_the_tutorial_hyperparameters():
    c = load_config(None)
    assert c.env.name == "CartPole-v0"
    assert c.network.fc_layer_params == (100,)
    assert (c.train.num_iterations, c.train.initial_collect_steps, c.train.collect_steps_per_iteration) == (20000, 100, 1)
    assert (c.replay.max_length, c.train.batch_size, c.agent.learning_rate) == (100000, 64, 1e-3)
    assert (c.train.log_interval, c.eval.num_episodes, c.eval.interval) == (200, 10, 1000)
    assert c.agent.td_errors_loss_fn == "squared" and c.agent.optimizer == "adam"
    # the tutorial leaves these at DqnAgent's defaults
    assert (c.agent.gamma, c.agent.epsilon_greedy, c.agent.target_update_tau, c.agent.target_update_period) == (1.0, 0.1, 1.0, 1)
    assert c.train.chunk_size == 100


def test_cartpole_v1_config():
    c = load_config(REPO / "rlkit" / "configs" / "cartpole_v1.yaml")
    assert c.env.name == "CartPole-v1"
    assert c.network.fc_layer_params == (64, 64)
    assert c.agent.double_dqn and c.agent.td_errors_loss_fn == "huber" and c.agent.learning_rate == 2.3e-3
    assert c.agent.epsilon_greedy is None
    assert c.agent.epsilon_schedule == EpsilonSchedule(start=1.0, end=0.04, decay_env_steps=8000)
    assert (c.train.collect_steps_per_iteration, c.train.train_steps_per_iteration) == (256, 128)
    assert (c.agent.target_update_period, c.agent.target_update_tau) == (1, 0.01)  # soft target
    assert (c.agent.n_step_update, c.agent.reward_scale_factor, c.train.batch_size) == (5, 0.1, 128)


def test_config_is_frozen():
    c = Config()
    with pytest.raises(ValidationError, match="frozen"):
        c.train.batch_size = 3  # type: ignore[misc]
    assert c.replace(train=c.train.replace(batch_size=3)).train.batch_size == 3
    with pytest.raises(ConfigError, match=r"batch_size: must be >= 1, got 0"):
        c.train.replace(batch_size=0)


def test_empty_file_and_empty_sections_take_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()
    assert load_config(write(tmp_path, "agent:\ntrain: {}\n")) == Config()


def test_partial_file_keeps_other_defaults(tmp_path):
    c = load_config(write(tmp_path, "train:\n  num_iterations: 5\nnetwork:\n  fc_layer_params: [32, 16]\n"))
    assert c.train.num_iterations == 5 and c.network.fc_layer_params == (32, 16)
    assert c.train.batch_size == 64


def test_floats_without_a_dot_and_integral_floats(tmp_path):
    c = load_config(write(tmp_path, "agent:\n  learning_rate: 1e-3\nreplay:\n  max_length: 1e5\n"))
    assert c.agent.learning_rate == 1e-3
    assert c.replay.max_length == 100000 and isinstance(c.replay.max_length, int)
    assert load_config(None, ["agent.gamma=1"]).agent.gamma == 1.0


# -- unknown keys ----------------------------------------------------------------------------------


def test_unknown_key_suggests_the_close_one():
    assert error_of(["agent.gama=0.9"]) == "agent.gama: unknown key; did you mean 'gamma'?"


def test_unknown_key_without_a_close_one_lists_the_valid_keys():
    message = error_of(["eval.zzz=1"])
    assert message.startswith("eval.zzz: unknown key; valid keys: interval, num_episodes, env, env_kwargs")


def test_unknown_section():
    assert error_of(["trian.batch_size=3"]) == "trian: unknown section; did you mean 'train'?"


def test_unknown_nested_key():
    assert error_of(["agent.epsilon_schedule.strat=0.5"]) == "agent.epsilon_schedule.strat: unknown key; did you mean 'start'?"


# -- types -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("override, expected", [
    ("agent.gamma=abc", "agent.gamma: expected float, got str 'abc'"),
    ("agent.gamma=true", "agent.gamma: expected float, got bool True"),
    ("train.batch_size=1.5", "train.batch_size: expected int, got float 1.5"),
    ("train.batch_size='64'", "train.batch_size: expected int, got str '64'"),
    ("network.dueling=1", "network.dueling: expected bool, got int 1"),
    ("network.fc_layer_params=64", "network.fc_layer_params: expected list of int, got int 64"),
    ("network.fc_layer_params=[64, x]", "network.fc_layer_params[1]: expected int, got str 'x'"),
    ("env.kwargs=[1]", "env.kwargs: expected mapping, got list [1]"),
    ("env.kwargs={1: 2}", "env.kwargs: keys must be strings, got int 1"),
    ("env.seed=abc", "env.seed: expected int or null, got str 'abc'"),
    ("agent.epsilon_schedule=3", "agent.epsilon_schedule: expected mapping or null, got int 3"),
    ("env.name=5", "env.name: expected str, got int 5"),
    ("agent.learning_rate=.inf", "agent.learning_rate: expected a finite float, got inf"),
    ("agent.gamma=.nan", "agent.gamma: expected a finite float, got nan"),
])
def test_wrong_types_name_the_expected_type(override, expected):
    assert error_of([override]) == expected


def test_section_must_be_a_mapping(tmp_path):
    assert error_of(path=write(tmp_path, "train: [1, 2]\n")) == "train: expected a mapping of keys, got list [1, 2]"


def test_top_level_must_be_a_mapping(tmp_path):
    path = write(tmp_path, "- 1\n- 2\n")
    assert error_of(path=path) == f"{path}: the top level must be a mapping of sections (env, network, agent, replay, train, eval, output, collect), got list"


# -- ranges and choices ----------------------------------------------------------------------------


@pytest.mark.parametrize("override, expected", [
    ("agent.gamma=1.5", "agent.gamma: must be in [0, 1], got 1.5"),
    ("agent.gamma=-0.1", "agent.gamma: must be in [0, 1], got -0.1"),
    ("agent.epsilon_greedy=1.1", "agent.epsilon_greedy: must be in [0, 1], got 1.1"),
    ("agent.epsilon_schedule.end=-1", "agent.epsilon_schedule.end: must be in [0, 1], got -1.0"),
    ("agent.epsilon_schedule.decay_env_steps=0", "agent.epsilon_schedule.decay_env_steps: must be >= 1, got 0"),
    ("agent.target_update_tau=0", "agent.target_update_tau: must be in (0, 1], got 0.0"),
    ("agent.learning_rate=0", "agent.learning_rate: must be > 0, got 0.0"),
    ("agent.boltzmann_temperature=0", "agent.boltzmann_temperature: must be > 0, got 0.0"),
    ("agent.gradient_clipping=-1", "agent.gradient_clipping: must be > 0, got -1.0"),
    ("agent.n_step_update=0", "agent.n_step_update: must be >= 1, got 0"),
    ("agent.target_update_period=0", "agent.target_update_period: must be >= 1, got 0"),
    ("env.num_envs=0", "env.num_envs: must be >= 1, got 0"),
    ("env.seed=-1", "env.seed: must be >= 0, got -1"),
    ("train.num_iterations=0", "train.num_iterations: must be >= 1, got 0"),
    ("train.log_interval=0", "train.log_interval: must be >= 1, got 0"),
    ("train.checkpoint_interval=-5", "train.checkpoint_interval: must be >= 1, got -5"),
    ("train.chunk_size=0", "train.chunk_size: must be >= 1, got 0"),
    ("train.batch_size=0", "train.batch_size: must be >= 1, got 0"),
    ("eval.interval=0", "eval.interval: must be >= 1, got 0"),
    ("eval.num_episodes=0", "eval.num_episodes: must be >= 1, got 0"),
    ("replay.max_length=0", "replay.max_length: must be >= 1, got 0"),
    ("output.video_fps=0", "output.video_fps: must be in [1, 240], got 0"),
    ("output.keep_checkpoints=0", "output.keep_checkpoints: must be >= 1, got 0"),
    ("network.fc_layer_params=[64, 0]", "network.fc_layer_params[1]: must be >= 1, got 0"),
    ("output.name=../x", "output.name: must be a plain file name without path separators, got '../x'"),
])
def test_out_of_range_values(override, expected):
    assert error_of([override]) == expected


@pytest.mark.parametrize("override, expected", [
    ("agent.td_errors_loss_fn=hubber", "agent.td_errors_loss_fn: 'hubber' is not allowed; did you mean 'huber'? choose one of huber, squared"),
    ("agent.optimizer=adamm", "agent.optimizer: 'adamm' is not allowed; did you mean 'adam'? choose one of adam, adamw, rmsprop, sgd"),
    ("network.activation=tanhh", "network.activation: 'tanhh' is not allowed; did you mean 'tanh'?"),
    ("train.backend=cyton", "train.backend: 'cyton' is not allowed; did you mean 'cython'? choose one of cython, numba, numpy"),
])
def test_choices_with_did_you_mean(override, expected):
    assert error_of([override]).startswith(expected)


def test_batch_size_at_most_the_replay_capacity():
    assert error_of(["train.batch_size=200", "replay.max_length=100"]) == (
        "train.batch_size: 200 exceeds the replay capacity 100 (replay.max_length x env.num_envs); "
        "lower it or raise replay.max_length")
    assert load_config(None, ["train.batch_size=200", "replay.max_length=100", "env.num_envs=2"]).train.batch_size == 200


def test_initial_collect_must_allow_the_first_sample():
    assert error_of(["train.initial_collect_steps=5", "agent.n_step_update=2", "env.num_envs=2"]).startswith(
        "train.initial_collect_steps: 5 is too few to sample the first batch; need at least "
        "(agent.n_step_update + 1) x env.num_envs = 6")
    assert load_config(None, ["train.initial_collect_steps=6", "agent.n_step_update=2", "env.num_envs=2"])


def test_prioritized_replay_kwargs():
    c = load_config(None, ["replay.name=prioritized", "replay.kwargs={alpha: 0.6, beta: 0.4}"])
    assert c.replay.kwargs == {"alpha": 0.6, "beta": 0.4}
    assert error_of(["replay.name=prioritized", "replay.kwargs.beta=1.5"]) == "replay.kwargs.beta: must be in [0, 1], got 1.5"
    assert error_of(["replay.kwargs.alpha=0.5"]) == "replay.kwargs.alpha: unknown key of replay buffer 'uniform'; valid keys: (none)"
    assert error_of(["replay.name=prioritized", "replay.kwargs.alpah=0.5"]) == (
        "replay.kwargs.alpah: unknown key of replay buffer 'prioritized'; did you mean 'alpha'?")


# -- exploration -----------------------------------------------------------------------------------


def test_exploration_keys_are_mutually_exclusive(tmp_path):
    path = write(tmp_path, "agent:\n  epsilon_greedy: 0.2\n  boltzmann_temperature: 1.0\n")
    assert error_of(path=path).startswith("agent: epsilon_greedy and boltzmann_temperature were both set, but only one")
    path = write(tmp_path, "agent:\n  epsilon_schedule: {start: 1.0}\n  boltzmann_temperature: 1.0\n")
    assert error_of(path=path).startswith("agent: epsilon_schedule and boltzmann_temperature were both set, but only one")


def test_schedule_or_temperature_alone_turns_the_default_epsilon_off(tmp_path):
    c = load_config(write(tmp_path, "agent:\n  boltzmann_temperature: 0.5\n"))
    assert c.agent.epsilon_greedy is None and c.agent.boltzmann_temperature == 0.5
    c = load_config(write(tmp_path, "agent:\n  epsilon_schedule: {end: 0.01}\n"))
    assert c.agent.epsilon_greedy is None and c.agent.epsilon_schedule == EpsilonSchedule(end=0.01)


def test_an_override_switches_exploration_from_the_file():
    c = load_config(None, ["agent.boltzmann_temperature=2"])  # tutorial.yaml sets epsilon_greedy: 0.1
    assert c.agent.epsilon_greedy is None and c.agent.boltzmann_temperature == 2.0
    c = load_config(REPO / "rlkit/configs/cartpole_v1.yaml", ["agent.epsilon_greedy=0.05"])
    assert c.agent.epsilon_schedule is None and c.agent.epsilon_greedy == 0.05


def test_no_exploration_at_all_is_an_error():
    assert error_of(["agent.epsilon_greedy=null"]).startswith("agent: no exploration: set one of epsilon_greedy")


# -- plugin names ----------------------------------------------------------------------------------


def test_unknown_env_lists_the_available_ones():
    message = error_of(["env.name=CartPol-v0"])
    assert message.startswith("env.name: unknown env 'CartPol-v0'; did you mean 'CartPole-v0'? available: ")
    assert "CartPole-v1" in message and "'gymnasium:<id>'" in message


@pytest.mark.parametrize("key, kind", [("network.name", "network"), ("agent.name", "agent"),
                                       ("replay.name", "replay buffer"), ("eval.env", "env")])
def test_unknown_plugin_names(key, kind):
    message = error_of([f"{key}=nope"])
    assert message.startswith(f"{key}: unknown {kind} 'nope'; available: ")


def test_gymnasium_prefix():
    assert load_config(None, ["env.name=gymnasium:Acrobot-v1"]).env.name == "gymnasium:Acrobot-v1"
    assert error_of(["env.name=gymnasium:Acrobat-v1"]).startswith(
        "env.name: gymnasium has no env 'Acrobat-v1'; did you mean 'Acrobot-v1'")


def test_import_string_plugins():
    assert load_config(None, ["env.name=rlkit.testing.fakes:FakeEnv"]).env.name == "rlkit.testing.fakes:FakeEnv"
    assert error_of(["env.name=no_such_module_xyz:Env"]) == (
        "env.name: cannot import env 'no_such_module_xyz:Env': No module named 'no_such_module_xyz'")
    assert "has no attribute 'Nope'" in error_of(["env.name=rlkit.testing.fakes:Nope"])


# -- YAML ------------------------------------------------------------------------------------------


def test_malformed_yaml_reports_line_and_column(tmp_path):
    path = write(tmp_path, """\
        train:
          batch_size: 64
         num_iterations: 5
        """)
    message = error_of(path=path)
    assert message.startswith(f"{path}:3:2: invalid YAML: ")


def test_unclosed_flow_list_reports_its_position(tmp_path):
    path = write(tmp_path, "network:\n  fc_layer_params: [64, 64\nagent: {}\n")
    assert error_of(path=path).startswith(f"{path}:3:")


def test_duplicate_keys_are_rejected_with_their_position(tmp_path):
    path = write(tmp_path, "train:\n  batch_size: 64\n  batch_size: 32\n")
    assert error_of(path=path) == f"{path}:3:3: invalid YAML: duplicate key 'batch_size' (while constructing a mapping)"


def test_python_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, f"env:\n  name: !!python/object/apply:os.system ['touch {marker}']\n")
    message = error_of(path=path)
    assert message.startswith(f"{path}:2:9: invalid YAML: could not determine a constructor for the tag")
    assert not marker.exists()


def test_missing_file_and_directory(tmp_path):
    assert error_of(path=tmp_path / "nope.yaml") == f"{tmp_path / 'nope.yaml'}: config file not found"
    assert error_of(path=tmp_path) == f"{tmp_path}: is a directory, not a YAML config file"


# -- overrides -------------------------------------------------------------------------------------


def test_apply_overrides_parses_yaml_values_and_copies():
    base = {"train": {"num_iterations": 10}}
    out = apply_overrides(base, ["train.num_iterations=5000", "network.fc_layer_params=[64,64]",
                                 "agent.epsilon_schedule.end=0.02", "eval.env=null", "output.name=run 1"])
    assert base == {"train": {"num_iterations": 10}}
    assert out == {"train": {"num_iterations": 5000}, "network": {"fc_layer_params": [64, 64]},
                   "agent": {"epsilon_schedule": {"end": 0.02}}, "eval": {"env": None}, "output": {"name": "run 1"}}


def test_override_values_containing_equals_signs():
    assert apply_overrides({}, ["env.kwargs.tag=a=b"]) == {"env": {"kwargs": {"tag": "a=b"}}}


@pytest.mark.parametrize("override, expected", [
    ("train.num_iterations", "override 'train.num_iterations': expected KEY=VALUE"),
    ("=5", "override '=5': expected KEY=VALUE"),
    ("train..x=1", "override 'train..x=1': malformed key path 'train..x'"),
    ("train.batch_size.x=1", "train.batch_size: is a int, not a mapping; cannot set train.batch_size.x"),
    ("network.fc_layer_params=[64", "override network.fc_layer_params:1:4: invalid YAML"),
])
def test_bad_overrides(override, expected):
    with pytest.raises(ConfigError) as info:
        apply_overrides({"train": {"batch_size": 64}}, [override])
    assert str(info.value).startswith(expected)


def test_overrides_are_validated_with_the_file():
    assert load_config(None, ["train.num_iterations=5000"]).train.num_iterations == 5000


# -- dumping and the reference ---------------------------------------------------------------------


def test_dump_and_load_round_trip(tmp_path):
    c = load_config(REPO / "rlkit/configs/cartpole_v1.yaml", ["env.kwargs={max_episode_steps: 300}"])
    dump_config(c, tmp_path / "run" / "config.yaml")
    text = (tmp_path / "run" / "config.yaml").read_text()
    assert text.startswith("# Resolved rlkit")
    assert "learning_rate: 0.0023" in text
    assert load_config(tmp_path / "run" / "config.yaml") == c


def test_config_to_dict_is_plain():
    data = config_to_dict(Config())
    assert data["network"]["fc_layer_params"] == [100]
    assert list(data) == ["env", "network", "agent", "replay", "train", "eval", "output", "collect"]
    assert config_from_dict(data) == Config()


def _declared_options():
    from rlkit.registry import KINDS

    return sorted({reg.options(e.name) for reg in KINDS.values() for e in reg.entries() if e.options is not None},
                  key=lambda m: m.__name__)


@pytest.mark.parametrize("cls", [*cfg.SECTIONS.values(), EpsilonSchedule, Config, *_declared_options()])
def test_every_field_is_documented_with_a_default(cls):
    names = list(cls.model_fields)
    assert list(attribute_docs(cls)) == names
    assert all(info.description for info in cls.model_fields.values())
    cls()  # every field has a default


def test_committed_reference_is_up_to_date():
    committed = (REPO / "docs" / "configuration.md").read_text()
    assert committed == reference_markdown(), (
        "docs/configuration.md is stale: regenerate it with "
        "python -c \"from rlkit.train.config import reference_markdown as r; open('docs/configuration.md','w').write(r())\"")


def test_reference_lists_every_key():
    text = reference_markdown()
    for section, values in config_to_dict(Config()).items():
        assert f"## `{section}`" in text
        for key in values:
            assert f"| `{key}` |" in text


def test_agent_config_field_names_follow_tf_agents():
    names = set(Config().agent.options())
    assert {"epsilon_greedy", "n_step_update", "target_update_tau", "target_update_period", "td_errors_loss_fn",
            "gamma", "reward_scale_factor", "gradient_clipping", "boltzmann_temperature"} <= names


def test_loading_a_config_imports_no_heavy_modules():
    code = ("import sys; from rlkit.train.config import load_config; load_config(None); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'numba', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("override, key", [("collect.num_workers=4", "num_workers"), ("collect.mode=async", "mode"),
                                           ("collect.address=10.0.0.5:6379", "address")])
def test_a_ray_collection_key_without_the_ray_engine_is_refused_not_ignored(override, key):
    with pytest.raises(cfg.ConfigError, match=f"^collect.{key}: .* has no effect with collect.engine: local; set "
                                              "collect.engine: ray to use it, or remove it$"):
        cfg.load_config(None, [override])
    assert cfg.load_config(None, [override, "collect.engine=ray"]).collect.engine == "ray"


@pytest.mark.parametrize("address", ["localhost", "10.0.0.5", "10.0.0.5:0", "10.0.0.5:70000", "a b:1", ":6379"])
def test_a_malformed_ray_address_is_refused_at_load(address):
    with pytest.raises(cfg.ConfigError, match="^collect.address: .* is not a Ray cluster address; pass host:port"):
        cfg.load_config(None, ["collect.engine=ray", f"collect.address={address}"])
