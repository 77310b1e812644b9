"""The registry's JSON API, ``/api/v1``, described by OpenAPI 3 at ``/api/v1/openapi.json``.

A sub-application mounted by :func:`follicle.web.app.create_app`: its own error boundary
(RFC 9457 problem details, :mod:`.problems`), its own sign-in (personal access tokens,
:mod:`.auth`), the registry and security headers of the pages. Each resource is one module
with an ``APIRouter``; :func:`resources` is the table of contents — adding a resource
is one module and one line here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from follicle.web.api import audit, checklist, export, records, reviews, worklist
from follicle.web.api.problems import (
    add_problem_handlers,
    problem_media_types,
    too_large_problem,
)
from follicle.web.registry import Registry
from follicle.web.security import MAX_BODY_BYTES, TooLargeAnswer

#: Where the API is mounted.
PREFIX = "/api/v1"

VERSION = "1.0.0"


def resources() -> list[APIRouter]:
    """Every resource's router, in the order the document lists them."""
    return [
        *records.routers(),
        checklist.router,
        worklist.router,
        reviews.router,
        audit.router,
        export.router,
    ]


def create_api(registry: Registry) -> FastAPI:
    """The API application on ``registry`` (mounted at :data:`PREFIX`)."""
    api = FastAPI(
        title="follicle registry API",
        version=VERSION,
        summary="The follow-up registry: participants and their records, the telephone "
        "checklist, the worklist, the review of reported events, the audit trail and the "
        "export.",
        description="Sign in with a personal access token (`follicle token create USER`) "
        "sent as `Authorization: Bearer <token>`; it acts with its user's role and sites. "
        "JSON fields are named as the workbook's columns (docs/workbook.md). Lists that "
        "grow with the registry come a page at a time (`limit`, `offset`; a `Link` header "
        'names the next page, rel="next"). Errors are '
        "RFC 9457 problem details with each problem located.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    api.state.registry = registry
    for router in resources():
        # On the routes, so that a body past the bound is a problem document as every error.
        api.include_router(router, max_body_size=MAX_BODY_BYTES)
    add_problem_handlers(api, records.body_fields())
    api.add_middleware(TooLargeAnswer, answer=too_large_problem)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = get_openapi(
                title=api.title,
                version=api.version,
                summary=api.summary,
                description=api.description,
                routes=api.routes,
                servers=[{"url": PREFIX}],
            )
            api.openapi_schema = problem_media_types(document)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api
