"""``follicle report``: choosing the outputs and the paper (issue 13 item 2, issue 14 item 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
from typer.testing import CliRunner

from editing import SMALL
from follicle.cli import app
from follicle.report.docx import PAPERS
from follicle.workbook import seed

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


def _seed_report(out: Path, *args: str) -> Any:
    return runner.invoke(app, ["report", str(seed.path()), "--out", str(out), *args])


def test_continuous_median_prints_table1_by_as_median_and_type_7_quartiles(
    tmp_path: Path,
) -> None:
    """``--by age_group --continuous median``: each continuous cell is median [Q1, Q3], the
    numbers of ``results.json`` (which ``tests/analysis/test_r_table1.py`` holds to R's
    ``median`` and ``quantile(type = 7)``), and the table's note says so."""
    out = tmp_path / "report"
    result = _seed_report(
        out, "--by", "age_group", "--continuous", "median", "--format", "html,json"
    )
    assert result.exit_code == 0, result.output
    table = json.loads((out / "results.json").read_text())["results"]["table1_by"]
    assert any("median [Q1, Q3] (R quantile type 7)" in note for note in table["notes"])
    page = (out / "index.html").read_text()
    start = page.index('data-name="table1_by"')
    html = page[start : page.index("</table>", start)]
    v = table["values"]
    for group in ("<35", "≥35", "Overall"):
        stats = [v[f"age.{group}.{s}"] for s in ("median", "q1", "q3")]
        assert "{:.2f} [{:.2f}, {:.2f}]".format(*stats) in html
        mean_sd = f"{v[f'age.{group}.mean']:.2f} ± {v[f'age.{group}.sd']:.2f}"
        assert mean_sd not in html


def test_continuous_mean_is_the_default_of_table1_by(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = _seed_report(out, "--by", "age_group", "--format", "json")
    assert result.exit_code == 0, result.output
    notes = json.loads((out / "results.json").read_text())["results"]["table1_by"]["notes"]
    assert any(note.startswith("Continuous: mean ± SD") for note in notes)


def test_continuous_without_by_or_of_an_unknown_kind_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "report"
    alone = _seed_report(out, "--continuous", "median")
    assert alone.exit_code == 2
    assert "--continuous" in " ".join(alone.output.split())
    wrong = _seed_report(out, "--by", "site", "--continuous", "mode")
    assert wrong.exit_code == 2
    assert "'mode'" in " ".join(wrong.output.split())
    assert not out.exists()


def test_the_terminal_names_tables_by_the_reports_numbers(tmp_path: Path) -> None:
    """The summary printed by ``follicle report`` and the table of ``follicle audit`` carry
    the numbers of ``results.json`` (``number``), not numbers of their own."""
    out = tmp_path / "report"
    result = _seed_report(out, "--format", "json")
    assert result.exit_code == 0, result.output
    numbers = {
        name: entry["number"]
        for name, entry in json.loads((out / "results.json").read_text())["results"].items()
    }
    text = " ".join(result.output.split())
    assert f"{numbers['table1']}. Demographic characteristics" in text
    assert f"{numbers['table2']}. Pregnancy after the injection" in text
    assert f"{numbers['audit']}, reproduction audit of the published claims" in text
    audit = runner.invoke(app, ["audit", str(seed.path())])
    assert audit.exit_code == 0, audit.output
    assert " ".join(audit.output.split()).startswith(f"{numbers['audit']}. Reproduction audit")
