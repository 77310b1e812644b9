"""A woman's rows as her page and the JSON API both check them.

Which sites a user may enrol at, the key that names each row of a table, which rows are
hers, and that a row naming a parent row (an infant's pregnancy) names one of hers: the
pages (:mod:`follicle.web.routes.participants`) and the API
(:mod:`follicle.web.api.records`) answer these alike, so both take them from here.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection

from follicle.errors import Problem, WorkbookInvalid
from follicle.store.access import accounts
from follicle.store.access.accounts import User
from follicle.store.tables import ROW_ID
from follicle.workbook import schema

#: The woman's name and phone, as a form (kept apart from the workbook's tables).
IDENTITY = schema.Table(
    "participant_identity",
    "the woman's name and phone number (never exported)",
    key="participant_id",
    noun="identity",
    columns=(
        schema.Column("full_name", "text", "full name"),
        schema.Column("phone", "text", "telephone number"),
    ),
)

#: The tables a user can add to or edit on her page, in the order they are shown.
RECORD_TABLES: dict[str, schema.Table] = {
    **{t.name: t for t in schema.TABLES},
    IDENTITY.name: IDENTITY,
}


def enrolment_sites(connection: Connection, user: User) -> list[tuple[str, str]]:
    """The sites ``user`` may enrol at (and see), as (code, name)."""
    frame = accounts.list_sites(connection)
    pairs = zip(frame["code"], frame["name"], strict=True)
    return [(code, name) for code, name in pairs if user.can_see_site(code)]


def field_problem(table: str, column: str, value: str | None, message: str) -> Problem:
    """A problem with one field of a form or request body about ``table``'s row."""
    return Problem(f"{table}.csv", None, column, value, "required", message)


def key_column(table: schema.Table) -> str:
    """The column that names a row of ``table``: its key, or the registry's row ID."""
    return table.key or ROW_ID


def owned_keys(rows: dict[str, pd.DataFrame], table: schema.Table) -> set[str]:
    """The keys of ``table``'s rows among ``rows`` (one woman's, by table name)."""
    frame = rows.get("identity" if table.name == IDENTITY.name else table.name)
    if frame is None or frame.empty:
        return set()
    return set(frame[key_column(table)].astype("string").dropna())


def check_parent_is_hers(
    rows: dict[str, pd.DataFrame], table: schema.Table, values: dict[str, str]
) -> None:
    """Infants and infant conditions name a parent row: it must be one of ``rows``.

    Raises
    ------
    WorkbookInvalid
        The parent named in ``values`` is not hers (or not named).
    """
    owner_column, owner_table = table.owner
    if owner_table == "participants":
        return
    if values.get(owner_column, "") not in owned_keys(rows, RECORD_TABLES[owner_table]):
        raise WorkbookInvalid(
            [
                field_problem(
                    table.name,
                    owner_column,
                    values.get(owner_column),
                    f"choose one of her {owner_table}",
                )
            ]
        )
