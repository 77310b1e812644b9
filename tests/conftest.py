"""Fixtures shared by the whole test suite.

``db_url`` runs a test once on SQLite (a fresh file) and once on PostgreSQL. The PostgreSQL
server comes from ``FOLLICLE_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://follicle:follicle@127.0.0.1:5432/follicle_test``); without it the
PostgreSQL run is skipped — except in CI (``CI`` set), where a missing server is a failure:
CI must exercise both databases. Each PostgreSQL test gets a schema of its own (via the
connection's ``search_path``), dropped with everything in it at teardown, so tests can run
in parallel (``pytest -n``) against one database and leave it clean.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testdb import postgres_schema, postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty registry database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.db'}"
        return
    yield from postgres_schema(postgres_url())
