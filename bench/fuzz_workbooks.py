"""Fuzz validation and import with mutated workbooks (.csv folders and .xlsx files).

Usage::

    nice .venv/bin/python bench/fuzz_workbooks.py --cases 10000 \\
        [--postgres-url URL] [--postgres-every 50] [--timeout 10] [--seed 0] \\
        [--jobs 2] [--out bench/results/fuzz.json]

Each case starts from the small fixture workbook (``tests/fixtures/workbooks/small``), as a
CSV folder or as an ``.xlsx``, and applies one to three mutations drawn from
:data:`MUTATIONS` with a generator seeded by ``(seed, case)``, so any case can be rebuilt
from its number. Mutations range from a single cell (a value from :data:`INTERESTING`, or
the cell's own text damaged) through rows and headers to the bytes of a file (flipped,
truncated, re-encoded) and, for ``.xlsx``, its zip members (a damaged compressed stream,
malformed sheet XML, a member removed).

A worker process validates each case (``follicle.workbook.validate.validate_path``) and,
when the workbook is accepted, imports it into a fresh SQLite registry — and, every
``--postgres-every``-th accepted case, into a fresh PostgreSQL schema. The parent allows each case
``--timeout`` seconds of the worker's CPU time (and ten times that of wall-clock time); a
case that takes longer is a hang (the worker is killed and replaced). CPU time, because on
a shared machine a case can wait for a core longer than it runs. Each case ends as one of:

``refused``
    validation found problems, every one located (a file, a known rule code, a message,
    and a row and column where the rule is about a cell);
``accepted``
    no problems, and the typed workbook passes :func:`valid_by_oracle` — a check of the
    schema's column rules written here independently of the validator — and imports;
``crash``, ``hang``, ``unlocated``, ``wrongly_accepted``, ``import_failed``
    a failure (the summary lists each with its case number and cause).

The summary (counts by outcome, by mutation and by problem rule, the slowest cases, every
failure) is written as JSON to ``--out`` and printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "workbooks" / "small"

#: Cell values known to have broken a reader, a parser or a database somewhere.
INTERESTING: tuple[str, ...] = (
    "",
    " ",
    "-1",
    "-3",
    "0",
    "-0",
    "1.5",
    "1e308",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "2147483647",
    "2147483648",
    "3000000000",
    "9223372036854775807",
    "9223372036854775808",
    "12345678901234567890",
    "99999999999999999999999999999",
    "29534",
    "0,17",
    "1 000",
    "=1+1",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\tx",
    "x\x0b",
    "\x0cx",
    "x\x00y",
    "\x1b[31m",
    "\u202eP001",
    "P\u200b001",
    "N905/../P001",
    '"><img src=x onerror=alert(1)>',
    "P001; DROP TABLE participants",
    "2090-01-01",
    "1066-10-14",
    "2999-01-01",
    "2021-02-30",
    "2021-13-01",
    "01/02/2020",
    "2020-01-01 10:30",
    "yes",
    "no",
    "maybe",
    "TRUE",
    "007",
    "x" * 300,
    "é",
    "\r",
    "a\nb",
    '"',
    ",",
)


@dataclass
class Case:
    """One mutated workbook: its folder or .xlsx, the mutations applied, in order."""

    number: int
    kind: str  # "csv" or "xlsx"
    mutations: list[str] = field(default_factory=list)


# -- the grid: a workbook as lists of text rows -------------------------------------------


def read_grid(folder: Path) -> dict[str, list[list[str]]]:
    """Every CSV of ``folder`` as rows of text (header first), by table name."""
    grid = {}
    for file in sorted(folder.glob("*.csv")):
        with file.open(newline="", encoding="utf-8") as fh:
            grid[file.stem] = [list(r) for r in csv.reader(fh)]
    return grid


def _damaged(rng: random.Random, value: str) -> str:
    """``value`` with one character inserted, deleted, doubled or replaced."""
    position = rng.randrange(len(value) + 1)
    char = rng.choice("0123456789-.,;:/ eE\t\"'xZé\u00a0\x00\x0b")
    how = rng.randrange(4)
    if how == 0 or not value:
        return value[:position] + char + value[position:]
    position = min(position, len(value) - 1)
    if how == 1:
        return value[:position] + value[position + 1 :]
    if how == 2:
        return value[:position] + value[position] * rng.randint(2, 5) + value[position + 1 :]
    return value[:position] + char + value[position + 1 :]


def cell(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Set one data cell to an interesting value or a damaged copy of itself."""
    table = rng.choice(sorted(grid))
    rows = grid[table]
    if len(rows) < 2 or not rows[0]:
        return f"cell:{table}:none"
    r = rng.randrange(1, len(rows))
    c = rng.randrange(len(rows[r])) if rows[r] else 0
    if not rows[r]:
        return f"cell:{table}:none"
    if rng.random() < 0.6:
        rows[r][c] = rng.choice(INTERESTING)
    else:
        rows[r][c] = _damaged(rng, rows[r][c])
    return f"cell:{table}:{rows[0][c] if c < len(rows[0]) else c}"


