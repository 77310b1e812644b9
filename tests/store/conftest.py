"""Fixtures of the registry tests: a migrated registry and the small workbook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from follicle.store.engine import ensure_schema, make_engine
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
