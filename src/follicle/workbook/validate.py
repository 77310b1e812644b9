"""Validation of a workbook: every problem, located, in plain words.

Validation runs in three passes, each vectorised over whole columns (no Python loop over
rows; only the problems found are turned into objects one by one):

1. **cells** — each declared column is parsed to its type: required values present, dates
   real and not in the future, numbers and booleans readable, vocabularies respected;
2. **tables** — IDs unique, references resolving;
3. **rules** — the consistency rules across rows and tables
   (:data:`follicle.workbook.schema.RULES`), checked on the values that parsed.

Everything found is collected: a coordinator fixes the whole sheet in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from follicle.errors import Problem, WorkbookInvalid
from follicle.workbook.frames import Workbook, empty_frame, pandas_dtype
from follicle.workbook.problems import ProblemSink
from follicle.workbook.read import RawWorkbook, read_workbook
from follicle.workbook.rules import check_rules, warn_untreated
from follicle.workbook.schema import BOOLEAN_SPELLINGS, TABLES, TABLES_BY_NAME, Column, Table

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class ValidationResult:
    """What validation found.

    ``frames`` are the typed tables indexed by spreadsheet row (values that failed to parse
    are ``<NA>``); ``ok`` is true when there are no problems (warnings do not count).
    """

    source: Path
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    ignored: Mapping[str, tuple[str, ...]]
    row_counts: Mapping[str, int]
    frames: Mapping[str, pd.DataFrame]
    checksums: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the workbook may be imported."""
        return not self.problems

    def workbook(self) -> Workbook:
        """The typed workbook; raises :class:`WorkbookInvalid` if there were problems."""
        if not self.ok:
            raise WorkbookInvalid(list(self.problems))
        return Workbook.from_frames(self.frames, source=str(self.source), checksums=self.checksums)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary (what ``follicle validate --json`` prints)."""
        return {
            "source": str(self.source),
            "valid": self.ok,
            "rows": dict(self.row_counts),
            "ignored_columns": {k: list(v) for k, v in self.ignored.items()},
            "errors": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
        }


def validate_path(path: str | Path, *, today: date | None = None) -> ValidationResult:
    """Read and validate the workbook at ``path`` (a CSV folder or an ``.xlsx``)."""
    return validate(read_workbook(path), today=today)


def load_workbook(path: str | Path, *, today: date | None = None) -> Workbook:
    """Read, validate and return the typed workbook; raise :class:`WorkbookInvalid`."""
    return validate_path(path, today=today).workbook()


def validate(raw: RawWorkbook, *, today: date | None = None) -> ValidationResult:
    """Validate a raw workbook: every problem of cells, tables and consistency rules."""
    found = ProblemSink()
    found.problems.extend(raw.problems)
    limit = pd.Timestamp(today or date.today())

    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for table in TABLES:
        raw_table = raw.tables.get(table.name)
        if raw_table is None:
            frames[table.name] = empty_frame(table)
            labels[table.name] = table.filename
            continue
        labels[table.name] = raw_table.label
        frames[table.name] = _parse_table(table, raw_table.label, raw_table.frame, limit, found)

    keys = _check_keys(frames, labels, found)
    _check_references(frames, labels, keys, found, readable=frozenset(raw.tables))
    check_rules(frames, labels, found)
    warn_untreated(frames, labels, found)

    ignored = {
        raw.tables[t].label: raw.tables[t].ignored for t in raw.tables if raw.tables[t].ignored
    }
    order = {t.name: i for i, t in enumerate(TABLES)}
    label_order = {labels[name]: order[name] for name in labels}

    def sort_key(p: Problem) -> tuple[int, int, str, str]:
        return (label_order.get(p.file, -1), p.row or 0, p.column or "", p.rule)

    return ValidationResult(
        source=raw.source,
        problems=tuple(sorted(found.problems, key=sort_key)),
        warnings=tuple(sorted(found.warnings, key=sort_key)),
        ignored=ignored,
        row_counts={t: len(frames[t]) for t in frames},
        frames=frames,
        checksums=dict(raw.checksums),
    )


# -- pass 1: cells ---------------------------------------------------------------------


def _parse_table(
    table: Table, label: str, text: pd.DataFrame, limit: pd.Timestamp, found: ProblemSink
) -> pd.DataFrame:
    typed = {}
    for column in table.columns:
        if column.name in text.columns:
            typed[column.name] = _parse_column(column, label, text[column.name], limit, found)
        else:
            typed[column.name] = pd.Series(pd.NA, index=text.index, dtype=pandas_dtype(column))
    return pd.DataFrame(typed, index=text.index)


def _parse_column(
    column: Column, label: str, raw: pd.Series, limit: pd.Timestamp, found: ProblemSink
) -> pd.Series:
    text = raw if column.free_text else raw.str.strip()
    empty = text == ""
    name = column.name
    if column.required:
        found.add(label, empty, name, raw, "required", f"{name} is required but the cell is empty")
    present = ~empty

    if column.dtype == "date":
        shaped = text.str.fullmatch(_ISO_DATE)
        parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        found.add(
            label, bad, name, raw, "not_a_date", f"{name} is not a real date in the form YYYY-MM-DD"
        )
        future = parsed > limit
        found.add(
            label,
            future,
            name,
            raw,
            "future_date",
            f"{name} is in the future (after {limit.date().isoformat()})",
        )
        return parsed.astype("datetime64[ns]")

    if column.dtype == "boolean":
        values = text.str.lower().map(BOOLEAN_SPELLINGS)
        bad = present & values.isna()
        found.add(label, bad, name, raw, "not_a_boolean", f"{name} must be yes or no")
        return values.astype("boolean")

    if column.dtype in ("integer", "number"):
        numbers = pd.to_numeric(text.where(present), errors="coerce").astype(float)
        finite = np.isfinite(numbers.to_numpy())
        if column.dtype == "integer":
            whole = finite & (np.mod(np.where(finite, numbers, 0.0), 1.0) == 0)
            bad = present & ~pd.Series(whole, index=text.index)
            found.add(label, bad, name, raw, "not_an_integer", f"{name} must be a whole number")
        else:
            bad = present & ~pd.Series(finite, index=text.index)
            found.add(label, bad, name, raw, "not_a_number", f"{name} must be a number")
        numbers = numbers.where(~bad)
        if column.minimum is not None:
            if column.exclusive_minimum:
                low = numbers <= column.minimum
                words = f"greater than {column.minimum:g}"
            else:
                low = numbers < column.minimum
                words = f"{column.minimum:g} or more"
            found.add(label, low, name, raw, "below_minimum", f"{name} must be {words}")
            numbers = numbers.where(~low)
        if column.dtype == "integer":
            return numbers.round().astype("Int64")
        return numbers.astype("Float64")

    if column.vocabulary is not None:
        allowed = set(column.vocabulary)
        bad = present & ~text.isin(allowed)
        if bad.any():
            by_lower = {v.lower(): v for v in column.vocabulary}
            hint = text.str.lower().map(by_lower)
            listed = ", ".join(column.vocabulary)
            message = pd.Series(f"{name} must be one of: {listed}", index=text.index)
            near = bad & hint.notna()
            message[near] = message[near] + " (did you mean " + hint[near].astype(str) + "?)"
            found.add(label, bad, name, raw, "not_in_vocabulary", message)
        return text.where(present & ~bad).astype("string")

    return text.where(present).astype("string")


# -- pass 2: tables --------------------------------------------------------------------


def _check_keys(
    frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], found: ProblemSink
) -> dict[str, pd.Series]:
    """Report duplicate IDs; return each keyed table's IDs (first occurrence kept)."""
    keys: dict[str, pd.Series] = {}
    for table in TABLES:
        if table.key is None:
            continue
        ids = frames[table.name][table.key]
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            first_row = pd.Series(ids.index, index=ids.index).groupby(ids).transform("min")
            message = (
                f"{table.key} must be unique, but this one is already used in row "
                + first_row.astype(str)
            )
            found.add(labels[table.name], dup, table.key, ids, "duplicate_id", message)
        keys[table.name] = ids.dropna()
    return keys


def _check_references(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    keys: Mapping[str, pd.Series],
    found: ProblemSink,
    *,
    readable: frozenset[str],
) -> None:
    # A reference into a file that could not be read is not checked: that file's own
    # problem is already reported, and a cascade of "unknown" IDs would hide it.
    for table in TABLES:
        for column in table.columns:
            if column.references is None:
                continue
            target_table, target_column = column.references.split(".")
            if target_table not in readable:
                continue
            target = TABLES_BY_NAME[target_table]
            values = frames[table.name][column.name]
            known = values.isin(set(keys.get(target_table, pd.Series(dtype="string"))))
            unknown = values.notna() & ~known
            what = target_column.replace("_id", "").replace("_", " ")
            found.add(
                labels[table.name],
                unknown,
                column.name,
                values,
                "unknown_reference",
                f"{column.name} names a {what} that is not in {target.filename}",
            )
