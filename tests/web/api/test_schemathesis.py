"""Schemathesis against the API: every operation, with a valid token and without.

Property-based: for each operation of ``/api/v1/openapi.json`` Schemathesis generates
requests from the document (valid and invalid bodies, parameters and paths) and checks
every answer: never a server error, always a documented status, content type and body.
Bounded (:data:`MAX_EXAMPLES` per operation and token), so the suite stays quick; the
examples are derandomised, so a failure repeats.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from follicle.web.api import create_api

from ..conftest import engine_of, make_app
from ..registry_seed import Seeded, seed
from .conftest import token_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

#: Generated requests per operation and token.
MAX_EXAMPLES = 12

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_app(web_db_url: str) -> Iterator[tuple[FastAPI, Seeded]]:
    """The application on a seeded registry that the fuzzing may fill with anything."""
    app = make_app(web_db_url)
    seeded = seed(engine_of(app))
    yield app, seeded
    engine_of(app).dispose()


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: tuple[FastAPI, Seeded]):  # type: ignore[no-untyped-def]
    app, _ = fuzzed_app
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture(scope="module")
def admin_token(fuzzed_app: tuple[FastAPI, Seeded]) -> str:
    app, seeded = fuzzed_app
    return token_for(app, seeded.users["admin"])


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the document describes."""
    document = create_api(None).openapi()  # type: ignore[arg-type]  # no request is made
    return [(m.upper(), p) for p, item in document["paths"].items() for m in item]


OPERATIONS = _operations()


@pytest.mark.parametrize("token", ["valid token", "no token"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_documented(
    api_schema: Any, admin_token: str, method: str, path: str, token: str
) -> None:
    operation = api_schema[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    headers = {"Authorization": f"Bearer {admin_token}"} if token == "valid token" else {}

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        if not headers:
            # Unreadable JSON is refused before the token is looked at; nothing else is.
            allowed = (401, 404) if case.meta.generation.mode.is_positive else (400, 401, 404)
            assert response.status_code in allowed, response.text

    run()
