"""Collecting problems from whole columns at once.

A check computes a boolean mask over a column and hands it to :class:`ProblemSink` with the
values and a message (text, or a Series of per-row texts); only the rows that are hit become
:class:`~follicle.errors.Problem` objects, so checks stay vectorised.
"""

from __future__ import annotations

import pandas as pd

from follicle.errors import Problem


class ProblemSink:
    """Collects problems; takes whole masked columns so that callers stay vectorised."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(
        self,
        label: str,
        mask: pd.Series,
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | pd.Series,
        *,
        warning: bool = False,
    ) -> None:
        hits = mask.index[flags(mask).to_numpy()]
        if len(hits) == 0:
            return
        sink = self.warnings if warning else self.problems
        shown = values.reindex(hits) if values is not None else None
        texts = message.reindex(hits) if isinstance(message, pd.Series) else None
        for i, row in enumerate(hits):
            value = None if shown is None else show(shown.iloc[i])
            text = message if texts is None else str(texts.iloc[i])
            sink.append(Problem(label, int(row), column, value, rule, str(text)))


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
