"""Taking the registry back out: as a typed workbook, as files, and de-identified.

* :func:`read_registry` reads the eight tables into a :class:`~follicle.workbook.frames.Workbook`
  — the same typed frames a validated file gives, so the analysis does not care where its
  data came from.
* :func:`write_workbook` writes a workbook (or a de-identified one) as a folder of CSV
  files or one ``.xlsx``, in the interchange format of ``docs/workbook.md``: what it
  writes, :func:`follicle.workbook.validate.load_workbook` reads back to equal frames.
* :func:`deidentify` writes the de-identified workbook (:mod:`follicle.workbook.deidentified`,
  which also reads it back): dates become whole days since
  the woman's first injection, the birth date her age at that injection, free text goes,
  and every ID is recoded. The participant codes are random and kept in the registry's
  ``deid_keys`` table, so a woman keeps her code from one export to the next and only the
  registry can map it back.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select, insert, select

from follicle.errors import Conflict, NotFound
from follicle.store.audit_log.chain import append_entry, lock_chain
from follicle.store.audit_log.checkpoints import write_checkpoint
from follicle.store.exporting.columnar import arrow_frame, read_arrow
from follicle.store.tables import ROW_ID, WORKBOOK_TABLES, deid_keys, imports, judgments
from follicle.workbook.deidentified import AGE_AT_LAST_CONTACT, AGE_COLUMN, day_column
from follicle.workbook.frames import Workbook, coerce
from follicle.workbook.judgment_rules import judgments_of_no_event
from follicle.workbook.keys import row_owners
from follicle.workbook.schema import FORMULA_STARTS, JUDGMENTS, TABLES, Table

#: Hex characters of a de-identified participant code (``secrets.token_hex``; 48 bits).
CODE_BYTES = 6


ExportFormat = Literal["csv", "xlsx"]


# -- reading the registry --------------------------------------------------------------


def _sort_columns(table: Table) -> list[str]:
    """A stable row order: the key; or the woman (or parent), the first date, ``row_id``."""
    if table.key is not None:
        return [table.key]
    dates = [c.name for c in table.columns if c.is_date]
    return [table.owner[0], *dates[:1], ROW_ID]


def read_registry(engine: Engine, *, alone: bool = False) -> Workbook:
    """The registry's eight tables as a typed :class:`Workbook`.

    Rows come in a stable order, sorted in pandas (so that SQLite and PostgreSQL, whose
    collations differ, agree): by ID for tables with one, otherwise by woman (or infant),
    then date, then insertion order. The tables are read in one transaction —
    ``REPEATABLE READ`` on PostgreSQL — so an import running meanwhile is seen whole or not
    at all; SQLite's transactions are serializable anyway. They are read column-wise by
    the ADBC drivers (:mod:`follicle.store.exporting.columnar`), or through SQLAlchemy where those
    cannot reach the database (an in-memory SQLite) or must not: an SQLite file is read by
    ADBC only with ``alone`` (nothing else in this process has it open, as in a
    command-line run; the web application never says so).
    """
    raw = _read_raw(engine, alone)
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        typed = coerce(table, raw[table.name])
        if table.key is None:
            typed[ROW_ID] = raw[table.name][ROW_ID].astype("Int64")
        typed = typed.sort_values(_sort_columns(table), kind="stable", na_position="last")
        frames[table.name] = typed[list(table.column_names)]
    if len(raw["judgments"]):  # an unreviewed registry exports the eight tables, as before
        judged = coerce(JUDGMENTS, raw["judgments"])
        judged = judged.sort_values("judgment_id", kind="stable")[list(JUDGMENTS.column_names)]
        # The judgments of an event since deleted, or of a condition whose condition or
        # date was corrected (its key), name no event: the registry keeps them as history
        # (the event is back to review), the workbook's rule would refuse them.
        history = judgments_of_no_event({**frames, "judgments": judged}).to_numpy()
        if not history.all():
            frames["judgments"] = judged[~history]
    return Workbook.from_frames(
        frames,
        source=engine.url.render_as_string(hide_password=True),
        checksums=_imported_checksums(raw["imports"]),
    )


#: The date columns of each table (read column-wise, they are parsed by Arrow).
_DATES = {t.name: [c.name for c in t.columns if c.is_date] for t in (*TABLES, JUDGMENTS)}


def _read_raw(engine: Engine, alone: bool) -> dict[str, pd.DataFrame]:
    """The eight tables, the judgments and the imports that wrote rows, as stored."""
    queries: dict[str, Select[Any]] = {
        table.name: select(WORKBOOK_TABLES[table.name]) for table in TABLES
    }
    queries["judgments"] = select(judgments)
    queries["imports"] = (
        select(imports.c.id, imports.c.at, imports.c.checksums)
        .where(imports.c.rows > 0)
        .order_by(imports.c.id)
    )
    arrow = read_arrow(engine, queries, alone=alone)
    if arrow is not None:
        return {name: arrow_frame(table, _DATES.get(name, ())) for name, table in arrow.items()}
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            return {name: pd.read_sql(query, connection) for name, query in queries.items()}


def _imported_checksums(imported: pd.DataFrame) -> dict[str, str]:
    """The SHA-256 of every file whose import wrote rows, named with the import.

    A registry's provenance is the files that went into it: ``participants.csv (import 3,
    2026-11-26)`` → its checksum, as recorded in the ``imports`` table at the time.
    """
    found: dict[str, str] = {}
    for import_id, at, recorded in imported.itertuples(index=False):
        day = pd.Timestamp(at).strftime("%Y-%m-%d")
        for file, digest in json.loads(recorded).items():
            found[f"{file} (import {import_id}, {day})"] = digest
    return found


# -- writing files ---------------------------------------------------------------------


def cell_text(values: pd.Series) -> pd.Series:
    """A typed column as the text a workbook cell holds.

    Dates ISO ``YYYY-MM-DD``, booleans ``yes``/``no``, whole numbers without ``.0``, other
    numbers in their shortest exact form, unknown as the empty string.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(values):
        text = values.map({True: "yes", False: "no"})
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(values):
        text = values.astype("Float64").astype("string").str.replace(r"\.0$", "", regex=True)
    else:
        text = values.astype("string")
    return text.astype("string").fillna("").where(values.notna(), "")


