"""The workbook's side of an import: each row with its woman and its spreadsheet row.

A woman is imported whole, so every row of the workbook must lead (through the chain each
schema table declares as its ``owner``) to a participants row of the same workbook. The
frames built here carry that woman as :data:`OWNER` and the row's place in its file as
:data:`ROW` (the row validation named: :meth:`~follicle.workbook.frames.Workbook.spreadsheet_rows`),
which is how a :class:`~follicle.errors.Problem` points the user at it.
"""

from __future__ import annotations

import pandas as pd

from follicle.errors import Problem, WorkbookInvalid
from follicle.store.exporting.exporter import cell_text
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import isin
from follicle.workbook.keys import lookup as lookup_keys
from follicle.workbook.schema import TABLES, TABLES_BY_NAME

#: The column that holds the participant_id of the woman a row belongs to (on both sides:
#: the workbook's frames and the registry's rows).
OWNER = "_owner"

#: The column that holds the spreadsheet row of an incoming row (header = row 1).
ROW = "_row"


def incoming_frames(workbook: Workbook) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The workbook's frames with each row's woman (``_owner``) and spreadsheet row.

    Returns
    -------
    frames, labels
        The frames per table, and how each table is named in messages (its file, or its
        sheet of an ``.xlsx``).

    Raises
    ------
    WorkbookInvalid
        Rows that reach no woman of the workbook, or duplicate IDs.
    """
    labels = {t.name: workbook.label(t.name) for t in TABLES}
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in TABLES:
        frame = workbook[table.name].reset_index(drop=True).copy()
        # The rows validation named (a blank row above is skipped, not counted away).
        frame[ROW] = workbook.spreadsheet_rows(table.name)
        column, parent = table.owner
        if parent == "participants":
            owner = frame[column]
        else:
            parent_frame = frames[parent]
            parent_key = TABLES_BY_NAME[parent].key
            assert parent_key is not None, parent
            lookup = parent_frame.drop_duplicates(parent_key).set_index(parent_key)[OWNER]
            owner = lookup_keys(frame[column], lookup)
        frame[OWNER] = owner.astype("string")
        frames[table.name] = frame

        if table.key is not None:
            dup = frame[table.key].duplicated(keep="first") & frame[table.key].notna()
            problems += row_problems(
                labels[table.name],
                frame[dup],
                table.key,
                "duplicate_id",
                f"{table.key} must be unique within the workbook",
            )
    women = frames["participants"]["participant_id"].dropna()  # Arrow text: hashed as is
    for table in TABLES:
        frame = frames[table.name]
        orphan = ~isin(frame[OWNER], women).fillna(False).astype(bool)
        column = table.owner[0]
        problems += row_problems(
            labels[table.name],
            frame[orphan],
            column,
            "unknown_reference",
            f"{column} leads to no participant of the workbook: a woman is imported whole, "
            "with her participants row",
        )
    if problems:
        raise WorkbookInvalid(problems)
    return frames, labels


def row_problems(
    label: str,
    rows: pd.DataFrame,
    column: str | None,
    rule: str,
    message: str | pd.Series,
    *,
    located: bool = True,
) -> list[Problem]:
    """One :class:`Problem` per row of ``rows`` (only the rows already found wanting).

    Parameters
    ----------
    label
        The table as messages name it (its file, or its sheet of an ``.xlsx``).
    rows
        The rows concerned; their :data:`ROW` locates them when ``located``.
    column
        The column whose value each problem quotes, or ``None`` for a whole row.
    rule
        The problem code.
    message
        One message for all the rows, or one per row.
    located
        Whether the rows have a spreadsheet row (a registry row the workbook lacks has none).
    """
    if rows.empty:
        return []
    values = cell_text(rows[column]).tolist() if column is not None else [None] * len(rows)
    where = rows[ROW].tolist() if located and ROW in rows else [None] * len(rows)
    texts = message.tolist() if isinstance(message, pd.Series) else [message] * len(rows)
    return [
        Problem(label, None if r is None else int(r), column, v, rule, str(t))
        for r, v, t in zip(where, values, texts, strict=True)
    ]
