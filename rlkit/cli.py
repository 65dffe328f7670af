"""The ``rlkit`` command: ``rlkit train | eval | video | plot | sweep | sweep-report | report | list | backends``.

Each subcommand lives in its own function; heavy modules (TensorFlow) load only inside the
subcommands that need them, so ``rlkit --help`` and ``rlkit list`` stay fast.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Sequence

# summary.json's times count from the start of ``import rlkit``; Python's own start-up (~50 ms) precedes it.
# (/proc's process start time would also count whatever a shell ran before exec'ing ``rlkit``.)
from rlkit import _IMPORT_STARTED as _STARTED
from rlkit._version import __version__

EXIT_FAILED = 1  # rlkit train: an exception stopped training; rlkit sweep: some trials failed
EXIT_USAGE = 2
EXIT_DIVERGED = 3  # training stopped on a NaN or inf loss
EXIT_IO = 4  # a file could not be written or read (disk full, read-only, no permission)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _cmd_list(args: argparse.Namespace) -> int:
    from rlkit.registry import BUILTIN, KINDS, PluginWarning, get_registry, unknown_groups

    kinds = [get_registry(args.kind).kind] if args.kind else None
    for problem in unknown_groups():
        print(f"warning: {problem}", file=sys.stderr)
    for key, reg in KINDS.items():
        if kinds is not None and reg.kind not in kinds:
            continue
        print(f"{key}:")
        for entry in reg.entries():
            status = ""
            if entry.source != BUILTIN:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", PluginWarning)
                    error = reg.check(entry.name)
                if error is not None:
                    status = "  [broken: " + error.split("failed to load: ", 1)[-1] + "]"
                    print(f"warning: {error}", file=sys.stderr)
            print(f"  {entry.name:<24} {entry.source:<22} {entry.target_repr}{status}")
    return 0


def _cmd_config_check(args: argparse.Namespace) -> int:
    from rlkit.train.config import load_config
    from rlkit.train.preflight import check_config

    config = load_config(args.config, args.overrides)
    check_config(config, lambda line: print(line, file=sys.stderr))
    print(f"ok: {args.config or 'the embedded tutorial config'} is valid and its envs match their specs")
    return 0


def _cmd_config_schema(args: argparse.Namespace) -> int:
    import json

    from rlkit.train.config import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _cmd_backends(args: argparse.Namespace) -> int:
    from rlkit import backend

    try:
        chosen = backend.default()
    except backend.BackendError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for name in backend.BACKENDS:
        reason = backend.unavailable_reason(name)
        mark = "*" if name == chosen else " "
        print(f"{mark} {name:<7} {'available' if reason is None else 'unavailable: ' + reason}")
    print(f"default: {chosen} (override with {backend.ENV_VAR}=cython|numba|numpy)")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlkit.train.config import load_config
    from rlkit.train.run_dir import check_new_run_dir, load_run_config, new_run_dir

    if args.resume:
        if args.config or args.out is not None:
            raise _usage("--resume RUN_DIR continues a run in place: drop CONFIG and --out")
        config = load_run_config(args.resume, args.overrides)
        run_dir = Path(args.resume)
    else:
        if args.out is not None and not args.out.strip():
            raise _usage("--out: an empty path; give a directory, or leave --out out for <output.dir>/<name>-<timestamp>")
        config = load_config(args.config, args.overrides)
        run_dir = Path(args.out) if args.out is not None else new_run_dir(config)
        check_new_run_dir(run_dir)
    from rlkit.train.trainer import Trainer, TrainingDiverged, TrainingFailed, TrainingInterrupted

    trainer = Trainer(config, run_dir, resume=bool(args.resume), video=not args.no_video,
                      progress=not args.quiet, started=_STARTED, progress_stream=getattr(args, "terminal", None))
    try:
        summary = trainer.run()  # holds the run directory's lock: one writer per run directory
    except TrainingInterrupted as stop:
        print(str(stop), file=sys.stderr)
        return 130
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DIVERGED
    except TrainingFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    seconds = summary["seconds"]
    print(f"done: {summary['iterations']} iterations, {summary['env_steps']} env steps; final average return "
          f"{summary['final_return']:.2f}, best {summary['best_return']:.2f} at iteration {summary['best_iteration']}; "
          f"{seconds['total']:.1f} s for this command; {seconds['collect'] + seconds['train']:.1f} s in the training loop"
          f"{' (all sessions)' if args.resume else ''}")
    print(f"outputs: {run_dir}")
    return 0


def _run_policy(run_dir: str) -> tuple:
    """``(config, policy factory)`` for a finished run: the exported SavedModel policy."""
    from pathlib import Path

    from rlkit.train.run_dir import load_run_config

    config = load_run_config(run_dir)
    path = Path(run_dir) / "policy"
    if not (path / "saved_model.pb").is_file():
        raise _usage(f"{run_dir}: no exported policy ({path} is missing); the run did not finish -- "
                     f"`rlkit train --resume {run_dir}` completes it")
    from rlkit.fileio import verify_file_manifest

    verify_file_manifest(path, f"remove {path} and {Path(run_dir) / 'summary.json'}, then `rlkit train --resume "
                               f"{run_dir}` exports the policy again")
    from rlkit.agents import SavedModelPolicy

    return config, lambda env: SavedModelPolicy(env.time_step_spec(), env.action_spec(), path)


def _registered_baseline(args: argparse.Namespace) -> tuple:
    """``(env, policy)`` for ``rlkit eval --env NAME --policy NAME``: any registered policy, no run directory."""
    import inspect

    from rlkit.core import Policy
    from rlkit.registry import get_registry, make

    if args.run_dir:
        raise _usage("pass either RUN_DIR (a trained run) or --env NAME --policy NAME (a registered policy), not both")
    if not (args.env or args.policy):
        raise _usage("pass RUN_DIR (a run written by `rlkit train`) or --env NAME --policy NAME (a registered policy)")
    if not (args.env and args.policy):
        raise _usage(f"--env and --policy go together: add --{'policy' if args.env else 'env'} NAME "
                     "(see `rlkit list envs` / `rlkit list policies`)")
    try:
        env = make("envs", args.env, num_envs=args.episodes)
    except (TypeError, ValueError) as err:
        raise _usage(f"--env {args.env}: cannot build it with num_envs={args.episodes}: {err}") from None
    factory = get_registry("policies").resolve(args.policy)
    kwargs = {"time_step_spec": env.time_step_spec(), "action_spec": env.action_spec()}
    try:
        if "seed" in inspect.signature(factory).parameters:
            kwargs["seed"] = args.seed
    except (TypeError, ValueError):
        pass
    try:
        policy = factory(**kwargs)
    except TypeError as err:
        raise _usage(f"--policy {args.policy}: cannot be built from the env's specs alone ({err}); "
                     "evaluate a trained policy with `rlkit eval RUN_DIR`") from None
    except ValueError as err:
        raise _usage(f"--policy {args.policy}: does not fit {args.env}: {err}") from None
    if not isinstance(policy, Policy):  # a factory (not a class) may build anything
        raise _usage(f"--policy {args.policy}: the registry entry built a {type(policy).__name__}, not an rlkit Policy")
    return env, policy


def _cmd_eval(args: argparse.Namespace) -> int:
    from rlkit.envs.check import check_env_outputs
    from rlkit.metrics import evaluate

    if args.env or args.policy or not args.run_dir:
        env, policy = _registered_baseline(args)
        check_env_outputs(env, args.env)
    else:
        from rlkit.train.components import make_env

        config, make_policy = _run_policy(args.run_dir)
        env = make_env(config, args.episodes, evaluation=True)
        check_env_outputs(env, config.eval.env or config.env.name)
        policy = make_policy(env)
    result = evaluate(env, policy, args.episodes, seed=args.seed)
    print(f"average return over {args.episodes} episodes: {result.average_return:.2f} "
          f"(min {result.returns.min():g}, max {result.returns.max():g}; average length {result.average_length:.1f} steps)")
    return 0


def _cmd_video(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlkit.train.components import make_env
    from rlkit.train.outputs import record_videos, videos_possible

    config, make_policy = _run_policy(args.run_dir)
    if args.episodes is not None:
        config = config.replace(output=config.output.replace(video_episodes=args.episodes))
    reasons: list[str] = []
    if not videos_possible(config, reasons.append):  # an env that cannot draw: no render(), or no pygame
        raise _usage(f"cannot render {config.env.name}: {reasons[0]}")
    policy = make_policy(make_env(config, None, evaluation=True))
    record_videos(config, policy, Path(args.run_dir), print,
                  names=("trained", "random") if not args.trained_only else ("trained",))
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlkit.train.recorder import read_metrics
    from rlkit.viz import plot_returns

    run_dir = Path(args.run_dir)
    if not (run_dir / "metrics.csv").is_file():
        raise _usage(f"{run_dir}: no metrics.csv; pass a run directory written by `rlkit train`")
    rows = [row for row in read_metrics(run_dir / "metrics.csv") if row["eval_return"] is not None]
    if not rows:
        raise _usage(f"{run_dir}/metrics.csv has no evaluations to plot")
    env_name, threshold = _run_env_and_threshold(run_dir)  # from the files: the env's plugin may be gone
    out = Path(args.out) if args.out else run_dir / "returns.png"
    plot_returns([r["iteration"] for r in rows], [r["eval_return"] for r in rows], out,
                 title=f"{env_name}: average return", reward_threshold=threshold)
    print(f"wrote {out}")
    return 0


def _run_env_and_threshold(run_dir: "Path") -> tuple[str, float | None]:
    """The env name and its "solved" return as the run recorded them (``summary.json``, else the raw
    ``config.yaml``), without building the env: ``rlkit plot`` works without the env's plugin."""
    import json
    import math

    import yaml

    summary: dict = {}
    try:
        loaded = json.loads((run_dir / "summary.json").read_text())
        summary = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        pass
    name = summary.get("env")
    if not isinstance(name, str):
        try:
            config = yaml.safe_load((run_dir / "config.yaml").read_text())
            name = config["env"]["name"]
        except (OSError, yaml.YAMLError, KeyError, TypeError):
            name = None
    threshold = summary.get("reward_threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
        threshold = None
    return (name if isinstance(name, str) else run_dir.name), threshold


def _cmd_sweep(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from rlkit.sweep.plan import SPEC_FILE, SweepSpec, parse_grid, parse_seeds
    from rlkit.sweep.runner import run_sweep

    if args.address is not None and args.executor != "ray":
        raise _usage("--address ADDR is the Ray cluster of --executor ray; add --executor ray or drop --address")
    if args.executor == "ray":
        from rlkit.distributed import require_ray

        require_ray("--executor ray")  # before anything is written
    if args.resume:
        if args.config or args.out or args.grid or args.seeds or args.overrides:
            raise _usage("--resume DIR continues a sweep as it was planned: drop CONFIG, --out, --seeds, --grid and --set")
        sweep_dir = Path(args.resume)
        spec = SweepSpec.load(sweep_dir)
        spec.validate()
    else:
        spec, base_text = SweepSpec.create(args.config, parse_seeds(args.seeds or "0-4"), parse_grid(args.grid),
                                           args.overrides)
        configs = spec.validate()
        first = next(iter(configs.values()))
        if args.out:
            sweep_dir = Path(args.out)
        else:
            name = first.output.name or first.env.name.lower()
            sweep_dir = Path(first.output.dir) / f"{name}-sweep-{time.strftime('%Y%m%d-%H%M%S')}"
        if (sweep_dir / SPEC_FILE).exists():
            raise _usage(f"--out {sweep_dir}: already holds a sweep; continue it with `rlkit sweep --resume {sweep_dir}`")
        if sweep_dir.exists() and any(sweep_dir.iterdir()):
            raise _usage(f"--out {sweep_dir}: exists and is not empty; choose another --out")
        spec.save(sweep_dir, base_text)
    from rlkit.sweep.executor import available_cores

    outcome = run_sweep(spec, sweep_dir, args.workers or available_cores(), video=not args.no_video,
                        progress_stream=getattr(args, "terminal", None) or sys.stderr, executor=args.executor,
                        address=args.address)
    written = _write_sweep_outputs(sweep_dir)
    summary = (f"sweep: {outcome.completed} completed, {outcome.failed} failed"
               f"{f', {outcome.interrupted} interrupted' if outcome.interrupted else ''}"
               f"{f', {outcome.not_run} not run' if outcome.not_run else ''}"
               f"{f', {outcome.skipped} already done' if outcome.skipped else ''} in {outcome.seconds:.1f} s")
    print(summary)
    print(f"outputs: {sweep_dir} ({', '.join(p.name for p in written)})")
    if outcome.stopped:
        print(f"interrupted; continue with: rlkit sweep --resume {sweep_dir}", file=sys.stderr)
    elif outcome.not_run:
        print(f"{outcome.not_run} trials not run: the worker processes exited before taking them (their error is "
              f"above); once fixed, continue with: rlkit sweep --resume {sweep_dir}", file=sys.stderr)
    elif outcome.exit_code:
        print(f"some trials failed (their errors are in sweep.json and trials/*/seed-*/trial.json); "
              f"rerun them with: rlkit sweep --resume {sweep_dir}", file=sys.stderr)
    return outcome.exit_code


def _write_sweep_outputs(sweep_dir, reps: int = 10_000, seed: int = 0) -> list:
    from rlkit.report import write_sweep_report
    from rlkit.sweep.aggregate import aggregate, write_outputs

    written = write_outputs(sweep_dir, aggregate(sweep_dir, reps=reps, seed=seed))
    return written + [write_sweep_report(sweep_dir)]


def _cmd_sweep_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlkit.sweep.plan import SweepSpec

    SweepSpec.load(Path(args.sweep_dir))  # a one-line error if it is not a sweep directory
    for path in _write_sweep_outputs(Path(args.sweep_dir), reps=args.reps, seed=args.seed):
        print(f"wrote {path}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rlkit.report import write_report

    print(f"wrote {write_report(Path(args.dir))}")
    return 0


class _UsageError(Exception):
    pass


def _usage(message: str) -> _UsageError:
    return _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rlkit",
        description="rlkit: fast, Gymnasium-compatible reinforcement learning (DQN on Keras 3).",
    )
    parser.add_argument("--version", action="version", version=f"rlkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train an agent from a YAML config (default: the TF-Agents DQN tutorial)",
                       description="Train, evaluate and export an agent; every output goes to a run directory.")
    p.add_argument("config", nargs="?", help="YAML config file; omitted: the embedded tutorial config")
    p.add_argument("--out", metavar="DIR", help="run directory (default: <output.dir>/<name>-<timestamp>)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set train.num_iterations=5000 (repeatable; VALUE is YAML)")
    p.add_argument("--no-video", action="store_true", help="skip trained.mp4 and random.mp4")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its newest usable checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar or log lines on the terminal (train.log keeps them)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("eval", help="average return of a run's exported policy, or of any registered policy")
    p.add_argument("run_dir", metavar="RUN_DIR", nargs="?", help="a run directory written by `rlkit train`")
    p.add_argument("--env", metavar="NAME", help="a registered env (with --policy, instead of RUN_DIR)")
    p.add_argument("--policy", metavar="NAME", help="a registered policy built from the env's specs, e.g. random")
    p.add_argument("--episodes", type=_positive_int, default=10, help="episodes to average (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the eval env (default 0)")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("video", help="record trained.mp4 and random.mp4 of a run's exported policy")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--episodes", type=_positive_int, default=None, help="episodes per video (default: output.video_episodes)")
    p.add_argument("--trained-only", action="store_true", help="only trained.mp4")
    p.set_defaults(func=_cmd_video)

    p = sub.add_parser("plot", help="redraw returns.png from a run's metrics.csv")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--out", metavar="PNG", help="output file (default: RUN_DIR/returns.png)")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser("sweep", help="train every grid point x seed of a config on local workers; aggregate across seeds",
                       description="Run trials (grid point x seed, each an ordinary run directory) on long-lived local "
                                   "worker processes, then write sweep.json, sweep.csv, curves.png, profile.png and "
                                   "report.html. Exit code 1 if some trial failed.")
    p.add_argument("config", nargs="?", help="YAML config file; omitted: the embedded tutorial config")
    p.add_argument("--seeds", metavar="SEEDS", help="train.seed values: 0-19, 0,3,7 or 0-4,10 (default 0-4)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                   help="a config key and its values (YAML, comma-separated); repeat for a cartesian product")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key in every trial (repeatable; VALUE is YAML)")
    p.add_argument("--workers", type=_positive_int, metavar="N", help="worker processes (default: the number of cores)")
    p.add_argument("--out", metavar="DIR", help="sweep directory (default: <output.dir>/<name>-sweep-<timestamp>)")
    p.add_argument("--no-video", action="store_true", help="no trained.mp4 / random.mp4 in the trials")
    p.add_argument("--resume", metavar="DIR", help="continue the sweep in DIR: skip finished trials, resume interrupted ones")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="run trials on local worker processes (default) or on Ray worker actors (pip install \"rlkit[ray]\")")
    p.add_argument("--address", metavar="ADDR", help="with --executor ray: the Ray cluster to join (host:port from "
                                                     "`ray start --head`); default: start a local Ray")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("sweep-report", help="recompute a sweep's statistics, plots and report from its trials")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.add_argument("--reps", type=_positive_int, default=10_000, help="bootstrap resamples (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.set_defaults(func=_cmd_sweep_report)

    p = sub.add_parser("report", help="write report.html for a run directory or a sweep directory")
    p.add_argument("dir", metavar="DIR", help="a run directory (rlkit train) or a sweep directory (rlkit sweep)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("list", help="list registered envs, agents, policies, replay buffers and networks")
    p.add_argument("kind", nargs="?", help="only this kind (envs, agents, policies, replay_buffers, networks)")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("backends", help="show which kernel backends are available and which is used")
    p.set_defaults(func=_cmd_backends)

    p = sub.add_parser("config", help="check a training config, or print its JSON Schema (for editors)")
    config_sub = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    config_sub.add_parser("schema", help="print the JSON Schema of train config files (rlkit config schema > FILE)"
                          ).set_defaults(func=_cmd_config_schema)
    p = config_sub.add_parser("check", help="validate a train config without training: keys, values, memory, the envs "
                                           "stepped once against their specs (no TensorFlow)")
    p.add_argument("config", nargs="?", help="YAML config file; omitted: the embedded tutorial config")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, as for rlkit train")
    p.set_defaults(func=_cmd_config_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    # TensorFlow's C++ start-up lines (no GPU found, oneDNN notice) are noise here; TF_CPP_MIN_LOG_LEVEL=0 shows them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.func in (_cmd_train, _cmd_eval, _cmd_video):
        from rlkit.cli_runtime import enable_xla_cache, quiet_tensorflow_logs

        enable_xla_cache()  # before TensorFlow loads: later runs reuse the compiled training function
        with quiet_tensorflow_logs() as terminal:
            args.terminal = terminal  # the real stderr, for the progress bar
            return _dispatch(args)
    return _dispatch(args)




def _one_line_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> str:
    return f"warning: {' '.join(str(message).split())}\n"


def _dispatch(args: argparse.Namespace) -> int:
    from rlkit.backend import BackendError
    from rlkit.envs.check import EnvCheckError
    from rlkit.fileio import STORAGE_FIXES, CorruptFileError
    from rlkit.registry import RegistryError
    from rlkit.train.config import ConfigError

    try:
        return int(args.func(args) or 0)
    except (ConfigError, _UsageError, BackendError, RegistryError, CorruptFileError, EnvCheckError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("error: out of memory; lower replay.max_length, env.num_envs, eval.num_episodes or the network's "
              "layer sizes (network.fc_layer_params)", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        if err.errno not in STORAGE_FIXES:
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror}; {STORAGE_FIXES[err.errno]} (a run's last checkpoint, if any, is intact: "
              "rlkit train --resume RUN_DIR continues from it)", file=sys.stderr)
        return EXIT_IO
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The console entry point: ``main()``, then exit.

    After a command that loaded TensorFlow, the process ends with ``os._exit``: every file rlkit
    wrote is closed by then, and TensorFlow's interpreter teardown would add ~1 s of nothing.
    """
    warnings.formatwarning = _one_line_warning  # "warning: ..." on stderr, never file:line and source
    code = main()
    if "tensorflow" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
