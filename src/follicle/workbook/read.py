"""Reading a workbook — a folder of CSV files or one ``.xlsx`` — into raw text tables.

Nothing is interpreted here: every cell arrives as the text a person typed (``""`` when
empty), so that the validator can quote the value back in an error and so that IDs keep
their leading zeros. Problems with the files themselves (missing, empty, not CSV, a
missing sheet or column) are collected, never raised one at a time.

Two Excel quirks are settled here because only the ``.xlsx`` cells can tell: a date cell
of a date column that carries a time of day gives its date, and a required cell that is a
formula Excel never calculated is remembered (:attr:`RawTable.formulas`) so that the
validator can say so rather than "empty".
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from follicle.errors import Problem
from follicle.workbook import deidentified
from follicle.workbook.schema import OPTIONAL_TABLES, TABLES, Table

#: The first data row of a sheet is spreadsheet row 2 (the header is row 1).
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class RawTable:
    """One table as read: all cells as text, indexed by spreadsheet row number.

    ``label`` names the file (or sheet) where a problem is located; ``place`` names it
    inside a sentence ("infants.csv", "the sheet infants"); ``columns`` are the declared
    columns present in the file; ``ignored`` the columns the format does not define.
    ``formulas`` maps a required column to its cells (by row) that are ``.xlsx`` formulas
    with no saved value: empty in ``frame``, but not because nobody filled them in.
    """

    table: Table
    label: str
    frame: pd.DataFrame
    ignored: tuple[str, ...] = ()
    place: str = ""
    formulas: Mapping[str, pd.Series] = field(default_factory=dict)
    #: A de-identified file's column names translated to the schema's (export → schema).
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: Cells of the columns only a de-identified file has (``age_at_last_contact``).
    extra: Mapping[str, pd.Series] = field(default_factory=dict)
    #: Day 0 of the file's date serial numbers (ISO), for the message of a date typed as
    #: one: 1899-12-30 (Excel's default, and CSV's guess), 1904-01-01 for an ``.xlsx``
    #: saved with the 1904 date system (old Excel for Mac).
    serial_origin: str = "1899-12-30"

    @property
    def columns(self) -> tuple[str, ...]:
        """Declared columns present in the file."""
        return tuple(self.frame.columns)


@dataclass(frozen=True)
class RawWorkbook:
    """A workbook as read from disk, before validation.

    ``ignored_files`` are the CSV files of the folder (or sheets of the ``.xlsx``) that are
    not tables of the format: listed, so that nothing is left out without a word.
    ``relabel``, when set, relocates each problem the validator finds in the terms of the
    file as read: a REDCap records file (:mod:`follicle.workbook.redcap`) names its cells
    by REDCap variable, not by workbook column.
    """

    source: Path
    tables: Mapping[str, RawTable]
    problems: tuple[Problem, ...] = ()
    checksums: Mapping[str, str] = field(default_factory=dict)
    ignored_files: tuple[str, ...] = ()
    #: Whether it is a de-identified workbook (:mod:`follicle.workbook.deidentified`),
    #: already put in the schema's form.
    deidentified: bool = False
    #: A de-identified workbook's cells that are empty by design (file, row, column): the
    #: days and age of a woman with no injection.
    exempt: frozenset[tuple[str, int, str]] = frozenset()
    relabel: Callable[[Problem], Problem] | None = None


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read a workbook folder of CSVs, an ``.xlsx`` file or a REDCap records CSV into raw
    text tables.

    A single ``.csv`` file is a workbook only as REDCap's records export (its header has
    ``redcap_repeat_instrument``; :func:`follicle.workbook.redcap.read_records`). Tables
    that cannot be read are absent from ``tables`` and explained in ``problems``.
    """
    source = Path(path)
    try:
        return _read_any(source)
    except OSError as exc:
        # A file or folder the user may not read (or a failing disk): one located problem.
        where = Path(exc.filename).name if exc.filename else source.name
        reason = exc.strerror or type(exc).__name__
        problem = Problem(where, None, None, None, "unreadable_file", f"cannot read it: {reason}")
        return RawWorkbook(source, {}, (problem,))


