"""The TF-Agents tutorial "Train a Deep Q Network with TF-Agents", section by section, in rlkit.

https://www.tensorflow.org/agents/tutorials/1_dqn_tutorial -- the same steps, names and
hyperparameters, with rlkit's NumPy-native API. Walk-through: ``docs/tutorial.md``.

    python examples/tutorial_dqn_cartpole.py --out tutorial_outputs         # the full tutorial
    python examples/tutorial_dqn_cartpole.py --num-iterations 300 --eval-interval 100 --video-episodes 1

Writes into ``--out``: ``cartpole-frame.png`` (one rendered frame), ``returns.png`` (Average
Return vs Iterations), ``trained-agent.mp4`` and ``random-agent.mp4``.
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import imageio.v2 as imageio
import keras
import numpy as np
import tensorflow as tf

import rlkit
import rlkit.agents
import rlkit.drivers
import rlkit.envs
import rlkit.metrics
import rlkit.networks
import rlkit.policies
import rlkit.replay
import rlkit.viz


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The tutorial's hyperparameters as options (defaults: the tutorial's values)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--num-iterations", type=int, default=20_000)
    parser.add_argument("--initial-collect-steps", type=int, default=100)
    parser.add_argument("--collect-steps-per-iteration", type=int, default=1)
    parser.add_argument("--replay-buffer-max-length", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--log-interval", type=int, default=200)
    parser.add_argument("--num-eval-episodes", type=int, default=10)
    parser.add_argument("--eval-interval", type=int, default=1000)
    parser.add_argument("--video-episodes", type=int, default=5,
                        help="episodes in each video (the tutorial's create_policy_eval_video uses 5)")
    parser.add_argument("--train-block", type=int, default=0, metavar="K",
                        help="0: one agent.train call per iteration, as the tutorial; K > 0: collect K "
                             "iterations, then take their K gradient steps in one agent.train_block call")
    parser.add_argument("--seed", type=int, default=0, help="seeds the envs, the network, the policies and the buffer")
    parser.add_argument("--out", type=Path, default=Path("tutorial_outputs"), help="where the PNGs and MP4s go")
    args = parser.parse_args(argv)
    for name in ("num_iterations", "log_interval", "eval_interval", "num_eval_episodes", "video_episodes", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.train_block < 0:
        parser.error("--train-block must be >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the tutorial's sections in order, printing what the tutorial's notebook shows."""
    args = parse_args(argv)
    started = time.perf_counter()

    # ---- Setup --------------------------------------------------------------------------------
    # TensorFlow's thread pools can only be set before its first op, so this comes first.
    rlkit.agents.configure_tensorflow()
    print(f"rlkit {rlkit.__version__}, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    args.out.mkdir(parents=True, exist_ok=True)

    # ---- Hyperparameters ----------------------------------------------------------------------
    num_iterations = args.num_iterations  # 20000
    initial_collect_steps = args.initial_collect_steps  # 100
    collect_steps_per_iteration = args.collect_steps_per_iteration  # 1
    replay_buffer_max_length = args.replay_buffer_max_length  # 100000
    batch_size = args.batch_size  # 64
    learning_rate = args.learning_rate  # 1e-3
    log_interval = args.log_interval  # 200
    num_eval_episodes = args.num_eval_episodes  # 10
    eval_interval = args.eval_interval  # 1000

    # ---- Environment --------------------------------------------------------------------------
    env_name = "CartPole-v0"
    env = rlkit.registry.make("envs", env_name, seed=args.seed)  # or rlkit.envs.load(env_name)
    env.reset()
    frame = env.render()  # uint8 [400, 600, 3], drawn with NumPy (no display needed)
    imageio.imwrite(args.out / "cartpole-frame.png", frame)
    print(f"Rendered frame: {frame.shape} {frame.dtype} -> {args.out / 'cartpole-frame.png'}")

    print("Observation Spec:")
    print(env.time_step_spec().observation)
    print("Reward Spec:")
    print(env.time_step_spec().reward)
    print("Action Spec:")
    print(env.action_spec())

    time_step = env.reset()
    print("Time step:")
    print(time_step)
    action = np.array(1, dtype=np.int32)  # validated against the int64 action spec and cast
    next_time_step = env.step(action)
    print("Next time step:")
    print(next_time_step)

    # Two envs, as the tutorial: one to train in, one to evaluate in. rlkit's envs are NumPy
    # already, so there is no TFPyEnvironment wrapper.
    train_env = rlkit.envs.load(env_name, seed=args.seed + 1)
    eval_env = rlkit.envs.load(env_name, seed=args.seed + 2)

    # ---- Agent --------------------------------------------------------------------------------
    fc_layer_params = (100,)
    q_net = rlkit.networks.QNetwork(train_env.observation_spec(), train_env.action_spec(),
                                    fc_layer_params=fc_layer_params, seed=args.seed)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    agent = rlkit.agents.DqnAgent(
        train_env.time_step_spec(),
        train_env.action_spec(),
        q_network=q_net,
        optimizer=optimizer,
        td_errors_loss_fn="squared",  # the tutorial's common.element_wise_squared_loss
        train_step_counter=0,
        seed=args.seed,
    )
    agent.initialize()

    # ---- Policies -----------------------------------------------------------------------------
    eval_policy = agent.policy  # greedy
    collect_policy = agent.collect_policy  # epsilon-greedy (epsilon 0.1)
    random_policy = rlkit.policies.RandomPolicy(train_env.time_step_spec(), train_env.action_spec(), seed=args.seed)
    print(f"eval_policy: {type(eval_policy).__name__}, collect_policy: {type(collect_policy).__name__}")

    example_environment = rlkit.envs.load(env_name, seed=args.seed + 3)
    time_step = example_environment.reset()
    print(random_policy.action(time_step))

    # ---- Metrics and Evaluation ---------------------------------------------------------------
    random_return = rlkit.metrics.compute_avg_return(eval_env, random_policy, num_eval_episodes)
    print(f"Average return of the random policy over {num_eval_episodes} episodes: {random_return}")

    # ---- Replay Buffer ------------------------------------------------------------------------
    replay_buffer = rlkit.replay.UniformReplayBuffer(
        agent.collect_data_spec, batch_size=1, max_length=replay_buffer_max_length, seed=args.seed)
    print(agent.collect_data_spec)
    print(agent.collect_data_spec._fields)

    # ---- Data Collection ----------------------------------------------------------------------
    # train_env is unbatched; a batch-of-one buffer takes its rows as they are (TF-Agents' batch of one).
    replay_observer = replay_buffer
    rlkit.drivers.collect_data(train_env, random_policy, replay_observer, initial_collect_steps)
    print(f"replay buffer: {replay_buffer.num_frames()} frames after {initial_collect_steps} random steps")

    experience, _ = replay_buffer.sample(batch_size, num_steps=2)  # adjacent pairs
    print({name: np.shape(field) for name, field in experience._asdict().items() if isinstance(field, np.ndarray)})
    dataset = replay_buffer.as_dataset(sample_batch_size=batch_size, num_steps=2)  # endless iterator
    iterator = iter(dataset)
    print(iterator)

    # ---- Training the agent -------------------------------------------------------------------
    # No common.function(agent.train): rlkit's train step is XLA-compiled already.
    train_started = time.perf_counter()
    avg_return = rlkit.metrics.compute_avg_return(eval_env, agent.policy, num_eval_episodes)
    print(f"step = 0: Average Return = {avg_return}")
    iterations, returns = [0], [avg_return]

    def log_and_evaluate(step: int, train_loss: float) -> None:
        if step % log_interval == 0:
            print(f"step = {step}: loss = {train_loss}")
        if step % eval_interval == 0:
            eval_return = rlkit.metrics.compute_avg_return(eval_env, agent.policy, num_eval_episodes)
            print(f"step = {step}: Average Return = {eval_return}")
            iterations.append(step)
            returns.append(eval_return)

    if args.train_block == 0:
        for _ in range(num_iterations):
            # Collect a few steps with the collect policy and save them to the replay buffer.
            rlkit.drivers.collect_data(train_env, agent.collect_policy, replay_observer, collect_steps_per_iteration)
            # Sample a batch of adjacent pairs and take one gradient step.
            experience, _ = next(iterator)
            train_loss = agent.train(experience).loss
            log_and_evaluate(agent.train_step_counter, train_loss)
    else:
        # rlkit's fast path: collect K iterations' steps, then take their K gradient steps in one
        # compiled call. Blocks end at log and eval steps, so the log lines come at the same steps.
        while agent.train_step_counter < num_iterations:
            step = agent.train_step_counter
            next_stop = min((step // log_interval + 1) * log_interval, (step // eval_interval + 1) * eval_interval)
            block_size = min(args.train_block, next_stop - step, num_iterations - step)
            rlkit.drivers.collect_data(train_env, agent.collect_policy, replay_observer,
                                       block_size * collect_steps_per_iteration)
            experience_block, _ = replay_buffer.sample_block(block_size, batch_size, num_steps=2)
            loss_info = agent.train_block(experience_block)  # fields [K, B, 2, ...]
            log_and_evaluate(agent.train_step_counter, loss_info.extra.losses[-1])
    train_seconds = time.perf_counter() - train_started
    print(f"Training: {num_iterations} iterations in {train_seconds:.1f} s "
          f"({num_iterations / train_seconds:.0f} iterations/s, evaluations included)")

    # ---- Visualization: Plots -----------------------------------------------------------------
    plot_path = rlkit.viz.plot_returns(iterations, returns, args.out / "returns.png",
                                       title=f"DQN on {env_name}", reward_threshold=eval_env.reward_threshold)
    print(f"Plot: {plot_path}")

    # ---- Videos -------------------------------------------------------------------------------
    for name, policy in (("trained-agent", agent.policy), ("random-agent", random_policy)):
        video_path = args.out / f"{name}.mp4"
        recorded = rlkit.viz.record_episodes(eval_env, policy, args.video_episodes, video_path, fps=30)
        print(f"Video: {video_path} ({recorded.num_frames} frames, returns {recorded.returns})")

    print(f"Done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
