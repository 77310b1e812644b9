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

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL_ENV = "FOLLICLE_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            f"CI is set but {POSTGRES_URL_ENV} is not: the PostgreSQL tests must run in CI "
            "(see .ci/run)",
            pytrace=False,
        )
    pytest.skip(f"{POSTGRES_URL_ENV} is not set (no PostgreSQL server to test against)")


def _postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped after."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from follicle.store.engine import normalise_url

    base = normalise_url(base_url)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A URL of an empty registry database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.db'}"
        return
    yield from _postgres_schema(_postgres_url())
