"""DqnAgent: TD targets by hand, target-network updates, option checks, train_block == K x train, learning."""
from __future__ import annotations

import numpy as np
import pytest

import tensorflow as tf  # noqa: E402,F401  (missing TensorFlow must fail, never skip)
import keras  # noqa: E402

from rlkit import registry  # noqa: E402
from rlkit.agents.dqn import DqnAgent, DqnConfig  # noqa: E402
from rlkit.networks import QNetwork  # noqa: E402
from rlkit.policies import BoltzmannPolicy, EpsilonGreedyPolicy, GreedyPolicy, LinearSchedule  # noqa: E402
from rlkit.types import restart  # noqa: E402
from tests.agents.helpers import ACTION_SPEC, LAST, MID, OBS_SPEC, TS_SPEC, random_experience, window  # noqa: E402


def make_agent(fc=(16,), lr=1e-2, seed=0, **options) -> DqnAgent:
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=fc, seed=seed)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(lr), seed=seed, **options)
    agent.initialize()
    return agent


def linear_agent(**options) -> DqnAgent:
    """Q(s) = s @ diag(1, 1) for the online net, s @ diag(2, 3) for the target net; no learning (SGD lr 0)."""
    network = QNetwork(OBS_SPEC, ACTION_SPEC, fc_layer_params=(), seed=0)
    options.setdefault("target_update_period", 1000)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.SGD(0.0), td_errors_loss_fn="squared", **options)
    network.q_head.kernel.assign(np.eye(2, dtype=np.float32))
    network.q_head.bias.assign(np.zeros(2, np.float32))
    agent.initialize()
    agent.target_q_network.q_head.kernel.assign(np.diag([2.0, 3.0]).astype(np.float32))
    return agent


# Four one-step windows [B=4, T=2]: a MID transition, a termination, a truncation and a boundary (starts on LAST).
HAND_BATCH = window(
    obs=[[[1, 2], [1.2, 1]], [[0.5, 0], [5, 5]], [[2, 1], [1, -1]], [[7, 7], [0, 0]]],
    action=[[0, 0], [1, 0], [1, 0], [0, 0]],
    reward=[[1, 0], [1, 0], [-1, 0], [9, 0]],
    discount=[[1, 1], [0, 1], [1, 1], [1, 1]],
    step_type=[[MID, MID], [MID, LAST], [MID, LAST], [LAST, MID]],
    next_step_type=[[MID, MID], [LAST, MID], [LAST, MID], [MID, MID]],
)


