"""The workflows of the two issues, end to end through the CLI, as a new user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from editing import SMALL
from follicle.cli import app
from follicle.workbook import seed
from follicle.workbook.validate import load_workbook

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty SQLite registry as FOLLICLE_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    return url


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_bundled_cohort_validates_imports_and_exports_identically(
    tmp_path: Path, registry: str, fmt: str
) -> None:
    _invoke("validate", str(seed.path()))
    _invoke("import", str(seed.path()), "--create-sites")
    out = tmp_path / ("export" if fmt == "csv" else "export.xlsx")
    _invoke("export", str(out), "--format", fmt)
    original, exported = load_workbook(seed.path()), load_workbook(out)
    for name in original:
        pd.testing.assert_frame_equal(original[name], exported[name], check_like=False)
    # Numbers are compared as numbers: 0.60 is written back as 0.6.


def test_reimporting_the_same_workbook_changes_nothing(registry: str) -> None:
    _invoke("import", str(SMALL), "--create-sites")
    assert "4 unchanged" in _invoke("import", str(SMALL), "--create-sites")


def test_the_deidentified_export_has_no_dates_birth_dates_notes_or_original_ids(
    tmp_path: Path, registry: str
) -> None:
    _invoke("import", str(SMALL), "--create-sites")
    out = tmp_path / "deid"
    _invoke("export", str(out), "--deidentified")
    participants = pd.read_csv(out / "participants.csv", dtype=str)
    assert "age_at_first_injection" in participants.columns
    assert not set(participants["participant_id"]) & {"007", "008", "009", "010"}
    for file in out.glob("*.csv"):
        columns = pd.read_csv(file, dtype=str, nrows=0).columns
        assert not [c for c in columns if c.endswith("_date")], file.name
        assert "notes" not in columns


def test_demo_imports_the_bundled_cohort_and_writes_its_report(tmp_path: Path) -> None:
    output = _invoke("demo", "--dir", str(tmp_path / "demo"))
    assert "not patient data" in output
    assert "105 new" in output
    assert "sites registered: Avicenna Fertility Center" in " ".join(output.split())
    database = (tmp_path / "demo" / "registry.db").resolve()
    flat = "".join(output.split())
    assert f"exportFOLLICLE_DATABASE_URL=sqlite:///{database}".replace(" ", "") in flat
    assert "follicleuseraddadmin--roleadmin" in flat
    assert "follicleserve" in flat
    report = tmp_path / "demo" / "report"
    for name in ("index.html", "results.json", "tables.xlsx", "tables.docx"):
        assert (report / name).is_file()
    assert "reconstructed from published aggregates" in (report / "index.html").read_text()
    envelope = json.loads((report / "results.json").read_text())
    assert len(envelope["provenance"]["checksums"]["files"]) == 8  # the imported CSVs
    results = envelope["results"]
    assert results["table2"]["values"]["age.chi2"] == pytest.approx(2.4321, abs=5e-5)
    # Part 2 is in the demo's report, and the audit's verdict is in the terminal.
    assert results["two_by_two"]["values"]["age.fisher_p"] == pytest.approx(0.0879, abs=5e-5)
    assert results["icmart"]["values"]["live_birth_delivery_rate.n"] == 31
    audit = results["audit"]["values"]
    headline = (
        f"{audit['matches']} match, {audit['inconsistent_in_the_paper']} inconsistent in the "
        f"paper, {audit['another_definition']} another definition"
    )
    assert headline in " ".join(output.split())
    assert audit["inconsistent_in_the_paper"] >= 10
    for name in ("figure_time_to_pregnancy", "figure_forest"):
        assert (report / "figures" / f"{name}.png").is_file()


def test_demo_keeps_a_demo_registry_that_was_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "demo"
    _invoke("demo", "--dir", str(folder))
    _invoke("demo", "--dir", str(folder))  # as the demo left it: a second demo starts again
    database = folder / "registry.db"
    # The README's next step: an account in the demo registry, to serve it.
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{database}")
    added = runner.invoke(
        app,
        ["user", "add", "admin", "--role", "admin", "--password-stdin"],
        input="correct horse battery staple\n",
    )
    assert added.exit_code == 0, added.output
    refused = runner.invoke(app, ["demo", "--dir", str(folder)])
    assert refused.exit_code == 1
    assert "--fresh" in " ".join(refused.output.split())
    assert "admin" in _invoke("user", "list")  # the admin alone: no account has a site
    _invoke("demo", "--dir", str(folder), "--fresh")
    assert "No accounts yet" in _invoke("user", "list")


def test_import_refuses_unregistered_sites_naming_them_and_writes_nothing(
    registry: str,
) -> None:
    _invoke("site", "add", "North", "North clinic")
    result = runner.invoke(app, ["import", str(SMALL)])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "│ participants.csv │ 4 │ site │ 'South' │" in text
    assert "site 'South' (2 women) is not a registered site; registered: North" in text
    assert "nothing was written" in text
    assert "North' (" not in text
    assert "No sites" not in _invoke("site", "list")
    assert "0 │" in _invoke("site", "list")  # North holds no women: nothing was imported
    created = _invoke("import", str(SMALL), "--create-sites")
    assert "sites registered: South" in " ".join(created.split())
    assert "site North (2 women) has no coordinator yet" in " ".join(created.split())


def test_report_on_another_workbook_gives_that_workbooks_numbers(tmp_path: Path) -> None:
    _invoke("report", str(SMALL), "--out", str(tmp_path / "report"))
    values = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    assert values["table1"]["values"]["n_women"] == 4
    assert values["pregnancy"]["values"]["pregnancies"] == 4
    html = (tmp_path / "report" / "index.html").read_text()
    assert "reconstructed from published aggregates" not in html


def test_report_without_a_workbook_analyses_the_registry(tmp_path: Path, registry: str) -> None:
    _invoke("import", str(SMALL), "--create-sites")
    _invoke("report", "--out", str(tmp_path / "report"))
    values = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    assert values["table1"]["values"]["n_women"] == 4


def test_report_and_export_without_a_registry_say_so_and_create_nothing(
    tmp_path: Path, registry: str
) -> None:
    for args in (["report", "--out", str(tmp_path / "r")], ["export", str(tmp_path / "x")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert "there is no registry" in result.output
    assert not (tmp_path / "registry.db").exists()


def test_an_unreachable_database_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", "postgresql+psycopg://u:secret@127.0.0.1:1/db")
    result = runner.invoke(app, ["import", str(SMALL)])
    assert result.exit_code == 1
    assert "the registry could not be used" in result.output
    assert "secret" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("out", "args", "written"),
    [
        ("book.xlsx", [], "book.xlsx"),
        ("book", ["--format", "xlsx"], "book.xlsx"),
        ("folder", [], "folder/participants.csv"),
    ],
)
def test_export_takes_its_format_from_the_file_name(
    tmp_path: Path, registry: str, out: str, args: list[str], written: str
) -> None:
    _invoke("import", str(SMALL), "--create-sites")
    _invoke("export", str(tmp_path / out), *args)
    assert (tmp_path / written).is_file()


def test_import_shows_validation_warnings(tmp_path: Path, registry: str) -> None:
    from editing import append_row, copy_workbook

    folder = copy_workbook(tmp_path / "wb")
    append_row(folder, "participants", {
        "participant_id": "011", "site": "North", "birth_date": "1984-02-02",
        "menses_baseline": "regular",
    })  # fmt: skip
    assert "no_injection" in _invoke("import", str(folder), "--create-sites")


def test_validate_lists_files_that_are_not_tables_as_ignored(tmp_path: Path) -> None:
    from editing import copy_workbook

    folder = copy_workbook(tmp_path / "wb")
    (folder / "notes_for_me.csv").write_text("a,b\n1,2\n")
    assert "ignored notes_for_me.csv" in _invoke("validate", str(folder))
