"""Every language code that a command's help names is one FLORES-200 holds: a user copies them."""

from __future__ import annotations

import re

import click
import pytest

from corpora.manifest import read_manifest
from tests.conftest import run_cli
from toklab.cli import main

# ISO 639-3 + ISO 15924, the form FLORES-200 and every --langs option use
CODE = re.compile(r"\b[a-z]{3}_[A-Z][a-z]{3}\b")


def flores_languages() -> set[str]:
    """From the release's file list shipped with the package: devtest/xxx_Yyyy.devtest."""
    files = read_manifest("flores200.sha256")
    return {path.split("/")[1].split(".")[0] for path in files if path.startswith("devtest/")}


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand, as the words that name it on the command line."""
    ctx = click.Context(group)
    paths = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


def test_the_flores_list_is_the_whole_release():
    languages = flores_languages()
    assert len(languages) == 204 and {"eng_Latn", "hin_Deva", "shn_Mymr"} <= languages
    assert "hin_Latn" not in languages


@pytest.mark.parametrize("path", [(), *command_paths(main)], ids=lambda p: " ".join(p) or "toklab")
def test_help_names_only_flores_languages(path):
    result = run_cli(*path, "--help", width=200)
    assert result.exit_code == 0, result.output
    unknown = sorted(set(CODE.findall(result.output)) - flores_languages())
    assert not unknown, f"toklab {' '.join(path)} --help names {unknown}, which FLORES-200 does not hold"