def test_td_targets_by_hand_plain_and_reward_scale():
    agent = linear_agent(gamma=0.9, reward_scale_factor=2.0)
    info = agent.train(HAND_BATCH)
    # 1: Q_target(s') = [2.4, 3] -> 2 * 1 + 0.9 * 3 = 4.7, Q(s, 0) = 1 -> 3.7
    # 2: terminated (discount 0): 2 * 1 = 2, Q(s, 1) = 0 -> 2
    # 3: truncated (discount 1): Q_target(s') = [2, -3] -> 2 * -1 + 0.9 * 2 = -0.2, Q(s, 1) = 1 -> -1.2
    # 4: starts on LAST: masked -> 0
    np.testing.assert_allclose(info.extra.td_error, [3.7, 2.0, -1.2, 0.0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(info.extra.td_loss, [3.7**2, 4.0, 1.44, 0.0], rtol=1e-5)
    np.testing.assert_allclose(info.loss, (3.7**2 + 4.0 + 1.44) / 4, rtol=1e-5)  # mean over the whole batch


def test_td_targets_by_hand_double_dqn():
    agent = linear_agent(gamma=0.9, reward_scale_factor=2.0, double_dqn=True)
    info = agent.train(HAND_BATCH)
    # 1: online argmax of Q(s') = [1.2, 1] is 0 -> Q_target(s', 0) = 2.4 -> 2 + 2.16 = 4.16, td 3.16
    # 3: online argmax of [1, -1] is 0 -> Q_target = 2 -> -0.2, td -1.2
    np.testing.assert_allclose(info.extra.td_error, [3.16, 2.0, -1.2, 0.0], rtol=1e-5, atol=1e-6)


def test_importance_weights_scale_the_loss():
    agent = linear_agent(gamma=0.9, reward_scale_factor=2.0)
    info = agent.train(HAND_BATCH, weights=np.array([0.5, 0.0, 2.0, 1.0]))
    np.testing.assert_allclose(info.extra.td_loss, [0.5 * 3.7**2, 0.0, 2.88, 0.0], rtol=1e-5)
    np.testing.assert_allclose(info.loss, (0.5 * 3.7**2 + 2.88) / 4, rtol=1e-5)
    with pytest.raises(ValueError, match="weights must have shape"):
        agent.train(HAND_BATCH, weights=np.ones(3))


def test_n_step_targets_by_hand():
    agent = linear_agent(gamma=0.5, reward_scale_factor=2.0, n_step_update=2)
    batch = window(
        obs=[[[1, 0], [0, 0], [4, 1]], [[0, 1], [9, 9], [9, 9]], [[1, 0], [2, 1], [9, 9]]],
        action=[[0, 0, 0], [1, 0, 0], [0, 0, 0]],
        reward=[[1, 2, 0], [1, 5, 0], [1, 5, 0]],
        discount=[[1, 1, 1], [0, 1, 1], [1, 1, 1]],
        step_type=[[MID, MID, MID], [MID, LAST, MID], [MID, LAST, MID]],
        next_step_type=[[MID, MID, MID], [LAST, MID, MID], [LAST, MID, MID]],
    )
    info = agent.train(batch)
    # 1: 2 * (1 + 0.5 * 2) + 0.25 * max(8, 3) = 4 + 2 = 6; Q(s, 0) = 1 -> 5
    # 2: terminates after one step: 2 * 1 = 2; Q(s, 1) = 1 -> 1 (the next episode's reward 5 is not counted)
    # 3: truncated after one step: 2 * 1 + 0.5 * max(4, 3) = 4; Q(s, 0) = 1 -> 3
    np.testing.assert_allclose(info.extra.td_error, [5.0, 1.0, 3.0], rtol=1e-5)


def test_target_network_synced_exactly_every_period():
    agent = make_agent(target_update_period=3)
    rng = np.random.default_rng(0)
    initial = [v.numpy().copy() for v in agent.q_network.mirror_variables()]
    synced = initial
    for step in range(1, 8):
        agent.train(random_experience(rng, (8,)))
        online = [v.numpy().copy() for v in agent.q_network.mirror_variables()]
        target = [v.numpy() for v in agent.target_q_network.mirror_variables()]
        if step % 3 == 0:
            synced = online
        for t, s in zip(target, synced):
            np.testing.assert_array_equal(t, s)
        if step % 3 != 0:
            assert not all(np.array_equal(t, o) for t, o in zip(target, online))


def test_soft_target_update_with_tau():
    agent = make_agent(target_update_tau=0.25, target_update_period=1)
    rng = np.random.default_rng(1)
    target = [v.numpy().copy() for v in agent.target_q_network.mirror_variables()]
    for _ in range(3):
        agent.train(random_experience(rng, (8,)))
        online = [v.numpy() for v in agent.q_network.mirror_variables()]
        target = [0.75 * t + 0.25 * o for t, o in zip(target, online)]
        for got, want in zip(agent.target_q_network.mirror_variables(), target):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "options,message",
    [
        (dict(gamma=1.5), r"^gamma: must be in \[0, 1\], got 1.5$"),
        (dict(gamma=-0.1), r"^gamma: must be in \[0, 1\]"),
        (dict(target_update_tau=0.0), r"^target_update_tau: must be in \(0, 1\]"),
        (dict(target_update_tau=1.5), r"^target_update_tau: must be in \(0, 1\]"),
        (dict(epsilon_greedy=0.2, boltzmann_temperature=1.0), "only one exploration option"),
        # explicitly passing the default epsilon with a temperature is the same conflict (it used to drop epsilon)
        (dict(epsilon_greedy=0.1, boltzmann_temperature=1.0), "^epsilon_greedy and boltzmann_temperature were both set"),
        (dict(epsilon_greedy=None), "^no exploration: set one of epsilon_greedy"),
        (dict(epsilon_greedy=1.2), r"^epsilon_greedy: must be in \[0, 1\]"),
        (dict(target_update_period=0), "^target_update_period: must be >= 1"),
        (dict(n_step_update=0), "^n_step_update: must be >= 1"),
        (dict(n_step_update=1.5), "^n_step_update: expected int, got float 1.5"),
        (dict(td_errors_loss_fn="abs"), "^td_errors_loss_fn: 'abs' is not allowed"),
        (dict(gradient_clipping=-1.0), "^gradient_clipping: must be > 0"),
        (dict(boltzmann_temperature=0.0, epsilon_greedy=None), "^boltzmann_temperature: must be > 0"),
        (dict(gama=0.9), "^gama: unknown key; did you mean 'gamma'"),
    ],
)
def test_invalid_options_rejected(options, message):
    with pytest.raises(ValueError, match=message) as info:
        make_agent(**options)
    assert "\n" not in str(info.value)


def test_invalid_constructor_arguments():
    network = QNetwork(OBS_SPEC, ACTION_SPEC, seed=0)
    with pytest.raises(TypeError, match="Keras 3 optimizer"):
        DqnAgent(TS_SPEC, ACTION_SPEC, network, "adam")
    with pytest.raises(TypeError, match="QNetwork"):
        DqnAgent(TS_SPEC, ACTION_SPEC, keras.Sequential([keras.layers.Dense(2)]), keras.optimizers.Adam())


def test_invalid_experience_rejected():
    agent = make_agent()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="num_steps=2"):
        agent.train(random_experience(rng, (4,), steps=3))
    with pytest.raises(ValueError, match=r"\[B, T\]"):
        agent.train(random_experience(rng, (2, 4)))
    with pytest.raises(ValueError, match=r"\[K, B, T\]"):
        agent.train_block(random_experience(rng, (4,)))
    bad = random_experience(rng, (4,))._replace(action=np.full((4, 2), 7))
    with pytest.raises(ValueError, match="actions must lie in the action spec"):
        agent.train(bad)
    with pytest.raises(TypeError, match="Trajectory"):
        agent.train({"observation": 1})


