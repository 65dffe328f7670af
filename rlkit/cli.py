"""The ``rlkit`` command: ``rlkit train | eval | video | plot | list | backends``.

Each subcommand lives in its own function; heavy modules (TensorFlow) load only inside the
subcommands that need them, so ``rlkit --help`` and ``rlkit list`` stay fast.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from typing import Sequence

from rlkit._version import __version__

EXIT_USAGE = 2


def _cmd_list(args: argparse.Namespace) -> int:
    from rlkit.registry import BUILTIN, KINDS, PluginWarning, get_registry

    kinds = [get_registry(args.kind).kind] if args.kind else None
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
    print("error: `rlkit train` is not available in this build of rlkit", file=sys.stderr)
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rlkit",
        description="rlkit: fast, Gymnasium-compatible reinforcement learning (DQN on Keras 3).",
    )
    parser.add_argument("--version", action="version", version=f"rlkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train an agent from a YAML config (default: the TF-Agents DQN tutorial)")
    p.add_argument("config", nargs="?", help="YAML config file; omitted: the embedded tutorial config")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("list", help="list registered envs, agents, policies, replay buffers and networks")
    p.add_argument("kind", nargs="?", help="only this kind (envs, agents, policies, replay_buffers, networks)")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("backends", help="show which kernel backends are available and which is used")
    p.set_defaults(func=_cmd_backends)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