@dataclass(frozen=True)
class DeidentifiedWorkbook:
    """The tables of a de-identified export (their columns differ from the workbook's).

    ``frames`` maps table names (schema order) to frames; ``source`` says where the data
    came from (a database URL without password).
    """

    frames: Mapping[str, pd.DataFrame]
    source: str = ""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.frames)

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(frame) for name, frame in self.frames.items()}


def _frames(workbook: Workbook | DeidentifiedWorkbook) -> dict[str, pd.DataFrame]:
    """The tables to write, each with its columns in order (schema order for a workbook)."""
    if isinstance(workbook, Workbook):
        frames = {t.name: workbook[t.name][list(t.column_names)] for t in TABLES}
        if workbook.judgments is not None:
            frames[JUDGMENTS.name] = workbook.judgments[list(JUDGMENTS.column_names)]
        return frames
    return dict(workbook.frames)


def write_workbook(
    workbook: Workbook | DeidentifiedWorkbook,
    out: str | Path,
    *,
    format: ExportFormat = "csv",
) -> Path:
    """Write ``workbook`` as a folder of CSV files or as one ``.xlsx``; return the path.

    Parameters
    ----------
    workbook
        A workbook (e.g. :func:`read_registry`) or a :func:`deidentify` result.
    out
        The folder to write the CSV files into (created if needed), or the ``.xlsx`` file.
    format
        ``"csv"`` (UTF-8, header row, dates ISO, booleans yes/no, empty = unknown) or
        ``"xlsx"`` (one sheet per table; dates as real Excel dates shown ``yyyy-mm-dd``,
        numbers as numbers, IDs as text so leading zeros survive).

    Each file is written to a temporary name and then renamed, so a crash never leaves a
    half-written table behind under the real name.
    """
    target = Path(out)
    frames = _frames(workbook)
    if format == "csv":
        target.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            text = pd.DataFrame({c: _csv_cell_text(frame[c]) for c in frame.columns})
            _atomic_write(
                target / f"{name}.csv",
                lambda path, text=text: text.to_csv(
                    path, index=False, encoding="utf-8", lineterminator="\n"
                ),
            )
        return target
    if format == "xlsx":
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, lambda path: _write_xlsx(frames, path))
        return target
    raise ValueError(f"unknown export format {format!r}: use csv or xlsx")


