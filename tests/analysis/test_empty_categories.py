"""Every result, with each category of each vocabulary empty in turn.

A cohort need not use every word of a vocabulary: a site with no woman in amenorrhea, no
IUI pregnancy, no stillbirth. The fixture ``tests/fixtures/workbooks/every_category`` uses
every word at least once (its ``make.py`` says how); each case below takes one word away —
its rows moved to another word where the column is required, its cells left unknown where
it is not — checks that the workbook is still valid and the word really gone, and computes
every result, its report table and its results.json entry. The empty baseline-menses row
that once crashed ``menstrual_transitions`` under pandas 2 is one of these cases.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from follicle.analysis.cohort import Cohort
from follicle.report.results_json import jsonable
from follicle.report.tables import from_result
from follicle.workbook.schema import TABLES, TABLES_BY_NAME
from follicle.workbook.validate import validate_path

FIXTURE = Path(__file__).parents[1] / "fixtures" / "workbooks" / "every_category"

CASES = [
    (table.name, column.name, code)
    for table in TABLES
    for column in table.columns
    if column.vocabulary is not None
    for code in column.vocabulary
]

#: Where a required outcome is emptied, its pregnancies take one that needs no new rule:
#: dated outcomes go to another dated one, undated to the other undated one.
_OUTCOME_INSTEAD = {"ongoing": "unknown", "unknown": "ongoing", "miscarriage": "ectopic"}


@cache
def _fixture() -> dict[str, pd.DataFrame]:
    return {
        t.name: pd.read_csv(FIXTURE / t.filename, dtype=str, keep_default_na=False) for t in TABLES
    }


def _without(table: str, column: str, code: str) -> dict[str, pd.DataFrame]:
    """The fixture's text tables with ``code`` gone from ``table.column``."""
    frames = {name: frame.copy() for name, frame in _fixture().items()}
    frame = frames[table]
    hit = frame[column] == code
    spec = TABLES_BY_NAME[table].column(column)
    assert spec.vocabulary is not None
    if not spec.required:
        frame.loc[hit, column] = ""
    elif (table, column, code) == ("pregnancies", "outcome", "live_birth"):
        # Infants need a live birth: the live births go, with their infants.
        gone = frame.loc[hit, "pregnancy_id"]
        infants = frames["infants"]
        born = infants["pregnancy_id"].isin(gone)
        conditions = frames["infant_conditions"]
        frames["infant_conditions"] = conditions[
            ~conditions["infant_id"].isin(infants.loc[born, "infant_id"])
        ]
        frames["infants"] = infants[~born]
        frames[table] = frame[~hit]
    else:
        if (table, column) == ("pregnancies", "outcome"):
            instead = _OUTCOME_INSTEAD.get(code, "miscarriage")
        else:
            instead = next(c for c in spec.vocabulary if c != code)
        frame.loc[hit, column] = instead
        if (table, column, code) == ("pregnancies", "mode", "ivf"):
            frame.loc[hit, "ivf_cycle_id"] = ""  # only an IVF pregnancy names its cycle
    return frames


@pytest.mark.parametrize(("table", "column", "code"), CASES, ids=[".".join(c) for c in CASES])
def test_every_result_with_one_category_empty(
    table: str, column: str, code: str, tmp_path: Path
) -> None:
    frames = _without(table, column, code)
    assert (_fixture()[table][column] == code).any()  # there was something to take away
    for name, frame in frames.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    validated = validate_path(tmp_path)
    assert validated.ok, validated.problems[:5]
    book = validated.workbook()
    assert not (book[table][column] == code).any()

    cohort = Cohort(book)
    results = cohort.results()
    assert tuple(results) == tuple(n for part in cohort.parts().values() for n in part)
    for result in results.values():
        printed = from_result(result)
        assert all(len(row) == len(printed.columns) for row in printed.rows)
        json.dumps(jsonable(result.to_dict()), allow_nan=False)
