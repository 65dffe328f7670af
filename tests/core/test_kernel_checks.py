"""Every kernel entry point checks shapes and dtypes before it touches memory (issue 12, item 1).

The compiled kernels run without bounds checks, so each case here would read or write past an
array if the check were missing. Run once per backend; every case must raise a ``ValueError``
naming what was expected and what was given.
"""
from __future__ import annotations

import numpy as np
import pytest

from rlkit import backend as rlkit_backend
from rlkit.envs import CartPole
from rlkit.policies import EpsilonGreedyPolicy, GreedyPolicy
from rlkit.policies.q_mirror import QValueMirror

SIZES = np.array([4, 8, 2], np.int64)
NUM_PARAMS = 4 * 8 + 8 + 8 * 2 + 2


def _params(n: int = NUM_PARAMS) -> np.ndarray:
    return np.random.default_rng(0).normal(size=n).astype(np.float32)


# -- qmirror kernel --------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 3, 5])
def test_qmirror_greedy_action_rejects_wrong_observation_size(backend, dim):
    kernel = rlkit_backend.load("qmirror", backend)
    with pytest.raises(ValueError, match=rf"\(4,\).*\({dim},\)"):
        kernel.greedy_action(np.zeros(dim, np.float32), _params(), SIZES, 0, False)


@pytest.mark.parametrize("call", ["greedy_action", "greedy_actions", "q_values"])
@pytest.mark.parametrize("num_params", [0, NUM_PARAMS - 1, NUM_PARAMS + 1])
def test_qmirror_rejects_wrong_number_of_params(backend, call, num_params):
    kernel = rlkit_backend.load("qmirror", backend)
    obs = np.zeros((2, 4), np.float32)
    args = {
        "greedy_action": (obs[0], _params(num_params), SIZES, 0, False),
        "greedy_actions": (obs, _params(num_params), SIZES, 0, False, np.empty(2, np.int64)),
        "q_values": (obs, _params(num_params), SIZES, 0, False, np.empty((2, 2), np.float32)),
    }[call]
    with pytest.raises(ValueError, match=rf"\({NUM_PARAMS},\).*\({num_params},\)"):
        getattr(kernel, call)(*args)


def test_qmirror_rejects_bad_sizes_and_dueling_without_hidden_layer(backend):
    kernel = rlkit_backend.load("qmirror", backend)
    with pytest.raises(ValueError, match="sizes"):
        kernel.greedy_action(np.zeros(4, np.float32), _params(), np.array([4], np.int64), 0, False)
    with pytest.raises(ValueError, match="sizes|positive"):
        kernel.greedy_action(np.zeros(4, np.float32), _params(), np.array([4, 0, 2], np.int64), 0, False)
    with pytest.raises(ValueError, match="dueling"):
        kernel.greedy_action(np.zeros(4, np.float32), _params(4 * 2 + 2 + 4 + 1), np.array([4, 2], np.int64), 0, True)


