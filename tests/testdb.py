"""Test databases: the PostgreSQL server of the tests, and a fresh schema per test.

A module of its own (not ``conftest``) so that any test package can import it: with several
``conftest.py`` files in the suite, ``import conftest`` finds whichever was loaded first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

POSTGRES_URL_ENV = "FOLLICLE_TEST_POSTGRES_URL"


def postgres_url() -> str:
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


def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped after."""
    from follicle.store.engine import scratch_schema

    with scratch_schema(base_url, prefix="test") as url:
        yield url
