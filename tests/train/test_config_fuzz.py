"""Seeded fuzzing of configs and ``--set`` overrides: 240 cases per run, each ends in exit 0 or exactly one
``error:`` line with exit 2 -- never a traceback -- and within 10 s.

Cases go through ``rlkit config check``, which runs everything ``rlkit train`` checks before TensorFlow
starts (the config, the memory estimate, both envs stepped once against their specs, the video env
rendered once); a few valid ones also train for real, as a subprocess.
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rlkit.cli import main
from rlkit.train.config import json_schema

REPO = Path(__file__).resolve().parents[2]
PROPERTIES = {name: spec.get("properties", {}) for name, spec in json_schema()["properties"].items()}
SECTIONS = {name: sorted(properties) for name, properties in PROPERTIES.items()}
TYPED = {  # plausible values by JSON Schema type: most pass the type check and reach the deeper rules
    "integer": ["1", "2", "3", "10", "64", "100", "1000", "0", "-5", "100000000", "1000000000000"],
    "number": ["0.0", "0.01", "0.5", "1.0", "1.5", "1e-3", "1e308", "-0.5"],
    "boolean": ["true", "false"],
    "array": ["[64, 64]", "[100]", "[8]", "[]", "[1000000, 1000000]"],
}
VALUES = ["0", "1", "-1", "7", "64", "1e12", "1e308", "-1e308", ".nan", ".inf", "-.inf", "0.5", "1.5", "true", "false",
          "null", "''", '"a\\0b"', '"\\u0007bell"', "x" * 300, "[]", "[1, 2]", "[0]", "[100, -3]", "[64, 64]", "{}",
          "{a: 1}", "{bogus: 1}", "relu", "huber", "cython", "numpy", "bogus", "CartPole-v1", "gymnasium:CartPole-v1",
          "MountainCarPlugin-v0", "collections:OrderedDict", "os:system", "[[[[[[1]]]]]]", "'[1,'", "{start: 1.0, end: 0.1}",
          "2147483648", "9999999999999999999999", "'10'", "1_000", "0x10", "~", "'\\t'"]
TYPO_KEYS = ["gama", "learning_rat", "num_iteration", "fc_layers", "max_len", "vidoe", "seeed"]


def _override(rng: random.Random) -> str:
    section = rng.choice([*SECTIONS, "trian", "agnet"] if rng.random() < 0.05 else list(SECTIONS))
    keys = SECTIONS.get(section, ["seed"]) + (TYPO_KEYS if rng.random() < 0.1 else [])
    key = rng.choice(keys)
    if key in ("kwargs", "env_kwargs") and rng.random() < 0.5:
        key = f"{key}.{rng.choice(['max_episode_steps', 'reward_threshold', 'alpha', 'beta', 'bogus'])}"
    spec = PROPERTIES.get(section, {}).get(key, {})
    kinds = [spec.get("type")] + [option.get("type") for option in spec.get("anyOf", [])]
    typed = [value for kind in kinds if isinstance(kind, str) for value in TYPED.get(kind, [])]
    typed += [str(choice) for choice in spec.get("enum", [])]
    return f"{section}.{key}={rng.choice(typed if typed and rng.random() < 0.6 else VALUES)}"


def _case(rng: random.Random, tmp_path: Path, index: int) -> list[str]:
    overrides = [f"--set={_override(rng)}" for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    if rng.random() < 0.25:  # a config file: random sections, sometimes broken YAML
        lines = [f"{section}:\n  {rng.choice(SECTIONS[section])}: {rng.choice(VALUES)}" for section in
                 rng.sample(list(SECTIONS), rng.randint(1, 3))]
        text = "\n".join(lines) + "\n"
        if rng.random() < 0.2:
            text = text[: rng.randint(1, len(text))] + rng.choice(["\n  - ", ": :", "\t", "&a [*a]", "{"])
        path = tmp_path / f"case{index}.yaml"
        path.write_text(text)
        return ["config", "check", str(path), *overrides]
    return ["config", "check", *overrides]


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's own usage errors
            code = int(exit_.code or 0)
    return code, err.getvalue()


@pytest.mark.parametrize("seed", range(6))
def test_fuzzed_configs_end_in_exit_0_or_one_error_line(seed, tmp_path):
    rng = random.Random(seed)
    for index in range(40):
        argv = _case(rng, tmp_path, index)
        began = time.perf_counter()
        code, stderr = _run(argv)
        seconds = time.perf_counter() - began
        assert seconds < 10, (argv, seconds)
        assert "Traceback" not in stderr, (argv, stderr)
        if code == 0:
            assert all(line.startswith(("videos will not be recorded", "warning:")) for line in stderr.splitlines()), argv
            continue
        errors = [line for line in stderr.splitlines() if line.startswith("error:")]
        assert code == 2 and len(errors) == 1, (argv, code, stderr)
        assert not [line for line in stderr.splitlines() if not line.startswith(("error:", "usage:", "       "))], stderr


def test_fuzzed_valid_overrides_also_train(tmp_path):
    rng = random.Random(123)
    trained = 0
    for index in range(200):
        overrides = [_override(rng) for _ in range(2)]
        if _run(["config", "check", *(f"--set={o}" for o in overrides),
                 "--set=train.num_iterations=20", "--set=eval.num_episodes=1"])[0] != 0:
            continue
        run = tmp_path / f"run{index}"
        result = subprocess.run([sys.executable, "-m", "rlkit", "train", "--out", str(run), "--no-video", "--quiet",
                                 *(f"--set={o}" for o in overrides), "--set=train.num_iterations=20",
                                 "--set=eval.num_episodes=1", "--set=train.chunk_size=10", "--set=eval.interval=20"],
                                capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert result.returncode in (0, 2, 3), (overrides, result.stderr[-1500:])
        assert "Traceback" not in result.stderr, (overrides, result.stderr[-1500:])
        trained += 1
        if trained == 3:
            break
    assert trained == 3