def _read_any(source: Path) -> RawWorkbook:
    if source.is_dir():
        return _restored(_read_folder(source))
    kind = _special_kind(source)
    if kind is not None:
        return RawWorkbook(source, {}, (_not_a_file(source.name, kind),))
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        return _restored(_read_xlsx(source))
    if not source.exists():
        problem = Problem(str(source), None, None, None, "missing_file", "no such file or folder")
        return RawWorkbook(source, {}, (problem,))
    if source.is_file() and source.suffix.lower() == ".csv":
        from follicle.workbook import redcap  # it builds on this module

        if redcap.is_records_header(source):
            return redcap.read_records(source)
    problem = Problem(
        source.name,
        None,
        None,
        None,
        "not_a_workbook",
        "a workbook is a folder of CSV files or one .xlsx file (or a REDCap records "
        "export: CSV raw data, whose header has redcap_repeat_instrument)",
    )
    return RawWorkbook(source, {}, (problem,))


def _restored(raw: RawWorkbook) -> RawWorkbook:
    """A de-identified workbook in the schema's form (days as dates on one calendar, ages
    as a birth date; :func:`follicle.workbook.deidentified.restore`); others unchanged."""
    aliases = {name: t.aliases for name, t in raw.tables.items() if t.aliases}
    if not deidentified.is_deidentified(aliases):
        return raw
    frames = {name: t.frame for name, t in raw.tables.items()}
    labels = {name: t.label for name, t in raw.tables.items()}
    extra = raw.tables["participants"].extra
    restored, problems, exempt = deidentified.restore(frames, aliases, labels, extra)
    tables = {name: dataclasses.replace(t, frame=restored[name]) for name, t in raw.tables.items()}
    return dataclasses.replace(
        raw, tables=tables, problems=(*raw.problems, *problems), deidentified=True, exempt=exempt
    )


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex-encoded (for provenance lines)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _special_kind(path: Path) -> str | None:
    """What ``path`` is when it is there but not a regular file ("a folder", "a named pipe
    (FIFO)", "a socket", "a device"), else ``None``.

    Only its metadata is looked at: opening a named pipe to read it would wait for a
    writer that may never come.
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None  # not there (or a dangling link): the caller's "missing"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _not_a_file(name: str, kind: str) -> Problem:
    """The problem of ``name`` that is ``kind`` (a folder, a named pipe, …), not a file."""
    return Problem(
        name,
        None,
        None,
        None,
        "not_a_file",
        f"{name} is {kind}, not a file: "
        + (
            "a workbook is a folder of CSV files or one .xlsx file"
            if name.lower().endswith((".xlsx", ".xlsm"))
            else "each table of a workbook folder is a CSV file"
        ),
    )


def _read_folder(folder: Path) -> RawWorkbook:
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    checksums: dict[str, str] = {}
    present = {p.name for p in folder.iterdir() if p.is_file()}
    for table in (*TABLES, *OPTIONAL_TABLES):
        file = folder / table.filename
        kind = _special_kind(file)
        if kind is not None:
            problems.append(_not_a_file(table.filename, kind))
            continue
        if not file.is_file() and table in OPTIONAL_TABLES:
            continue  # an optional table left out: nothing to say
        if not file.is_file():
            hint = _near_miss("file", table.filename, present)
            problems.append(
                Problem(
                    table.filename,
                    None,
                    None,
                    None,
                    "missing_file",
                    f"the file {table.filename} is missing from the workbook folder"
                    + (hint or " (a table with no rows still needs its header row)"),
                )
            )
            continue
        data = file.read_bytes()
        checksums[table.filename] = hashlib.sha256(data).hexdigest()
        grid, problem = csv_grid(data, table.filename)
        del data  # the grid holds its own copy of the cells
        if problem is not None:
            problems.append(problem)
            continue
        assert grid is not None
        raw, header_problems = _to_raw_table(table, table.filename, grid, table.filename)
        problems.extend(header_problems)
        if raw is not None:
            tables[table.name] = raw
    known = {t.filename for t in (*TABLES, *OPTIONAL_TABLES)}
    ignored = tuple(sorted(n for n in present if n.lower().endswith(".csv") and n not in known))
    return RawWorkbook(folder, tables, tuple(problems), checksums, ignored)


def _near_miss(kind: str, wanted: str, present: Collection[str]) -> str:
    """A hint naming a file or sheet that differs from ``wanted`` only by case or spaces."""
    for name in sorted(present):
        if name != wanted and name.strip().lower() == wanted.lower():
            if name.lower() == wanted.lower():
                return f" (there is a {kind} {name}: {kind} names are lower-case)"
            return f" (there is a {kind} {name!r}: remove the spaces around its name)"
    return ""


_EOF_IN_QUOTES = re.compile(r"EOF inside string starting at row (\d+)")
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def csv_grid(data: bytes, label: str) -> tuple[pd.DataFrame | None, Problem | None]:
    """Parse CSV bytes into a text grid (header included as row 0)."""

    def bad(rule: str, message: str, row: int | None = None) -> tuple[None, Problem]:
        return None, Problem(label, row, None, None, rule, message)

    if not data or data.isspace():
        return bad("empty_file", "the file is empty: it needs at least its header row")
    wide = _wide_encoding(data)
    if wide is not None:
        return bad(
            "not_utf8",
            f"the file is encoded as {wide}, not UTF-8: save it as CSV UTF-8 (in Excel: "
            "Save As, CSV UTF-8 (Comma delimited))",
        )
    if _looks_binary(data):
        return bad("not_csv", "the file is not a CSV text file (it looks like a binary file)")
    fast = _arrow_grid(data)
    if fast is not None:
        return fast, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # utf-8-sig counts from after the byte-order mark; the row count needs the file's.
        start = exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        return bad("not_utf8", *_undecodable(data, start))
    blank_rows = _leading_blank_rows(text)
    if blank_rows:
        return bad("header_not_in_row_1", *_header_below(blank_rows + 1, "blank"))
    separator = _wrong_separator(text)
    if separator is not None:
        # Parsed with commas, the whole header would be one column: every column "missing"
        # and every row a problem. One sentence says what is really wrong.
        return bad(
            "wrong_separator",
            f"the file seems to be separated by {separator} — a workbook CSV is "
            "comma-separated (in Excel: Save As, CSV UTF-8 (Comma delimited))",
        )
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        return bad("not_csv", *csv_error_message(str(exc)))
    except pd.errors.EmptyDataError:
        return bad("empty_file", "the file is empty: it needs at least its header row")
    return grid.fillna(""), None


def _leading_blank_rows(text: str) -> int:
    """How many blank lines (nothing but spaces or commas) come before the first with text."""
    count = 0
    for line in io.StringIO(text):
        if line.strip().strip(",").strip():
            return count
        count += 1
    return 0  # all blank: the caller's "empty file"


def _header_below(row: int, what: str) -> tuple[str, int]:
    """The message (located at row 1) for column names found at spreadsheet row ``row``,
    below rows that are ``what`` ("blank", "a title or other text")."""
    above = f"row 1 is {what}" if row == 2 else f"rows 1 to {row - 1} are {what}"
    return (
        f"the header row must be row 1, but {above} and the column names are in row {row}: "
        f"delete the row{'s' if row > 2 else ''} above the column names",
        1,
    )


def _arrow_grid(data: bytes) -> pd.DataFrame | None:
    """The grid read by pyarrow's multi-threaded reader, or ``None`` to take the slow road.

    Only a file pyarrow reads exactly as pandas would is read here: UTF-8, comma-separated,
    every row as wide as the header. Anything else — a stray byte, a short or long row, a
    header that is not one line — goes to pandas, whose errors say where the problem is.
    Cells arrive as Arrow text, not Python objects: a tenth of the memory, and the
    validator's string operations run in Arrow's kernels.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    end = data.find(b"\n")
    try:
        first_line = data[: end if end >= 0 else len(data)].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    # pandas and pyarrow part ways over NUL bytes and lone carriage returns: leave those
    # rare files to pandas.
    if _wrong_separator(first_line) is not None or "\r" in first_line[:-1] or b"\x00" in data:
        return None
    try:
        width = len(next(csv.reader([first_line.rstrip("\r")]), []))
    except csv.Error:
        return None
    if width == 0:  # a blank first line: pandas says where the header is
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            # A quoted cell may hold a line break; only then must the reader look for them.
            parse_options=pacsv.ParseOptions(
                newlines_in_values=b'"' in data, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0:
        return None
    # One chunk per column (the reader makes one per 16 MiB block): taking rows from a
    # chunked column concatenates it first, on every take — an import's audit batches
    # took the whole of each column fifty times at a million women.
    table = table.combine_chunks()
    grid = table.to_pandas()  # large_string columns become pandas text without a copy
    grid.columns = pd.RangeIndex(width)
    return grid


def _wide_encoding(data: bytes) -> str | None:
    """``"UTF-16"`` or ``"UTF-32"`` (with its byte order) when ``data`` looks encoded so,
    else ``None``.

    Excel's "Unicode Text" and some exports write UTF-16: its byte-order mark says so, and
    without one, text that is mostly ASCII has a NUL in every other byte. Those NULs would
    otherwise make it look like a binary file.
    """
    marks = (
        (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"),  # before UTF-16's: it begins alike
        (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
        (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"),
        (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
    )
    for mark, name in marks:
        if data.startswith(mark):
            return name
    head = data[: 8192 & ~1]  # whole pairs of bytes
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / len(odd)
    # Mostly ASCII text: nearly every pair has one NUL, always on the same side.
    if odd_nuls > 0.6 and even_nuls < 0.05:
        codec, name = "utf-16-le", "UTF-16 (little-endian)"
    elif even_nuls > 0.6 and odd_nuls < 0.05:
        codec, name = "utf-16-be", "UTF-16 (big-endian)"
    else:
        return None
    # … and it reads as text that way (a binary file's NULs may fall alike by chance).
    text = head.decode(codec, errors="replace")
    readable = sum(c.isprintable() or c in "\t\r\n" for c in text)
    return name if readable >= 0.95 * len(text) else None


def _looks_binary(data: bytes) -> bool:
    """Whether ``data`` is a zip (an .xlsx renamed) or has the NULs of a binary file.

    Only the first 8 KiB are sniffed. A stray NUL or two in text is not a binary file but
    a cell's control character, which the validator locates by row and column.
    """
    head = data[:8192]
    return head[:4] == b"PK\x03\x04" or head.count(b"\x00") > len(head) // 100


def _undecodable(data: bytes, start: int) -> tuple[str, int]:
    """The message and spreadsheet row of the first byte that is not UTF-8."""
    before = data[:start]
    newline = b"\n" if b"\n" in data else b"\r"  # old Mac files end lines with CR alone
    row = before.count(newline) + 1  # the header is row 1
    context = before[before.rfind(newline) + 1 :][-20:].decode("utf-8", errors="replace")
    after = f", just after {context!r}" if context.strip() else ", at the start of the row"
    return (
        f"the file is not UTF-8 text: row {row} holds a byte (0x{data[start]:02X}) that "
        f"cannot be read{after}. It was probably saved as ANSI/Windows-1252: save it again "
        "as CSV UTF-8",
        row,
    )


def _wrong_separator(text: str) -> str | None:
    """``"';'"`` or ``"tabs"`` when the header row is split by those rather than commas."""
    # The header ends at the first line break of any kind: a file with old Mac line endings
    # (CR alone) is one "line", whose notes would count as the header's.
    header = re.split(r"[\r\n]", text, maxsplit=1)[0]
    commas = header.count(",")
    for separator, words in ((";", "';'"), ("\t", "tabs")):
        if header.count(separator) > commas:
            return words
    return None


def csv_error_message(error: str) -> tuple[str, int | None]:
    """pandas' tokenizer error in plain words, with its spreadsheet row (header = 1)."""
    unclosed = _EOF_IN_QUOTES.search(error)
    if unclosed:
        row = int(unclosed.group(1)) + 1  # pandas counts this one from 0
        return (
            f'a quoted value is never closed: the quote (") that opens in row {row} runs '
            "to the end of the file",
            row,
        )
    counts = _FIELD_COUNT.search(error)
    if counts:
        expected, row, saw = (int(g) for g in counts.groups())  # this one counts from 1
        return (
            f"row {row} has {saw} cells but the header has {expected} (a value that holds a "
            "comma needs quotes around it)",
            row,
        )
    message = error.strip().rstrip(".").removeprefix("Error tokenizing data. ")
    return f"the file is not a well-formed CSV: {message}", None


def header_positions(
    header: Sequence[str], body: pd.DataFrame, label: str, problems: list[Problem]
) -> dict[str, int]:
    """Each named column's position in ``header`` (the first, if repeated); a column
    without a name that holds values in ``body``, and a repeated name, are problems of the
    header row (appended to ``problems``, labelled ``label``)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        if name == "":
            if (body[position] != "").any():
                problems.append(
                    Problem(
                        label,
                        1,
                        None,
                        None,
                        "unnamed_column",
                        f"column {position + 1} has values but no name in the header row",
                    )
                )
        elif name in seen:
            problems.append(
                Problem(
                    label,
                    1,
                    name,
                    name,
                    "duplicate_column",
                    f"the column {name} appears twice in the header row",
                )
            )
        else:
            seen[name] = position
    return seen


def _to_raw_table(
    table: Table, label: str, grid: pd.DataFrame, place: str
) -> tuple[RawTable | None, list[Problem]]:
    """Split a grid into header and rows, check the header, keep declared columns."""
    problems: list[Problem] = []
    header = [str(h).strip() for h in grid.iloc[0].tolist()]
    names_row = _names_row(table, grid, header)
    if names_row is not None:
        message, row = _header_below(names_row, "a title or other text")
        return None, [Problem(label, row, None, None, "header_not_in_row_1", message)]
    body = grid.iloc[1:]
    body.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(body), name="row")
    body.columns = pd.Index(range(len(header)))
    # Spreadsheets leave blank rows behind; they carry no data and are not errors.
    blank = (body == "").all(axis=1) if len(header) else pd.Series(True, index=body.index)
    if blank.any():
        body = body.loc[~blank]

    seen = header_positions(header, body, label, problems)
    misnamed = _misnamed(table, seen)
    for declared_name, typed in misnamed.items():
        problems.append(
            Problem(
                label,
                1,
                declared_name,
                typed,
                "misnamed_column",
                f"the column {typed!r} should be named {declared_name}: column names are "
                "lower-case, with _ between words, exactly as in the data dictionary",
            )
        )
    # A de-identified file's names (injection_day, age_at_first_injection) read as the
    # schema's; the values are translated once every table is read (_restored).
    aliases = deidentified.renamed(table, list(seen))
    seen = {aliases.get(name, name): position for name, position in seen.items()}
    added = [deidentified.AGE_AT_LAST_CONTACT] if "birth_date" in aliases.values() else []
    declared = [c for c in table.column_names if c in seen]
    ignored = tuple(
        n
        for n in seen
        if n not in table.column_names and n not in added and n not in misnamed.values()
    )
    for name in table.required_columns:
        if name not in seen and name not in misnamed:
            problems.append(
                Problem(
                    label,
                    1,
                    name,
                    None,
                    "missing_column",
                    f"the required column {name} is missing from the header row",
                )
            )
    frame = body[[seen[c] for c in declared]].copy(deep=False)
    frame.columns = pd.Index(declared)
    if any(dtype != "str" for dtype in frame.dtypes):
        frame = frame.astype(object).astype(str)
    extra = {c: body[seen[c]].astype(object).astype(str) for c in added if c in seen}
    return RawTable(table, label, frame, ignored, place, aliases=aliases, extra=extra), problems


#: Rows searched for the column names when row 1 does not hold them.
_HEADER_SEARCH_ROWS = 10


def _normal_name(name: str) -> str:
    """A header as a column name would be: lower-case, runs of spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _names_row(table: Table, grid: pd.DataFrame, header: list[str]) -> int | None:
    """The spreadsheet row of the column names when row 1 holds none of them, else ``None``.

    A title, a merged cell or a note above the header would otherwise come back as
    "column 8 has values but no name" and every required column "missing".
    """
    declared = {_normal_name(n) for n in table.column_names}
    if any(_normal_name(h) in declared for h in header):
        return None
    for position in range(1, min(len(grid), _HEADER_SEARCH_ROWS)):
        cells = {_normal_name(str(v)) for v in grid.iloc[position].tolist()}
        if len(cells & declared) >= min(2, len(declared)):
            return position + 1
    return None


def _misnamed(table: Table, seen: Mapping[str, int]) -> dict[str, str]:
    """Declared columns absent from the header that a header spells differently (by case,
    spaces or hyphens: "Birth Date" for ``birth_date``): {declared name: header}."""
    by_normal = {_normal_name(h): h for h in seen if h not in table.column_names}
    return {c: by_normal[c] for c in table.column_names if c not in seen and c in by_normal}


def _read_xlsx(file: Path) -> RawWorkbook:
    """Read an ``.xlsx``; a damaged one is a ``not_xlsx`` problem, never an exception.
    (:func:`_read_any` has answered for a folder or a pipe of that name.)"""
    if not file.is_file():
        problem = Problem(file.name, None, None, None, "missing_file", "no such file")
        return RawWorkbook(file, {}, (problem,))
    try:
        # The file handles are ours, not openpyxl's: a file it fails to parse halfway
        # would otherwise stay open until the garbage collector finds it.
        with contextlib.ExitStack() as handles:
            return _read_xlsx_book(file, handles)
    except PermissionError:
        raise  # not damaged: not the user's to read (read_workbook says so)
    # openpyxl reads the zip members lazily, while the rows are iterated, and a damaged
    # file fails there with whatever the layer below raises — zlib.error, lxml's or
    # ElementTree's XML errors, KeyError, ValueError, TypeError, struct.error — none of it
    # documented. Any of them means the same to the user: this file cannot be read.
    except Exception as exc:  # noqa: BLE001
        problem = Problem(
            file.name,
            None,
            None,
            None,
            "not_xlsx",
            "the file is not a readable .xlsx: part of it is damaged "
            f"({type(exc).__name__}: {str(exc)[:200]}). Open it in Excel and save it "
            "again, or save each sheet as CSV UTF-8",
        )
        return RawWorkbook(file, {}, (problem,))


def _read_xlsx_book(file: Path, handles: contextlib.ExitStack) -> RawWorkbook:
    import openpyxl  # a heavy import; only xlsx users pay for it

    try:
        book = openpyxl.load_workbook(
            handles.enter_context(file.open("rb")), read_only=True, data_only=True
        )
    except PermissionError:
        raise
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        problem = Problem(
            file.name, None, None, None, "not_xlsx", f"the file is not a readable .xlsx ({exc})"
        )
        return RawWorkbook(file, {}, (problem,))
    sheetnames = list(book.sheetnames)
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    formula_book: Any = None  # opened a second time only if a formula may hide a value
    try:
        for table in (*TABLES, *OPTIONAL_TABLES):
            label = f"{file.name}, sheet {table.name}"
            if table.name not in sheetnames and table in OPTIONAL_TABLES:
                continue
            if table.name not in sheetnames:
                hint = _near_miss("sheet", table.name, sheetnames)
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        "missing_sheet",
                        f"the sheet {table.name} is missing" + (hint or f" from {file.name}"),
                    )
                )
                continue
            sheet = book[table.name]
            disorder = _row_out_of_order(sheet)
            if disorder is not None:
                number, previous = disorder
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        "not_xlsx",
                        f"the sheet {table.name} is damaged: its row {number} comes after its "
                        f"row {previous}, and rows out of order would be lost. Open it in Excel "
                        "and save it again, or save each sheet as CSV UTF-8",
                    )
                )
                continue
            rows = _sheet_rows(sheet)
            blank = next(
                (i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)), None
            )
            if blank:
                message, row = _header_below(blank + 1, "blank")
                problems.append(Problem(label, row, None, None, "header_not_in_row_1", message))
                continue
            if not rows or all(v is None for v in rows[0]):
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        "empty_file",
                        "the sheet is empty: it needs at least its header row",
                    )
                )
                continue
            widest = max(range(len(rows)), key=lambda i: len(rows[i]))
            row, column = widest + 1, len(rows[widest])
            if len(rows) * column > MAX_SHEET_CELLS:
                problems.append(
                    Problem(
                        label,
                        row,
                        None,
                        None,
                        "sheet_too_large",
                        f"the sheet {table.name} spans {len(rows):,} rows and up to "
                        f"{column:,} columns (a value in column {column:,} of row {row}): "
                        f"more than the {MAX_SHEET_CELLS:,} cells a sheet may hold here; "
                        "delete the cells beyond the table",
                    )
                )
                continue
            grid = _xlsx_grid(table, rows)
            raw, header_problems = _to_raw_table(table, label, grid, f"the sheet {table.name}")
            problems.extend(header_problems)
            if raw is None:
                continue
            if _blank_required(raw) and _has_formulas(sheet):
                if formula_book is None:
                    formula_book = openpyxl.load_workbook(
                        handles.enter_context(file.open("rb")), read_only=True, data_only=False
                    )
                formulas = _unsaved_formulas(formula_book[table.name], rows, raw)
                raw = dataclasses.replace(raw, formulas=formulas)
            origin = book.epoch.date().isoformat()
            if origin != raw.serial_origin:
                raw = dataclasses.replace(raw, serial_origin=origin)
            tables[table.name] = raw
    finally:
        book.close()
        if formula_book is not None:
            formula_book.close()
    names = {t.name for t in (*TABLES, *OPTIONAL_TABLES)}
    ignored = tuple(f"{file.name}, sheet {s}" for s in sheetnames if s not in names)
    return RawWorkbook(file, tables, tuple(problems), {file.name: sha256(file)}, ignored)


