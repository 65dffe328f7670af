import numpy as np
import pytest

from rlkit.core import time_step_spec
from rlkit.policies import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy, LinearSchedule, QValueMirror, RandomPolicy
from rlkit.specs import ArraySpec, BoundedArraySpec
from rlkit.types import restart

OBS_SPEC = BoundedArraySpec((2,), np.float32, -5.0, 5.0, name="observation")
ACTION_SPEC = BoundedArraySpec((), np.int64, 3, 5, name="action")  # 3 actions, minimum 3
TS_SPEC = time_step_spec(OBS_SPEC)


def _mirror() -> QValueMirror:
    # q = x @ W + b with no hidden layer: q_a = x0 * a (a = 0, 1, 2) -> greedy is 2 if x0 > 0 else 0
    mirror = QValueMirror([2, 3], backend="numba")
    mirror.set_weights([np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]]), np.zeros(3)])
    return mirror


def test_greedy_offsets_by_action_minimum_batched_and_unbatched():
    policy = GreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror())
    one = policy.action(restart(np.array([1.0, 0.0], np.float32))).action
    assert one == 5 and np.asarray(one).dtype == np.int64 and np.shape(one) == ()
    batch = policy.action(restart(np.array([[1.0, 0.0], [-1.0, 0.0]], np.float32), batch_size=2)).action
    np.testing.assert_array_equal(batch, [5, 3])
    assert batch.dtype == np.int64


def test_greedy_accepts_float64_and_list_observations():
    policy = GreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror())
    assert policy.action(restart(np.array([2.0, 0.0]))).action == 5
    assert policy.action(restart([-2.0, 0.0])).action == 3


def test_epsilon_zero_is_greedy_and_one_is_uniform():
    obs = np.tile(np.array([[1.0, 0.0]], np.float32), (30_000, 1))
    greedy = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=0.0, seed=0)
    assert set(greedy.action(restart(obs, 30_000)).action) == {5}
    uniform = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=1.0, seed=0)
    counts = np.bincount(uniform.action(restart(obs, 30_000)).action - 3, minlength=3) / 30_000
    np.testing.assert_allclose(counts, [1 / 3] * 3, atol=0.015)


def test_epsilon_greedy_frequencies_unbatched():
    policy = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=0.3, seed=1)
    step = restart(np.array([1.0, 0.0], np.float32))
    actions = np.array([policy.action(step).action for _ in range(20_000)]) - 3
    # greedy action 2 with prob 0.7 + 0.3 / 3, the others 0.1 each
    np.testing.assert_allclose(np.bincount(actions, minlength=3) / 20_000, [0.1, 0.1, 0.8], atol=0.015)


def test_epsilon_schedule_follows_set_step():
    policy = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=LinearSchedule(1.0, 0.0, 100), seed=0)
    assert policy.epsilon == 1.0
    policy.set_step(50)
    assert policy.epsilon == pytest.approx(0.5)
    policy.set_step(1000)
    assert policy.epsilon == 0.0
    state = policy.get_state()
    policy.set_step(0)
    policy.set_state(state)
    assert policy.epsilon == 0.0 and policy.step == 1000


def test_epsilon_out_of_range_rejected():
    with pytest.raises(ValueError, match=r"epsilon must be in \[0, 1\]"):
        EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=1.5)
    policy = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=lambda step: 1.0 - step)
    with pytest.raises(ValueError, match="epsilon"):
        policy.set_step(3)


def test_boltzmann_probabilities_and_sampling():
    policy = BoltzmannPolicy(TS_SPEC, ACTION_SPEC, _mirror(), temperature=0.5, seed=0)
    obs = np.array([[1.0, 0.0]], np.float32)
    logits = np.array([0.0, 1.0, 2.0]) / 0.5
    expected = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(policy.probabilities(obs)[0], expected, rtol=1e-6)
    actions = policy.action(restart(np.repeat(obs, 40_000, axis=0), 40_000)).action - 3
    np.testing.assert_allclose(np.bincount(actions, minlength=3) / 40_000, expected, atol=0.01)
    single = policy.action(restart(obs[0])).action
    assert np.shape(single) == () and 3 <= single <= 5
    with pytest.raises(ValueError, match="temperature"):
        BoltzmannPolicy(TS_SPEC, ACTION_SPEC, _mirror(), temperature=0.0)


