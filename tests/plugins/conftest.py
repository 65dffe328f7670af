"""Fixtures for the tests of the example plugin distribution ``examples/plugin_example``.

These tests need the distribution INSTALLED (so its entry points exist), exactly as a user would
have it. If it is not, every test fails with the command to run -- never a skip: CI must prove the
plugin path works.
"""
from __future__ import annotations

import importlib
import tomllib
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOT = REPO_ROOT / "examples" / "plugin_example"
DIST_NAME = "rlkit-mountaincar"
ENV_NAME = "MountainCarPlugin-v0"
POLICY_NAME = "energy"
NETWORK_NAME = "funnel"
INSTALL_HINT = "run pip install ./examples/plugin_example (from the rlkit checkout) and re-run the tests"


def plugin_distribution() -> metadata.Distribution:
    """The installed example distribution, or a test failure saying how to install it."""
    try:
        return metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        pytest.fail(f"the example plugin distribution {DIST_NAME!r} is not installed: {INSTALL_HINT}", pytrace=False)


def plugin_module(name: str) -> ModuleType:
    """Import ``rlkit_mountaincar.<name>`` from the installed distribution (failing with the hint if absent)."""
    plugin_distribution()
    try:
        return importlib.import_module(f"rlkit_mountaincar.{name}")
    except ImportError as err:
        pytest.fail(f"cannot import rlkit_mountaincar.{name} ({err}): {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def dist() -> metadata.Distribution:
    return plugin_distribution()


@pytest.fixture(scope="session")
def declared_version() -> str:
    with open(PLUGIN_ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["version"]


@pytest.fixture(scope="session")
def env_module() -> ModuleType:
    return plugin_module("env")


@pytest.fixture(scope="session")
def policies_module() -> ModuleType:
    return plugin_module("policies")
