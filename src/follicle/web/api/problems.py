"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Every error answer has the RFC's members — ``type`` (``about:blank``: the status says it
all), ``title`` (the status phrase), ``status``, ``detail`` (what went wrong, in plain
words) and ``instance`` (the request's path) — and these extensions:

``code``
    a stable code: ``token_required``, ``permission_denied``, ``not_found``,
    ``invalid``, ``bad_request``, ``conflict``, ``version_conflict``, ``method_not_allowed``,
    ``server_error``, ``database_unavailable`` (503, with ``Retry-After``);
``errors``
    for ``invalid`` (and a ``conflict`` that names a field): one entry per problem, with
    ``pointer`` (a JSON Pointer into the request body, ``#/afc``,
    ``#/pregnancies/0/outcome_date``) or ``parameter`` (a query or path parameter),
    ``field`` (the workbook column or form field), ``rule`` (the workbook's problem code,
    see docs/workbook.md), ``detail`` and the ``value`` refused;
``changed`` and ``version``
    for ``version_conflict`` (409): what another person saved since the client read the
    row — column, their value, yours — and the row's version now, as the pages show it.

A 404 says the same for a record that does not exist and one of another site, so that
IDs cannot be probed. A 500 says nothing about its cause (it is in the server's log).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from follicle.errors import Conflict, FollicleError, NotFound, PermissionDenied, WorkbookInvalid
from follicle.errors import Problem as WorkbookProblem
from follicle.store.records import VersionConflict
from follicle.web.outage import MESSAGE as OUTAGE_MESSAGE
from follicle.web.outage import is_outage, log_outage, retry_headers
from follicle.web.request_log import route_of

PROBLEM_JSON = "application/problem+json"

#: Said for every 404, whether the record does not exist or belongs to another site.
NOT_FOUND_DETAIL = "There is no such record, or it is not one you may see."

logger = logging.getLogger(__name__)


class TokenRequired(Exception):
    """No token, or one that is unknown, expired or revoked (401)."""


def shown(value: object) -> str | None:
    """A refused value as the answer shows it: at most 200 characters, and anything that is
    not a character (an unpaired surrogate) escaped, so that the answer can be encoded."""
    if value is None or not isinstance(value, str | int | float | bool):
        return None
    return str(value)[:200].encode("utf-8", "backslashreplace").decode("utf-8")


class FieldError(BaseModel):
    """One refused value, located in the request."""

    pointer: str | None = Field(default=None, description="JSON Pointer into the body, e.g. #/afc")
    parameter: str | None = Field(default=None, description="the query or path parameter")
    field: str | None = Field(default=None, description="the workbook column or form field")
    rule: str | None = Field(default=None, description="the workbook's problem code")
    detail: str
    value: str | None = None


class ChangedValue(BaseModel):
    """A column another person changed since the client read the row."""

    column: str
    theirs: str
    yours: str


class ProblemDetails(BaseModel):
    """An error answer (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldError] = Field(default_factory=list)
    changed: list[ChangedValue] | None = None
    version: int | None = None


_INDEX = re.compile(r"\[(\d+)\]")


def pointer(name: str) -> str:
    """A form field or column name as a JSON Pointer: ``pregnancies[0].mode`` →
    ``#/pregnancies/0/mode``."""
    parts = _INDEX.sub(r".\1", name).split(".")
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts if p)


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A ``application/problem+json`` answer."""
    body = ProblemDetails(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        # The scope's path, percent-encoded: ``request.url`` drops a line break in it.
        instance=quote(str(request.scope.get("path", "")), safe="/:@!$&'()*+,;=-._~"),
        code=code,
        errors=list(errors),
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def too_large_problem(request: Request, limit: int | None) -> JSONResponse:
    """The API's answer to a body past its bound (``limit`` bytes), as a problem document
    like every error (:class:`~follicle.web.security.TooLargeAnswer` sends it)."""
    bound = "its bound" if limit is None else f"{limit:,} bytes"
    detail = f"the request's body is larger than the API takes ({bound})"
    return problem_response(request, 413, "too_large", detail)


def field_errors(
    problems: Iterable[WorkbookProblem], body_fields: Iterable[str]
) -> list[FieldError]:
    """The store's problems as located field errors; a column the body holds gets a pointer."""
    known = set(body_fields)
    out = []
    for p in problems:
        located = p.column is not None and (p.column in known or "[" in p.column or "." in p.column)
        out.append(
            FieldError(
                pointer=pointer(p.column) if located and p.column else None,
                field=p.column,
                rule=p.rule,
                # Not the row: it numbers her rows as the validation saw them, not the body's.
                detail=p.message,
                value=shown(p.value),
            )
        )
    return out


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for error in exc.errors():
        where, *path = error.get("loc", ()) or ("body",)
        names = [str(p) for p in path]
        body = where == "body"
        out.append(
            FieldError(
                pointer="#/" + "/".join(names) if body else None,
                parameter=None if body else (names[0] if names else str(where)),
                field=".".join(names) or None,
                detail=str(error.get("msg", "invalid")),
                value=shown(error.get("input")),
            )
        )
    return out


async def api_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTP error (unknown path, method not allowed, unreadable body) as a problem."""
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    detail = NOT_FOUND_DETAIL if exc.status_code == 404 else str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names the methods of the first route of the path only; a path here has
        # one route per method, so list them all.
        headers["Allow"] = ", ".join(_methods_of(request))
    return problem_response(request, exc.status_code, code, detail, headers=headers)


def _methods_of(request: Request) -> list[str]:
    """Every method the routes of the request's path answer."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        match, _ = route.matches({**request.scope, "method": "GET"})
        found = getattr(route, "methods", None)
        if match != Match.NONE and found:
            methods |= set(found)
    return sorted(methods - {"HEAD"})


def _routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes, also inside included routers (FastAPI keeps each as one node)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def add_problem_handlers(app: FastAPI, body_fields: Mapping[str, Sequence[str]]) -> None:
    """The API's one error boundary: every exception becomes a problem answer.

    ``body_fields`` maps a route's path to the fields of its body, for the pointers.
    """

    def fields_of(request: Request) -> Sequence[str]:
        route = request.scope.get("route")
        return body_fields.get(getattr(route, "path", ""), ())

    @app.exception_handler(TokenRequired)
    async def _token(request: Request, _exc: TokenRequired) -> JSONResponse:
        return problem_response(
            request,
            401,
            "token_required",
            "send a live personal access token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="follicle"'},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return problem_response(request, 400, "bad_request", "the body is not valid JSON")
        errors = _validation_errors(exc)
        return problem_response(
            request, 422, "invalid", f"the request has {len(errors)} problem(s)", errors=errors
        )

    @app.exception_handler(FollicleError)
    async def _follicle(request: Request, exc: FollicleError) -> JSONResponse:
        if isinstance(exc, NotFound):
            return problem_response(request, 404, "not_found", NOT_FOUND_DETAIL)
        if isinstance(exc, PermissionDenied):
            return problem_response(request, 403, "permission_denied", str(exc))
        if isinstance(exc, WorkbookInvalid):
            errors = field_errors(exc.problems, fields_of(request))
            return problem_response(
                request,
                422,
                "invalid",
                f"{len(errors)} problem(s); nothing was saved",
                errors=errors,
            )
        if isinstance(exc, VersionConflict):
            return problem_response(
                request,
                409,
                "version_conflict",
                str(exc),
                changed=[ChangedValue(**vars(c)) for c in exc.changed],
                version=exc.version,
            )
        if isinstance(exc, Conflict):
            errors = field_errors(exc.problems, fields_of(request))
            return problem_response(request, 409, "conflict", str(exc), errors=errors)
        if exc.http_status == 422:
            # A request that breaks a rule of its own (a judgment without its reason): one
            # problem, located by the field the error names.
            field = getattr(exc, "field", None)
            error = FieldError(
                pointer=pointer(field) if field else None, field=field, detail=str(exc)
            )
            return problem_response(
                request, 422, "invalid", "1 problem(s); nothing was saved", errors=[error]
            )
        logger.error("unexpected %s", type(exc).__name__)
        return problem_response(request, 500, "server_error", "the server failed; try again")

    app.add_exception_handler(StarletteHTTPException, api_http_error)  # type: ignore[arg-type]

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not is_outage(exc):
            logger.error(
                "unhandled %s on %s %s", type(exc).__name__, request.method, route_of(request.scope)
            )
            return problem_response(request, 500, "server_error", "the server failed; try again")
        log_outage(request.method, route_of(request.scope), exc)
        return problem_response(
            request, 503, "database_unavailable", OUTAGE_MESSAGE, headers=retry_headers()
        )

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> JSONResponse:
        # The type only: an exception's text can hold a woman's data (SQL parameters).
        # The route's template, not the path: a path names a woman.
        logger.error(
            "unhandled %s on %s %s", type(exc).__name__, request.method, route_of(request.scope)
        )
        return problem_response(request, 500, "server_error", "the server failed; try again")


#: The problem answers every operation documents (status → description).
ERROR_RESPONSES: dict[int, str] = {
    400: "the body is not readable JSON (problem+json, code bad_request)",
    401: "no live token (problem+json, code token_required)",
    403: "the token's user may not do this (problem+json, code permission_denied)",
    404: "no such record, or not one of the user's sites (problem+json, code not_found)",
    422: "the request or the data broke a rule; each problem located in errors",
    503: "the database is out of reach for a moment: try again after Retry-After seconds "
    "(problem+json, code database_unavailable)",
}


def responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an operation: the common problems plus ``extra`` statuses."""
    described = {
        **ERROR_RESPONSES,
        409: "the row changed since it was read (version_conflict: changed, version) or the "
        "key exists already (conflict)",
    }
    statuses = sorted({*ERROR_RESPONSES, *extra})
    return {s: {"model": ProblemDetails, "description": described[s]} for s in statuses}


def problem_media_types(openapi: dict[str, Any]) -> dict[str, Any]:
    """Error answers are ``application/problem+json`` in the document, as on the wire."""
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[:1] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return openapi