def test_random_policy_uniform_and_restorable():
    policy = RandomPolicy(TS_SPEC, ACTION_SPEC, seed=7)
    actions = policy.action(restart(np.zeros((30_000, 2), np.float32), 30_000)).action
    assert actions.dtype == np.int64 and actions.min() == 3 and actions.max() == 5
    np.testing.assert_allclose(np.bincount(actions - 3) / 30_000, [1 / 3] * 3, atol=0.015)
    state = policy.get_state()
    first = [int(policy.action(restart(np.zeros(2, np.float32))).action) for _ in range(20)]
    policy.set_state(state)
    assert first == [int(policy.action(restart(np.zeros(2, np.float32))).action) for _ in range(20)]
    with pytest.raises(ValueError, match="policy state"):
        policy.set_state({"nope": 1})


def test_random_policy_nested_float_spec():
    spec = {"steer": BoundedArraySpec((2,), np.float32, -1.0, 1.0), "gear": BoundedArraySpec((), np.int32, 0, 3)}
    policy = RandomPolicy(TS_SPEC, spec, seed=0)
    action = policy.action(restart(np.zeros((4, 2), np.float32), 4)).action
    assert action["steer"].shape == (4, 2) and action["gear"].shape == (4,)
    with pytest.raises(TypeError, match="bounded"):
        RandomPolicy(TS_SPEC, ArraySpec((), np.int64))


def test_q_policies_validate_specs():
    with pytest.raises(ValueError, match="3 outputs"):
        GreedyPolicy(TS_SPEC, BoundedArraySpec((), np.int64, 0, 1), _mirror())
    with pytest.raises(ValueError, match="scalar discrete"):
        GreedyPolicy(TS_SPEC, BoundedArraySpec((), np.float32, 0, 1), _mirror())
    with pytest.raises(TypeError, match="QValueMirror"):
        GreedyPolicy(TS_SPEC, ACTION_SPEC, lambda obs: obs)
    with pytest.raises(ValueError, match="features"):
        GreedyPolicy(time_step_spec(BoundedArraySpec((3,), np.float32, -1, 1)), ACTION_SPEC, _mirror())
    policy = GreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror())
    with pytest.raises(ValueError, match="neither one observation"):
        policy.action(restart(np.zeros((2, 2, 2), np.float32), 2))


def test_mirror_refresh_changes_actions():
    mirror = _mirror()
    policy = GreedyPolicy(TS_SPEC, ACTION_SPEC, mirror)
    step = restart(np.array([1.0, 0.0], np.float32))
    assert policy.action(step).action == 5
    mirror.set_weights([np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]]), np.zeros(3)])
    assert policy.action(step).action == 4


def test_epsilon_greedy_batch_of_one_matches_unbatched_and_batch_of_two_draws():
    rng = np.random.default_rng(0)
    observations = rng.uniform(-1, 1, (500, 2)).astype(np.float32)
    unbatched = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=0.4, seed=7)
    batch_of_one = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=0.4, seed=7)
    wide = EpsilonGreedyPolicy(TS_SPEC, ACTION_SPEC, _mirror(), epsilon=0.4, seed=7)
    one = [unbatched.action(restart(obs)).action for obs in observations]
    batched = [batch_of_one.action(restart(obs[None], batch_size=1)).action for obs in observations]
    assert all(np.shape(a) == (1,) and a.dtype == np.int64 for a in batched)
    np.testing.assert_array_equal(np.concatenate(batched), one)
    pairs = wide.action(restart(observations[:2], batch_size=2)).action  # one draw per env, in env order
    np.testing.assert_array_equal(pairs, one[:2])
