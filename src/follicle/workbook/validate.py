"""Validation of a workbook: every problem, located, in plain words.

Validation runs in three passes, each vectorised over whole columns (no Python loop over
rows; only the problems found are turned into objects one by one):

1. **cells** — each declared column is parsed to its type: required values present, no
   control characters, dates real and not in the future, numbers and booleans readable,
   vocabularies respected;
2. **tables** — IDs unique, rows of the tables without IDs not repeated, references
   resolving;
3. **rules** — the consistency rules across rows and tables
   (:data:`follicle.workbook.schema.RULES`), checked on the values that parsed.

Everything found is collected: a coordinator fixes the whole sheet in one go. A cell is
reported once: one that fails a check is ``<NA>`` to every later check, and a column or
table that could not be read is not checked against at all (see ``unread``), so that one
mistake does not come back as a cascade of others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from follicle.errors import Problem, WorkbookInvalid
from follicle.workbook.deidentified import relabel
from follicle.workbook.frames import TEXT, Workbook, empty_frame, pandas_dtype, text_array
from follicle.workbook.keys import Women, isin
from follicle.workbook.problems import ProblemSink, flags
from follicle.workbook.read import RawTable, RawWorkbook, read_workbook
from follicle.workbook.rules import SharedFrames, check_rules, coded_women, warn_untreated
from follicle.workbook.schema import (
    BOOLEAN_SPELLINGS,
    FORMULA_STARTS,
    ID_MAX_LENGTH,
    ID_PATTERN,
    NAME_MAX_LENGTH,
    OPTIONAL_TABLES,
    TABLES,
    TABLES_BY_NAME,
    UNPRINTABLE,
    Column,
    Table,
    escape_unprintable,
)

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class ValidationResult:
    """What validation found.

    ``frames`` are the typed tables indexed by spreadsheet row (values that failed to parse
    are ``<NA>``); ``ok`` is true when there are no problems (warnings do not count).
    ``ignored`` maps a file (or sheet) to its columns that the format does not define;
    ``ignored_files`` lists the files (or sheets) that are not tables of the format.
    """

    source: Path
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    ignored: Mapping[str, tuple[str, ...]]
    row_counts: Mapping[str, int]
    frames: Mapping[str, pd.DataFrame]
    checksums: Mapping[str, str] = field(default_factory=dict)
    ignored_files: tuple[str, ...] = ()
    #: A de-identified workbook (:mod:`follicle.workbook.deidentified`): its dates are days
    #: on one calendar, not calendar dates.
    deidentified: bool = False
    #: The women of ``frames`` coded once (:class:`~follicle.workbook.keys.Women`), which
    #: the checks used; handed on with the workbook so that the analysis codes none again.
    women: Women | None = field(default=None, repr=False, compare=False)
    #: How the problems name each table's file (or sheet): what the import's own problems
    #: name it too.
    labels: Mapping[str, str] = field(default_factory=dict)
    #: How the problems were put in the file's own terms (a REDCap records file's
    #: variables), for the import's problems to be put likewise.
    relabel: Callable[[Problem], Problem] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the workbook may be imported."""
        return not self.problems

    def workbook(self) -> Workbook:
        """The typed workbook; raises :class:`WorkbookInvalid` if there were problems."""
        if not self.ok:
            raise WorkbookInvalid(list(self.problems))
        return Workbook.from_frames(
            self.frames,
            source=str(self.source),
            checksums=self.checksums,
            deidentified=self.deidentified,
            women=self.women,
            # The frames' index is their spreadsheet rows: kept, so that the import's
            # problems name the rows validation's would, blank rows skipped or not.
            rows={name: frame.index.to_numpy() for name, frame in self.frames.items()},
            labels=self.labels,
            relabel=self.relabel,
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary (what ``follicle validate --json`` prints)."""
        return {
            "source": str(self.source),
            "valid": self.ok,
            "deidentified": self.deidentified,
            "rows": dict(self.row_counts),
            "ignored_columns": {k: list(v) for k, v in self.ignored.items()},
            "ignored_files": list(self.ignored_files),
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
    places: dict[str, str] = {}
    # The optional tables a workbook carries are read like the others; absent, they are
    # simply not there (never an empty frame standing for "nothing judged").
    present = (*TABLES, *(t for t in OPTIONAL_TABLES if t.name in raw.tables))
    for table in present:
        raw_table = raw.tables.get(table.name)
        if raw_table is None:
            frames[table.name] = empty_frame(table)
            labels[table.name] = places[table.name] = table.filename
            continue
        labels[table.name] = raw_table.label
        places[table.name] = raw_table.place or raw_table.label
        frames[table.name] = parse_table(table, raw_table, limit, found)
    # "table.column" of every declared column that is not there to check against.
    unread = frozenset(
        f"{t.name}.{c}"
        for t in present
        for c in t.column_names
        if t.name not in raw.tables or c not in raw.tables[t.name].columns
    )

    keys = check_keys(frames, labels, found)
    # What the checks derive from several tables (each woman coded once, her first
    # injection, …) is computed once for all of them.
    shared = SharedFrames(frames)
    women = coded_women(shared)
    _check_duplicate_rows(raw, found, women)
    check_references(frames, labels, places, keys, found, unread=unread, women=women)
    check_rules(shared, labels, found, unread=unread)
    warn_untreated(shared, labels, found, unread=unread)

    if raw.relabel is not None:
        # The reader's own problems are already in the file's terms; the validator's are not.
        read = len(raw.problems)
        found.problems[read:] = [raw.relabel(p) for p in found.problems[read:]]
        found.warnings[:] = [raw.relabel(p) for p in found.warnings]

    ignored = {
        raw.tables[t].label: raw.tables[t].ignored for t in raw.tables if raw.tables[t].ignored
    }
    order = {t.name: i for i, t in enumerate(present)}
    label_order = {labels[name]: order[name] for name in labels}

    def sort_key(p: Problem) -> tuple[int, int, str, str]:
        return (label_order.get(p.file, -1), p.row or 0, p.column or "", p.rule)

    problems, warnings = list(found.problems), list(found.warnings)
    if raw.deidentified:  # report under the file's own names: injection_day, not _date
        aliases = {name: t.aliases for name, t in raw.tables.items()}
        own = [p for p in problems if p.rule == "not_whole_number"]
        rest = [p for p in problems if p.rule != "not_whole_number"]
        problems = relabel(rest, aliases, labels, own, raw.exempt)
        warnings = relabel(warnings, aliases, labels, [])
    return ValidationResult(
        source=raw.source,
        problems=tuple(sorted(problems, key=sort_key)),
        warnings=tuple(sorted(warnings, key=sort_key)),
        ignored=ignored,
        row_counts={t: len(frames[t]) for t in frames},
        frames=frames,
        checksums=dict(raw.checksums),
        ignored_files=raw.ignored_files,
        deidentified=raw.deidentified,
        women=women,
        labels=labels,
        relabel=raw.relabel,
    )


# -- pass 1: cells ---------------------------------------------------------------------


def parse_table(
    table: Table,
    raw: RawTable,
    limit: pd.Timestamp,
    found: ProblemSink,
    *,
    columns: Collection[str] | None = None,
) -> pd.DataFrame:
    """The cells of ``raw`` parsed to ``table``'s column types (its index kept: the
    spreadsheet rows). Each cell that breaks a cell rule (does not parse, a date after
    ``limit``, …) is reported to ``found``; one that does not parse is missing. A column
    ``raw`` lacks is all missing. ``columns``, when given, limits the frame to those of
    the table's columns (a change of one cell parses one column)."""
    text = raw.frame
    typed = {}
    for column in table.columns:
        if columns is not None and column.name not in columns:
            continue
        if column.name in text.columns:
            typed[column.name] = _parse_column(
                column,
                raw.label,
                text[column.name],
                limit,
                found,
                raw.formulas.get(column.name),
                serial_origin=raw.serial_origin,
            )
        else:
            typed[column.name] = pd.Series(pd.NA, index=text.index, dtype=pandas_dtype(column))
    # Every column is on ``text.index`` already: framing their arrays skips the alignment
    # of each Series (half the cost of the frame on a form's row).
    return pd.DataFrame({name: s.array for name, s in typed.items()}, index=text.index, copy=False)


