"""Collecting problems from whole columns at once.

A check computes a boolean mask over a column and hands it to :class:`ProblemSink` with the
values and a message (text, or a Series of per-row texts); only the rows that are hit become
:class:`~follicle.errors.Problem` objects, so checks stay vectorised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from follicle.errors import Problem
from follicle.workbook.read import FIRST_DATA_ROW
from follicle.workbook.schema import CODES, RULES_BY_CODE

#: Problems about a whole file, a sheet or its header row: there is no cell to point at.
WHOLE_FILE_CODES = frozenset(
    {
        "missing_file",
        "not_a_workbook",
        "not_a_file",
        "empty_file",
        "not_csv",
        "not_utf8",
        "wrong_separator",
        "not_xlsx",
        "missing_sheet",
        "sheet_too_large",
        "missing_column",
        "duplicate_column",
        "unnamed_column",
        "header_not_in_row_1",
        "misnamed_column",
        "duplicate_row",
    }
)


class ProblemSink:
    """Collects problems; takes whole masked columns so that callers stay vectorised."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(
        self,
        label: str,
        mask: pd.Series | np.ndarray,
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | pd.Series | Callable[[], str | pd.Series],
        *,
        warning: bool = False,
    ) -> None:
        """Record a problem for each row where ``mask`` is true.

        ``mask`` is a boolean Series, or a numpy array aligned with ``values`` (whose index
        then gives the rows). ``message`` may be a function that makes the text (or the
        per-row texts): it is called only when a row is hit, since building messages is
        most of a check's cost when, as usually, nothing is wrong.
        """
        if isinstance(mask, np.ndarray):
            if not mask.any():
                return
            assert values is not None, "a numpy mask takes its rows from values"
            hits = values.index[mask]
        else:
            hits = mask.index[flags(mask).to_numpy()]
            if len(hits) == 0:
                return
        if callable(message):
            message = message()
        sink = self.warnings if warning else self.problems
        shown = values.reindex(hits) if values is not None else None
        texts = message.reindex(hits) if isinstance(message, pd.Series) else None
        for i, row in enumerate(hits):
            value = None if shown is None else show(shown.iloc[i])
            text = message if texts is None else str(texts.iloc[i])
            sink.append(Problem(label, int(row), column, value, rule, str(text)))

    def reported(self, label: str, column: str, index: pd.Index) -> np.ndarray:
        """Whether the cell of ``column`` in each row of ``index`` has a problem already.

        A cell that did not parse is missing from the typed frame, but it is not empty: a
        rule that reads missing as empty (a required outcome date) or as its default (one
        fetus, alive) would quote an empty value, or the default, for a cell that holds
        another, and the cell's own problem says what is wrong with it.
        """
        rows = [p.row for p in self.problems if p.file == label and p.column == column]
        return np.asarray(index.isin(rows), dtype=bool)


def flags(mask: pd.Series) -> pd.Series:
    """``mask`` as plain booleans, missing as false, whatever its dtype.

    A text method on an object column gives ``True``/``False``/``NaN`` objects, and
    ``fillna(False)`` on those is a deprecated silent downcast in pandas 2.2+; comparing
    with ``True`` first gives a boolean (or nullable boolean) column that fills cleanly.
    """
    if mask.dtype == bool:  # the usual case, and a one-woman save makes dozens of calls
        return mask
    return mask.eq(True).fillna(False).astype(bool)


def show(value: object) -> str | None:
    """A cell value as the text quoted back in a problem (dates ISO, missing empty)."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def unlocated(problems: Iterable[Problem]) -> list[str]:
    """The problems that do not say where they are, each described in a line (none: all
    are located).

    A located problem names its file, a known problem code and a message; a problem about
    one cell (every code but :data:`WHOLE_FILE_CODES` and the rules across rows and tables,
    :data:`~follicle.workbook.schema.RULES_BY_CODE`) also names its column and a data row
    (the spreadsheet's row number, :data:`~follicle.workbook.read.FIRST_DATA_ROW` or later).
    The fuzz tests and ``bench/fuzz_workbooks.py`` hold validation to this.
    """
    bad = []
    for p in problems:
        if not p.file or p.rule not in CODES or not p.message:
            bad.append(f"{p.file!r} {p.rule!r}: {p.message!r}")
        elif p.rule not in WHOLE_FILE_CODES and p.rule not in RULES_BY_CODE:
            if p.row is None or p.row < FIRST_DATA_ROW or not p.column:
                bad.append(f"{p.file}: {p.rule} at row {p.row!r}, column {p.column!r}")
    return bad
