"""The application factory: the registry, the routers, the security middleware.

The routers below are the table of contents of the web application; each module under
:mod:`follicle.web.routes` is one resource.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from follicle.errors import FollicleError, NotFound
from follicle.store.engine import ensure_schema, make_engine
from follicle.web.api import PREFIX as API_PREFIX
from follicle.web.api import create_api
from follicle.web.api.problems import api_http_error
from follicle.web.deps import LoginRequired
from follicle.web.outage import MESSAGE as OUTAGE_MESSAGE
from follicle.web.outage import is_outage, log_outage, retry_headers
from follicle.web.pages import render, too_large_page
from follicle.web.registry import Registry, tune_sqlite
from follicle.web.request_log import RequestLog, route_of
from follicle.web.routes import (
    admin,
    audit,
    auth,
    checklist,
    data,
    participants,
    report,
    review,
    worklist,
)
from follicle.web.security import MAX_BODY_BYTES, SecurityHeaders, TooLargeAnswer
from follicle.web.settings import WebSettings, get_settings
from follicle.web.throttle import SignInThrottle

STATIC = Path(__file__).parent / "static"

#: Said for every 404, whether the record does not exist or belongs to another site.
NOT_FOUND_MESSAGE = "There is no such record, or it is not one you may see."


def create_app(database_url: str | None = None, *, settings: WebSettings | None = None) -> FastAPI:
    """The registry's web application on the database at ``database_url``.

    Parameters
    ----------
    database_url
        The registry; default ``FOLLICLE_DATABASE_URL``, else ``follicle.db`` here.
    settings
        Overrides the ``FOLLICLE_*`` environment (tests).

    The schema is migrated to the newest version before the first request, the audit
    log's append-only triggers are restored if missing and the log is verified
    (:class:`~follicle.web.audit_watch.AuditWatch`).
    """
    settings = settings or get_settings()
    engine = make_engine(database_url or settings.database_url)
    if engine.dialect.name == "sqlite":
        tune_sqlite(engine)
    ensure_schema(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up made (the libraries' modules, the schema, the templates) lives as
        # long as the process: out of the collector's generations, so that a full
        # collection does not walk it again and again in the middle of requests.
        gc.freeze()
        # FastAPI runs each plain-function route on a thread of anyio's pool (40 by
        # default). A process runs Python one thread at a time, and its checks and the
        # registry's writers take turns anyway: past a few threads, each added one only
        # contends for the interpreter with the thread that holds the write lock. Those
        # waiting for a thread wait on the event loop, at no cost.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        # In the background: start-up does not wait for the worklist's milestones.
        app.state.worklist_warm_up = app.state.registry.warm_worklist()
        yield
        jobs = getattr(app.state, "report_jobs", None)
        if jobs is not None:
            jobs.close()  # the live reports' worker and files
        engine.dispose()

    app = FastAPI(
        title="follicle registry",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.registry = Registry(engine, settings)
    # Per process, in memory: see follicle.web.throttle for why that is enough.
    app.state.sign_in_throttle = SignInThrottle(
        settings.sign_in_failures, settings.sign_in_window.total_seconds()
    )
    # Before the first request: missing append-only triggers back, the whole log verified.
    app.state.registry.audit.start(engine)
    # Inside SecurityHeaders: the page gets its headers.
    app.add_middleware(TooLargeAnswer, answer=too_large_page)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)  # outermost: its duration covers the whole answer
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount(API_PREFIX, create_api(app.state.registry), name="api")
    for module in (auth, worklist, participants, checklist, review, report, audit, admin, data):
        # On the routes rather than the application: FastAPI's application-wide bound
        # answers outside the middleware, without the security headers or the request log.
        app.include_router(module.router, max_body_size=MAX_BODY_BYTES)
    _add_error_pages(app)
    return app


def _add_error_pages(app: FastAPI) -> None:
    """The one boundary where exceptions become answers."""

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
        if request.headers.get("HX-Request"):
            return Response(
                status_code=303, headers={"HX-Redirect": location, "Location": location}
            )
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(FollicleError)
    async def _follicle(request: Request, exc: FollicleError) -> Response:
        message = NOT_FOUND_MESSAGE if isinstance(exc, NotFound) else str(exc)
        return render(
            request,
            "error.html",
            {"status": exc.http_status, "message": message},
            status_code=exc.http_status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API_PREFIX + "/"):
            # A path the API's mount could not match (a line break in an ID): still JSON.
            return await api_http_error(request, exc)
        message = NOT_FOUND_MESSAGE if exc.status_code == 404 else str(exc.detail)
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": message},
            status_code=exc.status_code,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        if not is_outage(exc):
            raise exc  # a fault of the code: the server's 500
        log_outage(request.method, route_of(request.scope), exc)
        return render(
            request,
            "error.html",
            {"status": 503, "message": OUTAGE_MESSAGE},
            status_code=503,
            headers=retry_headers(),
        )
