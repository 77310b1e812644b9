"""The cell parser reads a form's few rows cell by cell, and a workbook's columns by kernel:
both must type every cell alike and report the same problems.

``follicle.workbook.validate`` parses dates, numbers, yes/no words, IDs and text of up to
``_FEW_ROWS`` rows in Python (a one-woman save pays neither pandas' nor Arrow's fixed
cost), and longer columns with Arrow's kernels. Each property parses the same cells both
ways (the second with ``_FEW_ROWS`` at 0) and holds the typed column and every problem
equal. The cells are drawn near each parser's edges: impossible dates, years outside what a
nanosecond timestamp holds, digits of other scripts, numbers beyond a double, decimal
commas, characters whose lower case differs between Python and Arrow. Examples are
derandomised: a failure repeats.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from follicle.workbook import validate
from follicle.workbook.problems import ProblemSink
from follicle.workbook.read import RawTable
from follicle.workbook.schema import TABLES_BY_NAME

EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
LIMIT = pd.Timestamp("2026-06-30")

#: (table, column) of each type the few-rows paths read, with bounds where they have them.
COLUMNS = [
    ("participants", "birth_date"),  # date, required
    ("pregnancies", "outcome_date"),  # date, optional
    ("participants", "amh_ng_ml"),  # number, minimum 0
    ("injections", "dose_million_cells"),  # number, exclusive minimum
    ("participants", "afc"),  # integer, upper bound
    ("pregnancies", "fetuses"),  # integer, minimum 1
    ("contacts", "checklist_complete"),  # boolean
    ("participants", "participant_id"),  # ID
    ("pregnancies", "ivf_cycle_id"),  # ID, optional
    ("contacts", "mode"),  # a word of a vocabulary, required
    ("participants", "site"),  # text, required
    ("conditions", "notes"),  # free text (not trimmed; tabs and line breaks allowed)
]

edge_cells = st.sampled_from(
    [
        "",
        " ",
        "2024-02-29",
        "2023-02-29",
        "2023-02-30",
        "2023-13-01",
        "0000-01-01",
        "1066-10-14",
        "1677-09-22",
        "1677-09-21",
        "2262-04-11",
        "2262-04-12",
        "2999-01-01",
        "2026-06-30",
        "2026-07-01",
        "２０２３-01-01",
        "٢٠٢٣-01-01",
        "2023-1-1",
        "2023/01/02",
        "20230102",
        "29534",
        " 2023-01-02 ",
        "2023-01-02\n",
        "0",
        "1",
        "-1",
        "+1",
        "-0",
        "0.5",
        ".5",
        "5.",
        "1e3",
        "1E-3",
        "1e400",
        "-1e400",
        "1e-400",
        "0,17",
        "١٢",
        "nan",
        "inf",
        "3000000000",
        "2147483647",
        "2147483648",
        "9223372036854775808",
        "1.0",
        "1.5",
        "yes",
        "No",
        "TRUE",
        "false",
        "y",
        "K",
        "\u212a",
        "İ",
        "YES\u0130",
        "P001",
        "p-1_x",
        "-P1",
        "_P1",
        "Ａ1",
        "P" * 40,
        "P" * 41,
        "N905/../P001",
        "=1+1",
        "a\x00b",
        "a\x0bb",
        "a\tb",
        "line\nbreak",
        "phone",
        "Phone",
        "visit",
        " phone ",
        "\u00a0phone",
    ]
)
cells = st.lists(st.one_of(edge_cells, st.text(max_size=12)), min_size=1, max_size=6)


def _parsed(table_name: str, column: str, texts: list[str]) -> tuple[pd.DataFrame, list]:
    table = TABLES_BY_NAME[table_name]
    frame = pd.DataFrame({column: texts}, index=pd.RangeIndex(2, 2 + len(texts)))
    found = ProblemSink()
    typed = validate.parse_table(
        table, RawTable(table, table_name, frame), LIMIT, found, columns=[column]
    )
    return typed, found.problems


@pytest.mark.parametrize(("table", "column"), COLUMNS)
@EXAMPLES
@given(texts=cells)
def test_few_rows_parse_as_a_column_does(table: str, column: str, texts: list[str]) -> None:
    assert len(texts) <= validate._FEW_ROWS
    few, few_problems = _parsed(table, column, texts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "_FEW_ROWS", 0)
        many, many_problems = _parsed(table, column, texts)
    pd.testing.assert_frame_equal(few, many)
    assert few_problems == many_problems


def test_the_paths_differ_where_they_should_not_be_taken() -> None:
    # The few-rows paths decline what they do not read exactly (digits of another script,
    # a non-ASCII word), leaving it to the column-wise parser, which says what is wrong.
    typed, problems = _parsed("participants", "birth_date", ["２０２３-01-01"])
    assert typed["birth_date"].isna().all()
    assert [p.rule for p in problems] == ["not_a_date"]
    typed, problems = _parsed("contacts", "checklist_complete", ["\u212a"])
    assert typed["checklist_complete"].isna().all()
    assert [p.rule for p in problems] == ["not_a_boolean"]
