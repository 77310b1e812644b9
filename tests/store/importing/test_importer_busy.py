"""Two writers at once on one SQLite file: the import that waits too long says that another
writer holds the registry, and writes nothing."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from follicle.errors import RegistryBusy
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES


def test_an_import_blocked_by_another_writer_says_so(tmp_path, small) -> None:
    path = tmp_path / "registry.db"
    engine = make_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})
    ensure_schema(engine)
    other = sqlite3.connect(path)
    try:
        other.execute("BEGIN IMMEDIATE")  # another import holds the write lock
        with pytest.raises(RegistryBusy, match="another import or a save is writing"):
            import_workbook(engine, small)
    finally:
        other.rollback()
        other.close()
    with engine.connect() as connection:
        participants = WORKBOOK_TABLES["participants"]
        assert connection.execute(select(func.count()).select_from(participants)).scalar() == 0
    engine.dispose()
