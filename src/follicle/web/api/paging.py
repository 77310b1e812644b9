"""Paging of the API's lists that grow with the registry: ``?limit=`` and ``?offset=``.

Every such list (the participants, the worklist, the review queue and its disputes, a
woman's audit trail) answers at most
``limit`` items (default :data:`DEFAULT_LIMIT`, at most :data:`MAX_LIMIT`) starting after
the first ``offset`` of its order. The answer's body keeps its shape; the paging is in
two headers (RFC 8288 web linking, as GitHub's and GitLab's APIs page):

``Link``
    ``</api/v1/participants?limit=100&offset=100>; rel="next"`` while more items follow
    (the same query, ``offset`` moved on); absent on the last page. A client follows it
    until it is absent.
``X-Total-Count``
    the number of items over all pages, when it is known without extra work (the worklist,
    the review lists, the audit trail); the participant list reads one page and one row
    past it instead.

Offsets rather than opaque cursors: each list has a fixed, total order (study ID; the
worklist's sort with its ties broken by study ID and due date; reviews by status, date,
type and key; audit entries newest first), and an offset is what the store's pages use.
An item added while a client pages can shift the later pages by one — the price of
keeping the answers stateless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, Query, Request, Response

from follicle.web.api.models import INT_MAX

#: Items per page when ``limit`` is not given.
DEFAULT_LIMIT = 100

#: The most items one page may hold.
MAX_LIMIT = 1000

#: The headers of a paged answer, as the OpenAPI document states them.
PAGE_HEADERS: dict[str, dict[str, Any]] = {
    "Link": {
        "description": 'the next page, `<url>; rel="next"` (RFC 8288); absent on the last page',
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "items over all pages (the worklist, the review lists, the audit trail)",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


@dataclass(frozen=True)
class Page:
    """The page a request asks for: at most ``limit`` items after the first ``offset``."""

    limit: int
    offset: int

    @property
    def end(self) -> int:
        """The position after the page's last item."""
        return self.offset + self.limit


async def _page(  # a coroutine: FastAPI runs a plain function on a worker thread
    limit: Annotated[
        int,
        Query(ge=1, le=MAX_LIMIT, description=f"items per page (1 to {MAX_LIMIT})"),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int,
        Query(ge=0, le=INT_MAX, description="items of the order to skip (from 0)"),
    ] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


#: A route's paging parameters (``limit``, ``offset``), validated: a bad value is a 422
#: problem that names the parameter.
PageDep = Annotated[Page, Depends(_page)]


def page_responses(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """An operation's ``responses`` with the paging headers documented on its 200."""
    return {**responses, 200: {"headers": PAGE_HEADERS}}


def link_next(request: Request, page: Page) -> str:
    """The ``Link`` header naming the page after ``page``: the request's path and query,
    with ``offset`` (and ``limit``) of the next page."""
    url = request.url.include_query_params(limit=page.limit, offset=page.end)
    return f'<{url.path}?{url.query}>; rel="next"'


def set_page_headers(
    request: Request, response: Response, page: Page, *, more: bool, total: int | None = None
) -> None:
    """Put the paging headers on ``response``: ``Link`` when ``more`` items follow the page,
    ``X-Total-Count`` when ``total`` is known."""
    if more:
        response.headers["Link"] = link_next(request, page)
    if total is not None:
        response.headers["X-Total-Count"] = str(total)


def page_of(frame: pd.DataFrame, request: Request, response: Response, page: Page) -> pd.DataFrame:
    """The rows of ``frame`` (every item, in order) on ``page``, with the paging headers set."""
    total = len(frame)
    set_page_headers(request, response, page, more=page.end < total, total=total)
    return frame.iloc[page.offset : page.end]
