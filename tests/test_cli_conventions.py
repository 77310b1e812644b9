"""The command line's conventions (issue 14, item 7): a version, whole help texts without
placeholders, and tables that a pipe receives unwrapped."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from follicle.cli import app
from follicle.workbook import seed


def _commands(group: Any = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the CLI, groups included: ``()``, ``("user",)``, ``("user",
    "add")`` …"""
    group = group if group is not None else get_command(app)
    found = [path]
    for name, command in getattr(group, "commands", {}).items():
        found += _commands(command, (*path, name))
    return found


COMMANDS = _commands()


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"follicle {version('follicle')}\n"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "follicle")
def test_no_help_shows_a_bool_placeholder(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help" in result.output


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "follicle")
def test_every_help_text_is_whole_sentences(path: tuple[str, ...]) -> None:
    """Each command's summary and each option's help end a sentence."""
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    summary = (command.help or "").strip().split("\n\n")[0]
    assert summary.endswith("."), (path, summary)
    for param in command.params:
        text = (getattr(param, "help", None) or "").strip()
        assert text, (path, param.name)
        assert text.endswith((".", ")")), (path, param.name, text)


def test_a_paragraph_of_help_rewraps_instead_of_breaking_at_the_docstrings_lines() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    # "… Zafardoust et al." ends one line of the docstring and "(2025); …" starts the next
    assert "Zafardoust et al. (2025); it is not patient data." in result.output


def test_an_audit_written_to_a_pipe_keeps_every_row_on_one_line() -> None:
    result = CliRunner().invoke(app, ["audit", str(seed.path())], env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if "menses_irregular_baseline_text" in line)
    for cell in ("Results", "24", "14", "inconsistent in the paper", "105 − 91 = 14, not 24"):
        assert cell in row
    reasons = [line for line in lines if "live_birth_rate_per_cycle" in line]
    assert len(reasons) == 1
    assert "29.52 %; 30.48 % by the paper's definition" in reasons[0]


def test_a_terminal_width_from_columns_is_respected() -> None:
    result = CliRunner().invoke(app, ["audit", str(seed.path())], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_report_by_a_variable_adds_table1_by(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(seed.path()),
            "--out",
            str(out),
            "--by",
            "age_group",
            "--variables",
            "age, menses_baseline",
        ],
    )
    assert result.exit_code == 0, result.output
    values = json.loads((out / "results.json").read_text())["results"]["table1_by"]["values"]
    assert values["<35.n_women"] == 23
    assert values["menses_baseline.test"] == "Fisher's exact test"
    assert "age_followup.p" not in values


def test_report_by_an_unknown_variable_exits_1_naming_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", str(seed.path()), "--out", str(tmp_path / "r"), "--by", "colour"]
    )
    assert result.exit_code == 1
    assert "'colour' is not a Table 1 variable" in " ".join(result.output.split())
    assert not (tmp_path / "r").exists()
