"""Between HTML forms and the store: field values as workbook cell text, errors by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from starlette.datastructures import FormData

from follicle.errors import Problem
from follicle.store.exporting.exporter import cell_text
from follicle.workbook import schema

#: The form field that carries a record's version (optimistic lock) and the change reason.
VERSION_FIELD = "version"
REASON_FIELD = "reason"


def text_fields(form: FormData | Mapping[str, object]) -> dict[str, str]:
    """The form's text fields, stripped (files and repeated names keep their first value)."""
    out: dict[str, str] = {}
    for name, value in form.items():
        if isinstance(value, str):
            out[name] = value.strip()
    return out


def table_values(
    fields: Mapping[str, str], table: schema.Table, *, prefix: str = "", skip: Iterable[str] = ()
) -> dict[str, str]:
    """The values the form holds for ``table``'s columns (named ``prefix + column``)."""
    skipped = set(skip)
    return {
        c.name: fields.get(prefix + c.name, "")
        for c in table.columns
        if c.name not in skipped and prefix + c.name in fields
    }


def errors_by_field(problems: Iterable[Problem], *, prefix: str = "") -> dict[str, list[str]]:
    """Problem messages keyed by form field (``prefix + column``); ``""`` for the whole form."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        key = prefix + problem.column if problem.column else ""
        out.setdefault(key, []).append(problem.message)
    return out


def frame_text(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Each row of ``frame`` as workbook cell text (what an edit form shows)."""
    if frame.empty:
        return []
    text = pd.DataFrame({c: cell_text(frame[c]) for c in frame.columns}, index=frame.index)
    return text.to_dict("records")