def _parse_column(
    column: Column,
    label: str,
    raw: pd.Series,
    limit: pd.Timestamp,
    found: ProblemSink,
    formulas: pd.Series | None = None,
    *,
    serial_origin: str = "1899-12-30",
) -> pd.Series:
    # The masks are numpy arrays: each pandas operation on a Series costs tens of
    # microseconds whatever its length, which is most of a one-row save's parsing.
    text = raw if column.free_text else _stripped(raw)
    empty, filled = _blank(text)
    name = column.name
    if column.required:
        unsaved = np.zeros(len(raw), dtype=bool)
        if formulas is not None:
            unsaved = raw.index.isin(formulas.index)
            found.add(
                label,
                pd.Series(unsaved, index=raw.index),
                name,
                formulas,
                "formula_without_value",
                f"{name} is a formula with no saved value: open and save the file in Excel "
                "first (it saves the values it calculates)",
            )
        found.add(
            label,
            empty & ~unsaved,
            name,
            raw,
            "required",
            f"{name} is required but the cell is empty",
        )
    # A cell with a control character is reported for that alone, then left out.
    present = filled & ~_control_characters(column, label, raw, text, found)

    if column.dtype == "date":
        parsed = _few_dates(text, filled) if len(text) <= _FEW_ROWS else _arrow_dates(text, filled)
        if parsed is None:
            parsed = _iso_dates(text)
        # numpy from here (NaT compares false): each Series comparison costs tens of µs.
        days = parsed.to_numpy()
        bad = present & np.isnat(days)
        if bad.any():
            found.add(
                label,
                bad,
                name,
                raw,
                "not_a_date",
                _date_messages(name, text, _series(bad, text), serial_origin),
            )
        # In seconds, not nanoseconds: numpy compares in the finer unit, and a year-2999
        # date of _iso_dates' seconds would overflow nanoseconds and compare wrongly.
        future = days > limit.to_datetime64().astype("datetime64[s]")
        found.add(
            label,
            future,
            name,
            raw,
            "future_date",
            f"{name} is in the future (after {limit.date().isoformat()})",
        )
        # A real date beyond what a nanosecond timestamp holds (say 1066 or 2999) cannot be
        # kept; a future one is reported above already, an ancient one here.
        earliest, latest = _DATE_BOUNDS
        ancient = days < earliest
        found.add(
            label,
            ancient,
            name,
            raw,
            "not_a_date",
            f"{name} is before {_DATE_RANGE[0].isoformat()}, the earliest date follicle holds",
        )
        if ancient.any() or future.any():
            parsed = parsed.where(parsed.isna() | ((parsed >= earliest) & (parsed <= latest)))
        return parsed if parsed.dtype == _NANOSECONDS else parsed.astype(_NANOSECONDS)

    if column.dtype == "boolean":
        values = _few_booleans(text) if len(text) <= _FEW_ROWS else None
        if values is None:
            values = _spelled(text.str.lower(), BOOLEAN_SPELLINGS).astype(_BOOLEAN)
        bad = present & values.isna().to_numpy()
        found.add(label, bad, name, raw, "not_a_boolean", f"{name} must be yes or no")
        return values

    if column.dtype in ("integer", "number"):
        few = len(text) <= _FEW_ROWS
        numbers = _few_numbers(text, present) if few else _arrow_numbers(text, present)
        if numbers is None:
            numbers = pd.to_numeric(text.where(present), errors="coerce").astype(float)
        # numpy from here (NaN compares false), each refused cell set to NaN as it is found.
        values = numbers.to_numpy(dtype=float, copy=True)
        finite = np.isfinite(values)
        if column.dtype == "integer":
            whole = finite & (np.mod(np.where(finite, values, 0.0), 1.0) == 0)
            bad = present & ~whole
            rule, words = "not_an_integer", f"{name} must be a whole number"
        else:
            bad = present & ~finite
            rule, words = "not_a_number", f"{name} must be a number"
        if bad.any():
            found.add(
                label, bad, name, raw, rule, _number_messages(words, text, _series(bad, text))
            )
            values[bad] = np.nan
        high = column.upper_bound
        if high is not None:
            # Checked before the cast to Int64, which cannot hold 2^63 and more, and so that
            # what validates also fits the registry's integer columns on PostgreSQL.
            above = values > high
            if above.any():
                found.add(
                    label, above, name, raw, "above_maximum", f"{name} must be {high:,.0f} or less"
                )
                values[above] = np.nan
        if column.minimum is not None:
            if column.exclusive_minimum:
                low_mask = values <= column.minimum
                words = f"greater than {column.minimum:g}"
            else:
                low_mask = values < column.minimum
                words = f"{column.minimum:g} or more"
            if low_mask.any():
                found.add(label, low_mask, name, raw, "below_minimum", f"{name} must be {words}")
                values[low_mask] = np.nan
        if column.dtype == "integer":
            return pd.Series(np.round(values), index=text.index).astype(_INTEGER)
        return pd.Series(values, index=text.index).astype(_NUMBER)

    if column.vocabulary is not None:
        bad = present & ~_in_vocabulary(column, text)
        if bad.any():
            by_lower = {v.lower(): v for v in column.vocabulary}
            hint = text.str.lower().map(by_lower)
            listed = ", ".join(column.vocabulary)
            message = pd.Series(f"{name} must be one of: {listed}", index=text.index)
            near = bad & hint.notna().to_numpy()
            message[near] = message[near] + " (did you mean " + hint[near].astype(str) + "?)"
            found.add(label, bad, name, raw, "not_in_vocabulary", message)
        return _kept(text, present & ~bad)

    if column.dtype == "id":
        bad = present & ~_matches(text, ID_PATTERN).to_numpy()
        found.add(
            label,
            bad,
            name,
            raw,
            "not_an_id",
            f"{name} must be 1–{ID_MAX_LENGTH} characters, each a letter (A–Z, a–z), a digit, "
            "- or _, and start with a letter or digit",
        )
        return _kept(text, present & ~bad)

    if column.site_code:
        present &= ~_check_site_codes(column, label, text, present, found)
    formula = present & flags(text.str.startswith(FORMULA_STARTS)).to_numpy()
    found.add(
        label,
        formula,
        name,
        raw,
        "formula_like",
        f"{name} starts with {', '.join(repr(c) for c in FORMULA_STARTS[:4])} or another "
        "character that makes a spreadsheet run the cell as a formula: check that it is "
        "what was meant (exports write it with a leading ' so that it stays text)",
        warning=True,
    )
    return _kept(text, present)


