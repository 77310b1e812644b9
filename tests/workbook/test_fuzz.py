"""Damaged workbooks: validation never crashes, and refuses each with located problems.

Two parts: the corpus under ``tests/fixtures/fuzz`` (built by its ``make_corpus.py``: each
cause of a crash or a weak message once found, with the rule it must now be refused with,
and cases drawn by ``bench/fuzz_workbooks.py``), and property-based damage to the bytes of
a CSV file or of an ``.xlsx``. The long run — 10,000 mutated workbooks, imported on SQLite
and PostgreSQL when accepted — is ``bench/fuzz_workbooks.py`` (docs/validation.md).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editing import SMALL, to_xlsx
from follicle.errors import Problem
from follicle.workbook.problems import unlocated
from follicle.workbook.schema import TABLES
from follicle.workbook.validate import ValidationResult, validate_path

CORPUS = Path(__file__).parents[1] / "fixtures" / "fuzz"
EXPECTED: dict[str, dict[str, str | None]] = json.loads((CORPUS / "expected.json").read_text())
DRAWN = sorted(p.name for p in CORPUS.iterdir() if p.name.startswith("case"))


def assert_located(problems: tuple[Problem, ...]) -> None:
    """Every problem names its file, a known rule and a message; a cell's, its row and
    column (:func:`follicle.workbook.problems.unlocated`)."""
    assert not unlocated(problems), unlocated(problems)


def assert_sound(result: ValidationResult) -> None:
    """Refused with located problems, or accepted as a typed workbook."""
    assert_located(result.problems)
    if result.ok:
        result.workbook()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_known_cause_is_refused_with_its_rule(name: str) -> None:
    result = validate_path(CORPUS / name)
    assert_sound(result)
    expected = EXPECTED[name]
    if expected["rule"] is None:
        assert result.ok, result.problems
        assert expected["warning"] in {w.rule for w in result.warnings}
    else:
        assert expected["rule"] in {p.rule for p in result.problems}, result.problems


@pytest.mark.parametrize("name", DRAWN)
def test_drawn_cases_are_refused_or_accepted_soundly(name: str) -> None:
    assert_sound(validate_path(CORPUS / name))


def test_an_xlsx_with_a_damaged_stream_names_the_file_and_says_what_to_do() -> None:
    (problem,) = validate_path(CORPUS / "damaged_stream.xlsx").problems
    assert problem.file == "damaged_stream.xlsx"
    assert "damaged" in problem.message
    assert "save it" in problem.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from([t.name for t in TABLES]),
    position=st.floats(min_value=0, max_value=1),
    damage=st.sampled_from(["insert", "replace", "truncate"]),
    data=st.binary(min_size=1, max_size=8),
)
def test_damaged_csv_bytes_never_crash(
    table: str, position: float, damage: str, data: bytes
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "wb"
        shutil.copytree(SMALL, folder)
        file = folder / f"{table}.csv"
        body = file.read_bytes()
        at = int(position * len(body))
        if damage == "insert":
            body = body[:at] + data + body[at:]
        elif damage == "replace":
            body = body[:at] + data + body[at + len(data) :]
        else:
            body = body[:at]
        file.write_bytes(body)
        assert_sound(validate_path(folder))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.floats(min_value=0, max_value=1),
    data=st.binary(min_size=1, max_size=16),
    member_damage=st.booleans(),
)
def test_damaged_xlsx_bytes_never_crash(position: float, data: bytes, member_damage: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = to_xlsx(SMALL, Path(tmp) / "wb.xlsx")
        if member_damage:
            # Inside a sheet's XML, re-zipped: the zip is sound, the XML may not be.
            with zipfile.ZipFile(path) as zin:
                members = [(i, zin.read(i.filename)) for i in zin.infolist()]
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
                for info, body in members:
                    if info.filename == "xl/worksheets/sheet1.xml":
                        at = int(position * len(body))
                        body = body[:at] + data + body[at:]
                    zout.writestr(info, body)
        else:
            body = path.read_bytes()
            at = int(position * (len(body) - len(data)))
            path.write_bytes(body[:at] + data + body[at + len(data) :])
        assert_sound(validate_path(path))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sheet=st.sampled_from([t.name for t in TABLES]),
    row=st.integers(min_value=1, max_value=4),
    column=st.integers(min_value=1, max_value=8),
    value=st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
        st.dates(),
        st.booleans(),
    ),
)
def test_any_typed_xlsx_cell_never_crashes(
    sheet: str, row: int, column: int, value: object
) -> None:
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        path = to_xlsx(SMALL, Path(tmp) / "wb.xlsx")
        book = openpyxl.load_workbook(path)
        book[sheet].cell(row=row, column=column, value=value)
        book.save(path)
        assert_sound(validate_path(path))
