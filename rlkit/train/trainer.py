"""The training loop of ``rlkit train``: the TF-Agents DQN tutorial's loop, wired from rlkit's interfaces.

    trainer = Trainer(load_config("my.yaml"), run_dir="runs/my-run")
    summary = trainer.run()          # trains, evaluates, checkpoints, writes every output

The tutorial's loop is: collect ``initial_collect_steps`` with a random policy; then per iteration
collect ``collect_steps_per_iteration`` env steps with the collect policy, sample a batch, take a
gradient step; log every ``log_interval`` and evaluate every ``eval_interval`` iterations (and
once before training). Here iterations run in chunks of ``K = train.chunk_size``:

1. the collection engine (:mod:`rlkit.train.collection`: a :class:`~rlkit.drivers.BlockDriver` here,
   or collector actors on Ray) runs the collect policy for the chunk's env steps and hands the
   ``[T, N]`` blocks to its observers: the replay buffer and the training metrics;
2. ``buffer.sample_block`` draws ``K x train_steps_per_iteration`` batches at once;
3. ``agent.train_block`` takes all those gradient steps (DQN: in one XLA-compiled call, which also
   refreshes the compiled acting mirror the collect policy acts on).

Only methods declared in :mod:`rlkit.core` are called, so a plugin env, buffer or agent runs here
as the built-in ones do. ``K = 1`` is the tutorial's per-step order exactly; a larger ``K`` lets the
collect policy lag up to ``K`` iterations behind the network (as SB3's ``train_freq`` does). Chunks
end at multiples of ``K``, of ``eval.interval`` and of ``train.checkpoint_interval`` (counted from
iteration 0), so a resumed run cuts its chunks where the uninterrupted run did and repeats it bit for
bit on CPU. An iteration takes ``ceil(collect_steps_per_iteration / N)`` steps of the ``N`` envs,
episode-boundary (reset) steps included, as the tutorial's ``collect_step`` does.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from rlkit import backend
from rlkit.core import PrioritizedReplay
from rlkit.envs.check import EnvCheckError
from rlkit.faults import crash_point
from rlkit.fileio import STORAGE_FIXES, CorruptFileError
from rlkit.metrics import AverageEpisodeLengthMetric, AverageReturnMetric, EnvironmentSteps, NumberOfEpisodes, evaluate
from rlkit.registry import RegistryError
from rlkit.train.checkpoint import CheckpointManager
from rlkit.train.collection import CollectEngine, make_engine
from rlkit.train.components import derive_seed, make_agent, make_replay_buffer
from rlkit.train.config import Config, ConfigError, dump_config
from rlkit.train.outputs import write_outputs, write_report
from rlkit.train.preflight import build_checked_envs
from rlkit.train.recorder import MetricsRecorder, open_recorder
from rlkit.train.run_state import (TrainingDiverged, TrainingFailed, TrainingInterrupted, built, chunk_notes,
                                   restore_run, save_run)
from rlkit.train.run_dir import check_new_run_dir, lock_run_dir
from rlkit.train.runlog import RunLog
from rlkit.train.summary import PhaseTimer, write_summary

__all__ = ["Trainer", "TrainingInterrupted", "TrainingDiverged", "TrainingFailed"]


def _next_multiple(value: int, interval: int) -> int:
    return (value // interval + 1) * interval


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
        self.progress, self.stream, self.progress_stream = progress, stream, progress_stream
        self.started = time.perf_counter() if started is None else started
        self.timer = PhaseTimer()
        self.iteration = 0
        self.evaluations: list[dict[str, float]] = []
        self.seconds_to_policy: float | None = None
        self.recorder: MetricsRecorder | None = None
        self.collection: CollectEngine | None = None
        self._interrupted = False
        self._noted_no_checkpoint = False

    # -- set-up --------------------------------------------------------------------------------
    def _build(self) -> None:
        from rlkit.agents import configure_tensorflow

        cfg = self.config
        self.env, self.eval_env, self.video = build_checked_envs(cfg, self.log, self.video)  # one line, no TF yet
        self.collection = make_engine(cfg, self.env, self.log)
        with warnings.catch_warnings():  # TensorFlow starts only now, after the cheap checks above
            warnings.filterwarnings("ignore", "TensorFlow threads could not be set", RuntimeWarning)  # a notebook, a test
            configure_tensorflow(num_threads=1)
        self.agent = built("agent", lambda: make_agent(cfg, self.env))
        self.buffer = built("replay", lambda: make_replay_buffer(cfg, self.agent, self.collection.num_envs,
                                                                 self.collection.replay_batch_size))
        self.metrics = {"train_return": AverageReturnMetric(buffer_size=10),
                        "train_episode_length": AverageEpisodeLengthMetric(buffer_size=10),
                        "episodes": NumberOfEpisodes(), "env_steps": EnvironmentSteps()}
        self.observers = [self.buffer, *self.metrics.values()]
        self.checkpoints = CheckpointManager(self.run_dir / "checkpoints", keep=cfg.output.keep_checkpoints)
        self.steps_per_iteration = -(-cfg.train.collect_steps_per_iteration // self.collection.num_envs)
        self.num_steps = self.agent.train_sequence_length or 2
        for note in chunk_notes(cfg):
            self.log(note)

    def _collect(self, policy: Any, policy_state: Any, num_steps: int) -> Any:
        """``num_steps`` batched env steps of ``policy`` into the buffer and the metrics; returns the policy state."""
        return self.collection.run(policy, policy_state, num_steps, self.observers)

    def _start_fresh(self) -> None:
        from rlkit.policies import RandomPolicy

        cfg = self.config
        num_envs = self.collection.num_envs
        self.collection.reset(cfg.train.seed)
        self.policy_state = self.agent.collect_policy.get_initial_state(num_envs)
        random_policy = RandomPolicy(self.env.time_step_spec(), self.env.action_spec(),
                                     seed=derive_seed(cfg.train.seed, "random_policy"))
        initial_steps = -(-cfg.train.initial_collect_steps // num_envs)
        if initial_steps:
            self._collect(random_policy, random_policy.get_initial_state(num_envs), initial_steps)
        self.recorder = open_recorder(self.run_dir, self.config.output.tensorboard, -1 if self.resume else None)

    # -- the loop ------------------------------------------------------------------------------
    def _evaluate(self, row: dict) -> None:
        result = evaluate(self.eval_env, self.agent.policy, self.config.eval.num_episodes,
                          seed=derive_seed(self.config.train.seed, "eval", self.iteration))
        self.evaluations.append({"iteration": self.iteration, "average_return": result.average_return,
                                 "average_length": result.average_length})
        row.update(eval_return=result.average_return, eval_episode_length=result.average_length)
        self.log(f"iteration {self.iteration}: average return = {result.average_return:.2f}")

    def _metrics_row(self, iteration: int) -> dict:
        return {"iteration": iteration, "env_steps": int(self.metrics["env_steps"].result()),
                "episodes": int(self.metrics["episodes"].result()),
                "train_return": float(self.metrics["train_return"].result())}

    def _train(self, num_batches: int) -> np.ndarray:
        """``num_batches`` gradient steps; returns their losses ``[num_batches]``."""
        block, info = self.buffer.sample_block(num_batches, self.config.train.batch_size, self.num_steps)
        prioritized = isinstance(self.buffer, PrioritizedReplay)
        loss_info = self.agent.train_block(block, info.weights if prioritized else None)
        if prioritized and loss_info.extra.td_error is not None:
            self.buffer.update_priorities(info.ids, np.abs(np.asarray(loss_info.extra.td_error, np.float64)), skip_stale=True)
        return np.asarray(loss_info.extra.losses)

    def _chunk_end(self) -> int:
        cfg, start = self.config, self.iteration
        return min(_next_multiple(start, cfg.train.chunk_size), _next_multiple(start, cfg.eval.interval),
                   _next_multiple(start, cfg.train.checkpoint_interval), cfg.train.num_iterations)

    def _run_chunk(self) -> None:
        cfg, policy = self.config, self.agent.collect_policy
        start, end = self.iteration, self._chunk_end()
        began = time.perf_counter()
        epsilon = policy.diagnostics().get("epsilon")
        rows, collected = {}, start
        for iteration in range(_next_multiple(start, cfg.train.log_interval), end + 1, cfg.train.log_interval):
            self.policy_state = self._collect(policy, self.policy_state, (iteration - collected) * self.steps_per_iteration)
            collected = iteration
            rows[iteration] = self._metrics_row(iteration)
        if collected < end:
            self.policy_state = self._collect(policy, self.policy_state, (end - collected) * self.steps_per_iteration)
        now = self.timer.add("collect", began)
        losses = self._train((end - start) * cfg.train.train_steps_per_iteration)
        crash_point("chunk_trained")
        if not np.all(np.isfinite(losses)):  # stop before anything of this state is recorded or checkpointed
            first = int(np.flatnonzero(~np.isfinite(losses))[0]) // cfg.train.train_steps_per_iteration + start + 1
            raise TrainingDiverged(first, self.checkpoints.latest_iteration())
        iteration_losses = losses.reshape(end - start, cfg.train.train_steps_per_iteration).mean(axis=1)
        now = self.timer.add("train", now)
        self.iteration, rate = end, (end - start) / max(now - began, 1e-9)
        evaluating = end % cfg.eval.interval == 0 or end == cfg.train.num_iterations
        if evaluating:
            rows.setdefault(end, self._metrics_row(end))
        for iteration, row in rows.items():
            row.update(loss=float(iteration_losses[iteration - start - 1]), epsilon=epsilon, steps_per_second=rate,
                       wall_seconds=now - self.started)
            if iteration % cfg.train.log_interval == 0:
                self.log(f"iteration {iteration}: loss = {row['loss']:.5g}")
        if evaluating:
            self._evaluate(rows[end])
            self.timer.add("eval", now)
        for iteration in sorted(rows):
            self.recorder.record(**rows[iteration])
        last = self.evaluations[-1]["average_return"] if self.evaluations else float("nan")
        self.logger.advance(end - start, float(iteration_losses[-1]), last, rate)
        if end % cfg.train.checkpoint_interval == 0 or end == cfg.train.num_iterations or self._interrupted:
            self._save_checkpoint()

    def _save_checkpoint(self) -> None:
        began = time.perf_counter()
        if save_run(self) is None and not self._noted_no_checkpoint:
            self._noted_no_checkpoint = True
            self.log(f"note: {type(self.agent).__name__} or {type(self.buffer).__name__} has no checkpoint state "
                     "(get_state() returns None): no checkpoints are written and this run cannot be resumed")
        self.timer.add("checkpoint", began)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._interrupted:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self._interrupted = True
        self.log("Ctrl-C: finishing this chunk and writing a checkpoint (Ctrl-C again to abort without one)")

    # -- the job -------------------------------------------------------------------------------
    def log(self, message: str) -> None:
        """One line to ``train.log`` and, with ``progress``, to the terminal."""
        self.logger(message)

    def run(self) -> dict[str, Any]:
        """Train (or resume), then write the policy, plot, videos and ``summary.json``; returns the summary.

        The run directory is locked for the whole call (one writer per run directory: a second
        process gets ``RunDirInUseError``); a run refused before it began leaves no directory behind.
        Raises :class:`TrainingInterrupted` after Ctrl-C (a checkpoint has been written by then).
        """
        with lock_run_dir(self.run_dir):
            if not self.resume:
                check_new_run_dir(self.run_dir)  # under the lock: another run may have started meanwhile
            return self._run()

    def _run(self) -> dict[str, Any]:
        from rlkit import __version__

        cfg = self.config
        self.logger = RunLog(self.run_dir / "train.log", self.progress, self.stream, self.progress_stream)
        try:
            began = time.perf_counter()
            self.log(f"rlkit {__version__}: {'resuming' if self.resume else 'training'} {cfg.env.name} in {self.run_dir}")
            self._build()
            try:
                return self._train_and_finish(began)
            except (TrainingDiverged, TrainingInterrupted, ConfigError, CorruptFileError, EnvCheckError, RegistryError,
                    backend.BackendError, MemoryError):
                raise  # each is one line already (the CLI's exit codes 3, 130, 2)
            except Exception as err:  # raised by a component (or rlkit): one line for the user, the traceback logged
                if isinstance(err, OSError) and err.errno in STORAGE_FIXES:
                    raise  # a full or read-only disk: the CLI's exit code 4
                raise self._failed(err) from err
        finally:
            if self.collection is not None:
                self.collection.close()
            if self.recorder is not None:
                self.recorder.close()
            self.logger.close()

    def _failed(self, err: Exception) -> TrainingFailed:
        self.logger.file_only("".join(traceback.format_exception(err)))
        failure = TrainingFailed(err, self.iteration, self.checkpoints.latest_iteration(), self.run_dir)
        self.log(f"error: {failure}")
        if self.recorder is not None:
            with contextlib.suppress(Exception):  # best effort: the failure itself is what must reach the user
                self._write_summary("failed")
        return failure

    def _train_and_finish(self, began: float) -> dict[str, Any]:
        """Restore or start, the loop, the outputs (after :meth:`_build`)."""
        cfg = self.config
        if self.resume and restore_run(self):
            dump_config(cfg, self.run_dir / "config.yaml")
            self.recorder = open_recorder(self.run_dir, self.config.output.tensorboard, self.iteration)
        else:  # a new run, or one killed before its first checkpoint: start (again) from the beginning
            dump_config(cfg, self.run_dir / "config.yaml")
            crash_point("config_written")
            self._start_fresh()
            row = self._metrics_row(0)
            row["wall_seconds"] = time.perf_counter() - self.started
            self._evaluate(row)
            self.recorder.record(**row)
        self.timer.add("setup", began)
        try:
            self._loop()
        except TrainingDiverged as err:
            self.log(f"error: {err}")
            self._write_summary("diverged")
            raise
        if self._interrupted:
            self._write_summary("interrupted")
            raise TrainingInterrupted(self.run_dir, self.iteration)
        return self._finish()

    def _loop(self) -> None:
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, self._on_sigint) if main_thread else None
        try:
            self.logger.open_bar(self.config.train.num_iterations, self.iteration)
            while self.iteration < self.config.train.num_iterations and not self._interrupted:
                self._run_chunk()
            if self._interrupted and self.checkpoints.latest_iteration() != self.iteration:
                self._save_checkpoint()
        finally:
            self.logger.close_bar()
            if main_thread:
                signal.signal(signal.SIGINT, previous)

    def _finish(self) -> dict[str, Any]:
        began = time.perf_counter()
        self.seconds_to_policy = write_outputs(self.config, self.agent, self.env, self.evaluations, self.run_dir,
                                               self.video, self.log, self.started)
        self.timer.add("outputs", began)
        summary = self._write_summary("completed")
        if self.config.output.report:
            write_report(self.run_dir, self.log)
        return summary

    def _write_summary(self, status: str) -> dict[str, Any]:
        crash_point("summary")
        return write_summary(
            self.run_dir / "summary.json", status=status, env_name=self.config.env.name, iteration=self.iteration,
            env_steps=int(self.metrics["env_steps"].result()), episodes=int(self.metrics["episodes"].result()),
            evaluations=self.evaluations, reward_threshold=self.env.reward_threshold, timer=self.timer,
            started=self.started, seconds_to_policy=self.seconds_to_policy,
            backend=self.config.train.backend or backend.default(),
            collect={"engine": self.config.collect.engine, **self.collection.diagnostics()})
