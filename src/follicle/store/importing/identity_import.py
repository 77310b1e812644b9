"""Names and phone numbers of many women at once, from a CSV file: all or nothing, audited
without the values.

The file has a header row and the columns ``participant_id``, ``name`` (``full_name`` is
accepted too) and ``phone``, UTF-8 (a byte-order mark is fine), comma-separated. Every row is
checked before anything is written, and every problem is reported with its spreadsheet row
(header = row 1) and column:

* a missing column (``missing_column``), an empty ``participant_id`` or a row with neither a
  name nor a phone (``required``), a study ID given twice (``duplicate_id``), a study ID the
  registry does not hold (``unknown_reference``), a control character (``control_character``),
  and a phone number that is not 6 to 15 digits with spaces, dashes, dots, brackets and a
  leading ``+`` (``not_a_phone_number``).

The problems never carry a name or a phone number: the value shown is ``None`` for those
columns, so the terminal, a pasted error and any log hold only study IDs.

A valid file is written in one transaction: a woman without identity row gets one, a woman
whose name or phone differs has it replaced (its version raised, so a form opened before
cannot overwrite it silently), an identical one is left alone. An empty cell leaves the
registry's value as it is (a file of phones alone does not erase names). Each woman written
gets one audit entry whose values are redaction markers (``[redacted]``, ``[redacted:
changed]``), as for an edit on her page. The identities are never exported: the workbook has
no such table (:mod:`follicle.store.exporting.exporter`).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from follicle.errors import Problem, WorkbookInvalid
from follicle.store.audit_log.chain import append_entries
from follicle.store.phones import PHONE_MESSAGE, bad_phones
from follicle.store.records import IDENTITY, REDACTED, REDACTED_CHANGED
from follicle.store.tables import VERSION, WORKBOOK_TABLES, participant_identity
from follicle.workbook.read import csv_error_message

#: The file's columns (``name`` may be headed ``full_name``).
COLUMNS = ("participant_id", "name", "phone")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CHUNK = 500


@dataclass(frozen=True)
class IdentitySummary:
    """What an identity import did: women given an identity, changed, left as they were."""

    added: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return f"identities: {self.added} added, {self.changed} changed, {self.unchanged} unchanged"


def read_identities(path: Path) -> pd.DataFrame:
    """The file as text: ``participant_id``, ``full_name``, ``phone``, ``row`` (spreadsheet
    row); cells stripped, empty = ``""``.

    Raises
    ------
    WorkbookInvalid
        The file is missing, not UTF-8, not CSV, or lacks a column.
    """
    name = path.name
    # Not the workbook's CSV reader (workbook.read): its messages quote the text around a
    # bad byte, which here would be part of a name or a phone number.
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WorkbookInvalid(
            [Problem(name, None, None, None, "missing_file", f"cannot read {path}: {exc}")]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise WorkbookInvalid(
            [Problem(name, row, None, None, "not_utf8", "the file is not UTF-8 text")]
        ) from None
    if not text.strip():
        raise WorkbookInvalid([Problem(name, None, None, None, "empty_file", "the file is empty")])
    try:
        # The header read as a row of the grid: a row with more cells than the header is
        # then an error, where with a header pandas took its first cell for an index (a
        # comma in a name shifted the name into the study ID) or dropped the last.
        grid = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
        frame = grid.iloc[1:].reset_index(drop=True).set_axis(grid.iloc[0].tolist(), axis=1)
        frame = frame.fillna("")
    except (pd.errors.ParserError, ValueError) as exc:
        # The workbook's own words for it; they name rows and counts, never a cell's value.
        message, at = csv_error_message(str(exc).splitlines()[0])
        raise WorkbookInvalid([Problem(name, at, None, None, "not_csv", message)]) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "name" not in frame.columns and "full_name" in frame.columns:
        frame = frame.rename(columns={"full_name": "name"})
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise WorkbookInvalid(
            [
                Problem(name, 1, c, None, "missing_column", f"the column {c} is missing")
                for c in missing
            ]
        )
    out = pd.DataFrame(
        {
            "participant_id": frame["participant_id"].str.strip(),
            "full_name": frame["name"].str.strip(),
            "phone": frame["phone"].str.strip(),
            "row": np.arange(2, len(frame) + 2),
        }
    )
    blank = (out[["participant_id", "full_name", "phone"]] == "").all(axis=1)
    return out[~blank].reset_index(drop=True)


def check_identities(connection: Connection, frame: pd.DataFrame, file: str) -> list[Problem]:
    """Every problem of the rows (see the module docstring); values of names and phones
    are never put in a problem."""
    problems: list[Problem] = []

    def add(mask: pd.Series, column: str, rule: str, message: str, show: bool) -> None:
        for row in frame[mask].itertuples():
            value = str(getattr(row, column)) if show else None
            # The file's own column name (``name``; ``full_name`` is the registry's).
            named = "name" if column == "full_name" else column
            problems.append(Problem(file, int(row.row), named, value, rule, message))

    pid = frame["participant_id"]
    add(pid == "", "participant_id", "required", "participant_id is required", False)
    add(
        (frame["full_name"] == "") & (frame["phone"] == "") & (pid != ""),
        "phone",
        "required",
        "a row needs a name or a phone number",
        False,
    )
    add(
        pid.duplicated(keep="first") & (pid != ""),
        "participant_id",
        "duplicate_id",
        "this study ID appears on an earlier row of the file",
        True,
    )
    for column in ("participant_id", "full_name", "phone"):
        add(
            frame[column].str.contains(_CONTROL),
            column,
            "control_character",
            "the cell holds a control character (a line break or a tab pasted in?)",
            column == "participant_id",
        )
    add(
        pd.Series(bad_phones(frame["phone"]), index=frame.index),
        "phone",
        "not_a_phone_number",
        PHONE_MESSAGE,
        False,
    )
    wanted = sorted(set(pid[pid != ""]))
    participants = WORKBOOK_TABLES["participants"]
    known: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        known.update(
            connection.execute(
                select(participants.c.participant_id).where(
                    participants.c.participant_id.in_(chunk)
                )
            ).scalars()
        )
    add(
        (pid != "") & ~pid.isin(known),
        "participant_id",
        "unknown_reference",
        "the registry holds no woman with this study ID",
        True,
    )
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _existing(connection: Connection, ids: list[str]) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    t = participant_identity
    for start in range(0, len(ids), _CHUNK):
        rows += connection.execute(
            select(t.c.participant_id, t.c.full_name, t.c.phone, t.c[VERSION]).where(
                t.c.participant_id.in_(ids[start : start + _CHUNK])
            )
        ).all()
    return pd.DataFrame(rows, columns=["participant_id", "full_name", "phone", VERSION])


def _marker(value: object, changed: bool) -> str | None:
    if changed:
        return REDACTED_CHANGED
    return REDACTED if value not in (None, "") else None


def import_identities(engine: Engine, path: Path, *, actor: str = "cli") -> IdentitySummary:
    """Check the file, then write every name and phone in it in one transaction; audited
    with the values redacted.

    Raises
    ------
    WorkbookInvalid
        Any problem in the file (each with its row and column); nothing is written.
    """
    frame = read_identities(path)
    with engine.begin() as connection:
        problems = check_identities(connection, frame, path.name)
        if problems:
            raise WorkbookInvalid(problems)
        old = _existing(connection, frame["participant_id"].tolist()).set_index("participant_id")
        new = frame.set_index("participant_id")
        have = new.index.isin(old.index)
        before = old.reindex(new.index)
        # An empty cell keeps what the registry holds.
        after = pd.DataFrame(
            {
                c: np.where(new[c] == "", before[c].fillna("").astype(str), new[c])
                for c in ("full_name", "phone")
            },
            index=new.index,
        )
        changed = {
            c: after[c].to_numpy() != before[c].fillna("").astype(str).to_numpy()
            for c in ("full_name", "phone")
        }
        differs = have & (changed["full_name"] | changed["phone"])
        at = datetime.now(UTC)
        added_ids = new.index[~have]
        if len(added_ids):
            connection.execute(
                insert(participant_identity),
                [
                    {"participant_id": pid, "full_name": n or None, "phone": p or None, VERSION: 1}
                    for pid, n, p in zip(
                        added_ids,
                        after.loc[added_ids, "full_name"],
                        after.loc[added_ids, "phone"],
                        strict=True,
                    )
                ],
            )
        changed_ids = new.index[differs]
        versions = before.loc[changed_ids, VERSION].astype(int)
        if len(changed_ids):
            t = participant_identity
            connection.execute(
                update(t)
                .where(t.c.participant_id == bindparam("pid"))
                .values(
                    full_name=bindparam("name"), phone=bindparam("tel"), version=bindparam("v")
                ),
                [
                    {"pid": pid, "name": n or None, "tel": p or None, "v": v + 1}
                    for pid, n, p, v in zip(
                        changed_ids,
                        after.loc[changed_ids, "full_name"],
                        after.loc[changed_ids, "phone"],
                        versions,
                        strict=True,
                    )
                ],
            )
        entries = []
        positions = {pid: i for i, pid in enumerate(new.index)}
        for pid in [*added_ids, *changed_ids]:
            i = positions[pid]
            was = None
            if have[i]:
                was = {
                    "participant_id": pid,
                    "full_name": _marker(before["full_name"].iloc[i], False),
                    "phone": _marker(before["phone"].iloc[i], False),
                    VERSION: int(before[VERSION].iloc[i]),
                }
            now = {
                "participant_id": pid,
                # A new row is marked as records.create marks it: values present, not changed.
                "full_name": _marker(
                    after["full_name"].iloc[i], bool(have[i] and changed["full_name"][i])
                ),
                "phone": _marker(after["phone"].iloc[i], bool(have[i] and changed["phone"][i])),
                VERSION: int(before[VERSION].iloc[i]) + 1 if have[i] else 1,
            }
            entries.append(
                {
                    "at": at,
                    "actor": actor,
                    "action": "update" if have[i] else "create",
                    "table_name": IDENTITY,
                    "record_key": pid,
                    "before": None if was is None else json.dumps(was),
                    "after": json.dumps(now),
                    "reason": f"identity import ({path.name})",
                }
            )
        if entries:
            append_entries(connection, entries)
    return IdentitySummary(
        added=len(added_ids),
        changed=len(changed_ids),
        unchanged=int(have.sum()) - len(changed_ids),
    )
