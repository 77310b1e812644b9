"""Fixtures of the registry tests: a migrated registry and the small workbook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from follicle.store.access.accounts import User, create_site, create_user
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.importing.importer import import_workbook
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook

from .helpers import SMALL


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A registry migrated to the newest schema (SQLite and PostgreSQL)."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def small() -> Workbook:
    """The small fixture workbook, validated and typed (a fresh copy per test)."""
    return load_workbook(SMALL)


@pytest.fixture
def people(engine: Engine, small: Workbook) -> dict[str, User]:
    """The small workbook imported (007, 008 at North; 009, 010 at South), its two sites and
    one user of each kind: ``admin``, ``north`` and ``south`` (coordinators), ``reviewer``
    (North) and ``analyst``."""
    import_workbook(engine, small)
    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        create_site(connection, "South", "South clinic")
        return {
            "admin": create_user(connection, "ada", "ada admin password", "admin"),
            "north": create_user(
                connection, "nora", "nora north password", "coordinator", ["North"]
            ),
            "south": create_user(connection, "sam", "sam south password", "coordinator", ["South"]),
            "reviewer": create_user(
                connection, "rita", "rita reviewer password", "reviewer", ["North"]
            ),
            "analyst": create_user(connection, "anna", "anna analyst password", "analyst"),
        }