def row(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Duplicate, delete, shorten or lengthen a row, or add a blank or title row on top."""
    table = rng.choice(sorted(grid))
    rows = grid[table]
    how = rng.choice(["duplicate", "delete", "short", "long", "blank_top", "title_top", "swap"])
    if how in ("duplicate", "delete", "short", "long", "swap") and len(rows) < 2:
        how = "blank_top"
    r = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
    if how == "duplicate":
        rows.insert(r, list(rows[r]))
    elif how == "delete":
        del rows[r]
    elif how == "short":
        rows[r] = rows[r][: max(0, len(rows[r]) - rng.randint(1, 3))]
    elif how == "long":
        rows[r] = [*rows[r], *rng.choices(INTERESTING, k=rng.randint(1, 3))]
    elif how == "blank_top":
        rows.insert(0, [""] * len(rows[0]))
    elif how == "title_top":
        rows.insert(0, [f"{table} of the study", *[""] * (len(rows[0]) - 1)])
    else:
        s = rng.randrange(1, len(rows))
        rows[r], rows[s] = rows[s], rows[r]
    return f"row:{table}:{how}"


def header(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Rename (Title Case, spaces, unknown name), drop or duplicate a header column."""
    table = rng.choice(sorted(grid))
    rows = grid[table]
    if not rows or not rows[0]:
        return f"header:{table}:none"
    c = rng.randrange(len(rows[0]))
    how = rng.choice(["title_case", "spaces", "unknown", "drop", "duplicate", "empty"])
    name = rows[0][c]
    if how == "title_case":
        rows[0][c] = name.replace("_", " ").title()
    elif how == "spaces":
        rows[0][c] = f" {name} "
    elif how == "unknown":
        rows[0][c] = name + "_x"
    elif how == "drop":
        for line in rows:
            if c < len(line):
                del line[c]
    elif how == "duplicate":
        for line in rows:
            if c < len(line):
                line.insert(c, line[c])
    else:
        rows[0][c] = ""
    return f"header:{table}:{how}"


def drop_table(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Leave a table out, or keep only its header."""
    table = rng.choice(sorted(grid))
    if rng.random() < 0.5:
        del grid[table]
        return f"table:{table}:missing"
    grid[table] = grid[table][:1]
    return f"table:{table}:header_only"


#: Mutations of the grid, with their relative weights.
GRID_MUTATIONS: tuple[
    tuple[Callable[[random.Random, dict[str, list[list[str]]]], str], int], ...
] = (
    (cell, 10),
    (row, 3),
    (header, 3),
    (drop_table, 1),
)


# -- consistency: valid-looking values that break an order or a reference -------------------

#: Values that look like a date, a number, a word or nothing, and are none of them quite.
LOOKALIKES: tuple[str, ...] = (
    "2020-02-29",
    "2019-02-29",
    "2100-02-29",
    "0001-01-01",
    "9999-12-31",
    "2020-01-01T00:00:00Z",
    "2020-01-01+02:00",
    "２０２０-01-01",
    "٢٠٢٠-٠١-٠١",
    "2020-1-1",
    "20200101",
    "NA",
    "NULL",
    "-",
    "N/A",
    "\u00a0",
    "\u3000",
    "٣",
    "３",
    "1_000",
    "0x10",
    "+5",
    ".5",
    "1e-400",
    "Regular",
    " live_birth",
    "ＭenSC",
    "007\u00a0",
    "²",
)

#: Cells whose word decides a rule elsewhere (a death, an open outcome, a mode, a default).
DECIDING: dict[str, tuple[str, ...]] = {
    "vital_status": ("deceased", "alive", ""),
    "outcome": ("live_birth", "miscarriage", "ongoing", "unknown", "ectopic"),
    "mode": ("ivf", "spontaneous", "clinic", "records"),
    "fetuses": ("", "1", "2"),
    "arm": ("control", "PRP", "", "declined"),
    "cancelled": ("yes", "no"),
}


def _cells_of(
    grid: dict[str, list[list[str]]], wanted: Callable[[str], bool]
) -> list[tuple[str, int, int]]:
    """Every data cell ``(table, row, column)`` whose header ``wanted`` accepts."""
    return [
        (table, r, c)
        for table, rows in sorted(grid.items())
        if rows
        for c, name in enumerate(rows[0])
        if wanted(name)
        for r in range(1, len(rows))
        if c < len(rows[r])
    ]


def shift_date(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Move one date by a day to decades, either way: an order across rows or tables breaks."""
    import datetime as dt

    cells = [t for t in _cells_of(grid, lambda n: n.endswith("_date")) if grid[t[0]][t[1]][t[2]]]
    if not cells:
        return "shift:none"
    table, r, c = rng.choice(cells)
    days = rng.choice([-1, 1, -2, 2, -30, 30, -365, 365, -3650, -20000, 400, -400, 1000])
    try:
        moved = dt.date.fromisoformat(grid[table][r][c]) + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return f"shift:{table}:unparsed"
    grid[table][r][c] = moved.isoformat()
    return f"shift:{table}:{grid[table][0][c]}"


def set_word(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Set a cell whose word decides another rule, or put a look-alike value anywhere."""
    cells = _cells_of(grid, lambda n: n in DECIDING)
    if not cells or rng.random() < 0.3:
        cells = _cells_of(grid, lambda n: True)
        if not cells:
            return "word:none"
        table, r, c = rng.choice(cells)
        grid[table][r][c] = rng.choice(LOOKALIKES)
        return f"lookalike:{table}:{grid[table][0][c]}"
    table, r, c = rng.choice(cells)
    grid[table][r][c] = rng.choice(DECIDING[grid[table][0][c]])
    return f"word:{table}:{grid[table][0][c]}"


def repoint(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Point an ID or a reference at another row's (of the same or the referenced table),
    or at a near miss of one (leading zeros, case)."""
    cells = _cells_of(grid, lambda n: n.endswith("_id"))
    if not cells:
        return "repoint:none"
    table, r, c = rng.choice(cells)
    ids = sorted({row[c] for row in grid[table][1:] if c < len(row) and row[c]})
    near = [v.lstrip("0") or "0" for v in ids] + ["0" + v for v in ids] + [v.lower() for v in ids]
    grid[table][r][c] = rng.choice(ids + near if ids else ["X1"])
    return f"repoint:{table}:{grid[table][0][c]}"


def move_row(rng: random.Random, grid: dict[str, list[list[str]]]) -> str:
    """Give a row to another woman (her participant_id), keeping its dates."""
    cells = _cells_of(grid, lambda n: n == "participant_id")
    women = [row[0] for row in grid.get("participants", [])[1:] if row]
    if not cells or not women:
        return "move:none"
    table, r, c = rng.choice(cells)
    grid[table].insert(rng.randrange(1, len(grid[table]) + 1), list(grid[table][r]))
    grid[table][r][c] = rng.choice(women)
    return f"move:{table}"


#: The consistency family (``--family consistency``): cells that parse, in orders and
#: references that do not hold.
CONSISTENCY_MUTATIONS: tuple[
    tuple[Callable[[random.Random, dict[str, list[list[str]]]], str], int], ...
] = (
    (shift_date, 6),
    (set_word, 4),
    (repoint, 3),
    (move_row, 2),
)


def xlsx_structure(rng: random.Random, path: Path) -> str:
    """One .xlsx oddity that Excel itself can write or open: a row numbered out of order,
    an error, date or boolean cell, rich text, a merged range, a hidden sheet."""
    how = rng.choice(["row_order", "error", "date", "boolean", "rich", "merged", "hidden"])
    with zipfile.ZipFile(path) as zin:
        infos = zin.infolist()
        members = {i.filename: zin.read(i.filename) for i in infos}
    sheets = sorted(n for n in members if n.startswith("xl/worksheets/sheet"))
    target = rng.choice(sheets)
    body = members[target]
    cells = re.findall(rb'<c r="([A-Z]+)([0-9]+)"[^>]*>.*?</c>', body)
    data_cells = [(col, row) for col, row in cells if int(row) > 1]
    if not data_cells and how != "hidden":
        return f"xlsx:{how}:none"
    if how == "row_order":
        rows = sorted({int(row) for _, row in data_cells})
        old, new = rng.choice(rows), rows[-1] + rng.randint(1, 3)
        element = re.search(rf'<row r="{old}".*?</row>'.encode(), body)
        if element:
            moved = re.sub(rf'r="([A-Z]*){old}"'.encode(), rf'r="\g<1>{new}"'.encode(), element[0])
            body = body.replace(element[0], moved)
    elif how == "hidden":
        members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
            b'state="visible"', b'state="hidden"', 1
        )
    else:
        col, row = rng.choice(data_cells)
        ref = col + row
        cell = re.compile(rb'<c r="' + ref + rb'"[^>]*>.*?</c>')
        replacement = {
            "error": b'<c r="%s" t="e"><v>%s</v></c>'
            % (ref, rng.choice([b"#DIV/0!", b"#N/A", b"#VALUE!", b"#REF!"])),
            "date": b'<c r="%s" t="d"><v>%s</v></c>'
            % (ref, rng.choice([b"2019-01-20T00:00:00", b"2019-01-20T13:30:00", b"1900-01-01"])),
            "boolean": b'<c r="%s" t="b"><v>%s</v></c>' % (ref, rng.choice([b"1", b"0"])),
            "rich": b'<c r="%s" t="inlineStr"><is><r><t>%s</t></r><r><rPr><b/></rPr><t>x</t></r>'
            b"</is></c>" % (ref, ref),
            "merged": b"",
        }[how]
        if how == "merged":
            body = body.replace(
                b"</sheetData>",
                b'</sheetData><mergeCells count="1">'
                b'<mergeCell ref="%s:%s%d"/></mergeCells>' % (ref, col, int(row) + 1),
                1,
            )
        else:
            body = cell.sub(lambda _: replacement, body, count=1)
    members[target] = body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            zout.writestr(info.filename, members[info.filename])
    path.write_bytes(buffer.getvalue())
    return f"xlsx:{how}"


# -- bytes ---------------------------------------------------------------------------------


def csv_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """One byte-level damage to a CSV file."""
    how = rng.choice(
        ["flip", "truncate", "nul", "latin1", "semicolons", "bom", "crlf", "cr", "quote", "empty"]
    )
    if not data:
        return data, "bytes:empty_already"
    if how == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out), "bytes:flip"
    if how == "truncate":
        return data[: rng.randrange(len(data))], "bytes:truncate"
    if how == "nul":
        p = rng.randrange(len(data))
        return data[:p] + b"\x00" + data[p:], "bytes:nul"
    if how == "latin1":
        return data.replace(b"e", "é".encode("latin-1"), 3), "bytes:latin1"
    if how == "semicolons":
        return data.replace(b",", b";"), "bytes:semicolons"
    if how == "bom":
        return b"\xef\xbb\xbf" + data, "bytes:bom"
    if how == "crlf":
        return data.replace(b"\n", b"\r\n"), "bytes:crlf"
    if how == "cr":
        return data.replace(b"\n", b"\r"), "bytes:cr"
    if how == "quote":
        p = rng.randrange(len(data))
        return data[:p] + b'"' + data[p:], "bytes:quote"
    return b"", "bytes:empty"


def xlsx_damage(rng: random.Random, path: Path) -> str:
    """One damage to an .xlsx: bytes flipped, a compressed stream or sheet XML broken, a
    member removed, or the file cut short."""
    how = rng.choice(["flip", "stream", "xml", "remove", "truncate"])
    data = path.read_bytes()
    if how == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        path.write_bytes(bytes(out))
        return "xlsx:flip"
    if how == "truncate":
        path.write_bytes(data[: rng.randrange(len(data))])
        return "xlsx:truncate"
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        infos = zin.infolist()
        members = {i.filename: zin.read(i.filename) for i in infos}
    sheets = [n for n in members if n.startswith("xl/worksheets/")] or list(members)
    target = rng.choice(sheets if how != "remove" else list(members))
    if how == "stream":
        # Damage the deflated bytes of one member inside the zip, keeping its header.
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            info = zin.getinfo(target)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        out = bytearray(data)
        for k in range(start + 2, min(start + 2 + rng.randint(1, 16), len(out))):
            out[k] ^= rng.randrange(1, 256)
        path.write_bytes(bytes(out))
        return "xlsx:stream"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            body = members[info.filename]
            if info.filename == target:
                if how == "remove":
                    continue
                cut = rng.randrange(max(1, len(body)))
                body = body[:cut] + rng.choice([b"<", b"&", b"</row>", b"\x00", b""])
            zout.writestr(info.filename, body)
    path.write_bytes(buffer.getvalue())
    return f"xlsx:{how}"


# -- building a case -------------------------------------------------------------------------


def _typed(value: str) -> Any:
    """A cell as Excel would hold it when typed: numbers as numbers, the rest as text."""
    if re.fullmatch(r"-?\d{1,15}", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def _strip_illegal(value: str) -> str:
    """openpyxl refuses the control characters XML cannot hold: leave them out."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)


#: The families of mutations (``--family``): the cells family's cases are numbered as they
#: always were (the corpus of tests/fixtures/fuzz keeps some).
FAMILIES = ("cells", "consistency")


def build(number: int, seed: int, where: Path, family: str = "cells") -> tuple[Case, Path]:
    """Case ``number`` of ``family``: the mutated workbook written under ``where``."""
    classic = family == "cells"
    rng = random.Random(f"{seed}:{number}" if classic else f"{family}:{seed}:{number}")
    kind = "xlsx" if rng.random() < 0.35 else "csv"
    case = Case(number, kind)
    grid = read_grid(SMALL)
    mutations = GRID_MUTATIONS if classic else CONSISTENCY_MUTATIONS
    for _ in range(rng.randint(1, 3)):
        mutate = rng.choices([m for m, _ in mutations], [w for _, w in mutations])[0]
        case.mutations.append(mutate(rng, grid))
    if kind == "csv":
        folder = where / "workbook"
        folder.mkdir(parents=True)
        for table, rows in grid.items():
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(rows)
            (folder / f"{table}.csv").write_bytes(text.getvalue().encode("utf-8"))
        if rng.random() < 0.3:
            file = rng.choice(sorted(folder.glob("*.csv")))
            data, what = csv_bytes(rng, file.read_bytes())
            file.write_bytes(data)
            case.mutations.append(f"{what}:{file.stem}")
        return case, folder
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    typed = rng.random() < 0.5
    for table, rows in grid.items():
        sheet = book.create_sheet(table)
        for line in rows:
            cells = [_strip_illegal(v) for v in line]
            sheet.append([_typed(v) for v in cells] if typed else cells)
    path = where / "workbook.xlsx"
    book.save(path)
    if rng.random() < 0.3:
        case.mutations.append(xlsx_damage(rng, path) if classic else xlsx_structure(rng, path))
    return case, path


# -- the oracle -------------------------------------------------------------------------------


def valid_by_oracle(frames: dict[str, Any]) -> list[str]:
    """What is wrong with an accepted workbook by the schema's column rules, checked here
    without the validator's code: required cells, ID pattern, vocabularies, bounds, dates
    not in the future, no control characters in text. ``[]`` when nothing is."""
    import datetime as dt

    import pandas as pd

    from follicle.workbook.schema import ID_PATTERN, TABLES

    wrong = []
    today = pd.Timestamp(dt.date.today())
    pattern = re.compile(ID_PATTERN)
    for table in TABLES:
        frame = frames[table.name]
        for column in table.columns:
            values = frame[column.name]
            if column.required and values.isna().any():
                wrong.append(f"{table.name}.{column.name}: a required cell is empty")
            present = values.dropna()
            if column.dtype == "id":
                if not all(pattern.fullmatch(str(v)) for v in present):
                    wrong.append(f"{table.name}.{column.name}: an ID breaks the pattern")
            if column.vocabulary is not None and not set(present) <= set(column.vocabulary):
                wrong.append(f"{table.name}.{column.name}: a word outside the vocabulary")
            if column.dtype in ("integer", "number") and len(present):
                numbers = present.astype(float)
                if column.minimum is not None and (numbers < column.minimum).any():
                    wrong.append(f"{table.name}.{column.name}: below the minimum")
                if column.upper_bound is not None and (numbers > column.upper_bound).any():
                    wrong.append(f"{table.name}.{column.name}: above the maximum")
            if column.dtype == "date" and (present > today).any():
                wrong.append(f"{table.name}.{column.name}: a date in the future")
            if column.dtype in ("id", "text", "category"):
                control = r"[\x00-\x08\x0b\x0c\x0e-\x1f]" if column.free_text else r"[\x00-\x1f]"
                if present.astype(str).str.contains(control).any():
                    wrong.append(f"{table.name}.{column.name}: a control character")
    return wrong


# -- the worker --------------------------------------------------------------------------------


def _import(book: Any, url: str) -> None:
    from follicle.store.engine import ensure_schema, make_engine
    from follicle.store.importing.importer import import_workbook

    engine = make_engine(url)
    try:
        ensure_schema(engine)
        import_workbook(engine, book)
    finally:
        engine.dispose()


def _postgres_import(book: Any, base_url: str) -> None:
    from follicle.store.engine import scratch_schema

    with scratch_schema(base_url, prefix="fuzz") as url:
        _import(book, url)


def run_case(
    number: int, seed: int, template_db: Path, postgres: str | None, family: str = "cells"
) -> dict[str, Any]:
    """Build, validate and (when accepted) import case ``number`` of ``family``; its outcome
    as a dict."""
    from follicle.errors import FollicleError
    from follicle.workbook.problems import unlocated as located_nowhere
    from follicle.workbook.validate import validate_path

    with tempfile.TemporaryDirectory() as tmp:
        case, path = build(number, seed, Path(tmp), family)
        out: dict[str, Any] = {"case": number, "kind": case.kind, "mutations": case.mutations}
        started = time.perf_counter()
        try:
            result = validate_path(path)
        except Exception as exc:  # noqa: BLE001 - a crash is what is being looked for
            out.update(outcome="crash", cause=_cause(exc))
            return out
        finally:
            out["seconds"] = round(time.perf_counter() - started, 4)
        if result.problems:
            unlocated = located_nowhere(result.problems)
            out["rules"] = sorted({p.rule for p in result.problems})
            out.update(outcome="unlocated" if unlocated else "refused")
            if unlocated:
                out["cause"] = unlocated[:3]
            return out
        wrong = valid_by_oracle(dict(result.frames))
        if wrong:
            out.update(outcome="wrongly_accepted", cause=wrong[:3])
            return out
        book = result.workbook()
        database = Path(tmp) / "registry.db"
        shutil.copyfile(template_db, database)
        targets = [("sqlite", f"sqlite:///{database}")]
        if postgres:
            targets.append(("postgresql", postgres))
        for backend, url in targets:
            try:
                if backend == "sqlite":
                    _import(book, url)
                else:
                    _postgres_import(book, url)
            except FollicleError as exc:
                out.update(outcome="import_failed", cause=f"{backend}: {type(exc).__name__}: {exc}")
                return out
            except Exception as exc:  # noqa: BLE001
                out.update(outcome="crash", cause=f"{backend} import: {_cause(exc)}")
                return out
        out.update(outcome="accepted", imported=[b for b, _ in targets])
        return out


def _cause(exc: BaseException) -> str:
    """The exception and the innermost follicle frame that raised it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "follicle" in f.filename]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}: {str(exc)[:200]}{where}"


