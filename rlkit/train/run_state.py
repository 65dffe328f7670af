"""What a checkpoint of ``rlkit train`` holds, and how a run is rebuilt from one.

A checkpoint stores the ``get_state()`` of the agent, the replay buffer (as ``replay.npz``), the
training metrics, the env (when it has state) and the collect policy's state, with the
evaluations so far, the phase timers and the resolved config (see
:class:`~rlkit.train.checkpoint.CheckpointManager` for the files, manifest and atomic writes).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlkit import __version__
from rlkit.fileio import atomic_write
from rlkit.train.config import Config, ConfigError, config_to_dict
from rlkit.train.state import join_state, split_state

__all__ = ["save_run", "restore_run", "built", "chunk_notes", "TrainingInterrupted", "TrainingDiverged", "RESUMABLE_KEYS"]

# Keys that may differ between a run and its resumption (they change no saved state).
RESUMABLE_KEYS = ("train.num_iterations", "train.log_interval", "train.checkpoint_interval", "eval.", "output.",
                  "collect.address")


class TrainingInterrupted(Exception):
    """Ctrl-C stopped the run; a checkpoint was written (``run_dir`` and ``iteration`` tell where)."""

    def __init__(self, run_dir: Path, iteration: int) -> None:
        super().__init__(f"interrupted at iteration {iteration}; checkpoint written. "
                         f"Continue with: rlkit train --resume {run_dir}")
        self.run_dir = run_dir
        self.iteration = iteration


class TrainingDiverged(Exception):
    """The loss became NaN or inf; nothing of the non-finite state was checkpointed."""

    def __init__(self, iteration: int, last_checkpoint: int | None) -> None:
        where = (f"the last checkpoint (iteration {last_checkpoint}) holds the last finite state"
                 if last_checkpoint is not None else "no checkpoint was written yet")
        super().__init__(f"training diverged: the loss is NaN or inf at iteration {iteration}; {where}. Likely cause: "
                         "a learning rate or reward scale too large for these rewards: lower agent.learning_rate or "
                         "agent.reward_scale_factor (or set agent.gradient_clipping) and train again")
        self.iteration = iteration


class TrainingFailed(Exception):
    """An exception stopped training (raised by the env, the agent, the buffer, a collector, or rlkit
    itself); its traceback went to ``train.log`` and ``summary.json`` says ``failed``."""

    def __init__(self, error: BaseException, iteration: int, last_checkpoint: int | None, run_dir: Path) -> None:
        message = " ".join(str(error).split()) or "(no message)"
        if len(message) > 300:
            message = message[:297] + "..."
        where = (f"the last checkpoint (iteration {last_checkpoint}) is intact: once the cause is fixed, "
                 f"rlkit train --resume {run_dir} continues from it" if last_checkpoint is not None
                 else "no checkpoint was written yet")
        super().__init__(f"training stopped after iteration {iteration} by {type(error).__name__}: {message} (traceback "
                         f"in {run_dir / 'train.log'}); {where}")
        self.iteration = iteration


def chunk_notes(config: Any) -> list[str]:
    """Notes for intervals that cut chunks short (each new chunk length compiles one more training function)."""
    return [f"note: {key} {interval} is not a multiple of train.chunk_size {config.train.chunk_size}; chunks are "
            "cut there too, and each new chunk length compiles one more training function"
            for key, interval in (("eval.interval", config.eval.interval),
                                  ("train.checkpoint_interval", config.train.checkpoint_interval))
            if interval % config.train.chunk_size and interval < config.train.num_iterations]


def built(what: str, build: Callable[[], Any]) -> Any:
    """Run a component factory; a ``TypeError``/``ValueError`` from bad kwargs becomes a one-line ``ConfigError``."""
    try:
        return build()
    except ConfigError:
        raise
    except (TypeError, ValueError) as err:
        section = {"env": "env", "eval": "eval", "agent": "agent/network", "replay": "replay"}[what]
        message = " ".join(str(err).split())
        raise ConfigError(f"{section}: cannot build the {what} from the config: {message}") from err


def _write_arrays(arrays: dict[str, np.ndarray]) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with atomic_write(path, "wb") as handle:
            np.savez(handle, **arrays)

    return write


def save_run(trainer: Any) -> Path | None:
    """Checkpoint ``trainer`` at its iteration; ``None`` (nothing written) when the agent or the buffer
    has no state."""
    agent_state, buffer_state = trainer.agent.get_state(), trainer.buffer.get_state()
    if agent_state is None or buffer_state is None:
        return None
    arrays: dict[str, np.ndarray] = {}
    env_state = trainer.collection.get_state()
    state = {
        "rlkit_version": __version__,
        "iteration": trainer.iteration,
        "config": config_to_dict(trainer.config),
        "agent": split_state(agent_state, "agent", arrays),
        "metrics": {name: split_state(metric.get_state(), f"metrics/{name}", arrays)
                    for name, metric in trainer.metrics.items()},
        "env": None if env_state is None else split_state(env_state, "env", arrays),
        "policy_state": split_state(trainer.policy_state, "policy_state", arrays),
        "evaluations": trainer.evaluations,
        "seconds": dict(trainer.timer.seconds),
    }
    return trainer.checkpoints.save(trainer.iteration, arrays, state, writers={"replay.npz": _write_arrays(dict(buffer_state))})


def restore_run(trainer: Any) -> bool:
    """Bring ``trainer`` (built, not started) to its newest usable checkpoint. ``False`` when the run was
    stopped before it wrote any checkpoint (it starts again from the beginning); ``ConfigError`` when
    checkpoints exist but none is usable, or the agent has no state."""
    cfg, run_dir = trainer.config, trainer.run_dir
    if not trainer.checkpoints.checkpoints() and trainer.agent.get_state() is not None:
        trainer.log(f"no checkpoint in {run_dir / 'checkpoints'} yet: the run starts again from the beginning")
        return False
    checkpoint = trainer.checkpoints.load_latest(report=trainer.log)
    if checkpoint is None:
        if trainer.agent.get_state() is None:
            raise ConfigError(f"--resume {run_dir}: {type(trainer.agent).__name__} cannot restore its state "
                              "(its get_state() returns None), so this run wrote no checkpoints")
        raise ConfigError(f"--resume {run_dir}: no usable checkpoint in {run_dir / 'checkpoints'}")
    state, arrays = checkpoint.state, checkpoint.arrays
    _check_resumable(state.get("config", {}), config_to_dict(cfg), run_dir)
    trainer.iteration = int(checkpoint.iteration)
    if trainer.iteration >= cfg.train.num_iterations and _completed(run_dir):
        raise ConfigError(f"train.num_iterations: the run in {run_dir} is already at iteration {trainer.iteration}; "
                          f"raise it to continue, e.g. --set train.num_iterations={2 * trainer.iteration}")
    trainer.agent.set_state(join_state(state["agent"], arrays))
    with np.load(checkpoint.file("replay.npz"), allow_pickle=False) as replay:
        trainer.buffer.set_state({name: replay[name] for name in replay.files})
    for name, metric in trainer.metrics.items():
        metric.set_state(join_state(state["metrics"][name], arrays))
    if state.get("env") is not None:
        trainer.collection.set_state(join_state(state["env"], arrays))
        trainer.policy_state = join_state(state["policy_state"], arrays)
    else:
        trainer.log(f"note: {type(trainer.env).__name__} cannot save its state; the resumed run starts new episodes "
                    "(it continues, but does not repeat the uninterrupted run exactly)")
        trainer.collection.reset(cfg.train.seed, trainer.iteration)
        trainer.policy_state = trainer.agent.collect_policy.get_initial_state(trainer.collection.num_envs)
    trainer.evaluations = list(state["evaluations"])
    for phase, seconds in state["seconds"].items():
        trainer.timer.seconds[phase] = float(seconds)
    trainer.log(f"resumed from {checkpoint.path.name} at iteration {trainer.iteration}")
    return True


def _completed(run_dir: Path) -> bool:
    """True when the run's outputs were all written (``summary.json`` says ``completed``); a run killed
    while writing them is completed by ``--resume``, which redoes them."""
    try:
        return json.loads((run_dir / "summary.json").read_text()).get("status") == "completed"
    except (OSError, ValueError, AttributeError):
        return False


def _check_resumable(saved: dict, current: dict, run_dir: Path) -> None:
    changed, defaults = [], config_to_dict(Config())  # a section newer than the checkpoint had its defaults
    for section, values in current.items():
        for key, value in values.items():
            path = f"{section}.{key}"
            if saved.get(section, defaults[section]).get(key) != value and not any(path == k or (k.endswith(".") and path.startswith(k))
                                                                     for k in RESUMABLE_KEYS):
                changed.append(path)
    if changed:
        raise ConfigError(f"--resume {run_dir}: {', '.join(changed)} differ from the checkpoint's config; only "
                          "train.num_iterations, train.log_interval, train.checkpoint_interval, eval.*, output.* and collect.address "
                          "can change")
