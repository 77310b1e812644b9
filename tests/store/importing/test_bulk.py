"""Bulk inserts: every row, in order, whatever the count's remainder of a statement's rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from follicle.store.importing.bulk import SQLITE_VARIABLES, BulkInsert
from follicle.store.tables import ROW_ID, WORKBOOK_TABLES

COLUMNS = ("participant_id", "contact_date", "mode", "menses")
PER = SQLITE_VARIABLES // len(COLUMNS)  # rows in one SQLite statement


@pytest.mark.parametrize("count", [0, 1, PER - 1, PER, PER + 1, 3 * PER + 5])
def test_every_row_is_inserted_in_order(engine: Engine, count: int) -> None:
    contacts = WORKBOOK_TABLES["contacts"]
    participants = WORKBOOK_TABLES["participants"]
    rows = [("B1", f"{2000 + i // 365}-01-01", "phone", f"{i}") for i in range(count)]
    with engine.begin() as connection:
        her = {"participant_id": "B1", "site": "S", "birth_date": date(1980, 1, 1)}
        connection.execute(participants.insert(), {**her, "menses_baseline": "regular"})
        BulkInsert(contacts, COLUMNS).run(connection, rows)
    with engine.connect() as connection:
        stored = connection.execute(
            select(*(contacts.c[c] for c in COLUMNS), contacts.c[ROW_ID]).order_by(
                contacts.c[ROW_ID]
            )
        ).all()
    assert [(r[0], r[1].isoformat(), r[2], r[3]) for r in stored] == rows
    # Row numbers follow the rows' order, one apart.
    numbers = [r[4] for r in stored]
    assert numbers == list(range(numbers[0], numbers[0] + count)) if numbers else count == 0
