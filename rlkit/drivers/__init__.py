"""Drivers run a policy in an env and hand each ``Trajectory`` to observers (buffers, metrics).

    driver = StepDriver(env, policy, observers=[buffer, AverageReturnMetric()], num_steps=1)
    time_step, policy_state = driver.run()                          # resets env if needed
    time_step, policy_state = driver.run(time_step, policy_state)   # continues

* :class:`StepDriver` -- at least ``num_steps`` env steps per run (TF-Agents' ``DynamicStepDriver``).
* :class:`EpisodeDriver` -- until ``num_episodes`` episodes complete (TF-Agents' ``PyDriver(max_episodes)``).
* :func:`collect_step`, :func:`collect_data` -- the DQN tutorial's helpers; :func:`collect_block` -- ``T`` steps as one ``[T, N]`` block.
* :func:`batched` -- feed a replay buffer from an unbatched env.
"""
from rlkit.drivers.collect import collect_block, collect_data, collect_step
from rlkit.drivers.drivers import EpisodeDriver, StepDriver, drive_one_step
from rlkit.drivers.observers import BatchedObserver, add_batch_dim, batched

__all__ = [
    "StepDriver",
    "EpisodeDriver",
    "drive_one_step",
    "collect_step",
    "collect_data",
    "collect_block",
    "batched",
    "BatchedObserver",
    "add_batch_dim",
]
