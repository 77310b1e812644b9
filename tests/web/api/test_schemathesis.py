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


#: Each operation with an admin's token, without a token and — where the path names a
#: woman or an event — with her ID or a real event fixed, so that the generated bodies
#: reach the store (a reviewer's token for a judgment: an admin's is refused before).
CASES = [
    (method, path, token)
    for method, path in OPERATIONS
    for token in (
        "valid token",
        "valid token, a real woman",
        "valid token, a real event",
        "no token",
    )
    if ("woman" not in token or "{participant_id}" in path)
    and ("event" not in token or "{event_key}" in path)
]

#: The seed's condition event of woman A (tests/web/registry_seed.py).
EVENT = {"event_type": "condition", "event_key": "WA001|ovarian_cyst|2020-09-01"}


@pytest.mark.parametrize(("method", "path", "token"), CASES, ids=[" ".join(c) for c in CASES])
def test_every_operation_answers_as_documented(
    fuzzed_app: tuple[FastAPI, Seeded],
    api_schema: Any,
    admin_token: str,
    method: str,
    path: str,
    token: str,
) -> None:
    app, seeded = fuzzed_app
    # Her ID (or the event) fixed, everything else generated: the bodies then reach the
    # store's rules.
    fixed: dict[str, str] | None = None
    if "woman" in token:
        fixed = {"participant_id": seeded.women["A"].participant_id}
    elif "event" in token:
        fixed = EVENT
    operation = api_schema[path][method]
    strategy = operation.as_strategy(
        GenerationMode.POSITIVE, path_parameters=fixed
    ) | operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed)
    bearer = admin_token
    if "event" in token and path.endswith("/judgments"):
        bearer = token_for(app, seeded.users["reviewer_a"])
    headers = {"Authorization": f"Bearer {bearer}"} if token != "no token" else {}

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
