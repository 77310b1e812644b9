"""Random corruptions of a valid workbook: validation never crashes, import never half-writes.

The import half of these properties is in tests/store/test_import_properties.py.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editing import SMALL, read_rows, write_rows
from follicle.workbook.schema import TABLES
from follicle.workbook.validate import validate_path

TABLE_NAMES = [t.name for t in TABLES]

#: Values that each break some rule somewhere, plus arbitrary text.
NASTY = st.one_of(
    st.sampled_from(
        ["", " ", "0", "-1", "1.5", "1e309", "nan", "NA", "yes", "2021-02-30", "2099-01-01",
         "1900-01-01", "007", "G1", "C01", "B2", "regular", "live_birth", "ivf", "=1+1",
         "\x00", "😀", '"', ",", "\n"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def corruptions(draw: st.DrawFn) -> list[tuple[str, str, int, int, str]]:
    """A few edits: (table, kind, row, column, value)."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        table = draw(st.sampled_from(TABLE_NAMES))
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_row", "dup_row",
                                     "drop_column", "truncate", "header"]))  # fmt: skip
        edits.append((table, kind, draw(st.integers(0, 20)), draw(st.integers(0, 20)),
                      draw(NASTY)))  # fmt: skip
    return edits


def apply(folder: Path, edits: list[tuple[str, str, int, int, str]]) -> None:
    """Apply the drawn edits to the workbook folder."""
    for table, kind, r, c, value in edits:
        try:
            rows = read_rows(folder, table)
        except (csv.Error, UnicodeDecodeError):
            continue  # an earlier edit already made this file unreadable
        if not rows or not rows[0]:
            continue
        width = len(rows[0])
        body = len(rows) - 1
        if kind == "cell" and body:
            rows[1 + r % body][c % width] = value
        elif kind == "drop_row" and body:
            del rows[1 + r % body]
        elif kind == "dup_row" and body:
            rows.append(list(rows[1 + r % body]))
        elif kind == "drop_column":
            rows = [row[: c % width] + row[c % width + 1 :] for row in rows]
        elif kind == "header":
            rows[0][c % width] = value
        elif kind == "truncate":
            (folder / f"{table}.csv").write_text(value, encoding="utf-8")
            continue
        write_rows(folder, table, rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=corruptions())
def test_validation_never_crashes_and_locates_every_problem(
    edits: list[tuple[str, str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "wb"
        shutil.copytree(SMALL, folder)
        apply(folder, edits)
        result = validate_path(folder)
        for problem in result.problems:
            assert problem.file
            assert problem.rule
            assert problem.message
            assert problem.row is None or problem.row >= 1
        if result.ok:
            result.workbook()  # a valid result always yields a typed workbook
