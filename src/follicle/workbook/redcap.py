"""REDCap records both ways: a workbook as a REDCap import file, and a REDCap export read back.

A REDCap project set up from ``follicle dictionary --redcap`` (the data dictionary and the
repeating-instruments file, :mod:`follicle.workbook.dictionary`) keeps the workbook as one
flat "records" table, REDCap's *CSV raw data* format:

* one row per woman for the record form (``participants``), with
  ``redcap_repeat_instrument`` and ``redcap_repeat_instance`` empty;
* one row per row of every other table, marked with its instrument and its instance
  number (1, 2, … within the woman), holding only that instrument's fields;
* the record ID, ``participant_id``, on every row; the variables are
  :func:`~follicle.workbook.dictionary.redcap_fields`;
* dropdowns by their codes (the workbook's words), yes/no as ``1``/``0``, dates
  ``YYYY-MM-DD``, each instrument's ``{instrument}_complete`` status as REDCap's 2
  ("Complete": the rows passed follicle's validation).

:func:`write_records` writes that file from a validated workbook (REDCap's *Import
Records* takes it as it is). :func:`read_records` reads such a file — REDCap's export, or
one follicle wrote — into the raw tables of a workbook, which the validator then checks
exactly as it checks CSV files and sheets; every problem is located by the file, its row,
the REDCap variable and the value. :func:`follicle.workbook.read.read_workbook` sends any
single ``.csv`` file whose header has ``redcap_repeat_instrument`` here, so ``follicle
validate``, ``follicle import``, ``follicle report`` and ``follicle.load`` all take a
REDCap export. The round trip workbook → records → workbook gives back every value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from follicle.errors import Problem
from follicle.workbook.dictionary import RECORD_ID, choice_label, redcap_fields
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import row_owners
from follicle.workbook.problems import flags
from follicle.workbook.read import (
    FIRST_DATA_ROW,
    RawTable,
    RawWorkbook,
    csv_grid,
    header_positions,
)
from follicle.workbook.schema import TABLES, TABLES_BY_NAME, Table

#: The column that marks a row as an instance of a repeating instrument.
INSTRUMENT = "redcap_repeat_instrument"
#: The instance number of that row within its record and instrument (1, 2, …).
INSTANCE = "redcap_repeat_instance"

#: REDCap's form status "Complete" (0 is Incomplete, 1 Unverified).
COMPLETE = "2"

#: The tables kept as repeating instruments: every table but the record form.
REPEATING = tuple(t.name for t in TABLES if t.name != "participants")

#: Columns of a REDCap export that are REDCap's own bookkeeping, not data: read past.
_BOOKKEEPING = re.compile(
    r"redcap_(event_name|data_access_group|survey_identifier)"
    rf"|({'|'.join(t.name for t in TABLES)})_(complete|timestamp)"
)


# -- writing ---------------------------------------------------------------------------


def records_frame(workbook: Workbook) -> pd.DataFrame:
    """The workbook as REDCap records: the text of every cell of the import file.

    Rows come record by record (in the order of ``participants``), the record row first,
    then each instrument's instances in the workbook's row order.
    """
    fields = redcap_fields()
    owners = row_owners(workbook.frames)
    blocks = []
    for order, table in enumerate(TABLES):
        frame = workbook[table.name].reset_index(drop=True)
        owner = owners[table.name].reset_index(drop=True)
        repeating = table.name != "participants"
        block = {
            RECORD_ID: owner.astype("string").fillna(""),
            INSTRUMENT: table.name if repeating else "",
            INSTANCE: (
                (owner.groupby(owner, sort=False).cumcount() + 1).astype("string")
                if repeating
                else ""
            ),
        }
        for column in table.columns:
            variable = fields[table.name][column.name]
            if variable != RECORD_ID:
                block[variable] = _field_text(frame[column.name])
        block[f"{table.name}_complete"] = COMPLETE
        part = pd.DataFrame(block, index=frame.index)
        part["_table"] = order
        blocks.append(part)
    records = pd.concat(blocks, ignore_index=True)
    women = workbook["participants"]["participant_id"].astype("string")
    position = pd.Series(np.arange(len(women)), index=women.to_numpy())
    position = position[~position.index.duplicated()]
    records["_woman"] = records[RECORD_ID].map(position)
    records["_instance"] = pd.to_numeric(records[INSTANCE], errors="coerce")
    records = records.sort_values(
        ["_woman", "_table", "_instance"], kind="stable", na_position="last"
    )
    return records[record_columns()].fillna("").reset_index(drop=True)


def record_columns() -> list[str]:
    """The header of a records file: the record ID, the repeat columns, then each
    instrument's fields followed by its ``{instrument}_complete`` status (REDCap's order)."""
    fields = redcap_fields()
    columns = [RECORD_ID, INSTRUMENT, INSTANCE]
    for table in TABLES:
        columns += [v for v in fields[table.name].values() if v != RECORD_ID]
        columns.append(f"{table.name}_complete")
    return columns


def write_records(workbook: Workbook, path: str | Path) -> Path:
    """Write ``workbook`` as a REDCap records CSV (UTF-8) at ``path``; return the path.

    The file is written under a temporary name and renamed, so a failure never leaves a
    half-written file behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    records = records_frame(workbook)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        records.to_csv(temporary, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _field_text(values: pd.Series) -> pd.Series:
    """A typed column as REDCap's raw values: dates ``YYYY-MM-DD``, yes/no ``1``/``0``,
    numbers written out in full (REDCap's number check takes no exponent), unknown empty."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(values):
        text = values.map({True: "1", False: "0"})
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(values):
        text = values.astype("Float64").astype("string").str.replace(r"\.0$", "", regex=True)
        exponent = flags(text.str.contains("e", regex=False))
        if exponent.any():
            # Rare (1e-05, 1e+20): only those few cells are written out one by one.
            text[exponent] = [
                np.format_float_positional(float(x), trim="-") for x in values[exponent]
            ]
    else:
        text = values.astype("string")
    return text.astype("string").where(values.notna(), "").fillna("")


# -- reading ---------------------------------------------------------------------------


def is_records_header(path: Path) -> bool:
    """Whether the CSV file at ``path`` looks like REDCap records: its header row (the
    first line) names ``redcap_repeat_instrument``."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20)
    return INSTRUMENT.encode() in first


def read_records(path: str | Path) -> RawWorkbook:
    """Read a REDCap records CSV (*CSV raw data*, variable names in the header) into the
    raw text tables of a workbook.

    Every row goes to its instrument's table; a woman's ``participant_id`` is the row's
    record ID, and each field its workbook column (:func:`~follicle.workbook.dictionary.
    redcap_fields`). Dropdown values may be the codes or, from a *labels* export, the
    labels. Problems of the REDCap layout itself — an instrument the project does not
    have, a missing or repeated instance number, a value in another instrument's field, an
    infant or infant condition that names another record's pregnancy or infant — are
    collected here; everything else is for the validator, whose problems come back located
    by REDCap variable (:attr:`RawWorkbook.relabel`).
    """
    source = Path(path)
    label = source.name
    if not source.is_file():
        missing = Problem(str(source), None, None, None, "missing_file", "no such file")
        return RawWorkbook(source, {}, (missing,))
    data = source.read_bytes()
    checksums = {label: hashlib.sha256(data).hexdigest()}
    grid, unreadable = csv_grid(data, label)
    del data
    if unreadable is not None:
        return RawWorkbook(source, {}, (unreadable,), checksums)
    assert grid is not None
    header = [str(h).strip() for h in grid.iloc[0].tolist()]
    body = grid.iloc[1:]
    body.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(body), name="row")
    body.columns = pd.Index(range(len(header)))
    body = body.loc[~(body == "").all(axis=1)] if len(header) else body.iloc[:0]

    problems: list[Problem] = []
    seen = header_positions(header, body, label, problems)
    for name in (RECORD_ID, INSTRUMENT):
        if name not in seen:
            problems.append(
                Problem(
                    label,
                    1,
                    name,
                    None,
                    "missing_column",
                    f"the column {name} is missing from the header row: export the records "
                    "as REDCap's CSV raw data, with variable names",
                )
            )
    if problems and (RECORD_ID not in seen or INSTRUMENT not in seen):
        return RawWorkbook(source, {}, tuple(problems), checksums)

    cells = pd.DataFrame({name: body[position] for name, position in seen.items()})
    reader = _RecordsReader(label, cells, problems)
    tables = reader.tables()
    known = {v for columns in redcap_fields().values() for v in columns.values()}
    ignored = tuple(
        n
        for n in seen
        if n not in known and n not in (INSTRUMENT, INSTANCE) and not _BOOKKEEPING.fullmatch(n)
    )
    if "participants" in tables and ignored:
        tables["participants"] = dataclasses.replace(tables["participants"], ignored=ignored)
    return RawWorkbook(
        source,
        tables,
        tuple(problems),
        checksums,
        relabel=_relabeller(reader.row_tables),
    )


