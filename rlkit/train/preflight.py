"""Everything ``rlkit train`` checks before TensorFlow starts, so a config that cannot run fails in
about half a second with one line and leaves no files: the memory the run needs, the training and
eval envs stepped once against their specs (and rendered once when videos are on), and the eval
env's specs against the training env's. ``rlkit config check`` runs the same checks alone."""
from __future__ import annotations

from typing import Any, Callable

from rlkit.core import Env
from rlkit.envs.check import check_env_outputs
from rlkit.train.components import make_env
from rlkit.train.config import Config, ConfigError
from rlkit.train.outputs import videos_possible
from rlkit.train.resources import check_memory
from rlkit.train.run_state import built

__all__ = ["build_checked_envs", "check_config"]


def build_checked_envs(config: Config, log: Callable[[str], None], video: bool) -> tuple[Env, Env, bool]:
    """``(env, eval_env, video)``: the training env (``env.num_envs`` envs) and the eval env
    (``eval.num_episodes`` envs), both checked, and whether videos can be recorded (``video`` and the
    env renders). ``ConfigError`` / ``EnvCheckError`` name the key or the field."""
    probe = built("env", lambda: make_env(config, 1))
    check_memory(config, probe)  # before the envs, the buffer and TensorFlow take any of it
    probe.close()
    env = built("env", lambda: make_env(config, config.env.num_envs))
    if env.batch_size != config.env.num_envs:
        raise ConfigError(f"env.name: {config.env.name!r} ignored num_envs={config.env.num_envs} "
                          f"(batch_size {env.batch_size}); rlkit train needs a batched env")
    eval_env = built("eval", lambda: make_env(config, config.eval.num_episodes, evaluation=True))
    check_env_outputs(env, config.env.name)
    check_env_outputs(eval_env, config.eval.env or config.env.name)
    for what, mine, theirs in (("observation", env.observation_spec(), eval_env.observation_spec()),
                               ("action", env.action_spec(), eval_env.action_spec())):
        if mine != theirs:
            raise ConfigError(f"eval.env: its {what} spec {theirs!r} differs from the training env's {mine!r}; "
                              "the agent trained on one cannot act in the other")
    return env, eval_env, video and built("eval", lambda: videos_possible(config, log))


def check_config(config: Config, log: Callable[[str], Any]) -> None:
    """Run the checks of :func:`build_checked_envs` and close the envs (``rlkit config check``)."""
    env, eval_env, _ = build_checked_envs(config, log, config.output.video)
    env.close()
    eval_env.close()