def _csv_cell_text(values: pd.Series) -> pd.Series:
    """:func:`cell_text`, with text that a spreadsheet would run as a formula neutralised.

    A text cell starting with one of :data:`~follicle.workbook.schema.FORMULA_STARTS`
    (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading apostrophe, as OWASP
    advises against CSV injection: opened in Excel or LibreOffice, ``=HYPERLINK(…)`` in a
    note stays text instead of running. Numbers and dates are left alone (no column may
    hold a negative number, so ``-`` only starts text).
    """
    text = cell_text(values)
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return text
    risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    return text.where(~risky, "'" + text)


def _atomic_write(target: Path, write: Any) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _xlsx_column(values: pd.Series) -> np.ndarray:
    """A typed column as Excel cell values (``None`` for unknown)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        cells = values.dt.date.to_numpy(dtype=object)
    elif pd.api.types.is_bool_dtype(values):
        cells = cell_text(values).to_numpy(dtype=object)
    elif pd.api.types.is_numeric_dtype(values):
        cells = values.to_numpy(dtype=object, na_value=None)
    else:
        cells = values.astype("string").to_numpy(dtype=object, na_value=None)
    cells = np.array(cells, dtype=object)  # a writable copy
    cells[values.isna().to_numpy(dtype=bool)] = None
    return cells


def _excel_special(values: pd.Series) -> np.ndarray:
    """Cells that need a hand-made cell: dates (a display format) and text that openpyxl
    would otherwise take for a formula (it starts with ``=``)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.notna().to_numpy(dtype=bool)
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        starts = values.astype("string").str.startswith("=")
        return starts.fillna(False).to_numpy(dtype=bool)
    return np.zeros(len(values), dtype=bool)


def _write_xlsx(frames: Mapping[str, pd.DataFrame], path: str) -> None:
    """One sheet per table, streamed with openpyxl's write-only mode (memory stays flat
    however large the registry).

    Write-only sheets carry no dimension record, so a reader sees each row only as long
    as its last written cell: a row ending in unknowns gets a styled blank cell in the
    last column (visually blank; its vertical alignment is Excel's default) so that every
    row has the header's width.
    """
    from openpyxl import Workbook as ExcelBook  # heavy; only xlsx exports pay for it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    book = ExcelBook(write_only=True)
    for name, frame in frames.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        if frame.empty:
            continue
        blank = WriteOnlyCell(sheet, value=None)
        blank.alignment = Alignment(vertical="bottom")
        columns = [_xlsx_column(frame[c]) for c in frame.columns]
        special = np.column_stack([_excel_special(frame[c]) for c in frame.columns])
        needs_cell = np.any(special, axis=1).tolist()
        ends_blank = frame[frame.columns[-1]].isna().to_numpy(dtype=bool)
        # openpyxl takes rows one by one; only the few special cells become cell objects.
        for i, row in enumerate(zip(*columns, strict=True)):
            cells: list[Any] = list(row)
            if needs_cell[i]:
                for j in np.flatnonzero(special[i]):
                    cell = WriteOnlyCell(sheet, value=cells[j])
                    if isinstance(cells[j], str):
                        cell.data_type = "s"  # text, not a formula
                    else:
                        cell.number_format = "yyyy-mm-dd"
                    cells[j] = cell
            if ends_blank[i]:
                cells[-1] = blank
            sheet.append(cells)
    book.save(path)


# -- de-identification -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportCodes:
    """The women's de-identification codes for one export: ``codes`` by participant_id,
    of which those of ``new`` women were drawn for it and are not stored yet
    (:func:`record_export` stores them)."""

    codes: pd.Series
    new: pd.Index


def participant_codes(engine: Engine, women: pd.Series) -> ExportCodes:
    """Each woman's de-identification code: hers from the registry's ``deid_keys``, or a
    fresh random one (:mod:`secrets`, redrawing the rare code already taken) for a woman
    without one, kept by :func:`record_export` once the export is made.

    Raises
    ------
    NotFound
        A woman is not in the registry (her code could not be stored).
    """
    wanted = pd.Index(women.dropna().unique())
    participants = WORKBOOK_TABLES["participants"]
    with engine.connect() as connection:
        registered = pd.Index(connection.execute(select(participants.c.participant_id)).scalars())
        missing = wanted[~wanted.isin(registered)].tolist()
        if missing:
            raise NotFound(
                f"{len(missing)} participant(s) of the workbook are not in the registry "
                f"({', '.join(missing[:10])}): import them before a de-identified export"
            )
        existing = connection.execute(select(deid_keys.c.participant_id, deid_keys.c.code)).all()
    codes = pd.Series(
        [code for _, code in existing], index=[pid for pid, _ in existing], dtype=object
    )
    new = wanted[~wanted.isin(codes.index)]
    drawn = _draw_codes(len(new), taken=set(codes))
    if len(new):
        codes = pd.concat([codes, pd.Series(drawn, index=new.to_numpy(), dtype=object)])
    return ExportCodes(codes, new)


