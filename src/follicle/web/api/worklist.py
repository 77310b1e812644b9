"""The follow-up worklist: the contacts due, overdue, done and upcoming at the token's sites."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from follicle.store.follow_up import schedule
from follicle.store.follow_up import worklist as worklists
from follicle.web.api.auth import Enroller
from follicle.web.api.models import frame_records
from follicle.web.api.paging import PageDep, page_of, page_responses
from follicle.web.api.problems import responses
from follicle.web.api.records import SiteQuery
from follicle.web.deps import RegistryDep

router = APIRouter(tags=["worklist"])

Status = Literal[schedule.STATUSES]  # type: ignore[valid-type]
#: A status, or ``calls``: today's calls (due and overdue), as the page opens on.
Filter = Literal[worklists.FILTERS]  # type: ignore[valid-type]
Sort = Literal[worklists.SORTS]  # type: ignore[valid-type]


class Milestone(BaseModel):
    """One scheduled contact of a woman
    (see :func:`follicle.store.follow_up.schedule.milestones`)."""

    participant_id: str
    site: str
    milestone: str = Field(description="code unique within the woman: inj1-3m, yearly-2")
    kind: str = Field(description="the contacts' milestone word it needs: 3m, 6m, 12m, annual")
    label: str
    injection: int | None = Field(None, description="the injection's number (none: yearly)")
    due_date: str = Field(json_schema_extra={"format": "date"})
    window_start: str = Field(json_schema_extra={"format": "date"})
    window_end: str = Field(json_schema_extra={"format": "date"})
    status: Status
    contact_date: str | None = Field(None, description="the contact that fulfilled it")
    last_contact: str | None = Field(
        None, description="her latest contact of any kind", json_schema_extra={"format": "date"}
    )


class Worklist(BaseModel):
    """A page of the milestones asked for, and how many of each status before the status
    filter (over all pages), with ``calls`` (due and overdue) and ``all``."""

    counts: dict[str, int]
    items: list[Milestone]


@router.get(
    "/worklist",
    response_model=Worklist,
    operation_id="worklist",
    responses=page_responses(responses(422)),
)
def worklist(
    user: Enroller,
    reg: RegistryDep,
    page: PageDep,
    request: Request,
    response: Response,
    site: SiteQuery = None,
    status: Annotated[
        Filter | None,
        Query(description="one status, or `calls` (due and overdue: today's calls); all if absent"),
    ] = None,
    sort: Sort = "due_date",
    desc: bool = False,
) -> Any:
    """Contacts of the token's sites, filtered by site and status, sorted, with counts; a
    page at a time (``Link`` names the next page, ``X-Total-Count`` counts the filtered)."""
    with reg.read() as connection:
        frame, counts = schedule.worklist(
            connection,
            user,
            today=date.today(),
            site=site,
            status=status,
            sort=sort,
            descending=desc,
        )
    return {"counts": counts, "items": frame_records(page_of(frame, request, response, page))}
