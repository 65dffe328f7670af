"""docs/cli.md documents every subcommand and option of ``rlkit``: the page cannot drift from the parser."""
import argparse
import re
from pathlib import Path

import pytest

from rlkit.cli import build_parser

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1, "rlkit's parser should have exactly one set of subcommands"
    return dict(actions[0].choices)


def _option_strings(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


@pytest.fixture(scope="module")
def doc() -> str:
    assert CLI_DOC.is_file(), f"{CLI_DOC} is missing"
    return CLI_DOC.read_text(encoding="utf-8")


def _sections(doc: str) -> dict[str, str]:
    """The text of each ``## `rlkit <command>` `` section, by command."""
    parts = re.split(r"^## `rlkit ([\w-]+)`\s*$", doc, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_parser_has_the_documented_commands():
    # The set the page is written for; a new subcommand must be added to docs/cli.md (and here).
    assert set(_subparsers(build_parser())) == {"train", "eval", "video", "plot", "sweep", "sweep-report", "report",
                                                "list", "backends", "config"}


def test_every_subcommand_has_a_section(doc):
    sections = _sections(doc)
    for name in _subparsers(build_parser()):
        assert name in sections, f"docs/cli.md has no '## `rlkit {name}`' section"


def test_every_top_level_option_is_documented(doc):
    for option in _option_strings(build_parser()):
        assert re.search(rf"`{re.escape(option)}\b", doc), f"docs/cli.md does not mention `{option}`"


@pytest.mark.parametrize("command", sorted(_subparsers(build_parser())))
def test_every_option_of_each_subcommand_is_documented_in_its_section(doc, command):
    section = _sections(doc).get(command, "")
    subparser = _subparsers(build_parser())[command]
    for option in sorted(_option_strings(subparser) - {"-h", "--help"}):
        # Matched as a whole option inside backticks: `--out` must not be satisfied by `--output`.
        assert re.search(rf"`{re.escape(option)}(?![\w-])", section), (
            f"docs/cli.md: the `rlkit {command}` section does not document {option}")
    for positional in _positionals(subparser):
        name = positional.metavar or positional.dest  # shown as `CONFIG` for dest "config"
        assert re.search(rf"`{re.escape(name)}(?![\w.-])", section, flags=re.IGNORECASE), (
            f"docs/cli.md: the `rlkit {command}` section does not document the argument {name}")


def test_exit_codes_are_documented(doc):
    table = doc.split("## Exit codes", 1)[-1]
    for code in ("0", "2", "130"):
        assert re.search(rf"^\| {code} \|", table, flags=re.MULTILINE), f"exit code {code} is not in the table"