#: The most cells (rows × the widest row) of one sheet that is read: a table of a million
#: rows and twenty columns, and well below what a stray value far out would cost (Excel's
#: last cell, XFD1048576, would make seventeen billion).
MAX_SHEET_CELLS = 25_000_000


def _sheet_rows(sheet: Any) -> list[tuple[Any, ...]]:
    """Every row of a read-only sheet, as tuples of cell values."""
    # Read-only mode trusts the sheet's <dimension> tag, and some tools write a stale one:
    # rows and columns beyond it would be lost without a word.
    sheet.reset_dimensions()
    # Empty cells at the end of a row, and empty rows at the end of the sheet, are left off:
    # a formatted empty cell far out (XFD20000, left over from editing) would otherwise
    # make every row as wide as it and the sheet as long.
    rows: list[tuple[Any, ...]] = []
    last = 0
    for row in sheet.iter_rows(values_only=True):
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        rows.append(tuple(row[:end]))
        if end:
            last = len(rows)
    return rows[:last]


def _xlsx_grid(table: Table, rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """Excel cells as the text a CSV would hold; a date column's date-times give dates."""
    # Writers leave off trailing empty cells, so rows differ in length: pad them.
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([r + (None,) * (width - len(r)) for r in rows], dtype=object)
    header = [_cell_text(v).strip() for v in grid.iloc[0]]
    dates = {c.name for c in table.columns if c.is_date}
    return pd.DataFrame(
        {j: grid[j].map(_date_text if header[j] in dates else _cell_text) for j in grid.columns}
    )


def _blank_required(raw: RawTable) -> list[str]:
    """The required columns of ``raw`` with an empty cell."""
    frame = raw.frame
    return [c for c in raw.table.required_columns if c in frame and (frame[c] == "").any()]


#: A row element's start tag and its number (the ``r`` attribute, optional in the format).
_ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')


def _row_out_of_order(sheet: Any) -> tuple[int, int] | None:
    """The first row element of the sheet's XML numbered at or below the one before it,
    as ``(its number, the number before)``; ``None`` when they ascend: a byte scan.

    Excel writes rows in ascending order; openpyxl's read-only reader skips, without a
    word, a row whose number it has passed (one written out of order, or twice).
    """
    get_source = getattr(sheet, "_get_source", None)  # openpyxl's handle on the sheet XML
    if get_source is None:
        return None
    previous = 0
    tail = b""
    with get_source() as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            # The last tag may go on in the next chunk: it is scanned with that one.
            cut = max(data.rfind(b"<"), 0)
            tail = data[cut:]
            for match in _ROW_TAG.finditer(data, 0, cut):
                number = int(match[1])
                if number <= previous:
                    return number, previous
                previous = number
    return None


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(sheet: Any) -> bool:
    """Whether the sheet's XML holds a formula at all: a byte scan, no cell parsing."""
    get_source = getattr(sheet, "_get_source", None)  # openpyxl's handle on the sheet XML
    if get_source is None:
        return True  # cannot tell cheaply: let the caller look
    tail = b""
    with get_source() as source:
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _unsaved_formulas(
    sheet: Any, values: Sequence[tuple[Any, ...]], raw: RawTable
) -> dict[str, pd.Series]:
    """Required cells that are formulas with no saved value, by column, as formula text.

    ``values`` are the sheet's rows as Excel last calculated them; ``sheet`` is the same
    sheet opened with its formulas. openpyxl writes formulas without calculating them,
    and so do some scripts: Excel fills the values in when it saves the file.
    """
    header = [_cell_text(v).strip() for v in values[0]]
    # A de-identified sheet names its dates as days (injection_day for injection_date):
    # such a column is not looked up here, and an empty cell of it is reported as required.
    positions = {c: header.index(c) for c in _blank_required(raw) if c in header}
    found: dict[str, dict[int, str]] = {c: {} for c in positions}
    with_formulas = _sheet_rows(sheet)
    # A per-cell loop, but only over a sheet that has formulas and an empty required cell.
    for number in range(FIRST_DATA_ROW, min(len(values), len(with_formulas)) + 1):
        calculated, row = values[number - 1], with_formulas[number - 1]
        for column, j in positions.items():
            if j < len(row) and (j >= len(calculated) or calculated[j] is None):
                formula = _formula_text(row[j])
                if formula is not None:
                    found[column][number] = formula
    return {c: pd.Series(cells, dtype=object) for c, cells in found.items() if cells}


def _formula_text(value: object) -> str | None:
    """The formula of a cell opened with formulas, or ``None`` if it holds none."""
    if isinstance(value, str):
        return value if value.startswith("=") else None
    text = getattr(value, "text", None)  # openpyxl's ArrayFormula
    return text if isinstance(text, str) else None


def _date_text(value: object) -> str:
    """A cell of a date column: an Excel date-time gives its date (the time is dropped).

    Only a real date-time cell: text such as ``2021-03-04 10:30`` stays text, so that the
    validator rejects it as it would in a CSV.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    return _cell_text(value)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