def _worker(connection: Any, seed: int, template_db: Path, family: str) -> None:
    # Import everything a case needs before saying ready: a cold start under load takes
    # seconds, which must not count against the first case's timeout.
    import openpyxl  # noqa: F401

    import follicle.store.importing.importer  # noqa: F401
    import follicle.workbook.validate  # noqa: F401

    connection.send("ready")
    while True:
        job = connection.recv()
        if job is None:
            return
        number, postgres = job
        connection.send(run_case(number, seed, template_db, postgres, family))


class Worker:
    """A child process that runs cases one at a time, replaced when a case hangs."""

    def __init__(self, seed: int, template_db: Path, family: str = "cells") -> None:
        self.seed, self.template_db, self.family = seed, template_db, family
        self._start()

    def _start(self) -> None:
        context = mp.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_worker, args=(child, self.seed, self.template_db, self.family), daemon=True
        )
        self.process.start()
        if not self.connection.poll(600) or self.connection.recv() != "ready":
            raise RuntimeError("the fuzz worker did not start")

    def cpu_seconds(self) -> float:
        """CPU time the worker has used so far (user + system), from /proc."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self, number: int, postgres: str | None, timeout: float) -> dict[str, Any]:
        """Case ``number``'s outcome; a hang when it uses more than ``timeout`` seconds of
        CPU (or ten times that of wall-clock time: a case blocked on something).

        CPU time, not wall time: on a machine shared with other work a case may wait for a
        core for longer than it computes, and that wait is not the code's doing.
        """
        started = time.perf_counter()
        cpu_start = self.cpu_seconds()
        self.connection.send((number, postgres))
        wall_limit = timeout * 10 + (60 if postgres else 0)
        answered = False
        while not answered:
            answered = self.connection.poll(0.25)
            used = self.cpu_seconds() - cpu_start
            if not answered and (used > timeout or time.perf_counter() - started > wall_limit):
                break
        if answered:
            try:
                result = dict(self.connection.recv())
                result["cpu_seconds"] = round(self.cpu_seconds() - cpu_start, 3)
                return result
            except EOFError:
                pass
            outcome = "crash"
            cause = f"the worker died (exit code {self.process.exitcode})"
        else:
            outcome = "hang"
            cause = (
                f"{self.cpu_seconds() - cpu_start:.1f} s of CPU and "
                f"{time.perf_counter() - started:.1f} s of wall-clock time without an answer"
            )
        self.process.kill()
        self.process.join()
        self._start()
        return {
            "case": number,
            "outcome": outcome,
            "cause": cause,
            "seconds": round(time.perf_counter() - started, 2),
        }

    def close(self) -> None:
        self.connection.send(None)
        self.process.join(5)


def _template_db(where: Path) -> Path:
    from follicle.store.engine import ensure_schema, make_engine

    path = where / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    engine.dispose()
    return path


def write_corpus(numbers: list[int], seed: int, target: Path) -> None:
    """Rebuild cases ``numbers`` into ``target`` (one folder or .xlsx per case)."""
    target.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        with tempfile.TemporaryDirectory() as tmp:
            case, path = build(number, seed, Path(tmp))
            name = f"case{number:05d}"
            destination = target / (name + (".xlsx" if case.kind == "xlsx" else ""))
            if path.is_dir():
                shutil.copytree(path, destination, dirs_exist_ok=True)
            else:
                shutil.copyfile(path, destination)


def main() -> None:
    """Run the fuzz cases and write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--first", type=int, default=0, help="number of the first case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--family",
        choices=FAMILIES,
        default="cells",
        help="cells: damaged cells, rows, headers and bytes; consistency: dates moved, "
        "deciding words and references changed, .xlsx rows out of order and typed cells",
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--postgres-url", default=os.environ.get("FOLLICLE_TEST_POSTGRES_URL"))
    parser.add_argument("--postgres-every", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fuzz.json")
    args = parser.parse_args()

    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    by_mutation: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    timings: list[tuple[float, int]] = []
    imported: Counter[str] = Counter()
    lock = threading.Lock()
    started = time.perf_counter()

    def record(result: dict[str, Any]) -> None:
        outcome = result["outcome"]
        with lock:
            outcomes[outcome] += 1
            kinds[result.get("kind", "?")] += 1
            for mutation in result.get("mutations", []):
                by_mutation[mutation.split(":")[0] + ":" + mutation.split(":")[-1]] += 1
            rules.update(result.get("rules", []))
            timings.append((result.get("cpu_seconds", result.get("seconds", 0.0)), result["case"]))
            imported.update(result.get("imported", []))
            if outcome not in ("accepted", "refused"):
                failures.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
            done = sum(outcomes.values())
            if done % 250 == 0:
                print(f"{done} cases: {dict(outcomes)}", file=sys.stderr, flush=True)
                write_summary(
                    args, started, outcomes, kinds, imported, by_mutation, rules, timings, failures
                )

    def work(numbers: range, template: Path) -> None:
        worker = Worker(args.seed, template, args.family)
        try:
            for number in numbers:
                # Every n-th case is also imported into PostgreSQL when it is accepted.
                pg = args.postgres_url if number % args.postgres_every == 0 else None
                record(worker.run(number, pg, args.timeout))
        finally:
            worker.close()

    last = args.first + args.cases
    with tempfile.TemporaryDirectory() as tmp:
        template = _template_db(Path(tmp))
        threads = [
            threading.Thread(target=work, args=(range(args.first + j, last, args.jobs), template))
            for j in range(args.jobs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    summary = write_summary(
        args, started, outcomes, kinds, imported, by_mutation, rules, timings, failures
    )
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=1))


def write_summary(
    args: argparse.Namespace,
    started: float,
    outcomes: Counter[str],
    kinds: Counter[str],
    imported: Counter[str],
    by_mutation: Counter[str],
    rules: Counter[str],
    timings: list[tuple[float, int]],
    failures: list[dict[str, Any]],
) -> dict[str, Any]:
    """The summary so far, also written to ``args.out`` (atomically: a run stopped early
    leaves the cases it finished)."""
    slowest = sorted(timings, reverse=True)[:10]
    summary = {
        "cases_planned": args.cases,
        "cases_done": sum(outcomes.values()),
        "first": args.first,
        "seed": args.seed,
        "family": args.family,
        "jobs": args.jobs,
        "cpu_timeout_seconds": args.timeout,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "outcomes": dict(outcomes),
        "by_kind": dict(kinds),
        "accepted_and_imported": dict(imported),
        "mutations": dict(sorted(by_mutation.items())),
        "rules": dict(rules.most_common()),
        "slowest_cpu": [{"case": n, "cpu_seconds": s} for s, n in slowest],
        "failures": failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".partial")
    partial.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    partial.replace(args.out)
    return summary


if __name__ == "__main__":
    main()
