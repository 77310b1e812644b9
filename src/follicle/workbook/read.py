"""Reading a workbook — a folder of CSV files or one ``.xlsx`` — into raw text tables.

Nothing is interpreted here: every cell arrives as the text a person typed (``""`` when
empty), so that the validator can quote the value back in an error and so that IDs keep
their leading zeros. Problems with the files themselves (missing, empty, not CSV, a
missing sheet or column) are collected, never raised one at a time.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from follicle.errors import Problem
from follicle.workbook.schema import TABLES, Table

#: The first data row of a sheet is spreadsheet row 2 (the header is row 1).
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class RawTable:
    """One table as read: all cells as text, indexed by spreadsheet row number.

    ``label`` names the file (or sheet) in messages; ``columns`` are the declared columns
    present in the file; ``ignored`` the columns the format does not define.
    """

    table: Table
    label: str
    frame: pd.DataFrame
    ignored: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Declared columns present in the file."""
        return tuple(self.frame.columns)


@dataclass(frozen=True)
class RawWorkbook:
    """A workbook as read from disk, before validation."""

    source: Path
    tables: Mapping[str, RawTable]
    problems: tuple[Problem, ...] = ()
    checksums: Mapping[str, str] = field(default_factory=dict)


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read a workbook folder of CSVs or an ``.xlsx`` file into raw text tables.

    Tables that cannot be read are absent from ``tables`` and explained in ``problems``.
    """
    source = Path(path)
    if source.is_dir():
        return _read_folder(source)
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(source)
    if not source.exists():
        problem = Problem(str(source), None, None, None, "missing_file", "no such file or folder")
    else:
        problem = Problem(
            source.name,
            None,
            None,
            None,
            "not_a_workbook",
            "a workbook is a folder of CSV files or one .xlsx file",
        )
    return RawWorkbook(source, {}, (problem,))


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex-encoded (for provenance lines)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_folder(folder: Path) -> RawWorkbook:
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    checksums: dict[str, str] = {}
    for table in TABLES:
        file = folder / table.filename
        if not file.is_file():
            problems.append(
                Problem(
                    table.filename,
                    None,
                    None,
                    None,
                    "missing_file",
                    f"the file {table.filename} is missing from the workbook folder "
                    "(a table with no rows still needs its header row)",
                )
            )
            continue
        checksums[table.filename] = sha256(file)
        grid, problem = _csv_grid(file.read_bytes(), table.filename)
        if problem is not None:
            problems.append(problem)
            continue
        assert grid is not None
        raw, header_problems = _to_raw_table(table, table.filename, grid)
        problems.extend(header_problems)
        if raw is not None:
            tables[table.name] = raw
    return RawWorkbook(folder, tables, tuple(problems), checksums)


def _csv_grid(data: bytes, label: str) -> tuple[pd.DataFrame | None, Problem | None]:
    """Parse CSV bytes into a text grid (header included as row 0)."""

    def bad(rule: str, message: str, row: int | None = None) -> tuple[None, Problem]:
        return None, Problem(label, row, None, None, rule, message)

    if not data.strip():
        return bad("empty_file", "the file is empty: it needs at least its header row")
    if b"\x00" in data[:8192] or data[:4] == b"PK\x03\x04":
        return bad("not_csv", "the file is not a CSV text file (it looks like a binary file)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return bad("not_utf8", f"the file is not UTF-8 text (byte {exc.start} cannot be read)")
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
        # pandas says "Expected 3 fields in line 7, saw 4": line 7 is spreadsheet row 7.
        message = str(exc).strip().rstrip(".")
        row = None
        if " line " in message:
            tail = message.split(" line ", 1)[1].split(",", 1)[0]
            row = int(tail) if tail.isdigit() else None
        return bad("not_csv", f"the file is not a well-formed CSV: {message}", row)
    except pd.errors.EmptyDataError:
        return bad("empty_file", "the file is empty: it needs at least its header row")
    return grid.fillna(""), None


def _to_raw_table(
    table: Table, label: str, grid: pd.DataFrame
) -> tuple[RawTable | None, list[Problem]]:
    """Split a grid into header and rows, check the header, keep declared columns."""
    problems: list[Problem] = []
    header = [str(h).strip() for h in grid.iloc[0].tolist()]
    body = grid.iloc[1:]
    body.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(body), name="row")
    body.columns = pd.Index(range(len(header)))
    # Spreadsheets leave blank rows behind; they carry no data and are not errors.
    blank = (body == "").all(axis=1) if len(header) else pd.Series(True, index=body.index)
    body = body.loc[~blank]

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
            continue
        if name in seen:
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
            continue
        seen[name] = position
    declared = [c for c in table.column_names if c in seen]
    ignored = tuple(n for n in seen if n not in table.column_names)
    for name in table.required_columns:
        if name not in seen:
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
    frame = body[[seen[c] for c in declared]].copy()
    frame.columns = pd.Index(declared)
    frame = frame.astype(object).astype(str)
    return RawTable(table, label, frame, ignored), problems


def _read_xlsx(file: Path) -> RawWorkbook:
    import openpyxl  # a heavy import; only xlsx users pay for it

    if not file.is_file():
        problem = Problem(file.name, None, None, None, "missing_file", "no such file")
        return RawWorkbook(file, {}, (problem,))
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        problem = Problem(
            file.name, None, None, None, "not_xlsx", f"the file is not a readable .xlsx ({exc})"
        )
        return RawWorkbook(file, {}, (problem,))
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    try:
        for table in TABLES:
            label = f"{file.name}, sheet {table.name}"
            if table.name not in book.sheetnames:
                problems.append(
                    Problem(
                        label,
                        None,
                        None,
                        None,
                        "missing_sheet",
                        f"the sheet {table.name} is missing from {file.name}",
                    )
                )
                continue
            rows = list(book[table.name].iter_rows(values_only=True))
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
            # Writers leave off trailing empty cells, so rows differ in length: pad them.
            width = max(len(r) for r in rows)
            grid = pd.DataFrame([r + (None,) * (width - len(r)) for r in rows], dtype=object)
            grid = grid.apply(_cells_to_text)
            raw, header_problems = _to_raw_table(table, label, grid)
            problems.extend(header_problems)
            if raw is not None:
                tables[table.name] = raw
    finally:
        book.close()
    return RawWorkbook(file, tables, tuple(problems), {file.name: sha256(file)})


def _cells_to_text(column: pd.Series) -> pd.Series:
    """Excel cells as the text a CSV would hold (dates ISO, whole numbers without .0)."""
    return column.map(_cell_text)


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
