"""Judgments arriving in a workbook: added to the registry's, never changing them.

A judgment is the record of who decided what about an event, so an import adds the
judgments the registry does not have yet (each one audited as ``import.judgment``), passes
over those it has already (identical), and refuses — whatever ``--update`` says — one whose
ID the registry holds with different content: nothing is written then. Judgments of the
registry that the workbook lacks are left alone.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, insert, select

from follicle.errors import Conflict, Problem
from follicle.store.audit_log.chain import append_entries, row_json
from follicle.store.importing.writes import chunks
from follicle.store.tables import judgments
from follicle.store.woman import plain
from follicle.workbook.frames import coerce
from follicle.workbook.schema import JUDGMENTS

#: IDs per ``IN (...)`` query.
IDS_PER_QUERY = 500


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as comparable text (dates ISO, missing empty)."""
    out = {}
    for column in JUDGMENTS.column_names:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.dt.strftime("%Y-%m-%d")
        out[column] = values.astype(object).where(values.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def import_judgments(
    connection: Connection,
    incoming: pd.DataFrame | None,
    *,
    actor: str,
    at: datetime,
    label: str = JUDGMENTS.filename,
) -> int:
    """Add the workbook's new judgments to the registry; return how many.

    ``incoming`` is the workbook's typed ``judgments`` table (``None``: it has none); its
    index is taken as the spreadsheet row minus 2, as a validated workbook's is.

    Raises
    ------
    Conflict
        A judgment ID the registry holds with different content (file, row, column, value).
    """
    if incoming is None or incoming.empty:
        return 0
    names = list(JUDGMENTS.column_names)
    ids = incoming["judgment_id"].astype(str).tolist()
    parts = [
        pd.DataFrame(
            [
                tuple(r)
                for r in connection.execute(
                    select(*[judgments.c[c] for c in names]).where(
                        judgments.c.judgment_id.in_(chunk)
                    )
                )
            ],
            columns=names,
        )
        for chunk in chunks(ids, IDS_PER_QUERY)
    ]
    stored = coerce(JUDGMENTS, pd.concat(parts, ignore_index=True))
    mine = _text(incoming).set_index("judgment_id", drop=False)
    theirs = _text(stored).set_index("judgment_id", drop=False)
    common = mine.index.intersection(theirs.index)
    problems = []
    for column in names:
        differs = mine.loc[common, column] != theirs.loc[common, column]
        for judgment_id in common[differs.to_numpy()]:
            row = int(incoming.index[incoming["judgment_id"].astype(str) == judgment_id][0]) + 2
            problems.append(
                Problem(
                    label,
                    row,
                    column,
                    mine.at[judgment_id, column],
                    "differs_from_registry",
                    f"judgment {judgment_id} is in the registry with {column} "
                    f"{theirs.at[judgment_id, column]!r}: a judgment is never changed",
                )
            )
    if problems:
        raise Conflict(
            f"{len(problems)} judgment cell(s) differ from the registry's; nothing was written",
            problems,
        )
    new = incoming[~incoming["judgment_id"].astype(str).isin(theirs.index)]
    if new.empty:
        return 0
    rows = [
        {**{c: plain(v) for c, v in zip(names, values, strict=True)}, "version": 1}
        for values in new[names].itertuples(index=False, name=None)
    ]
    for chunk in chunks(rows, 1_000):
        connection.execute(insert(judgments), list(chunk))
    append_entries(
        connection,
        [
            {
                "at": at,
                "actor": actor,
                "action": "import.judgment",
                "table_name": "judgments",
                "record_key": f"{row['participant_id']}/{row['judgment_id']}",
                "after": row_json(row),
            }
            for row in rows
        ],
    )
    return len(rows)