def record_export(engine: Engine, codes: ExportCodes, actor: str, rows: Mapping[str, int]) -> None:
    """Keep the new women's codes and audit the export as ``export.deidentified``, in one
    transaction, once the export is made: an export that fails on the way leaves nothing
    behind. The audit row records how many women and rows were exported, never the codes.

    Raises
    ------
    Conflict
        Another export gave one of these women a code, or took a drawn code, meanwhile.
    """
    new = codes.codes.reindex(codes.new)
    with engine.begin() as connection:
        lock_chain(connection)  # one writer at a time: the codes checked are the codes kept
        if len(new):
            taken = connection.execute(
                select(deid_keys.c.participant_id, deid_keys.c.code).where(
                    deid_keys.c.participant_id.in_(new.index.tolist())
                    | deid_keys.c.code.in_(new.tolist())
                )
            ).first()
            if taken is not None:
                raise Conflict("another de-identified export ran at the same time: run it again")
        at = datetime.now(UTC)
        if len(new):
            connection.execute(
                insert(deid_keys),
                [{"participant_id": w, "code": c, "created_at": at} for w, c in new.items()],
            )
        summary = {"women": len(codes.codes), "new_codes": len(new), "rows": dict(rows)}
        _audit_export(connection, "export.deidentified", "deid_keys", summary, actor, at)


def record_full_export(engine: Engine, workbook: Workbook, *, actor: str = "cli") -> None:
    """Audit an export of the full workbook (``export.full``: who, when, how many women and
    rows, never anything of theirs) and note the audit chain's head; a de-identified export
    is audited by :func:`deidentify`."""
    rows = {t.name: len(workbook[t.name]) for t in TABLES}
    summary = {"women": rows["participants"], "rows": rows}
    with engine.begin() as connection:
        lock_chain(connection)
        _audit_export(connection, "export.full", "participants", summary, actor)


def _audit_export(
    connection: Connection,
    action: str,
    table_name: str,
    summary: Mapping[str, Any],
    actor: str,
    at: datetime | None = None,
) -> None:
    """An export's audit entry (its counts, never its rows) and the chain's head noted."""
    append_entry(
        connection,
        at=at,
        actor=actor,
        action=action,
        table_name=table_name,
        after=json.dumps(summary),
    )
    write_checkpoint(connection, "export")


def _draw_codes(n: int, taken: set[str]) -> list[str]:
    """``n`` fresh random codes (hex), none in ``taken`` and no two alike."""
    width = 2 * CODE_BYTES
    drawn: list[str] = []
    seen = set(taken)
    while len(drawn) < n:
        blob = secrets.token_hex(CODE_BYTES * (n - len(drawn)))
        for candidate in (blob[i : i + width] for i in range(0, len(blob), width)):
            if candidate not in seen:
                seen.add(candidate)
                drawn.append(candidate)
    return drawn


