"""``PolicyConformance``: a pytest mixin that checks a policy against rlkit's ``Policy`` contract.

Give it one fixture, ``make_policy``: a zero-argument factory returning ``(policy, env)`` (``env``
may be ``None``). Each call must build an identically seeded policy, so that determinism can be
checked::

    class TestMyPolicy(PolicyConformance):
        @pytest.fixture
        def make_policy(self):
            return lambda: (MyPolicy(env.time_step_spec(), env.action_spec(), seed=0), FakeEnv(num_envs=3))

Time steps are built from the policy's ``time_step_spec`` (observations sampled from its spec),
unbatched and batched; with an env, its own time steps are used as well.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from rlkit import nest
from rlkit.core import Env, Policy
from rlkit.specs import sample_nest, validate_nest
from rlkit.types import PolicyStep, StepType, TimeStep

__all__ = ["PolicyConformance"]

BATCH = 5


def _time_step(policy: Policy, outer: tuple, seed: int) -> TimeStep:
    rng = np.random.default_rng(seed)
    spec = policy.time_step_spec
    observation = sample_nest(spec.observation, rng, outer)
    step_type = np.full(outer, StepType.MID, np.int32) if outer else np.asarray(StepType.MID, np.int32)
    return TimeStep(step_type, np.zeros(outer, np.float32), np.ones(outer, np.float32), observation)


def _actions_equal(a: Any, b: Any) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(nest.flatten(a), nest.flatten(b)))


class PolicyConformance:
    """Mixin of conformance tests; subclasses provide the ``make_policy`` fixture."""

    @pytest.fixture
    def make_policy(self) -> Callable[[], tuple[Policy, Env | None]]:  # pragma: no cover - overridden
        raise NotImplementedError("define a make_policy fixture returning a factory of (policy, env)")

    def test_is_policy(self, make_policy: Callable) -> None:
        policy, _ = make_policy()
        assert isinstance(policy, Policy), f"{type(policy).__name__} must subclass rlkit.core.Policy"

    @pytest.mark.parametrize("outer", [(), (BATCH,)], ids=["unbatched", "batched"])
    def test_action_conforms_to_spec(self, make_policy: Callable, outer: tuple) -> None:
        policy, _ = make_policy()
        state = policy.get_initial_state(outer[0] if outer else None)
        for seed in range(5):
            step = policy.action(_time_step(policy, outer, seed), state)
            assert isinstance(step, PolicyStep), f"action() must return a PolicyStep, got {type(step).__name__}"
            validate_nest(policy.action_spec, step.action, outer)  # shape, dtype and bounds
            for leaf, spec in zip(nest.flatten(step.action), nest.flatten(policy.action_spec)):
                assert np.asarray(leaf).dtype == spec.dtype, f"action dtype {np.asarray(leaf).dtype} != spec dtype {spec.dtype}"
                assert np.shape(leaf) == outer + spec.shape
            validate_nest(policy.info_spec, step.info, outer)
            state = step.state

    def test_initial_state_matches_spec(self, make_policy: Callable) -> None:
        policy, _ = make_policy()
        validate_nest(policy.policy_state_spec, policy.get_initial_state(None), ())
        validate_nest(policy.policy_state_spec, policy.get_initial_state(BATCH), (BATCH,))
        step = policy.action(_time_step(policy, (BATCH,), 0), policy.get_initial_state(BATCH))
        validate_nest(policy.policy_state_spec, step.state, (BATCH,))

    def test_policy_step_spec(self, make_policy: Callable) -> None:
        policy, _ = make_policy()
        spec = policy.policy_step_spec
        assert isinstance(spec, PolicyStep)
        assert spec.action is policy.action_spec

    def test_same_seed_same_actions(self, make_policy: Callable) -> None:
        (first, _), (second, _) = make_policy(), make_policy()
        for seed in range(10):
            outer = (BATCH,) if seed % 2 else ()
            a = first.action(_time_step(first, outer, seed), first.get_initial_state(outer[0] if outer else None)).action
            b = second.action(_time_step(second, outer, seed), second.get_initial_state(outer[0] if outer else None)).action
            assert _actions_equal(a, b), "two policies from the same factory (same seed) acted differently"

    def test_state_restore_repeats_actions(self, make_policy: Callable) -> None:
        policy, _ = make_policy()
        if policy.get_state() is None:
            pytest.skip("policy has no checkpoint state (get_state() returns None)")
        step = _time_step(policy, (BATCH,), 0)
        policy.action(step)
        saved = policy.get_state()
        before = [policy.action(step).action for _ in range(5)]
        policy.set_state(saved)
        after = [policy.action(step).action for _ in range(5)]
        assert all(_actions_equal(x, y) for x, y in zip(before, after))

    def test_drives_its_env(self, make_policy: Callable) -> None:
        policy, env = make_policy()
        if env is None:
            pytest.skip("factory returned no env")
        time_step = env.reset(seed=0)
        state = policy.get_initial_state(env.batch_size)
        for _ in range(10):
            step = policy.action(time_step, state)
            validate_nest(policy.action_spec, step.action, env.outer_shape)
            time_step = env.step(step.action)
            state = step.state
