"""Drivers run a policy in an env and hand the trajectories to observers (buffers, metrics).

    driver = StepDriver(env, policy, observers=[buffer, AverageReturnMetric()], num_steps=1)
    time_step, policy_state = driver.run()                          # resets env if needed
    time_step, policy_state = driver.run(time_step, policy_state)   # continues

* :func:`collect_block` -- the act -> step loop: ``T`` steps as one ``[T, N]`` block; every driver runs it.
* :class:`BlockDriver` -- ``num_steps`` batched steps per run, handed to observers as blocks.
* :class:`StepDriver` -- at least ``num_steps`` env steps per run (TF-Agents' ``DynamicStepDriver``).
* :class:`EpisodeDriver` -- until ``num_episodes`` episodes complete (TF-Agents' ``PyDriver(max_episodes)``).
* :func:`collect_step`, :func:`collect_data` -- the DQN tutorial's helpers.
"""
from rlkit.drivers.collect import collect_data, collect_step
from rlkit.drivers.drivers import BlockDriver, EpisodeDriver, StepDriver, Until, collect_block

__all__ = [
    "BlockDriver",
    "StepDriver",
    "EpisodeDriver",
    "Until",
    "collect_block",
    "collect_step",
    "collect_data",
]
