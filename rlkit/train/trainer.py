"""The training loop of ``rlkit train``: the TF-Agents DQN tutorial's loop on rlkit's fast path.

    trainer = Trainer(load_config("my.yaml"), run_dir="runs/my-run")
    summary = trainer.run()          # trains, evaluates, checkpoints, writes every output

The tutorial's loop is: collect ``initial_collect_steps`` with a random policy; then per iteration
collect ``collect_steps_per_iteration`` env steps with the collect policy, sample a batch, take a
gradient step; log every ``log_interval`` and evaluate every ``eval_interval`` iterations (and
once before training). Here iterations run in chunks of ``K = train.chunk_size``:

1. collect ``K`` iterations' steps with the collect policy, which acts on the compiled mirror
   of the Q-network (Cython or Numba; no TensorFlow call), into one ``[T, N]`` block (``collect_block``);
2. append the block to the replay buffer and the training metrics in one call each;
3. draw ``K x train_steps_per_iteration`` batches with one call of the compiled sampler;
4. run all those gradient steps in one XLA-compiled ``agent.train_block`` call, which also
   refreshes the acting mirror.

``K = 1`` is the tutorial's per-step order exactly; a larger ``K`` lets the collect policy lag up
to ``K`` iterations behind the network (as SB3's ``train_freq``/``gradient_steps`` do). Chunks end
at multiples of ``K``, of ``eval.interval`` and of ``train.checkpoint_interval`` (counted from
iteration 0, not from a resume point), so a resumed run cuts its chunks exactly where the
uninterrupted run did and reproduces it bit for bit on CPU.

Collection counts batched env steps: an iteration takes ``ceil(collect_steps_per_iteration / N)``
steps of the ``N`` training envs, episode-boundary (reset) steps included, as the tutorial's
``collect_step`` does.
"""
from __future__ import annotations

import json
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np

from rlkit import __version__, nest
from rlkit.drivers import collect_block
from rlkit.fileio import atomic_write
from rlkit.metrics import AverageEpisodeLengthMetric, AverageReturnMetric, EnvironmentSteps, NumberOfEpisodes, evaluate
from rlkit.train.checkpoint import CheckpointManager
from rlkit.train.components import derive_seed, make_agent, make_env, make_replay_buffer
from rlkit.train.config import Config, ConfigError, config_to_dict, dump_config
from rlkit.train.outputs import record_videos
from rlkit.train.recorder import MetricsRecorder
from rlkit.train.state import join_state, split_state
from rlkit.types import Trajectory

__all__ = ["Trainer", "TrainingInterrupted", "RESUMABLE_KEYS"]

# Keys that may differ between a run and its resumption (they change no saved state).
RESUMABLE_KEYS = ("train.num_iterations", "train.log_interval", "train.checkpoint_interval", "eval.", "output.")


class TrainingInterrupted(Exception):
    """Ctrl-C stopped the run; a checkpoint was written (``run_dir`` and ``iteration`` tell where)."""

    def __init__(self, run_dir: Path, iteration: int) -> None:
        super().__init__(f"interrupted at iteration {iteration}; checkpoint written. "
                         f"Continue with: rlkit train --resume {run_dir}")
        self.run_dir = run_dir
        self.iteration = iteration


