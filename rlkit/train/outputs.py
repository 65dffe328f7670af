"""Outputs made from a trained policy: the videos of ``rlkit train`` and ``rlkit video``."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from rlkit.train.components import derive_seed, make_env
from rlkit.train.config import Config

__all__ = ["record_videos"]


def record_videos(config: Config, policy: Any, run_dir: Path, log: Callable[[str], None],
                  names: tuple[str, ...] = ("trained", "random")) -> dict[str, Any]:
    """``trained.mp4`` (``policy``) and ``random.mp4`` (uniform actions) of ``output.video_episodes`` episodes each."""
    from rlkit.policies import RandomPolicy
    from rlkit.viz import record_episodes

    results = {}
    for name in names:
        env = make_env(config, None, evaluation=True, render=True)
        env.reset(seed=derive_seed(config.train.seed, "video", names.index(name)))
        acting = policy if name == "trained" else RandomPolicy(env.time_step_spec(), env.action_spec(),
                                                                seed=derive_seed(config.train.seed, "video", 9))
        result = record_episodes(env, acting, config.output.video_episodes, run_dir / f"{name}.mp4", fps=config.output.video_fps)
        env.close()
        log(f"{name}.mp4: {config.output.video_episodes} episodes, {result.num_frames} frames, "
            f"returns {', '.join(f'{r:g}' for r in result.returns)}")
        results[name] = result
    return results