def deidentify(workbook: Workbook, engine: Engine, *, actor: str = "cli") -> DeidentifiedWorkbook:
    """The de-identified export of ``workbook``, as the spec defines it.

    * every date → whole days since that woman's first injection, in a column renamed
      ``*_day`` (``injection_date`` → ``injection_day``, an infant's ``birth_date`` →
      ``birth_day``); a woman of a control arm (``control``, ``declined``, …) has none, and
      her days count from her consent date instead (her time zero, ``docs/arms.md``);
      any other woman with no injection has no reference day, so her days are empty;
    * ``participants.birth_date`` → ``age_at_first_injection`` (completed years; for a
      woman of a control arm, at her consent), and ``age_at_last_contact`` added (completed
      years at her latest contact: the age at the end of follow-up, which the days alone
      cannot give);
    * free-text columns (``notes``) dropped;
    * ``participant_id`` → the woman's random code from the registry's ``deid_keys``
      (drawn for women without one, and stored, once the export is made, in the same
      transaction that audits it as ``export.deidentified``: a failed export leaves
      nothing behind);
    * pregnancy, IVF-cycle and infant IDs → sequential codes for this export
      (``P001``, ``C001``, ``I001``: the key's initial and a number), the same in every
      table that refers to them. They are numbered in the order of the women's codes and
      then of the days, so the numbering says nothing about the original IDs.

    Rows are ordered by participant code and day, for the same reason.

    Raises
    ------
    NotFound
        A woman of ``workbook`` is not in the registry (her code could not be stored).
    """
    from follicle.workbook.dates import completed_years
    from follicle.workbook.rules import is_control_arm

    frames = {t.name: workbook[t.name] for t in TABLES}
    owners = row_owners(frames)
    participants = frames["participants"]
    found = participant_codes(engine, participants["participant_id"])
    codes = found.codes
    first = frames["injections"].groupby("participant_id")["injection_date"].min()
    # A woman of a control arm has no injection by design: her days count from her consent
    # (her time zero in the comparison of arms), so that the analysts' export keeps her.
    control = participants.loc[is_control_arm(participants["arm"])]
    consent = control.set_index("participant_id")["consent_date"].dropna()
    first = first.combine_first(consent[~consent.index.isin(first.index)])

    out: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        frame = frames[table.name]
        owner = owners[table.name]
        # reindex, not map: mapping by an empty Series (a registry without injections yet)
        # makes pandas cast the dates to float and fail.
        reference = pd.Series(
            first.reindex(owner.to_numpy()).to_numpy(dtype="datetime64[ns]"), index=owner.index
        )
        columns: dict[str, pd.Series] = {}
        for column in table.columns:
            values = frame[column.name]
            if column.free_text:
                continue
            if column.name == "participant_id":
                columns[column.name] = values.map(codes).astype("string")
            elif table.name == "participants" and column.name == "birth_date":
                columns[AGE_COLUMN] = completed_years(values, reference)
                last = frames["contacts"].groupby("participant_id")["contact_date"].max()
                # reindex, not map: see ``reference`` above.
                at_last = pd.Series(
                    last.reindex(frame["participant_id"].to_numpy()).to_numpy(
                        dtype="datetime64[ns]"
                    ),
                    index=frame.index,
                )
                columns[AGE_AT_LAST_CONTACT] = completed_years(values, at_last)
            elif column.is_date:
                columns[day_column(column.name)] = (values - reference).dt.days.astype("Int64")
            else:
                columns[column.name] = values
        result = pd.DataFrame(columns, index=frame.index)
        result["_code"] = owner.map(codes).astype("string")
        out[table.name] = result

    recoded = _recode_ids(out)
    if workbook.judgments is not None:
        from follicle.store.exporting.deidentified_judgments import deidentified_judgments

        out[JUDGMENTS.name] = deidentified_judgments(workbook.judgments, codes, first, recoded)
    for table in TABLES:
        frame = out[table.name]
        days = [day_column(c.name) for c in table.columns if c.is_date][:1]
        days = [d for d in days if d in frame.columns]
        order = ["_code", *days, *([table.key] if table.key else [])]
        frame = frame.sort_values(order, kind="stable", na_position="last")
        out[table.name] = frame.drop(columns="_code").reset_index(drop=True)
    record_export(engine, found, actor, {n: len(f) for n, f in frames.items()})
    return DeidentifiedWorkbook(out, source=workbook.source)


def _recode_ids(out: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Replace pregnancy, cycle and infant IDs by export-local sequential codes, in place.

    Returns the codes: per ``table.key`` (``"infants.infant_id"``), old ID → new code.
    """
    mapping: dict[str, pd.Series] = {}  # "table.key" → (old ID → new code)
    for table in TABLES:
        if table.key is None or table.name == "participants":
            continue
        frame = out[table.name]
        days = [day_column(c.name) for c in table.columns if c.is_date][:1]
        ordered = frame.sort_values(["_code", *days], kind="stable", na_position="last")
        width = max(3, len(str(len(ordered))))
        # "pregnancy-001": unlike the workbook's own ID patterns, so a recoded ID is never
        # mistaken for (or matched against) an original one.
        prefix = table.key.removesuffix("_id") + "-"
        new = [f"{prefix}{i:0{width}d}" for i in range(1, len(ordered) + 1)]
        mapping[f"{table.name}.{table.key}"] = pd.Series(
            new, index=ordered[table.key].to_numpy(), dtype="string"
        )
    for table in TABLES:
        frame = out[table.name]
        for column in table.columns:
            own = f"{table.name}.{column.name}" if column.name == table.key else None
            target = own if own in mapping else column.references
            if target in mapping and column.name in frame.columns:
                frame[column.name] = frame[column.name].map(mapping[target]).astype("string")
    return mapping