def _check_site_codes(
    column: Column, label: str, text: pd.Series, present: np.ndarray, found: ProblemSink
) -> np.ndarray:
    """Report the cells of ``present`` that no registry site can have as its code (the
    schema's :data:`NAME_MAX_LENGTH` and :data:`UNPRINTABLE`, which the registry's
    ``checked_name`` applies when it creates a site); return where they are.

    A workbook that validates must import: ``follicle import --create-sites`` registers its
    sites, and a code the registry refuses would pass here and fail there.
    """
    long = present & (text.str.len().to_numpy(dtype=float, na_value=0) > NAME_MAX_LENGTH)
    hidden = present & flags(text.str.contains(UNPRINTABLE, regex=True)).to_numpy()
    bad = long | hidden
    if not bad.any():
        return bad
    unprintable = re.compile(UNPRINTABLE)
    name = column.name

    def message(value: str) -> str:
        match = unprintable.search(value)
        if match is not None:
            char = match.group()
            what = "a control character" if ord(char) < 0xA0 else "an invisible mark"
            return (
                f"{name} contains {what} (U+{ord(char):04X}), which a site code cannot "
                "hold: retype the value without it"
            )
        length = f"{len(value):,}"
        return f"{name} is {length} characters long: a site code has at most {NAME_MAX_LENGTH}"

    cells = text[bad]
    shown = cells.map(escape_unprintable)
    found.add(label, _series(bad, text), name, shown, "not_a_site_code", cells.map(message))
    return bad