def _next_multiple(value: int, interval: int) -> int:
    return (value // interval + 1) * interval


@dataclass
class _Timer:
    """Wall-clock seconds spent in each phase of the run (summed over resumptions)."""

    seconds: dict[str, float] = field(default_factory=lambda: {"setup": 0.0, "collect": 0.0, "train": 0.0,
                                                                  "eval": 0.0, "checkpoint": 0.0, "outputs": 0.0})

    def add(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[phase] += now - since
        return now


class Trainer:
    """Runs one training job described by ``config`` in ``run_dir``.

    Args:
      config: a validated :class:`~rlkit.train.config.Config`.
      run_dir: where every output goes (created if needed).
      resume: continue from the newest usable checkpoint in ``run_dir/checkpoints``.
      video: record ``trained.mp4`` and ``random.mp4`` (also needs ``output.video``).
      progress: show a progress bar and log lines on the terminal (they always go to ``run_dir/train.log``).
      stream: where the log lines go (default ``sys.stdout``).
      started: ``time.perf_counter()`` at process start, for the start-to-policy time in ``summary.json``.
      progress_stream: where the progress bar goes (default ``sys.stderr``); shown only on a terminal.
    """

    def __init__(self, config: Config, run_dir: str | Path, resume: bool = False, video: bool = True,
                 progress: bool = True, stream: TextIO | None = None, started: float | None = None,
                 progress_stream: TextIO | None = None) -> None:
        self.config = config
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.video = video and config.output.video
        self.progress = progress
        self.stream = stream if stream is not None else sys.stdout
        self.started = time.perf_counter() if started is None else started
        self.progress_stream = progress_stream
        self.timer = _Timer()
        self.iteration = 0
        self.evaluations: list[dict[str, float]] = []
        self._interrupted = False
        self._bar: Any = None
        self._log_file: TextIO | None = None
        self.seconds_to_policy: float | None = None

    # -- logging -------------------------------------------------------------------------------
    def log(self, message: str) -> None:
        """One line to ``train.log`` and, with ``progress``, to the terminal (above the progress bar)."""
        if self._log_file is not None:
            self._log_file.write(message + "\n")
            self._log_file.flush()
        if self.progress:
            if self._bar is not None:  # the bar may be on another stream of the same terminal: clear, print, redraw
                self._bar.clear()
                print(message, file=self.stream, flush=True)
                self._bar.refresh()
            else:
                print(message, file=self.stream, flush=True)

    # -- set-up --------------------------------------------------------------------------------
    def _build(self) -> None:
        from rlkit.agents import configure_tensorflow

        cfg = self.config
        with warnings.catch_warnings():  # TensorFlow already running (a notebook, a test): keep its threads
            warnings.filterwarnings("ignore", "TensorFlow threads could not be set", RuntimeWarning)
            configure_tensorflow(num_threads=1)
        self.env = _built("env", lambda: make_env(cfg, cfg.env.num_envs))
        if self.env.batch_size != cfg.env.num_envs:
            raise ConfigError(f"env.name: {cfg.env.name!r} ignored num_envs={cfg.env.num_envs} "
                              f"(batch_size {self.env.batch_size}); rlkit train needs a batched env")
        self.eval_env = _built("eval", lambda: make_env(cfg, cfg.eval.num_episodes, evaluation=True))
        self.agent = _built("agent", lambda: make_agent(cfg, self.env))
        self.buffer = _built("replay", lambda: make_replay_buffer(cfg, self.agent, self.env.batch_size))
        self.metrics = {"train_return": AverageReturnMetric(buffer_size=10),
                        "train_episode_length": AverageEpisodeLengthMetric(buffer_size=10),
                        "episodes": NumberOfEpisodes(), "env_steps": EnvironmentSteps()}
        self.checkpoints = CheckpointManager(self.run_dir / "checkpoints", keep=cfg.output.keep_checkpoints)
        self.steps_per_iteration = -(-cfg.train.collect_steps_per_iteration // self.env.batch_size)
        self.num_steps = self.agent.train_sequence_length or 2
        self.prioritized = callable(getattr(self.buffer, "update_priorities", None))
        self.checkpointable = all(callable(getattr(self.agent, name, None)) for name in ("get_state", "set_state"))
        if not self.checkpointable:
            self.log(f"note: {type(self.agent).__name__} has no get_state()/set_state(): no checkpoints are written "
                     "and this run cannot be resumed")
        for key, interval in (("eval.interval", cfg.eval.interval), ("train.checkpoint_interval", cfg.train.checkpoint_interval)):
            if interval % cfg.train.chunk_size and interval < cfg.train.num_iterations:
                self.log(f"note: {key} {interval} is not a multiple of train.chunk_size {cfg.train.chunk_size}; chunks are "
                         "cut there too, and each new chunk length compiles one more training function")

    def _observe(self, trajectories: Trajectory) -> None:
        for metric in self.metrics.values():
            metric.observe_sequence(trajectories)

    def _start_fresh(self) -> None:
        from rlkit.policies import RandomPolicy

        cfg = self.config
        self.time_step = self.env.reset(seed=derive_seed(cfg.train.seed, "env"))
        self.policy_state = self.agent.collect_policy.get_initial_state(self.env.batch_size)
        random_policy = RandomPolicy(self.env.time_step_spec(), self.env.action_spec(),
                                     seed=derive_seed(cfg.train.seed, "random_policy"))
        initial_steps = -(-cfg.train.initial_collect_steps // self.env.batch_size)
        if initial_steps:
            trajectories, self.time_step, _ = collect_block(
                self.env, random_policy, self.time_step, random_policy.get_initial_state(self.env.batch_size), initial_steps)
            self.buffer.add_sequence(trajectories)
            self._observe(trajectories)
        self.recorder = MetricsRecorder(self.run_dir, tensorboard=cfg.output.tensorboard)

    def _restore(self) -> None:
        cfg = self.config
        if not self.checkpointable:
            raise ConfigError(f"--resume {self.run_dir}: {type(self.agent).__name__} cannot restore its state "
                              "(no get_state()/set_state())")
        checkpoint = self.checkpoints.load_latest(report=self.log)
        if checkpoint is None:
            raise ConfigError(f"--resume {self.run_dir}: no usable checkpoint in {self.run_dir / 'checkpoints'}")
        state, arrays = checkpoint.state, checkpoint.arrays
        _check_resumable(state.get("config", {}), config_to_dict(cfg), self.run_dir)
        self.iteration = int(checkpoint.iteration)
        if self.iteration >= cfg.train.num_iterations:
            raise ConfigError(f"train.num_iterations: the run in {self.run_dir} is already at iteration {self.iteration}; "
                              f"raise it to continue, e.g. --set train.num_iterations={2 * self.iteration}")
        self.agent.set_state(join_state(state["agent"], arrays))
        self.buffer.load(checkpoint.file("replay.npz"))
        for name, metric in self.metrics.items():
            metric.set_state(join_state(state["metrics"][name], arrays))
        if state.get("env") is not None:
            self.env.restore(join_state(state["env"], arrays))
            self.time_step = self.env.current_time_step()
            self.policy_state = join_state(state["policy_state"], arrays)
        else:
            self.log(f"note: {type(self.env).__name__} cannot save its state; the resumed run starts new episodes "
                     "(it continues, but does not repeat the uninterrupted run exactly)")
            self.time_step = self.env.reset(seed=derive_seed(cfg.train.seed, "env", self.iteration))
            self.policy_state = self.agent.collect_policy.get_initial_state(self.env.batch_size)
        self.evaluations = list(state["evaluations"])
        for phase, seconds in state["seconds"].items():
            self.timer.seconds[phase] = float(seconds)
        self.recorder = MetricsRecorder(self.run_dir, tensorboard=cfg.output.tensorboard,
                                        resume_from_iteration=self.iteration)
        self.log(f"resumed from {checkpoint.path.name} at iteration {self.iteration}")

    # -- the loop ------------------------------------------------------------------------------
    def _evaluate(self, row: dict) -> None:
        result = evaluate(self.eval_env, self.agent.policy, self.config.eval.num_episodes,
                          seed=derive_seed(self.config.train.seed, "eval", self.iteration))
        self.evaluations.append({"iteration": self.iteration, "average_return": result.average_return,
                                 "average_length": result.average_length})
        row.update(eval_return=result.average_return, eval_episode_length=result.average_length)
        self.log(f"iteration {self.iteration}: average return = {result.average_return:.2f}")

    def _row(self, rows: dict[int, dict], iteration: int) -> dict:
        if iteration not in rows:
            rows[iteration] = {"iteration": iteration}
        return rows[iteration]

    def _metrics_row(self, row: dict) -> None:
        row.update(env_steps=int(self.metrics["env_steps"].result()), episodes=int(self.metrics["episodes"].result()),
                   train_return=float(self.metrics["train_return"].result()))

    def _train(self, num_batches: int) -> tuple[np.ndarray, Any]:
        """``num_batches`` gradient steps; returns the per-step losses ``[num_batches]`` and ``td_error``."""
        cfg = self.config.train
        block, info = self.buffer.sample_block(num_batches, cfg.batch_size, self.num_steps)
        weights = info.weights if self.prioritized else None
        if callable(getattr(self.agent, "train_block", None)):
            loss_info = self.agent.train_block(block, weights)
            losses = np.asarray(loss_info.extra.losses)
            td_error = getattr(loss_info.extra, "td_error", None)
        else:  # a plugin agent with only train(): one call per batch
            infos = [self.agent.train(nest.index(block, k), None if weights is None else weights[k]) for k in range(num_batches)]
            losses = np.array([float(i.loss) for i in infos], np.float32)
            td_error = None
            if all(getattr(i.extra, "td_error", None) is not None for i in infos):
                td_error = np.stack([np.asarray(i.extra.td_error) for i in infos])
        if self.prioritized and td_error is not None:
            self.buffer.update_priorities(info.ids, np.abs(np.asarray(td_error, np.float64)), skip_stale=True)
        return losses, td_error

    def _chunk_end(self) -> int:
        cfg = self.config
        start = self.iteration
        return min(_next_multiple(start, cfg.train.chunk_size), _next_multiple(start, cfg.eval.interval),
                   _next_multiple(start, cfg.train.checkpoint_interval), cfg.train.num_iterations)

    def _run_chunk(self) -> None:
        cfg = self.config
        start, end = self.iteration, self._chunk_end()
        count = end - start
        began = time.perf_counter()
        epsilon = getattr(self.agent.collect_policy, "epsilon", None)
        trajectories, self.time_step, self.policy_state = collect_block(
            self.env, self.agent.collect_policy, self.time_step, self.policy_state, count * self.steps_per_iteration)
        self.buffer.add_sequence(trajectories)
        rows: dict[int, dict] = {}
        observed = 0
        for iteration in range(_next_multiple(start, cfg.train.log_interval), end + 1, cfg.train.log_interval):
            upto = (iteration - start) * self.steps_per_iteration
            self._observe(nest.index(trajectories, slice(observed, upto)))
            observed = upto
            self._metrics_row(self._row(rows, iteration))
        if observed < trajectories.step_type.shape[0]:
            self._observe(nest.index(trajectories, slice(observed, None)))
        now = self.timer.add("collect", began)
        losses, _ = self._train(count * cfg.train.train_steps_per_iteration)
        iteration_losses = losses.reshape(count, cfg.train.train_steps_per_iteration).mean(axis=1)
        now = self.timer.add("train", now)
        self.iteration = end
        rate = count / max(now - began, 1e-9)
        for iteration, row in rows.items():
            row.update(loss=float(iteration_losses[iteration - start - 1]), epsilon=epsilon, steps_per_second=rate,
                       wall_seconds=now - self.started)
            self.log(f"iteration {iteration}: loss = {row['loss']:.5g}")
        if end % cfg.eval.interval == 0 or end == cfg.train.num_iterations:
            row = self._row(rows, end)
            if "env_steps" not in row:
                self._metrics_row(row)
                row.update(loss=float(iteration_losses[-1]), epsilon=epsilon, steps_per_second=rate,
                           wall_seconds=now - self.started)
            self._evaluate(row)
            self.timer.add("eval", now)
        for iteration in sorted(rows):
            self.recorder.record(**rows[iteration])
        if self._bar is not None:
            self._bar.update(count)
            last = self.evaluations[-1]["average_return"] if self.evaluations else float("nan")
            self._bar.set_postfix(loss=f"{iteration_losses[-1]:.3g}", ret=f"{last:.1f}", it_s=f"{rate:.0f}", refresh=False)
        if end % cfg.train.checkpoint_interval == 0 or end == cfg.train.num_iterations or self._interrupted:
            self._save_checkpoint()

    def _save_checkpoint(self) -> Path | None:
        if not self.checkpointable:
            return None
        began = time.perf_counter()
        arrays: dict[str, np.ndarray] = {}
        snapshot = self.env.snapshot()
        state = {
            "rlkit_version": __version__,
            "config": config_to_dict(self.config),
            "agent": split_state(self.agent.get_state(), "agent", arrays),
            "metrics": {name: split_state(metric.get_state(), f"metrics/{name}", arrays)
                        for name, metric in self.metrics.items()},
            "env": None if snapshot is None else split_state(snapshot, "env", arrays),
            "policy_state": split_state(self.policy_state, "policy_state", arrays),
            "evaluations": self.evaluations,
            "seconds": dict(self.timer.seconds),
        }
        path = self.checkpoints.save(self.iteration, arrays, state, writers={"replay.npz": self.buffer.save})
        self.timer.add("checkpoint", began)
        return path

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._interrupted:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self._interrupted = True
        self.log("Ctrl-C: finishing this chunk and writing a checkpoint (Ctrl-C again to abort without one)")

    # -- the job -------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Train (or resume), then write the policy, plot, videos and ``summary.json``; returns the summary.

        Raises :class:`TrainingInterrupted` after Ctrl-C (a checkpoint has been written by then).
        """
        cfg = self.config
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.run_dir / "train.log", "a")
        try:
            began = time.perf_counter()
            self.log(f"rlkit {__version__}: {'resuming' if self.resume else 'training'} {cfg.env.name} in {self.run_dir}")
            self._build()
            if self.resume:
                self._restore()
            else:
                self._start_fresh()
                row = {"iteration": 0}
                self._metrics_row(row)
                row["wall_seconds"] = time.perf_counter() - self.started
                self._evaluate(row)
                self.recorder.record(**row)
            dump_config(cfg, self.run_dir / "config.yaml")
            self.timer.add("setup", began)
            self._loop()
            if self._interrupted:
                self._write_summary("interrupted")
                raise TrainingInterrupted(self.run_dir, self.iteration)
            return self._finish()
        finally:
            if getattr(self, "recorder", None) is not None:
                self.recorder.close()
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def _loop(self) -> None:
        cfg = self.config
        previous = None
        main_thread = _is_main_thread()
        if main_thread:
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            self._bar = _progress_bar(cfg.train.num_iterations, self.iteration, self.progress,
                                      self.progress_stream or sys.stderr)
            while self.iteration < cfg.train.num_iterations and not self._interrupted:
                self._run_chunk()
            saved = self.checkpoints.checkpoints()
            if self._interrupted and not (saved and saved[-1][0] == self.iteration):
                self._save_checkpoint()
        finally:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            if main_thread:
                signal.signal(signal.SIGINT, previous)

    def _finish(self) -> dict[str, Any]:
        from rlkit.viz import plot_returns

        began = time.perf_counter()
        if callable(getattr(self.agent, "save_policy", None)):
            self.agent.save_policy(self.run_dir / "policy")
        self.seconds_to_policy = time.perf_counter() - self.started
        threshold = getattr(self.env, "reward_threshold", None)
        plot_returns([e["iteration"] for e in self.evaluations], [e["average_return"] for e in self.evaluations],
                     self.run_dir / "returns.png", title=f"{self.config.env.name}: average return", reward_threshold=threshold)
        if self.video:
            try:
                record_videos(self.config, self.agent.policy, self.run_dir, self.log)
            except Exception as err:  # noqa: BLE001 - a video that cannot be drawn must not cost the trained run
                self.log(f"videos not recorded: {type(err).__name__}: {' '.join(str(err).split())} "
                         "(the rest of the run is complete; --no-video skips them)")
        self.timer.add("outputs", began)
        return self._write_summary("completed")

    def _write_summary(self, status: str) -> dict[str, Any]:
        returns = [e["average_return"] for e in self.evaluations]
        best = int(np.argmax(returns)) if returns else None
        threshold = getattr(self.env, "reward_threshold", None)
        solved = next((e["iteration"] for e in self.evaluations if threshold is not None and e["average_return"] >= threshold), None)
        seconds = self.timer.seconds
        loop_seconds = seconds["collect"] + seconds["train"]
        env_steps = int(self.metrics["env_steps"].result())
        summary = {
            "status": status,
            "rlkit_version": __version__,
            "env": self.config.env.name,
            "iterations": self.iteration,
            "env_steps": env_steps,
            "episodes": int(self.metrics["episodes"].result()),
            "final_return": returns[-1] if returns else None,
            "best_return": returns[best] if returns else None,
            "best_iteration": self.evaluations[best]["iteration"] if returns else None,
            "reward_threshold": threshold,
            "first_iteration_at_threshold": solved,
            "evaluations": len(returns),
            "seconds": {**{k: round(v, 4) for k, v in seconds.items()},
                        "to_saved_policy": round(self.seconds_to_policy, 4) if self.seconds_to_policy is not None else None,
                        "total": round(time.perf_counter() - self.started, 4)},
            "iterations_per_second": round(self.iteration / loop_seconds, 1) if loop_seconds else None,
            "env_steps_per_second": round(env_steps / loop_seconds, 1) if loop_seconds else None,
            "backend": getattr(self.env, "backend", None),
        }
        with atomic_write(self.run_dir / "summary.json", "w") as handle:
            json.dump(summary, handle, indent=2, allow_nan=False, default=_json_default)
        return summary


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def _built(what: str, build: Callable[[], Any]) -> Any:
    """Run a component factory; a ``TypeError``/``ValueError`` from bad kwargs becomes a one-line ``ConfigError``."""
    try:
        return build()
    except ConfigError:
        raise
    except (TypeError, ValueError) as err:
        section = {"env": "env", "eval": "eval", "agent": "agent/network", "replay": "replay"}[what]
        message = " ".join(str(err).split())
        raise ConfigError(f"{section}: cannot build the {what} from the config: {message}") from err


def _check_resumable(saved: dict, current: dict, run_dir: Path) -> None:
    changed = []
    for section, values in current.items():
        for key, value in values.items():
            path = f"{section}.{key}"
            if saved.get(section, {}).get(key) != value and not any(path == k or (k.endswith(".") and path.startswith(k))
                                                                     for k in RESUMABLE_KEYS):
                changed.append(path)
    if changed:
        raise ConfigError(f"--resume {run_dir}: {', '.join(changed)} differ from the checkpoint's config; only "
                          "train.num_iterations, train.log_interval, train.checkpoint_interval, eval.* and output.* can change")


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _progress_bar(total: int, initial: int, enabled: bool, stream: TextIO) -> Any:
    """A tqdm bar on ``stream`` if it is a terminal (``None`` when disabled or not a terminal)."""
    if not enabled or not stream.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="it", dynamic_ncols=True, file=stream, mininterval=0.25, smoothing=0.1)
