"""Check an env once before work starts: reset, step (and render) it, and compare what comes back
with its specs, so a broken plugin env fails in one line naming the field instead of deep inside a
buffer or a policy later.

    check_env_outputs(env, "MountainCarPlugin-v0", render=True)   # EnvCheckError on a mismatch
"""
from __future__ import annotations

from typing import Any

import numpy as np

from rlkit import nest
from rlkit.core import Env
from rlkit.specs import ArraySpec, BoundedArraySpec, sample_nest
from rlkit.types import StepType, TimeStep

__all__ = ["EnvCheckError", "check_env_outputs", "check_frame"]


class EnvCheckError(ValueError):
    """An env whose outputs do not match its specs (the message is one line naming env, field, expected, got)."""


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{list(value.shape)} array"
    if isinstance(value, np.generic):
        return f"NumPy scalar {type(value).__name__} (use a 0-d array: np.asarray(value))"
    return type(value).__name__


def _check_leaf(where: str, spec: ArraySpec, value: Any, outer: tuple[int, ...]) -> None:
    expected = f"{spec.dtype}{list(outer + spec.shape)} array"
    if not isinstance(value, np.ndarray) or value.dtype != spec.dtype or value.shape != outer + spec.shape:
        raise EnvCheckError(f"{where} is a {_describe(value)}; expected a {expected} ({spec!r})")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise EnvCheckError(f"{where} contains NaN or inf")
    if isinstance(spec, BoundedArraySpec) and not (np.all(value >= spec.minimum) and np.all(value <= spec.maximum)):
        raise EnvCheckError(f"{where} has values outside [{spec.minimum}, {spec.maximum}] ({spec!r})")


def _check_time_step(label: str, env: Env, time_step: Any) -> None:
    if not isinstance(time_step, TimeStep):
        raise EnvCheckError(f"{label} returned a {type(time_step).__name__}, not an rlkit.types.TimeStep (an rlkit env's "
                            "_reset/_step build one with rlkit.types.restart/transition/termination/truncation)")
    outer = env.outer_shape
    specs = env.time_step_spec()
    for field in ("step_type", "reward", "discount"):
        _check_leaf(f"{label}.{field}", getattr(specs, field), getattr(time_step, field), outer)
    if not np.all(np.isin(time_step.step_type, [StepType.FIRST, StepType.MID, StepType.LAST])):
        raise EnvCheckError(f"{label}.step_type has values {np.unique(time_step.step_type).tolist()}; expected 0 (FIRST), "
                            "1 (MID) or 2 (LAST)")
    if not (np.all(time_step.discount >= 0) and np.all(time_step.discount <= 1)):
        raise EnvCheckError(f"{label}.discount is outside [0, 1]: {time_step.discount}")
    spec_leaves, paths = nest.flatten(specs.observation), _paths(specs.observation)
    try:
        value_leaves = nest.flatten(time_step.observation)
    except (TypeError, AttributeError, KeyError):
        value_leaves = None
    if value_leaves is None or len(value_leaves) != len(spec_leaves):
        raise EnvCheckError(f"{label}.observation does not have the structure of observation_spec() {specs.observation!r}")
    for path, spec, value in zip(paths, spec_leaves, value_leaves):
        _check_leaf(f"{label}.observation{path}", spec, value, outer)


def _paths(structure: Any, prefix: str = "") -> list[str]:
    if isinstance(structure, dict):
        return [p for key in sorted(structure) for p in _paths(structure[key], f"{prefix}[{key!r}]")]
    if isinstance(structure, (list, tuple)):
        return [p for i, item in enumerate(structure) for p in _paths(item, f"{prefix}[{i}]")]
    return [prefix]


def check_frame(frame: Any) -> None:
    """``frame`` must be an RGB ``uint8`` array ``[H, W, 3]`` (what videos are made of)."""
    if not (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
            and frame.shape[0] > 0 and frame.shape[1] > 0):
        raise EnvCheckError(f"render() returned a {_describe(frame)}; expected an RGB uint8 [H, W, 3] array")


def _call(name: str, label: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except EnvCheckError:
        raise
    except Exception as err:  # noqa: BLE001 - a broken plugin: say which call failed, in one line
        raise EnvCheckError(f"env {name!r}: {label} raised {type(err).__name__}: {' '.join(str(err).split())}") from err


def check_env_outputs(env: Env, name: str, render: bool = False) -> None:
    """Reset ``env``, take one step with an action sampled from ``action_spec()`` (and render env 0
    with ``render``), and check every field against the specs: exact dtypes, shapes (batch dim
    included), finite floats, bounds, step types and discounts. ``EnvCheckError`` names the env and
    the field. The env is left mid-episode: reset it (with a seed) before use."""
    try:
        _check_time_step("reset()", env, _call(name, "reset()", env.reset))
        action = sample_nest(env.action_spec(), np.random.default_rng(0), env.outer_shape)
        _check_time_step("step()", env, _call(name, "step()", env.step, action))
        if render:
            check_frame(_call(name, "render()", env.render, 0))
    except EnvCheckError as err:
        message = str(err)
        raise EnvCheckError(message if message.startswith("env ") else f"env {name!r}: {message}") from err.__cause__