def _blank(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Which cells are empty (``""``) and which are filled. A missing cell (never from the
    reader, which gives ``""``) is neither, whatever the text dtype makes of ``== ""``."""
    if len(text) <= _FEW_CELLS:
        # A form's row or two: numpy over the cells, without pandas' fixed cost.
        cells = text.to_numpy(dtype=object)
        if not pd.isna(cells).any():
            empty = cells == ""
            return empty, ~empty
    blank = text == ""
    empty = flags(blank).to_numpy()
    filled = ~empty if blank.dtype == bool else flags(~blank).to_numpy()
    return empty, filled


def _kept(text: pd.Series, keep: np.ndarray) -> pd.Series:
    """``text`` as a text column, missing where ``keep`` is false (no mask applied when
    every cell is kept, as usual: a pandas operation less per column)."""
    if len(text) <= _FEW_ROWS:
        # A form's few cells made into the text column directly: pandas' cast between its
        # two text dtypes costs several times the array.
        cells = text.to_numpy(dtype=object)
        kept = [c if k and isinstance(c, str) else None for c, k in zip(cells, keep, strict=True)]
        return pd.Series(text_array(kept), index=text.index)
    return (text if keep.all() else text.where(keep)).astype(TEXT)


def _series(mask: np.ndarray, like: pd.Series) -> pd.Series:
    return pd.Series(mask, index=like.index)


def _in_vocabulary(column: Column, text: pd.Series) -> np.ndarray:
    """Whether each cell is a word of the column's vocabulary (numpy over the cells: a
    one-row save pays neither pandas' nor Arrow's fixed cost of a set lookup)."""
    assert column.vocabulary is not None
    if len(text) <= _FEW_ROWS:  # a form's cell or two: a set lookup each, no sorting
        words = frozenset(column.vocabulary)
        cells = text.to_numpy(dtype=object, na_value="")
        return np.array([cell in words for cell in cells], dtype=bool)
    array = _arrow_array(text) if len(text) > _FEW_CELLS else None
    if array is None:
        return np.isin(text.to_numpy(dtype=object, na_value=""), column.vocabulary)
    # A long column: Arrow's hash lookup on its own strings (numpy's ``isin`` would first
    # turn every cell into a Python string, then sort them all).
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pa.array(list(column.vocabulary), type=array.type)
    hit = pc.is_in(array, value_set=words, skip_nulls=True).fill_null(False)
    return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)


#: Up to this many cells a column is checked with numpy (no Arrow kernel's fixed cost).
_FEW_CELLS = 1000
#: Up to this many rows (a form's row or two) a column's dates, yes/no words and IDs are
#: read cell by cell in Python: each pandas or Arrow operation costs tens of microseconds
#: whatever its length, which is most of a one-woman save's parsing. Each such path answers
#: exactly what its column-wise twin answers (tests/workbook/test_few_rows.py holds them
#: equal); on more rows the loop would cost more than the kernels.
_FEW_ROWS = 32
_NANOSECONDS = np.dtype("datetime64[ns]")
# The typed columns' dtypes as objects: named by a string, pandas looks the name up in its
# registry of dtypes on every cast (half the cost of casting a form's row).
_BOOLEAN, _INTEGER, _NUMBER = pd.BooleanDtype(), pd.Int64Dtype(), pd.Float64Dtype()
# ASCII: Arrow's regular expressions (RE2) read \d as [0-9], Python's as any digit.
_ISO_DATE_CELL = re.compile(_ISO_DATE, re.ASCII)


def _few_dates(text: pd.Series, filled: np.ndarray) -> pd.Series | None:
    """:func:`_arrow_dates` of a few cells, in Python: the dates, or ``None`` unless
    every filled cell is a real ``YYYY-MM-DD`` date that a nanosecond timestamp holds."""
    cells = text.to_numpy(dtype=object)
    days = np.full(len(cells), np.datetime64("NaT", "ns"))
    for i in np.flatnonzero(filled):
        cell = cells[i]
        if not isinstance(cell, str) or _ISO_DATE_CELL.fullmatch(cell) is None:
            return None
        try:
            day = date.fromisoformat(cell)
        except ValueError:  # not a real date (2023-02-30)
            return None
        if not _DATE_RANGE[0] <= day <= _DATE_RANGE[1]:
            return None
        days[i] = np.datetime64(day, "ns")
    return pd.Series(days, index=text.index)


def _few_numbers(text: pd.Series, present: np.ndarray) -> pd.Series | None:
    """:func:`_arrow_numbers` of a few cells, in Python: the numbers (``float``, NaN where
    not present), or ``None`` unless every present cell is a plain decimal. Arrow's cast
    and ``float`` both round correctly, so each gives the same double (inf beyond its
    range, as Arrow does)."""
    cells = text.to_numpy(dtype=object)
    values = np.full(len(cells), np.nan)
    for i in np.flatnonzero(present):
        cell = cells[i]
        if not isinstance(cell, str) or _DECIMAL_CELL.fullmatch(cell) is None:
            return None
        values[i] = float(cell)
    return pd.Series(values, index=text.index)


def _few_booleans(text: pd.Series) -> pd.Series | None:
    """The yes/no words of a few cells (missing where not one), or ``None`` when a cell is
    not ASCII text: Python's and Arrow's lower case differ on some other characters."""
    cells = text.to_numpy(dtype=object)
    if not all(isinstance(cell, str) and cell.isascii() for cell in cells):
        return None
    values = [BOOLEAN_SPELLINGS.get(cell.lower()) for cell in cells]
    return pd.Series(pd.array(values, dtype=_BOOLEAN), index=text.index)


def _stripped(raw: pd.Series) -> pd.Series:
    """``raw`` without the white space at either end of each cell.

    Almost no cell has any: the first and last byte of every cell are looked at in the
    Arrow buffers (numpy, no Python string per cell), and only a column where one is a
    space, a control character or part of a non-ASCII character (which may be Unicode
    white space) is stripped.
    """
    import pyarrow as pa

    array = _arrow_array(raw)
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        return raw.str.strip()
    width = "int64" if pa.types.is_large_string(array.type) else "int32"
    for chunk in array.chunks:
        if len(chunk) == 0:
            continue
        offsets_buffer, data_buffer = chunk.buffers()[1:3]
        offsets: np.ndarray = np.frombuffer(offsets_buffer, dtype=width)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ].astype(np.int64, copy=False)
        if data_buffer is None or data_buffer.size == 0:
            continue
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        filled = offsets[1:] > offsets[:-1]
        ends = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
        if ((ends <= 0x20) | (ends >= 0x80)).any():
            return raw.str.strip()
    return raw


def _matches(text: pd.Series, pattern: str) -> pd.Series:
    """Whether each cell matches ``pattern`` whole (Arrow's regex kernel on Arrow text)."""
    import pyarrow.compute as pc

    if len(text) <= _FEW_ROWS:
        whole = re.compile(pattern, re.ASCII)  # cached by re; ASCII: see _ISO_DATE_CELL
        cells = text.to_numpy(dtype=object)
        hits = [isinstance(cell, str) and whole.fullmatch(cell) is not None for cell in cells]
        return pd.Series(np.array(hits, dtype=bool), index=text.index)
    array = _arrow_array(text)
    if array is None:
        return flags(text.str.fullmatch(pattern))
    hit = pc.fill_null(pc.match_substring_regex(array, f"^(?:{pattern})$"), False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=text.index, dtype=bool)


#: An Excel date serial: a whole number of days since day 0 (1899-12-30, or 1904-01-01 in
#: the 1904 date system), up to five digits.
_EXCEL_SERIAL = r"[1-9]\d{0,4}(?:\.0+)?"
#: A number written with a decimal comma ("0,17").
_DECIMAL_COMMA = r"[+-]?\d+,\d+"


def _date_messages(name: str, text: pd.Series, bad: pd.Series, origin: str) -> pd.Series:
    """The not-a-date message of each bad cell, saying what an Excel date serial is:
    the date ``origin`` (day 0 of the file's date system, ISO) plus that many days."""
    message = pd.Series(f"{name} is not a real date in the form YYYY-MM-DD", index=text.index)
    serial = bad & _matches(text.where(bad, ""), _EXCEL_SERIAL)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        meant = (pd.Timestamp(origin) + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d")
        message[serial] = (
            message[serial]
            + " ("
            + text[serial]
            + " looks like an Excel date serial number, which is the date "
            + meant
            + ": format the column as a date, or type the date as YYYY-MM-DD)"
        )
    return message


def _number_messages(words: str, text: pd.Series, bad: pd.Series) -> pd.Series:
    """The message of each unreadable number, saying when it has a decimal comma."""
    message = pd.Series(words, index=text.index)
    comma = bad & _matches(text.where(bad, ""), _DECIMAL_COMMA)
    if comma.any():
        message[comma] = (
            message[comma]
            + " ("
            + text[comma]
            + " has a decimal comma: write "
            + text[comma].str.replace(",", ".", regex=False)
            + ", with a decimal point)"
        )
    return message


#: Plain decimal numbers: the cells that Arrow's cast reads as pandas would.
_DECIMAL = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
# ASCII, as _ISO_DATE_CELL.
_DECIMAL_CELL = re.compile(_DECIMAL, re.ASCII)
#: The dates a nanosecond timestamp holds, as pandas' parser allows.
_DATE_RANGE = (date(1677, 9, 22), date(2262, 4, 11))
#: :data:`_DATE_RANGE` as numpy days (compared with seconds or nanoseconds, both exact).
_DATE_BOUNDS = (np.datetime64(_DATE_RANGE[0], "D"), np.datetime64(_DATE_RANGE[1], "D"))


def _arrow_array(text: pd.Series) -> Any:
    """The Arrow array under an Arrow-backed text column, or ``None``."""
    import pyarrow as pa

    arrow = getattr(text.array, "__arrow_array__", None)
    if arrow is None:
        return None
    array = arrow()
    # pyarrow < 16 cannot make a chunked array of a chunked array (it iterates its values).
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _iso_dates(text: pd.Series) -> pd.Series:
    """Each cell that is a real ``YYYY-MM-DD`` date of any year, as ``datetime64[s]``; NaT
    for every other cell.

    Worked out from the numbers (the month's length from numpy's calendar), not by
    ``pd.to_datetime``, whose reach depends on the pandas version: pandas 2 gives NaT for a
    date beyond 2262 — reported then as "not a real date" rather than as in the future.
    """
    # [0-9], not \d: pandas' extract runs Python's re, whose \d is any script's digit
    # ("２０２３" would match, then fail to convert).
    parts = text.str.extract(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
    year, month, day = (pd.to_numeric(parts[i]).to_numpy(dtype=float) for i in range(3))
    real = ~np.isnan(year) & (month >= 1) & (month <= 12) & (day >= 1)
    months = np.where(real, (year - 1970) * 12 + month - 1, 0).astype("int64")
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(int)
    real &= day <= length
    days = first + np.where(real, day - 1, 0).astype("int64").astype("timedelta64[D]")
    values = np.where(real, days, np.datetime64("NaT", "D")).astype("datetime64[s]")
    return pd.Series(values, index=text.index)


def _arrow_dates(text: pd.Series, present: np.ndarray) -> pd.Series | None:
    """The column's dates by Arrow's ISO parser, or ``None`` unless every cell is one.

    Only the common case is taken here — every filled cell a real YYYY-MM-DD date that a
    nanosecond timestamp holds; a column with any other cell goes to pandas, which decides
    what is wrong with it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _arrow_array(text)
    if array is None:
        return None
    filled = pa.array(np.asarray(present, dtype=bool))
    if not pc.all(
        pc.or_(pc.invert(filled), pc.match_substring_regex(array, f"^{_ISO_DATE}$"))
    ).as_py():
        return None
    try:
        dates = pc.cast(pc.if_else(filled, array, None), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    try:
        low, high = pc.min(dates).as_py(), pc.max(dates).as_py()
    except OverflowError:  # year 0: Arrow holds it, Python's date cannot; pandas says why
        return None
    if low is not None and (low < _DATE_RANGE[0] or high > _DATE_RANGE[1]):
        return None
    values = dates.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    return pd.Series(values, index=text.index, dtype="datetime64[ns]")


def _arrow_numbers(text: pd.Series, present: np.ndarray) -> pd.Series | None:
    """The column's numbers by Arrow's cast, or ``None`` unless every cell is a decimal."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _arrow_array(text)
    if array is None:
        return None
    filled = pa.array(np.asarray(present, dtype=bool))
    if not pc.all(
        pc.or_(pc.invert(filled), pc.match_substring_regex(array, f"^{_DECIMAL}$"))
    ).as_py():
        return None
    numbers = pc.cast(pc.if_else(filled, array, None), pa.float64())
    values = numbers.to_numpy(zero_copy_only=False)
    return pd.Series(values, index=text.index, dtype=float)


def _spelled(text: pd.Series, spellings: Mapping[str, Any]) -> pd.Series:
    """``text`` mapped through ``spellings`` (missing where not listed), word by word.

    Each distinct word is looked up once: a column of a million yes/no cells has two.
    """
    codes, words = pd.factorize(text)
    # A dictionary lookup per distinct word (a handful), not a pandas map of them.
    values = np.array([spellings.get(w, np.nan) for w in words], dtype=object)
    out = np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else None, None)
    spelled = pd.Series(out, index=text.index, dtype=object)
    missing = codes < 0
    return spelled.where(~missing) if missing.any() else spelled


#: C0 control characters: none belongs in a cell, bar tab and line breaks in free text.
_CONTROL = re.compile("[\x00-\x1f]")
_CONTROL_IN_NOTES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL_NAMES = {
    "\x00": "a NUL byte (U+0000)",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
}


def _control_characters(
    column: Column, label: str, raw: pd.Series, text: pd.Series, found: ProblemSink
) -> np.ndarray:
    """Report the cells holding a control character; return where they are.

    PostgreSQL refuses a NUL in text, so such a workbook would pass and then fail at import;
    the other control characters are invisible in a spreadsheet, so an ID or a word that
    holds one silently fails to match its twin.
    """
    pattern = _CONTROL_IN_NOTES if column.free_text else _CONTROL
    # One scan of the column's bytes first: it costs a fraction of the per-cell regex
    # below, which then runs only on the rare column that has a hit.
    if not _may_hold(pattern, raw):
        return np.zeros(len(raw), dtype=bool)
    # The cell as typed, not as trimmed: strip() takes a vertical tab or form feed off the
    # edge of a cell, and such a cell must be refused like one with it in the middle.
    hit = flags(raw.str.contains(pattern.pattern, regex=True))
    cells = raw[hit]

    def message(value: str) -> str:
        match = pattern.search(value)
        char = match.group() if match else "\x00"
        what = _CONTROL_NAMES.get(char, f"an invisible control character (U+{ord(char):04X})")
        if char == "\x00":
            why = "which the registry cannot store"
        elif char in "\t\n\r":
            why = "which only free-text notes may hold"
        else:
            why = "which does not belong in a cell"
        return f"{column.name} contains {what}, {why}: retype the value without it"

    found.add(
        label,
        hit,
        column.name,
        raw[hit].map(_escape_controls),
        "control_character",
        cells.map(message),
    )
    return hit.to_numpy()


def _may_hold(pattern: re.Pattern[str], raw: pd.Series) -> bool:
    """Whether any cell of ``raw`` may match ``pattern`` (a class of C0 control characters).

    Arrow text is scanned in its data buffers, without making a Python string of each
    cell: in UTF-8 the bytes 0x00-0x1F are those characters and nothing else. A buffer
    may hold bytes of cells outside the column's slice; a hit there only costs the
    per-cell check.
    """
    array = _arrow_array(raw)
    if array is None:
        return pattern.search("".join(raw.to_numpy(dtype=object))) is not None
    in_bytes = re.compile(pattern.pattern.encode())
    for chunk in array.chunks:
        data = chunk.buffers()[2]
        if data is None or data.size == 0:
            continue
        if pattern is _CONTROL:  # any byte below 0x20: one pass of numpy, no regex
            if np.frombuffer(data, dtype=np.uint8).min() < 0x20:
                return True
        elif in_bytes.search(memoryview(data)) is not None:
            return True
    return False


def _escape_controls(value: str) -> str:
    """``value`` with each control character written as Python would (``\\x00``, ``\\t``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], value)


# -- pass 2: tables --------------------------------------------------------------------


def check_keys(
    frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], found: ProblemSink
) -> dict[str, pd.Series]:
    """Report duplicate IDs; return each keyed table's IDs (first occurrence kept)."""
    keys: dict[str, pd.Series] = {}
    for table in (*TABLES, *(t for t in OPTIONAL_TABLES if t.name in frames)):
        if table.key is None:
            continue
        ids = frames[table.name][table.key]
        if ids.empty:  # a one-woman check passes several tables without rows
            keys[table.name] = ids
            continue
        # One row (a form's) cannot repeat an ID: no hashing of it.
        dup = ids.notna() & ids.duplicated(keep="first") if len(ids) > 1 else None
        if dup is not None and dup.any():
            first_row = pd.Series(ids.index, index=ids.index).groupby(ids).transform("min")
            message = (
                f"{table.key} must be unique, but this one is already used in row "
                + first_row.astype(str)
            )
            found.add(labels[table.name], dup, table.key, ids, "duplicate_id", message)
        keys[table.name] = ids.dropna()
    return keys


#: The tables checked for ``duplicate_row``: those without IDs, where a row entered twice is
#: indistinguishable from two events and would be counted twice. Injections are left to
#: ``same_day_injection``, which also catches two rows of one procedure that differ in a
#: detail. (The registry's one-woman check, :mod:`follicle.store.woman`, checks the same.)
DUPLICATE_ROW_TABLES: tuple[str, ...] = tuple(
    t.name for t in TABLES if t.key is None and t.name != "injections"
)


def _check_duplicate_rows(raw: RawWorkbook, found: ProblemSink, women: Women | None = None) -> None:
    """Report rows of :data:`DUPLICATE_ROW_TABLES` that repeat an earlier row cell for cell.

    ``women``: the parsed IDs' coding (validation's), which stands in for a raw
    ``participant_id`` column in the first look.
    """
    for name in DUPLICATE_ROW_TABLES:
        raw_table = raw.tables.get(name)
        if raw_table is None:
            continue
        table = TABLES_BY_NAME[name]
        frame = raw_table.frame
        if frame.empty:
            continue
        # Rows equal in every cell are equal in the first two: those few are compared
        # whole, so that millions of rows are hashed on two columns, not on all of them.
        first = [
            women.codes[table.name]
            if c == "participant_id" and women is not None and table.name in women.codes
            else frame[c]
            for c in frame.columns[:2]
        ]
        frame = frame[_repeated(first)]
        if frame.empty or not frame.duplicated(keep=False).any():
            continue
        involved = frame[frame.duplicated(keep=False)]
        again = involved.duplicated(keep="first")
        first_row = (
            pd.Series(involved.index, index=involved.index)
            .groupby([involved[c] for c in involved.columns])
            .transform("min")
        )
        found.add(
            raw_table.label,
            again,
            None,
            involved.agg(",".join, axis=1),
            "duplicate_row",
            "this row repeats row "
            + first_row.astype(str)
            + " exactly (every cell is the same), so it would count twice: delete one",
        )


def _repeated(columns: list[pd.Series | np.ndarray]) -> np.ndarray:
    """Whether each row's cells in ``columns`` are those of another row
    (``DataFrame.duplicated(keep=False)``), or may be.

    Each column is dictionary-encoded by Arrow (the same coding as the women's IDs,
    :class:`~follicle.workbook.keys.Women`) and the codes are combined into one integer
    per row: pandas would factorize millions of text cells per column itself, slower. A
    column may be given as codes already (an array: the parsed IDs' codes, -1 for none;
    equal cells parse to equal codes, so no repeat is missed — a row it keeps that is no
    repeat is compared whole afterwards). Repeated integers are found as neighbours once
    sorted, and rows usually come sorted already (by woman, then date): no sort then.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        if isinstance(column, np.ndarray):
            codes, count = column, int(column.max(initial=-1)) + 1
        else:
            # Coded by rank (the cells' order as text: dates in time), so that rows sorted
            # by their cells have sorted keys.
            coded = Women({"column": column})
            codes = np.append(coded.ranks(), -1)[coded.codes["column"]]
            count = coded.count
        key = key * (count + 1) + (codes + 1)  # -1 (empty) is 0
    if len(key) < 2:
        return np.zeros(len(key), dtype=bool)
    ordered = bool((key[1:] >= key[:-1]).all())
    order = None if ordered else np.argsort(key, kind="stable")
    sorted_key = key if order is None else key[order]
    same = sorted_key[1:] == sorted_key[:-1]
    repeated = np.zeros(len(key), dtype=bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    if order is None:
        return repeated
    out = np.empty(len(key), dtype=bool)
    out[order] = repeated
    return out


def check_references(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    places: Mapping[str, str],
    keys: Mapping[str, pd.Series],
    found: ProblemSink,
    *,
    unread: frozenset[str],
    women: Women | None = None,
) -> None:
    """Report the IDs that name no row of the table they refer to.

    ``women``, when given, codes the ``participant_id`` of every table and of the
    participants whose IDs ``keys`` holds: the references to a woman are then looked up
    by code, not hashed again table by table.
    """
    # A reference into a table (or key column) that could not be read is not checked: its
    # own problem is already reported, and a cascade of "unknown" IDs would hide it.
    for table in (*TABLES, *(t for t in OPTIONAL_TABLES if t.name in frames)):
        if not len(frames[table.name]):  # a one-woman check passes several tables without rows
            continue
        for column in table.columns:
            if column.references is None or column.references in unread:
                continue
            target_table = column.references.split(".")[0]
            target = TABLES_BY_NAME[target_table]
            values = frames[table.name][column.name]
            if women is not None and column.references == "participants.participant_id":
                # Every woman's rows coded once serve every table's reference to her.
                known = women.per_row(table.name, women.having("participants"), values.index, False)
            else:
                known = isin(values, keys.get(target_table, pd.Series(dtype="string")))
            unknown = values.notna() & ~known
            found.add(
                labels[table.name],
                unknown,
                column.name,
                values,
                "unknown_reference",
                f"{column.name} names {target.a_noun} that is not in {places[target_table]}",
            )
