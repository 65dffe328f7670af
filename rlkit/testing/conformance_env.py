"""``EnvConformance``: the rlkit ``Env`` contract as a pytest mixin (dm_env's ``EnvironmentTestMixin``).

    class TestMyEnv(EnvConformance):
        @pytest.fixture
        def make_env(self):
            return lambda: MyEnv(num_envs=4)      # a zero-argument factory of fresh envs

Class attributes tune what is checked: ``seeded`` (``reset(seed=s)`` replays episodes: default
True), ``seed_sensitive`` (different seeds give different first observations: default True),
``max_steps_to_last`` (an episode must end within this many steps of random actions),
``time_limit`` (the ``make_env`` envs truncate episodes at this many steps: then truncation must
give discount 1; default ``None``, not checked), ``renders`` (``render()`` must work: default
``None``: checked unless it raises ``NotImplementedError``; ``False``: not checked).

Beyond specs, dtypes and step types it checks what ``docs/plugins.md`` promises: the action is
ignored on the autoreset step, successive time steps share no writable arrays (and earlier ones
never change), truncation keeps discount 1, and ``render`` returns ``uint8 [H, W, 3]``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from rlkit import nest
from rlkit.core import Env
from rlkit.specs import ArraySpec, BoundedArraySpec, sample_nest, validate_nest
from rlkit.types import DISCOUNT_DTYPE, REWARD_DTYPE, STEP_TYPE_DTYPE, StepType, TimeStep

__all__ = ["EnvConformance"]


def _outer(env: Env) -> tuple[int, ...]:
    return () if env.batch_size is None else (env.batch_size,)


def _leaves_equal(a: Any, b: Any) -> bool:
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(nest.flatten(a), nest.flatten(b)))


def _other_action(spec: Any, action: Any) -> np.ndarray:
    """A valid action different from ``action`` wherever the spec allows another value."""
    action = np.asarray(action)
    if isinstance(spec, BoundedArraySpec):
        low = np.broadcast_to(spec.minimum, action.shape)
        high = np.broadcast_to(spec.maximum, action.shape)
        if spec.dtype.kind in "iub":
            bumped = np.where(action >= high, low, action.astype(np.int64) + 1)
            return bumped.astype(spec.dtype)
        if np.all(np.isfinite(low)) and np.all(np.isfinite(high)):
            return np.where(action == low, high, low).astype(spec.dtype)
    return (action + 1).astype(spec.dtype)


def _rows(mask: np.ndarray, spec: Any, outer: tuple[int, ...]) -> np.ndarray:
    return mask.reshape(outer + (1,) * len(spec.shape)) if outer else mask


def _array_leaves(time_step: TimeStep) -> list[tuple[str, np.ndarray]]:
    leaves = [(name, getattr(time_step, name)) for name in ("step_type", "reward", "discount")]
    leaves += [(f"observation[{i}]", leaf) for i, leaf in enumerate(nest.flatten(time_step.observation))]
    return [(name, leaf) for name, leaf in leaves if isinstance(leaf, np.ndarray)]


def _invalid_actions(spec: Any, valid: Any, outer: tuple[int, ...]) -> list[tuple[str, Any]]:
    """Actions that violate a single (non-nested) spec: out of bounds, wrong dtype, NaN, wrong shape."""
    cases: list[tuple[str, Any]] = [("wrong shape", np.zeros(outer + spec.shape + (2,), spec.dtype))]
    if isinstance(spec, BoundedArraySpec) and spec.dtype.kind in "iu":
        high, low = np.broadcast_to(spec.maximum, spec.shape), np.broadcast_to(spec.minimum, spec.shape)
        info = np.iinfo(spec.dtype)
        if np.all(high < info.max):
            cases.append(("above maximum", np.broadcast_to(high + 1, outer + spec.shape).astype(spec.dtype)))
        if np.all(low > info.min):
            cases.append(("below minimum", np.broadcast_to(low - 1, outer + spec.shape).astype(spec.dtype)))
        if outer == () and spec.shape == ():
            cases.append(("python int above maximum", int(high) + 1))
            cases.append(("python float", float(low) + 0.5))
            cases.append(("NaN", float("nan")))
        else:
            cases.append(("float array", np.asarray(valid, np.float64) + 0.5))
    if spec.dtype.kind == "f":
        nan = np.array(valid, spec.dtype, copy=True)
        nan.reshape(-1)[0] = np.nan
        cases.append(("NaN", nan))
        if isinstance(spec, BoundedArraySpec) and np.all(np.isfinite(spec.maximum)):
            cases.append(("above maximum", np.broadcast_to(spec.maximum, outer + spec.shape).astype(np.float64) * 2 + 1))
    return cases


class EnvConformance:
    """Tests every rlkit ``Env`` must pass. Subclasses provide the ``make_env`` fixture."""

    seeded: bool = True
    seed_sensitive: bool = True
    max_steps_to_last: int = 2000
    time_limit: int | None = None
    renders: bool | None = None

    @pytest.fixture
    def make_env(self) -> Callable[[], Env]:  # pragma: no cover - overridden
        raise NotImplementedError("define a `make_env` fixture returning a zero-argument env factory")

    @pytest.fixture
    def env(self, make_env: Callable[[], Env]):
        env = make_env()
        yield env
        env.close()

    # -- helpers ---------------------------------------------------------------------------
    def _random_actions(self, env: Env, seed: int = 0) -> Callable[[], Any]:
        rng = np.random.default_rng(seed)
        return lambda: sample_nest(env.action_spec(), rng, _outer(env))

    def _check_time_step(self, env: Env, time_step: Any) -> None:
        assert isinstance(time_step, TimeStep), f"expected a TimeStep, got {type(time_step).__name__}"
        outer = _outer(env)
        for name, dtype in (("step_type", STEP_TYPE_DTYPE), ("reward", REWARD_DTYPE), ("discount", DISCOUNT_DTYPE)):
            field = getattr(time_step, name)
            assert isinstance(field, np.ndarray), f"{name} must be a NumPy array, got {type(field).__name__}"
            assert field.shape == outer, f"{name} shape {field.shape} != outer shape {outer}"
            assert field.dtype == dtype, f"{name} dtype {field.dtype} != {np.dtype(dtype)}"
        validate_nest(env.time_step_spec().reward, time_step.reward, outer)
        for leaf in nest.flatten(time_step.observation):
            assert isinstance(leaf, np.ndarray), f"observation leaves must be NumPy arrays, got {type(leaf).__name__}"
        for spec, leaf in zip(nest.flatten(env.observation_spec()), nest.flatten(time_step.observation)):
            assert leaf.dtype == spec.dtype and leaf.shape == outer + spec.shape, (
                f"observation {leaf.dtype}{leaf.shape} does not match {spec!r} with outer shape {outer}")
        assert np.all(np.isin(time_step.step_type, [StepType.FIRST, StepType.MID, StepType.LAST]))
        assert np.all((time_step.discount >= 0) & (time_step.discount <= 1))

    def _run(self, env: Env, steps: int, seed: int = 0) -> list[TimeStep]:
        sample = self._random_actions(env, seed)
        return [env.step(sample()) for _ in range(steps)]

    # -- specs -----------------------------------------------------------------------------
    def test_specs(self, env: Env) -> None:
        for spec in nest.flatten(env.observation_spec()) + nest.flatten(env.action_spec()):
            assert isinstance(spec, ArraySpec), f"specs must be ArraySpecs, got {spec!r}"
        step_spec = env.time_step_spec()
        assert isinstance(step_spec, TimeStep)
        assert step_spec.step_type.dtype == STEP_TYPE_DTYPE
        assert step_spec.reward.dtype == REWARD_DTYPE and step_spec.discount.dtype == DISCOUNT_DTYPE
        assert step_spec.observation == env.observation_spec()
        assert env.batch_size is None or (isinstance(env.batch_size, int) and env.batch_size >= 1)

    # -- reset and step --------------------------------------------------------------------
    def test_reset_returns_first(self, env: Env) -> None:
        assert env.current_time_step() is None
        time_step = env.reset()
        self._check_time_step(env, time_step)
        assert np.all(time_step.step_type == StepType.FIRST)
        assert np.all(time_step.reward == 0) and np.all(time_step.discount == 1)
        validate_nest(env.observation_spec(), time_step.observation, _outer(env))
        assert env.current_time_step() is time_step

    def test_step_types_and_shapes(self, env: Env) -> None:
        env.reset()
        for time_step in self._run(env, 50):
            self._check_time_step(env, time_step)
            validate_nest(env.observation_spec(), time_step.observation, _outer(env))
        assert env.current_time_step() is time_step

    def test_step_before_reset_raises(self, env: Env) -> None:
        action = self._random_actions(env)()
        with pytest.raises(RuntimeError, match="reset"):
            env.step(action)

    def test_invalid_actions_raise_value_error_naming_the_spec(self, env: Env) -> None:
        env.reset()
        spec = env.action_spec()
        valid = self._random_actions(env)()
        leaves = nest.flatten(spec)
        if len(leaves) != 1 or nest.is_nested(spec):
            with pytest.raises(ValueError):
                env.step(object())
            return
        for label, action in _invalid_actions(spec, valid, _outer(env)):
            with pytest.raises(ValueError) as info:
                env.step(action)
            assert repr(spec) in str(info.value), f"ValueError for {label} action must name the spec: {info.value}"
        env.step(valid)  # the env is still usable

    # -- episodes --------------------------------------------------------------------------
    def _until_last(self, env: Env, sample: Callable[[], Any]) -> list[TimeStep]:
        steps = []
        for _ in range(self.max_steps_to_last):
            steps.append(env.step(sample()))
            if np.any(steps[-1].is_last()):
                return steps
        pytest.fail(f"no episode ended within {self.max_steps_to_last} steps of random actions")

    def test_next_step_autoreset(self, env: Env) -> None:
        sample = self._random_actions(env, seed=1)
        previous = env.reset()
        for time_step in self._until_last(env, sample) + [env.step(sample()) for _ in range(3)]:
            was_last = np.asarray(previous.is_last())
            first = np.asarray(time_step.is_first())
            np.testing.assert_array_equal(first, was_last, err_msg="FIRST must follow exactly the LAST steps")
            assert np.all(time_step.reward[first] == 0) and np.all(time_step.discount[first] == 1)
            previous = time_step

    def test_last_discounts(self, env: Env) -> None:
        sample = self._random_actions(env, seed=2)
        env.reset()
        for time_step in self._until_last(env, sample):
            mid = np.asarray(time_step.is_mid())
            last = np.asarray(time_step.is_last())
            assert np.all(time_step.discount[mid] > 0), "MID steps must keep a positive discount"
            assert np.all(np.isin(time_step.discount[last], [0.0, 1.0])), (
                "LAST steps have discount 0 (terminated) or 1 (truncated)")

    def test_action_ignored_on_autoreset(self, make_env: Callable[[], Env]) -> None:
        """Two identically seeded envs given different actions on the step after LAST stay identical."""
        if not self.seeded:
            pytest.skip("needs reset(seed=...) to replay episodes (seeded = False)")
        first, second = make_env(), make_env()
        try:
            spec = first.action_spec()
            if nest.is_nested(spec):
                pytest.skip("checked for single (non-nested) action specs")
            outer = _outer(first)
            previous = first.reset(seed=7)
            second.reset(seed=7)
            sample = self._random_actions(first, seed=4)
            restarts = 0
            for _ in range(self.max_steps_to_last + 40):
                action = np.asarray(sample())
                restarting = np.asarray(previous.is_last())
                other = np.where(_rows(restarting, spec, outer), _other_action(spec, action), action) if restarting.any() else action
                a, b = first.step(action), second.step(other.astype(spec.dtype))
                assert _leaves_equal(a, b), (
                    "the action on the step after LAST must be ignored (next-step autoreset), but two identically "
                    f"seeded envs given different actions there returned different time steps:\n{a}\n{b}")
                restarts += int(restarting.sum())
                previous = a
                if restarts >= 2:
                    break
            if restarts == 0:
                pytest.fail(f"no episode ended within {self.max_steps_to_last} steps of random actions")
        finally:
            first.close()
            second.close()

    def test_time_steps_share_no_arrays(self, env: Env) -> None:
        """Drivers keep earlier time steps: returning views of a reused buffer would corrupt stored experience."""
        sample = self._random_actions(env, seed=5)
        steps = [env.reset(seed=0) if self.seeded else env.reset()]
        steps += [env.step(sample()) for _ in range(20)]
        copies = [nest.map_structure(np.copy, list(ts)) for ts in steps]
        steps += [env.step(sample()) for _ in range(3)]
        for i, (time_step, copy) in enumerate(zip(steps, copies)):
            assert _leaves_equal(list(time_step), copy), (
                f"time step {i} changed after later steps: return fresh arrays from step(), not views of a buffer")
        for i in range(1, len(steps)):
            for name, leaf in _array_leaves(steps[i]):
                if not leaf.flags.writeable:
                    continue  # shared read-only constants (e.g. 0-d step types) are safe
                for j in range(max(0, i - 3), i):
                    for other_name, other in _array_leaves(steps[j]):
                        assert not np.shares_memory(leaf, other), (
                            f"{name} of time step {i} shares memory with {other_name} of time step {j}: return "
                            "fresh (or read-only) arrays from step()")

    def test_truncation_discount_is_one(self, env: Env) -> None:
        """With ``time_limit`` set, no episode outlasts it and the episodes it cuts end LAST with discount 1."""
        if self.time_limit is None:
            pytest.skip("declare time_limit (the episode time limit of make_env's envs) to check truncation")
        limit = int(self.time_limit)
        sample = self._random_actions(env, seed=6)
        time_step = env.reset(seed=0) if self.seeded else env.reset()
        length = np.zeros(max(1, env.batch_size or 1), np.int64)
        at_limit: list[float] = []
        for _ in range(max(4 * limit, 200)):
            time_step = env.step(sample())
            first = np.asarray(time_step.is_first()).reshape(-1)
            length = np.where(first, 0, length + 1)
            assert np.all(length <= limit), f"an episode ran {int(length.max())} steps past time_limit={limit}"
            ended = np.asarray(time_step.is_last()).reshape(-1) & (length == limit)
            at_limit += list(np.asarray(time_step.discount).reshape(-1)[ended])
        if not at_limit:
            pytest.fail(f"no episode reached time_limit={limit} under random actions: build the env with a shorter "
                        "time limit in make_env (and declare it as time_limit)")
        assert 1.0 in at_limit, (
            f"every episode cut at time_limit={limit} ended with discount {sorted(set(at_limit))}: truncation (a time "
            "limit) must keep discount 1 so value targets still bootstrap; discount 0 is for termination")

    def test_render_returns_uint8_rgb(self, env: Env) -> None:
        if self.renders is False:
            pytest.skip("this env declares renders = False")
        env.reset()
        indices = [0] if env.batch_size is None else [0, env.batch_size - 1]
        for index in indices:
            try:
                frame = env.render(index)
            except NotImplementedError:
                if self.renders:
                    raise
                pytest.skip(f"{type(env).__name__} does not render")
            assert isinstance(frame, np.ndarray), f"render() must return a NumPy array, got {type(frame).__name__}"
            assert frame.dtype == np.uint8, f"render() must return uint8 pixels, got dtype {frame.dtype}"
            assert frame.ndim == 3 and frame.shape[2] == 3 and frame.shape[0] > 0 and frame.shape[1] > 0, (
                f"render() must return an RGB frame [H, W, 3], got shape {frame.shape}")
        env.step(self._random_actions(env)())
        assert env.render(0).shape == frame.shape, "render() must keep one frame size"

    # -- seeding ---------------------------------------------------------------------------
    def _trajectory(self, env: Env, seed: int, steps: int) -> list[TimeStep]:
        return [env.reset(seed=seed)] + self._run(env, steps, seed=3)

    def test_seeding_determinism(self, make_env: Callable[[], Env]) -> None:
        if not self.seeded:
            pytest.skip("this env declares seeded = False")
        first, second = make_env(), make_env()
        try:
            run_a = self._trajectory(first, 42, 60)
            run_b = self._trajectory(second, 42, 60)
            run_c = self._trajectory(first, 42, 60)  # reseeding the same env replays too
        finally:
            first.close()
            second.close()
        for a, b, c in zip(run_a, run_b, run_c):
            assert _leaves_equal(a, b) and _leaves_equal(a, c), "same seed, same actions must give the same time steps"

    def test_seed_sensitivity(self, make_env: Callable[[], Env]) -> None:
        if not (self.seeded and self.seed_sensitive):
            pytest.skip("this env declares seeded or seed_sensitive False")
        env = make_env()
        try:
            observations = [env.reset(seed=seed).observation for seed in (1, 2, 3)]
        finally:
            env.close()
        assert not (_leaves_equal(observations[0], observations[1]) and _leaves_equal(observations[1], observations[2]))

    # -- close -----------------------------------------------------------------------------
    def test_close(self, make_env: Callable[[], Env]) -> None:
        env = make_env()
        env.reset()
        env.step(self._random_actions(env)())
        env.close()
        with make_env() as other:
            other.reset()
