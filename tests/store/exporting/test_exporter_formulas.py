"""CSV exports neutralise text that a spreadsheet would run as a formula (OWASP CSV
injection), the de-identified export included; validation flags such text at import."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from follicle.store.exporting.exporter import deidentify, read_registry, write_workbook
from follicle.store.importing.importer import import_workbook
from follicle.workbook.validate import validate_path

from ..helpers import SMALL, edited

RISKY = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", '=HYPERLINK("http://x")']


def _cells(path, table: str, column: str) -> list[str]:
    with (path / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("value", RISKY)
def test_a_formula_like_text_cell_is_written_with_an_apostrophe(small, tmp_path, value) -> None:
    participants = small["participants"].copy()
    participants["arm"] = pd.Series([value] * len(participants), dtype="string")
    out = write_workbook(edited(small, participants=participants), tmp_path / "out")
    assert set(_cells(out, "participants", "arm")) == {"'" + value}


def test_numbers_dates_and_plain_text_are_left_alone(small, tmp_path) -> None:
    out = write_workbook(small, tmp_path / "out")
    for column in ("participant_id", "birth_date", "amh_ng_ml", "arm"):
        assert not any(c.startswith("'") for c in _cells(out, "participants", column))


def test_the_deidentified_export_is_neutralised_too(engine, small, tmp_path) -> None:
    participants = small["participants"].copy()
    participants["arm"] = pd.Series(["=1+1"] * len(participants), dtype="string")
    import_workbook(engine, edited(small, participants=participants))
    shared = deidentify(read_registry(engine), engine, actor="test")
    out = write_workbook(shared, tmp_path / "deid")
    assert set(_cells(out, "participants", "arm")) == {"'=1+1"}


def test_validation_flags_formula_like_text_as_a_warning(tmp_path) -> None:
    import shutil

    folder = shutil.copytree(SMALL, tmp_path / "wb")
    rows = (folder / "conditions.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = next(csv.reader([rows[1]]))
    cells[header.index("notes")] = '=HYPERLINK("http://x")'
    text = ",".join(f'"{c}"' if "," in c or '"' in c else c for c in cells)
    rows[1] = text.replace('"=HYPERLINK("http://x")"', '"=HYPERLINK(""http://x"")"')
    (folder / "conditions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = validate_path(folder)
    assert result.ok, result.problems
    (warning,) = [w for w in result.warnings if w.rule == "formula_like"]
    assert (warning.file, warning.row, warning.column) == ("conditions.csv", 2, "notes")