def test_qmirror_batch_kernels_reject_wrong_shapes(backend):
    kernel = rlkit_backend.load("qmirror", backend)
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(3, 3\)"):
        kernel.greedy_actions(np.zeros((3, 3), np.float32), _params(), SIZES, 0, False, np.empty(3, np.int64))
    with pytest.raises(ValueError, match=r"out"):
        kernel.greedy_actions(np.zeros((3, 4), np.float32), _params(), SIZES, 0, False, np.empty(2, np.int64))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        kernel.q_values(np.zeros((3, 4), np.float32), _params(), SIZES, 0, False, np.empty((3, 1), np.float32))
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        kernel.q_values(np.zeros((3, 4), np.float32), _params(), SIZES, 0, False, np.empty((2, 2), np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_qmirror_reports_non_finite_observations(backend, bad):
    kernel = rlkit_backend.load("qmirror", backend)
    obs = np.zeros((3, 4), np.float32)
    obs[1, 2] = bad
    assert kernel.greedy_action(obs[1].copy(), _params(), SIZES, 0, False) == -1
    assert kernel.greedy_action(obs[0].copy(), _params(), SIZES, 0, False) in (0, 1)
    assert kernel.greedy_actions(obs, _params(), SIZES, 0, False, np.empty(3, np.int64)) == 1
    assert kernel.greedy_actions(obs[[0, 2]].copy(), _params(), SIZES, 0, False, np.empty(2, np.int64)) == -1


# -- the mirror and the Q-policies -----------------------------------------------------------------
def _policies(backend):
    env = CartPole(backend=backend)
    mirror = QValueMirror([4, 8, 2], params=_params(), backend=backend)
    spec = env.time_step_spec()
    return env, [GreedyPolicy(spec, env.action_spec(), mirror),
                 EpsilonGreedyPolicy(spec, env.action_spec(), mirror, epsilon=0.0, seed=0),
                 EpsilonGreedyPolicy(spec, env.action_spec(), mirror, epsilon=1.0, seed=0)]


@pytest.mark.parametrize("shape", [(0,), (1,), (3,), (5,), (2, 3), (1, 5), (2, 2, 2)])
def test_q_policies_reject_observations_of_the_wrong_shape(backend, shape):
    env, policies = _policies(backend)
    time_step = env.reset(seed=0)
    for policy in policies:
        with pytest.raises(ValueError, match="observation shape"):
            policy.action(time_step._replace(observation=np.zeros(shape, np.float32)))


def test_q_policy_error_names_expected_and_given_shape(backend):
    env, (greedy, *_) = _policies(backend)
    with pytest.raises(ValueError, match=r"observation shape \(1,\) is neither one observation \(4,\) nor a batch \[N, 4\]"):
        greedy.action(env.reset(seed=0)._replace(observation=np.zeros(1, np.float32)))


@pytest.mark.parametrize("batched", [False, True])
def test_greedy_policies_reject_nan_observations(backend, batched):
    env, (greedy, collect, _) = _policies(backend)
    time_step = env.reset(seed=0)
    obs = np.array([0.0, np.nan, 0.0, 0.0], np.float32)
    obs = np.stack([np.zeros(4, np.float32), obs]) if batched else obs
    for policy in (greedy, collect):
        with pytest.raises(ValueError, match="NaN or inf"):
            policy.action(time_step._replace(observation=obs))


def test_q_policies_still_act_on_valid_observations(backend):
    env, policies = _policies(backend)
    time_step = env.reset(seed=0)
    for policy in policies:
        assert int(policy.action(time_step).action) in (0, 1)
        batch = np.zeros((3, 4), np.float32)
        assert policy.action(time_step._replace(observation=batch, step_type=np.zeros(3, np.int32))).action.shape == (3,)
        assert int(policy.action(time_step._replace(observation=[0.0, 0.0, 0.0, 0.0])).action) in (0, 1)


def test_mirror_greedy_action_converts_or_rejects(backend):
    mirror = QValueMirror([4, 8, 2], params=_params(), backend=backend)
    assert mirror.greedy_action([0.0, 0.1, 0.0, 0.0]) == mirror.greedy_action(np.array([0.0, 0.1, 0.0, 0.0], np.float32))
    assert mirror.greedy_action(np.zeros(4, np.float64)) in (0, 1)
    for bad in (np.zeros((1, 4), np.float32), np.zeros(3, np.float32), np.float32(0.0), ["a", "b", "c", "d"]):
        with pytest.raises(ValueError, match=r"\(4,\)"):
            mirror.greedy_action(bad)
    with pytest.raises(ValueError, match="NaN or inf"):
        mirror.greedy_actions(np.array([[0, 0, 0, 0], [0, 0, np.inf, 0]], np.float32))


# -- CartPole kernel -------------------------------------------------------------------------------
def test_cartpole_simulator_rejects_empty_batches(backend):
    simulator = rlkit_backend.load("cartpole", backend).Simulator
    for num_envs, limit in ((0, 10), (2, 0), (-1, 5)):
        with pytest.raises(ValueError, match="num_envs >= 1"):
            simulator(num_envs, limit)


@pytest.mark.parametrize("actions", [np.zeros(1, np.int64), np.zeros(3, np.int64), np.zeros(0, np.int64),
                                     np.zeros((2, 1), np.int64)])
def test_cartpole_step_rejects_wrong_action_shapes(backend, actions):
    sim = rlkit_backend.load("cartpole", backend).Simulator(2, 10)
    sim.seed(0)
    sim.reset()
    before = sim.state.copy()
    with pytest.raises(ValueError):
        sim.step(actions)
    np.testing.assert_array_equal(sim.state, before)


def test_cartpole_rollout_rejects_wrong_output_shapes(backend):
    sim = rlkit_backend.load("cartpole", backend).Simulator(2, 10)
    sim.seed(0)
    sim.reset()
    steps = 3
    good = dict(actions=np.zeros((steps, 2), np.int64), obs=np.empty((steps, 2, 4), np.float32),
                reward=np.empty((steps, 2), np.float32), discount=np.empty((steps, 2), np.float32),
                step_type=np.empty((steps, 2), np.int32))
    bad_values = {"actions": np.zeros((steps, 3), np.int64), "obs": np.empty((steps - 1, 2, 4), np.float32),
                  "reward": np.empty((steps, 1), np.float32), "discount": np.empty((1, 2), np.float32),
                  "step_type": np.empty((steps, 2, 1), np.int32)}
    for name, bad in bad_values.items():
        with pytest.raises(ValueError):
            sim.rollout(**{**good, name: bad})
    assert sim.rollout(**good) == -1
    with pytest.raises(ValueError, match=r"uint64\[2\]"):
        sim.rollout_random(5, np.zeros(1, np.uint64))


# -- sampler kernel --------------------------------------------------------------------------------
def _sampler_args(num_envs=2, max_length=8, record_size=16, m=4, num_steps=2):
    return dict(records=np.zeros((num_envs, max_length, record_size), np.uint8), num_envs=num_envs,
                max_length=max_length, record_size=record_size, step_type_offset=0, count=max_length,
                num_steps=num_steps, rng_state=np.zeros(1, np.uint64), out=np.empty((m, num_steps, record_size), np.uint8),
                ids=np.empty(m, np.int64), info=np.empty((2, m), np.float32), max_rounds=100)


def test_sampler_accepts_the_contract(backend):
    sampler = rlkit_backend.load("sampler", backend)
    assert sampler.sample_uniform(**_sampler_args(), num_last=0) == 2 * 7
    tree = np.zeros(2 * 16)
    tree_kernel = rlkit_backend.load("sumtree", backend)
    tree_kernel.update(tree, np.arange(16, dtype=np.int64), np.ones(16))
    assert sampler.sample_prioritized(**_sampler_args(), tree=tree) == 1


@pytest.mark.parametrize("name,bad", [
    ("records", np.zeros((2, 7, 16), np.uint8)),
    ("out", np.empty((4, 1, 16), np.uint8)),
    ("step_type_offset", 13),
    ("step_type_offset", -1),
    ("rng_state", np.zeros(0, np.uint64)),
    ("ids", np.empty(4, np.int32)),
    ("info", np.empty((2, 3), np.float32)),
])
def test_sampler_rejects_arguments_that_would_overrun(backend, name, bad):
    sampler = rlkit_backend.load("sampler", backend)
    tree = np.ones(2 * 16)
    for call, extra in ((sampler.sample_uniform, {"num_last": 0}), (sampler.sample_prioritized, {"tree": tree})):
        args = {**_sampler_args(), **extra, name: bad}
        with pytest.raises(ValueError):
            call(**args)


def test_prioritized_sampler_rejects_a_small_tree_and_ignores_leaves_past_the_capacity(backend):
    sampler = rlkit_backend.load("sampler", backend)
    with pytest.raises(ValueError, match="tree"):
        sampler.sample_prioritized(**_sampler_args(), tree=np.ones(2 * 8))
    # a corrupt tree giving weight to leaves past num_envs * max_length: never read past the records
    tree = np.zeros(2 * 32)
    rlkit_backend.load("sumtree", backend).update(tree, np.array([3, 20, 30], np.int64), np.array([1.0, 1.0, 1.0]))
    args = _sampler_args()
    assert sampler.sample_prioritized(**args, tree=tree) == 1
    np.testing.assert_array_equal(args["ids"] % 2, 0)


def test_random_uint64_rejects_an_empty_state(backend):
    sampler = rlkit_backend.load("sampler", backend)
    with pytest.raises(ValueError, match=r"uint64\[1\]"):
        sampler.random_uint64(np.zeros(0, np.uint64), np.empty(3, np.uint64))


# -- sum tree kernel -------------------------------------------------------------------------------
@pytest.mark.parametrize("leaf", [-1, 16, 10**9])
def test_sumtree_update_rejects_leaves_outside_the_tree(backend, leaf):
    kernel = rlkit_backend.load("sumtree", backend)
    tree = np.zeros(2 * 16)
    with pytest.raises(ValueError, match="outside the tree"):
        kernel.update(tree, np.array([0, leaf], np.int64), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(tree, 0.0)


def test_sumtree_rejects_mismatched_arrays(backend):
    kernel = rlkit_backend.load("sumtree", backend)
    tree = np.zeros(2 * 16)
    with pytest.raises(ValueError):
        kernel.update(tree, np.array([0, 1], np.int64), np.array([1.0]))
    with pytest.raises(ValueError):
        kernel.find(tree, np.array([0.5, 0.1]), np.empty(1, np.int64))
    with pytest.raises(ValueError):
        kernel.find(np.zeros(1), np.array([0.5]), np.empty(1, np.int64))
