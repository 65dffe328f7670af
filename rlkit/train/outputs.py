"""Outputs made from a trained agent: the exported policy, the returns plot and the videos of
``rlkit train`` (and ``rlkit video``)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from rlkit.faults import crash_point
from rlkit.fileio import write_file_manifest
from rlkit.train.components import derive_seed, make_env
from rlkit.train.config import Config

__all__ = ["record_videos", "write_outputs", "videos_possible", "write_report"]


def videos_possible(config: Config, log: Callable[[str], None]) -> bool:
    """Build the video env and render it once before training. An env that cannot render (no
    ``render()``, a missing drawing library) is logged and the videos skipped; one that renders
    something other than RGB ``uint8 [H, W, 3]`` frames is an ``EnvCheckError``."""
    from rlkit.envs.check import EnvCheckError, check_env_outputs

    env = make_env(config, None, evaluation=True, render=True)
    try:
        check_env_outputs(env, config.eval.env or config.env.name, render=True)
    except EnvCheckError as err:
        cause = err.__cause__
        if not isinstance(cause, (NotImplementedError, ImportError)) and type(cause).__name__ != "DependencyNotInstalled":
            raise
        log(f"videos will not be recorded: {err} (--no-video skips this check)")
        return False
    finally:
        env.close()
    return True


def record_videos(config: Config, policy: Any, run_dir: Path, log: Callable[[str], None],
                  names: tuple[str, ...] = ("trained", "random")) -> dict[str, Any]:
    """``trained.mp4`` (``policy``) and ``random.mp4`` (uniform actions) of ``output.video_episodes`` episodes each."""
    import tempfile

    from rlkit.policies import RandomPolicy
    from rlkit.viz import record_episodes

    with tempfile.TemporaryFile(dir=run_dir):  # an unwritable directory fails here, in one line, not inside ffmpeg
        pass
    results = {}
    for name in names:
        env = make_env(config, None, evaluation=True, render=True)
        env.reset(seed=derive_seed(config.train.seed, "video", names.index(name)))
        acting = policy if name == "trained" else RandomPolicy(env.time_step_spec(), env.action_spec(),
                                                                seed=derive_seed(config.train.seed, "video", 9))
        result = record_episodes(env, acting, config.output.video_episodes, run_dir / f"{name}.mp4", fps=config.output.video_fps)
        env.close()
        crash_point(f"video_{name}")
        log(f"{name}.mp4: {config.output.video_episodes} episodes, {result.num_frames} frames, "
            f"returns {', '.join(f'{r:g}' for r in result.returns)}")
        results[name] = result
    return results


def write_outputs(config: Config, agent: Any, env: Any, evaluations: list[dict[str, float]], run_dir: Path,
                  video: bool, log: Callable[[str], None], started: float) -> float:
    """``policy/`` (``agent.save_policy``), ``returns.png`` and, with ``video``, the videos; returns the
    seconds from ``started`` (a ``perf_counter()``) to the exported policy. A video the env cannot draw
    is logged and skipped: it must not cost the trained run."""
    from rlkit.viz import plot_returns

    if agent.save_policy(run_dir / "policy"):
        crash_point("policy_exported")
        write_file_manifest(run_dir / "policy")  # rlkit eval / video verify the export before loading it
        crash_point("policy_manifest")
    else:
        log(f"note: {type(agent).__name__} cannot export its policy (save_policy returned False)")
    seconds_to_policy = time.perf_counter() - started
    plot_returns([e["iteration"] for e in evaluations], [e["average_return"] for e in evaluations],
                 run_dir / "returns.png", title=f"{config.env.name}: average return", reward_threshold=env.reward_threshold)
    crash_point("plot_written")
    if video:
        try:
            record_videos(config, agent.policy, run_dir, log)
        except Exception as err:  # noqa: BLE001
            log(f"videos not recorded: {type(err).__name__}: {' '.join(str(err).split())} "
                "(the rest of the run is complete; --no-video skips them)")
    return seconds_to_policy


def write_report(run_dir: Path, log: Callable[[str], None]) -> None:
    """``report.html`` of the finished run (``output.report``); a report that cannot be written is logged,
    never a failed run."""
    from rlkit.report import write_run_report

    try:
        path = write_run_report(run_dir)
    except Exception as err:  # noqa: BLE001 - everything the report shows is already on disk
        log(f"report not written: {type(err).__name__}: {' '.join(str(err).split())} (rlkit report {run_dir} retries)")
        return
    crash_point("report_written")
    log(f"report: {path}")
