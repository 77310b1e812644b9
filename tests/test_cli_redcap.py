"""REDCap through the CLI: `follicle export --format redcap`, and a REDCap export given to
`follicle import`, `validate` and `follicle.load` (the registry's database is no matter
here: the import and export themselves are tested on both in tests/store)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import follicle
from follicle.cli import app
from follicle.errors import Conflict
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.exporting.exporter import read_registry
from follicle.store.importing.importer import import_workbook
from follicle.workbook import seed
from follicle.workbook.redcap import records_frame
from follicle.workbook.schema import TABLES
from follicle.workbook.validate import load_workbook

FIXTURES = Path(__file__).parent / "fixtures"
REDCAP = FIXTURES / "redcap"

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty SQLite registry as FOLLICLE_DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    return url


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        return read_registry(engine).row_counts
    finally:
        engine.dispose()


def test_the_registry_goes_to_redcap_and_back(registry: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", str(seed.path()), "--create-sites"]).exit_code == 0
    out = tmp_path / "records"
    result = runner.invoke(app, ["export", str(out), "--format", "redcap"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "records.csv"
    assert f"Exported REDCap records to {written}" in result.output
    engine = make_engine(registry)
    try:
        expected = records_frame(read_registry(engine))
    finally:
        engine.dispose()
    records = pd.read_csv(written, dtype=str, keep_default_na=False)
    assert list(records.columns) == list(expected.columns)
    assert records.to_numpy().tolist() == expected.to_numpy().tolist()

    # Read back into a second, empty registry: the same rows, value for value.
    second = f"sqlite:///{tmp_path / 'second.db'}"
    imported = runner.invoke(
        app, ["import", str(written), "--create-sites"], env={"FOLLICLE_DATABASE_URL": second}
    )
    assert imported.exit_code == 0, imported.output
    engine = make_engine(second)
    try:
        back = read_registry(engine)
    finally:
        engine.dispose()
    original = load_workbook(seed.path())
    for table in TABLES:
        key = table.key or table.column_names[0]
        left = back[table.name].sort_values(list(table.column_names)).reset_index(drop=True)
        right = original[table.name].sort_values(list(table.column_names)).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, obj=f"{table.name} ({key})")


def test_a_bad_redcap_file_imports_nothing(registry: str) -> None:
    result = runner.invoke(app, ["import", str(REDCAP / "bad_records.csv")])
    assert result.exit_code == 1
    assert "9 error(s); nothing was written." in result.output
    assert "record_mismatch" in result.output
    assert "inf_pregnancy_id" in result.output
    assert set(_row_counts(registry).values()) == {0}


def test_the_imports_own_problems_name_the_redcap_variables(registry: str, tmp_path: Path) -> None:
    """What the import finds after validation (a change against the registry) is named by
    the file's variable, as validation's problems are: ``infcond_notes``, not the infant
    condition's ``notes``."""
    source = REDCAP / "redcap_export.csv"
    assert runner.invoke(app, ["import", str(source), "--create-sites"]).exit_code == 0
    records = pd.read_csv(source, dtype=str, keep_default_na=False)
    infant = records.index[records["redcap_repeat_instrument"] == "infant_conditions"][0]
    pregnancy = records.index[records["redcap_repeat_instrument"] == "pregnancies"][0]
    records.loc[infant, "infcond_notes"] = "seen again by the paediatrician"
    records.loc[pregnancy, "preg_mode"] = (
        "ivf" if records.loc[pregnancy, "preg_mode"] != "ivf" else "spontaneous"
    )
    changed = tmp_path / "changed.csv"
    records.to_csv(changed, index=False)
    engine = make_engine(registry)
    try:
        with pytest.raises(Conflict) as refused:
            import_workbook(engine, load_workbook(changed))
    finally:
        engine.dispose()
    located = {(p.file, p.row, p.column) for p in refused.value.problems}
    # Spreadsheet rows: the header is row 1.
    assert located == {
        ("changed.csv", int(infant) + 2, "infcond_notes"),
        ("changed.csv", int(pregnancy) + 2, "preg_mode"),
    }


def test_validate_and_load_take_a_redcap_export() -> None:
    validated = runner.invoke(app, ["validate", str(REDCAP / "redcap_export.csv")])
    assert validated.exit_code == 0, validated.output
    assert "is valid" in validated.output
    # The analysis of the REDCap export is the analysis of the workbook it holds.
    from_redcap = follicle.load(REDCAP / "redcap_export.csv")
    from_workbook = follicle.load(FIXTURES / "workbooks" / "small")
    for name in ("table1", "pregnancy", "table2"):
        pd.testing.assert_series_equal(
            pd.Series(from_redcap.result(name).values), pd.Series(from_workbook.result(name).values)
        )


def test_redcap_records_are_not_de_identified(registry: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export", str(tmp_path / "r.csv"), "--format", "redcap", "--deidentified"]
    )
    assert result.exit_code == 2
    assert "--deidentified" in result.output
    assert not (tmp_path / "r.csv").exists()