def test_boltzmann_alone_selects_boltzmann_and_policies_types():
    agent = make_agent(boltzmann_temperature=0.5)
    assert isinstance(agent.collect_policy, BoltzmannPolicy)
    assert isinstance(make_agent().collect_policy, EpsilonGreedyPolicy)
    assert isinstance(agent.policy, GreedyPolicy)
    assert agent.train_sequence_length == 2
    assert make_agent(n_step_update=3).train_sequence_length == 4


def test_config_object_and_defaults_match_tf_agents():
    config = DqnConfig()
    assert (config.epsilon_greedy, config.n_step_update, config.target_update_tau, config.target_update_period,
            config.td_errors_loss_fn, config.gamma, config.reward_scale_factor) == (0.1, 1, 1.0, 1, "huber", 1.0, 1.0)
    network = QNetwork(OBS_SPEC, ACTION_SPEC, seed=0)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(), config=config.replace(gamma=0.5))
    assert agent.config.gamma == 0.5


def test_train_block_equals_k_train_calls():
    options = dict(target_update_period=2, target_update_tau=0.8, double_dqn=True, gradient_clipping=0.5,
                   gamma=0.95, reward_scale_factor=1.5)
    one_by_one, fused = make_agent(**options), make_agent(**options)
    rng = np.random.default_rng(5)
    block = random_experience(rng, (6, 16))
    weights = rng.random((6, 16)).astype(np.float32)
    singles = [one_by_one.train(type(block)(*(f[k] if not isinstance(f, tuple) else f for f in block)), weights[k])
               for k in range(6)]
    info = fused.train_block(block, weights)
    np.testing.assert_allclose(info.extra.losses, [s.loss for s in singles], rtol=1e-5)
    np.testing.assert_allclose(info.extra.td_error, np.stack([s.extra.td_error for s in singles]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(info.loss, np.mean([s.loss for s in singles]), rtol=1e-5)
    assert info.extra.td_loss.shape == (6, 16)
    for a, b in zip(one_by_one.q_network.mirror_variables() + one_by_one.target_q_network.mirror_variables(),
                    fused.q_network.mirror_variables() + fused.target_q_network.mirror_variables()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert one_by_one.train_step_counter == fused.train_step_counter == 6


def test_mirror_tracks_keras_after_training():
    agent = make_agent(fc=(32, 16))
    rng = np.random.default_rng(2)
    agent.train_block(random_experience(rng, (20, 8)))
    obs = rng.standard_normal((100, 2)).astype(np.float32)
    np.testing.assert_allclose(agent.q_values(obs), agent.q_network(obs).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(agent.policy.action(restart(obs, 100)).action,
                                  np.argmax(agent.q_network(obs).numpy(), axis=-1))


def test_epsilon_schedule_follows_train_steps():
    agent = make_agent(epsilon_greedy=LinearSchedule(1.0, 0.0, 10))
    assert agent.collect_policy.epsilon == 1.0
    agent.train_block(random_experience(np.random.default_rng(0), (5, 4)))
    assert agent.train_step_counter == 5
    assert agent.collect_policy.epsilon == pytest.approx(0.5)


def test_epsilon_schedule_in_env_steps_decays_over_the_gradient_steps_they_make():
    agent = make_agent(epsilon_schedule={"start": 1.0, "end": 0.0, "decay_env_steps": 40}, env_steps_per_train_step=4.0)
    assert agent.config.epsilon_greedy is None and isinstance(agent.collect_policy, EpsilonGreedyPolicy)
    agent.train_block(random_experience(np.random.default_rng(0), (5, 4)))
    assert agent.collect_policy.epsilon == pytest.approx(0.5)  # 5 gradient steps x 4 env steps = 20 of 40 env steps


def test_keyword_options_replace_the_config_and_its_exploration():
    network = QNetwork(OBS_SPEC, ACTION_SPEC, seed=0)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(), DqnConfig(epsilon_greedy=0.3, gamma=0.9),
                     boltzmann_temperature=2.0)
    assert (agent.config.epsilon_greedy, agent.config.boltzmann_temperature, agent.config.gamma) == (None, 2.0, 0.9)
    assert isinstance(agent.collect_policy, BoltzmannPolicy)
    with pytest.raises(TypeError, match="config must be a DqnConfig"):
        DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(), {"gamma": 0.5})


def test_train_step_counter_variable_is_used():
    counter = tf.Variable(41, dtype=tf.int64)
    network = QNetwork(OBS_SPEC, ACTION_SPEC, seed=0)
    agent = DqnAgent(TS_SPEC, ACTION_SPEC, network, keras.optimizers.Adam(), train_step_counter=counter)
    agent.train(random_experience(np.random.default_rng(0), (4,)))
    assert agent.train_step_counter == 42 and int(counter.numpy()) == 42


def test_learns_a_tiny_fixed_dataset():
    agent = make_agent(fc=(32,), lr=1e-2, td_errors_loss_fn="squared", gamma=0.0)
    rng = np.random.default_rng(0)
    data = random_experience(rng, (32,), last_probability=0.0)
    data = data._replace(reward=np.repeat(data.observation[:, :1, 0] * (2 * data.action[:, :1] - 1), 2, axis=1))
    block = type(data)(*(np.broadcast_to(f, (300, *f.shape)) if not isinstance(f, tuple) else f for f in data))
    losses = agent.train_block(block).extra.losses
    assert losses[-20:].mean() < 0.1 * losses[:20].mean()


def test_same_seed_gives_bit_identical_losses():
    rng = np.random.default_rng(3)
    block = random_experience(rng, (25, 16))
    runs = []
    for _ in range(2):
        agent = make_agent(seed=11, double_dqn=True, target_update_period=4)
        runs.append(np.concatenate([agent.train(type(block)(*(f[0] if not isinstance(f, tuple) else f for f in block))).extra.td_error,
                                    agent.train_block(block).extra.losses]))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_registry_names_resolve():
    assert registry.resolve("agents", "dqn") is DqnAgent
    assert registry.resolve("networks", "q_network") is QNetwork
    assert registry.resolve("policies", "epsilon_greedy") is EpsilonGreedyPolicy