class _RecordsReader:
    """The REDCap layout checks of one records file, and its rows split into tables."""

    def __init__(self, label: str, cells: pd.DataFrame, problems: list[Problem]) -> None:
        self.label = label
        self.cells = cells
        self.problems = problems
        self.fields = redcap_fields()
        self.record = cells[RECORD_ID].str.strip()
        instrument = cells[INSTRUMENT].str.strip()
        known = instrument.eq("") | instrument.isin(REPEATING)
        self._add(
            ~known,
            INSTRUMENT,
            instrument,
            "unknown_instrument",
            instrument
            + " is not a repeating instrument of the follicle project (they are "
            + ", ".join(REPEATING)
            + "; the participants form does not repeat)",
        )
        #: The table of each row that belongs to one (rows of unknown instruments do not).
        self.row_tables = instrument.where(instrument != "", "participants")[known]
        self._check_instances(instrument, known)
        self._check_other_fields()

    def _add(
        self,
        mask: pd.Series,
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | pd.Series,
    ) -> None:
        """Problems at the rows of ``mask`` (only the rows hit become objects)."""
        hits = mask[flags(mask)].index
        for row in hits:
            value = None if values is None else str(values.get(row, ""))
            text = message if isinstance(message, str) else str(message.get(row, ""))
            self.problems.append(Problem(self.label, int(row), column, value, rule, text))

    def _check_instances(self, instrument: pd.Series, known: pd.Series) -> None:
        if INSTANCE in self.cells.columns:
            instance = self.cells[INSTANCE].str.strip()
        else:
            instance = pd.Series("", index=self.cells.index, dtype=object)
        repeating = known & instrument.ne("")
        self._add(
            ~repeating & known & instance.ne(""),
            INSTANCE,
            instance,
            "repeat_instance",
            "the record's own row (no redcap_repeat_instrument) has no instance number",
        )
        valid = flags(instance.str.fullmatch(r"[1-9][0-9]*"))
        self._add(
            repeating & ~valid,
            INSTANCE,
            instance,
            "repeat_instance",
            "an instance of a repeating instrument needs its instance number, a whole "
            "number from 1",
        )
        numbered = repeating & valid
        keys = pd.DataFrame(
            {"record": self.record, "instrument": instrument, "instance": instance}
        )[numbered]
        again = keys.duplicated(keep="first").reindex(self.cells.index, fill_value=False)
        self._add(
            again,
            INSTANCE,
            instance,
            "repeat_instance",
            "this record already has an instance with this number of this instrument",
        )

    def _check_other_fields(self) -> None:
        """A row holds values only in its own instrument's fields (else they would be
        lost without a word)."""
        tables = self.row_tables.reindex(self.cells.index)
        describe = pd.Series(
            np.where(
                tables.eq("participants").fillna(False),
                "the record's own row (participants)",
                "an instance of " + tables.fillna("").astype(str),
            ),
            index=tables.index,
        )
        for table in TABLES:
            for variable in self.fields[table.name].values():
                if variable == RECORD_ID or variable not in self.cells.columns:
                    continue
                values = self.cells[variable]
                filled = values.str.strip().ne("")
                self._add(
                    filled & tables.notna() & tables.ne(table.name),
                    variable,
                    values,
                    "field_of_another_instrument",
                    f"{variable} is a field of the {table.name} instrument, but this row is "
                    + describe,
                )

    def tables(self) -> dict[str, RawTable]:
        """Each table's rows as raw text, columns named as in the workbook."""
        out: dict[str, RawTable] = {}
        for table in TABLES:
            rows = self.row_tables.index[self.row_tables == table.name]
            frame, missing = self._table_frame(table, rows)
            for variable in missing:
                self.problems.append(
                    Problem(
                        self.label,
                        1,
                        variable,
                        None,
                        "missing_column",
                        f"the required field {variable} ({table.name}) is missing from the "
                        "header row",
                    )
                )
            place = f"the {table.name} rows of {self.label}"
            out[table.name] = RawTable(table, self.label, frame, (), place)
        self._check_records(out)
        return out

    def _table_frame(self, table: Table, rows: pd.Index) -> tuple[pd.DataFrame, list[str]]:
        columns: dict[str, pd.Series] = {}
        missing = []
        for column in table.columns:
            variable = self.fields[table.name][column.name]
            if variable == RECORD_ID:
                columns[column.name] = self.record.loc[rows]
            elif variable in self.cells.columns:
                values = self.cells.loc[rows, variable]
                if column.vocabulary is not None:
                    values = _codes(values, column.vocabulary)
                columns[column.name] = values
            elif column.required:
                missing.append(variable)
        frame = pd.DataFrame(columns, index=rows)
        return frame.astype(object).astype(str), missing

    def _check_records(self, tables: Mapping[str, RawTable]) -> None:
        """An infant names a pregnancy of its own record; an infant condition an infant."""
        for child, parent in (("infants", "pregnancies"), ("infant_conditions", "infants")):
            link = TABLES_BY_NAME[child].owner[0]
            key = TABLES_BY_NAME[parent].key
            assert key is not None
            parents = tables[parent].frame
            if key not in parents.columns or link not in tables[child].frame.columns:
                continue  # a field left out of the export: reported as missing already
            record_of = pd.Series(self.record.loc[parents.index].to_numpy(), index=parents[key])
            record_of = record_of[~record_of.index.duplicated()]
            children = tables[child].frame
            theirs = children[link].str.strip().map(record_of)
            own = self.record.loc[children.index]
            other = theirs.notna() & theirs.ne(own)
            variable = self.fields[child][link]
            noun = TABLES_BY_NAME[parent].noun
            self._add(
                other,
                variable,
                children[link],
                "record_mismatch",
                f"{variable} names {noun} "
                + children[link]
                + " of record "
                + theirs.fillna("")
                + ", not of this record "
                + own,
            )


def _codes(values: pd.Series, vocabulary: Sequence[str]) -> pd.Series:
    """Dropdown values as their codes: a REDCap *labels* export gives the labels."""
    by_label = {choice_label(code).lower(): code for code in vocabulary}
    stripped = values.str.strip()
    labelled = ~stripped.isin(vocabulary) & stripped.str.lower().isin(by_label)
    if not labelled.any():
        return values
    return values.where(~labelled, stripped.str.lower().map(by_label))


def _relabeller(row_tables: pd.Series) -> Callable[[Problem], Problem]:
    """Locate a validator's problem by REDCap variable: its row's instrument maps the
    workbook column (``birth_date`` of an infant) to the field (``inf_birth_date``)."""
    fields = redcap_fields()

    def relabel(problem: Problem) -> Problem:
        table = row_tables.get(problem.row) if problem.row is not None else None
        if table is None or problem.column is None:
            return problem
        variable = fields[table].get(problem.column)
        if variable is None or variable == problem.column:
            return problem
        return dataclasses.replace(problem, column=variable)

    return relabel
