"""``follicle report``: choosing the outputs and the paper (issue 13 item 2, issue 14 item 1)."""

from __future__ import annotations

from pathlib import Path

import docx
from typer.testing import CliRunner

from editing import SMALL
from follicle.cli import app
from follicle.report.docx import PAPERS

runner = CliRunner(env={"COLUMNS": "400"})


def test_report_writes_only_the_formats_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(SMALL), "--out", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert f"Report written: {out}" in " ".join(result.output.split())


def test_an_unknown_format_is_a_usage_error_that_names_it(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(SMALL), "--out", str(out), "--format", "html,pdf"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "'pdf'" in text
    assert "html, json, docx, xlsx, png, svg" in text
    assert not out.exists()


def test_the_word_tables_are_printed_on_the_paper_asked_for(tmp_path: Path) -> None:
    for paper, args in (("a4", []), ("letter", ["--paper", "letter"])):
        out = tmp_path / paper
        result = runner.invoke(
            app, ["report", str(SMALL), "--out", str(out), "--format", "docx", *args]
        )
        assert result.exit_code == 0, result.output
        section = docx.Document(str(out / "tables.docx")).sections[0]
        width, height = PAPERS[paper]
        assert (section.page_width.twips, section.page_height.twips) == (width, height)
