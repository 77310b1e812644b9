"""The de-identified export is a workbook follicle reads (issue 14, item 5): validate,
report and ``follicle.load`` accept it and give the identified data's statistics."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

import follicle
from follicle.analysis.cohort import Cohort
from follicle.cli import app
from follicle.errors import WorkbookInvalid
from follicle.store.engine import ensure_schema
from follicle.store.exporting.exporter import deidentify, read_registry, write_workbook
from follicle.store.importing.importer import import_workbook
from follicle.workbook import seed
from follicle.workbook.deidentified import (
    AGE_AT_LAST_CONTACT,
    AGE_COLUMN,
    EPOCH,
    birth_dates,
    on_calendar,
)
from follicle.workbook.frames import Workbook
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import load_workbook, validate_path

#: The values that need calendar dates, which de-identified data do not have.
CALENDAR = {
    ("table1", "injection_period_start"),
    ("table1", "injection_period_end"),
    ("audit", "injections_from.status"),
    ("audit", "injections_from.recomputed"),
    ("audit", "injections_to.status"),
    ("audit", "injections_to.recomputed"),
} | {
    ("audit", key)  # the headline counts, which those two claims move
    for key in (
        "matches",
        "inconsistent_in_the_paper",
        "another_definition",
        "differs_from_the_data",
        "cannot_be_computed",
        "differs",
    )
}


def _export(workbook: Workbook, folder: Path, fmt: str = "csv") -> Path:
    """Import ``workbook`` into a fresh SQLite registry and export it de-identified."""
    engine = create_engine(f"sqlite:///{folder / 'registry.db'}")
    ensure_schema(engine)
    import_workbook(engine, workbook)
    out = folder / ("deidentified.xlsx" if fmt == "xlsx" else "deidentified")
    path = write_workbook(deidentify(read_registry(engine), engine), out, format=fmt)  # type: ignore[arg-type]
    engine.dispose()
    return path


def _differences(identified: Cohort, deidentified: Cohort) -> list[tuple[str, str, object, object]]:
    found = []
    theirs = deidentified.results()
    for name, result in identified.results().items():
        other = theirs[name].values
        assert set(result.values) == set(other), name
        for key, x in result.values.items():
            y = other[key]
            if isinstance(x, float) and isinstance(y, float):
                if (math.isnan(x) and math.isnan(y)) or y == pytest.approx(x, rel=1e-12):
                    continue
            elif x == y:
                continue
            found.append((name, key, x, y))
    return found


@pytest.fixture(scope="module")
def seed_workbook() -> Workbook:
    return load_workbook(seed.path())


def test_the_bundled_cohort_de_identified_gives_the_same_statistics(
    seed_workbook: Workbook, tmp_path: Path
) -> None:
    path = _export(seed_workbook, tmp_path)
    checked = validate_path(path)
    assert checked.ok, checked.problems[:5]
    assert checked.deidentified
    cohort = follicle.load(path)
    assert cohort.workbook.deidentified
    differences = _differences(Cohort(seed_workbook), cohort)
    found = {(name, key) for name, key, _, _ in differences}
    assert found <= CALENDAR
    assert ("table1", "injection_period_start") in found
    table1 = cohort.result("table1")
    assert table1.values["injection_period_start"] is None
    assert "dates not in de-identified data" in set(table1.table["level"])


@pytest.mark.parametrize("women", [250, 700])
def test_a_synthetic_cohort_de_identified_gives_the_same_statistics(
    women: int, tmp_path: Path
) -> None:
    write_synthetic(tmp_path / "cohort", women, seed=women, sites=3)
    identified = load_workbook(tmp_path / "cohort")
    deidentified = follicle.load(_export(identified, tmp_path))
    differences = _differences(Cohort(identified), deidentified)
    assert {(n, k) for n, k, _, _ in differences} <= CALENDAR


def test_a_cohort_with_untreated_women_and_an_xlsx_export(tmp_path: Path) -> None:
    tests = str(Path(__file__).parents[1])
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from analysis.cohorts import generated_workbook

    identified = generated_workbook(tmp_path / "generated")
    path = _export(identified, tmp_path, "xlsx")
    checked = validate_path(path)
    assert checked.ok, checked.problems[:5]
    differences = _differences(Cohort(identified), Cohort(checked.workbook()))
    assert {(n, k) for n, k, _, _ in differences} <= CALENDAR
    assert Cohort(checked.workbook()).result("table1").values["n_excluded"] == 15


def test_cli_validate_and_report_accept_it(seed_workbook: Workbook, tmp_path: Path) -> None:
    path = _export(seed_workbook, tmp_path)
    validated = CliRunner().invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})
    assert validated.exit_code == 0, validated.output
    assert "is valid (de-identified" in validated.output
    as_json = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert '"deidentified": true' in as_json.output
    report = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert (tmp_path / "report" / "results.json").is_file()


def test_a_bad_day_is_reported_under_its_own_column(
    seed_workbook: Workbook, tmp_path: Path
) -> None:
    path = _export(seed_workbook, tmp_path)
    injections = path / "injections.csv"
    lines = injections.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("injection_day")] = "twelve"
    lines[1] = ",".join(cells)
    injections.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_path(path).problems
    located = [p for p in problems if p.file == "injections.csv" and p.row == 2]
    assert len(located) == 1
    assert located[0].column == "injection_day"
    assert located[0].value == "twelve"
    assert "whole number of days since the first injection" in located[0].message
    # no problem speaks of the schema's date columns or of the reading calendar
    assert not any("injection_date" in (p.column or "") + p.message for p in problems)
    assert not any(str(EPOCH.year) in (p.value or "") for p in problems)


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [
        ("injections.csv", "injection_day", "1000000000000"),
        ("injections.csv", "injection_day", "73001"),
        ("contacts.csv", "contact_day", "1e300"),
        ("contacts.csv", "contact_day", "-99999999"),
        ("participants.csv", AGE_COLUMN, "1000000"),
        ("participants.csv", AGE_AT_LAST_CONTACT, "70000"),
    ],
)
def test_a_day_or_age_off_the_calendar_is_a_located_problem(
    seed_workbook: Workbook, tmp_path: Path, file: str, column: str, value: str
) -> None:
    # Each of these once ended in a traceback (pandas cannot hold the date it gives).
    path = _export(seed_workbook, tmp_path)
    lines = (path / file).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    lines[1] = ",".join(cells)
    (path / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_path(path).problems
    located = [p for p in problems if p.file == file and p.row == 2 and p.column == column]
    assert [(p.rule, p.value) for p in located] == [("not_whole_number", value)]
    assert "at most" in located[0].message


def test_day_numbers_become_dates_and_empty_days_none() -> None:
    import numpy as np
    import pandas as pd

    days = pd.Series([np.nan] * 999 + [-3.0, 0.0, 365.0], index=range(10, 1012))
    dates = on_calendar(days)
    assert dates.index.equals(days.index)
    assert dates.iloc[:999].isna().all()
    assert dates.iloc[999:].dt.strftime("%Y-%m-%d").tolist() == [
        "2000-12-29",
        "2001-01-01",
        "2002-01-01",
    ]


def test_the_export_carries_both_ages_and_no_dates(seed_workbook: Workbook, tmp_path: Path) -> None:
    header = (_export(seed_workbook, tmp_path) / "participants.csv").read_text().splitlines()[0]
    columns = header.split(",")
    assert AGE_COLUMN in columns
    assert AGE_AT_LAST_CONTACT in columns
    assert not [c for c in columns if c.endswith("_date")]


def test_a_birth_date_gives_back_both_ages() -> None:
    import pandas as pd

    from follicle.workbook.dates import completed_years

    age = pd.Series([36, 35, 40, 24, 45])
    last = pd.Series([40, 38, 43, 30, 46])
    day = pd.Series([1500.0, 1200.0, 1100.0, 2191.0, 366.0])
    born = birth_dates(age, last, day)
    at_first = completed_years(born, pd.Series(EPOCH, index=age.index))
    at_last = completed_years(born, EPOCH + pd.to_timedelta(day, unit="D"))
    assert at_first.tolist() == age.tolist()
    assert at_last.tolist() == last.tolist()


def test_a_de_identified_workbook_is_never_imported_into_the_registry(
    seed_workbook: Workbook, tmp_path: Path
) -> None:
    path = _export(seed_workbook, tmp_path)
    database = tmp_path / "other.db"
    result = CliRunner().invoke(
        app,
        ["import", str(path)],
        # wide enough that the problem's text is not wrapped inside its table cell
        env={"FOLLICLE_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "400"},
    )
    assert result.exit_code == 1
    assert "cannot be imported into the registry" in " ".join(result.output.split())
    engine = create_engine(f"sqlite:///{database}")
    ensure_schema(engine)
    with pytest.raises(WorkbookInvalid):
        import_workbook(engine, load_workbook(path))
    assert read_registry(engine)["participants"].empty
    engine.dispose()


def test_an_empty_day_in_a_sheet_with_a_formula_is_required_not_a_damaged_file(
    seed_workbook: Workbook, tmp_path: Path
) -> None:
    # The check for formulas without a saved value looked the schema's date column up in a
    # header that names its day (injection_day): a ValueError, reported as "damaged".
    import openpyxl

    path = _export(seed_workbook, tmp_path, "xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["injections"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("injection_day") + 1).value = None
    sheet.cell(3, len(header) + 2).value = "=1+1"
    book.save(path)
    problems = validate_path(path).problems
    assert ("injection_day", 2, "required") in {(p.column, p.row, p.rule) for p in problems}
    assert "not_xlsx" not in {p.rule for p in problems}
