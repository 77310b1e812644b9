"""Two-specialist review of reported events: the queue, one event, judgments and decisions.

The same store functions as the review pages (:mod:`follicle.store.follow_up.adjudication`), so the
same rules hold: reviewers (and admins) of the woman's site read; a reviewer judges an event
once, blind to the other reviewer's judgment until both are in; an admin or a designated
adjudicator who did not review it decides a disputed event. An event is named by its type
and key as the queue gives them (a key holds ``|``: percent-encode it, ``%7C``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from follicle.store.access.accounts import User
from follicle.store.follow_up import adjudication
from follicle.web.api.auth import Judge
from follicle.web.api.models import TEXT_MAX, Forbid, Text, frame_records
from follicle.web.api.paging import PageDep, page_of, page_responses
from follicle.web.api.problems import responses
from follicle.web.api.records import KEY_PATTERN, SiteQuery
from follicle.web.deps import RegistryDep
from follicle.web.registry import Registry
from follicle.workbook.events import STATUSES
from follicle.workbook.schema import EVENT_TYPES, VERDICTS

router = APIRouter(tags=["reviews"])

Status = Literal[STATUSES]  # type: ignore[valid-type]
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
Verdict = Literal[VERDICTS]  # type: ignore[valid-type]

EventKey = Annotated[
    str,
    Path(
        pattern=KEY_PATTERN,
        max_length=400,
        description="the event's key as the queue gives it, e.g. `P001|ovarian_cyst|2021-03-02`",
    ),
]


class ReviewEvent(BaseModel):
    """A reported event and where its review stands. Blind: the reviewers' names, verdicts
    and values are null to a reviewer until both have judged (an admin sees them);
    ``my_verdict`` and ``my_value`` are the caller's own."""

    event_type: EventType
    event_key: str
    participant_id: str
    site: str
    recorded_value: str = Field(description="the value as reported (the judged value)")
    event_date: str | None = Field(None, json_schema_extra={"format": "date"})
    status: Status
    reviews: int = Field(description="reviews of the recorded value in (0–2)")
    reviewer_1: str | None = None
    verdict_1: str | None = None
    value_1: str | None = None
    reviewer_2: str | None = None
    verdict_2: str | None = None
    value_2: str | None = None
    decided_by: str | None = None
    final_verdict: str | None = Field(None, description="the agreed or decided verdict")
    final_value: str | None = None
    my_verdict: str | None = None
    my_value: str | None = None
    judged_by_me: bool


class ReviewQueue(BaseModel):
    """A page of the events asked for, and counts before the filters: one per status,
    ``all``, and ``mine`` (waiting for the caller's judgment)."""

    counts: dict[str, int]
    items: list[ReviewEvent]


class Judgment(BaseModel):
    """One review or decision of the event, as the caller may see it."""

    judgment_id: str
    recorded_value: str = Field(description="the value that was judged")
    current: bool = Field(description="whether that value is still the event's")
    stage: Literal["review", "decision"]
    reviewer: str
    verdict: Verdict
    corrected_value: str | None = None
    reason: str | None = None
    judged_on: str = Field(json_schema_extra={"format": "date"})


class OtherEvent(BaseModel):
    """Another event of the same woman."""

    event_type: EventType
    event_key: str
    recorded_value: str
    event_date: str | None = Field(None, json_schema_extra={"format": "date"})
    status: Status


class EventReview(BaseModel):
    """One event: its review, the judgments the caller may see (newest first, those of
    earlier recorded values too), her other events, and what the caller may do now. The
    rows that report it are hers: ``/participants/{participant_id}/…``."""

    event: ReviewEvent
    judgments: list[Judgment]
    others: list[OtherEvent]
    can_judge: bool
    can_decide: bool
    reclassify_to: list[str] = Field(
        description="the values a reclassify may give (none: confirm or reject only)"
    )


class JudgmentBody(Forbid):
    """A judgment or decision, as on the event's page."""

    recorded_value: Annotated[Text, Field(min_length=1, max_length=TEXT_MAX)] = Field(
        description="the event's value as the caller read it: if it changed since, nothing "
        "is saved (409)"
    )
    verdict: Verdict
    corrected_value: Annotated[Text, Field(max_length=TEXT_MAX)] | None = Field(
        None, description="with reclassify only: one of the event's `reclassify_to`"
    )
    reason: Annotated[Text, Field(max_length=TEXT_MAX)] | None = Field(
        None, description="needed for reclassify, reject and every decision"
    )


class Judged(BaseModel):
    """The judgment recorded, and the event's status after it."""

    judgment_id: str
    status: Status


@router.get(
    "/reviews",
    response_model=ReviewQueue,
    operation_id="review_queue",
    responses=page_responses(responses(422)),
)
def review_queue(
    user: Judge,
    reg: RegistryDep,
    page: PageDep,
    request: Request,
    response: Response,
    site: SiteQuery = None,
    status: Status | None = None,
    event_type: EventType | None = None,
    mine: Annotated[bool, Query(description="only the events waiting for my judgment")] = False,
) -> Any:
    """The events of the token's sites with where their review stands, by status then
    date, a page at a time (``Link``, ``X-Total-Count``); blind until both have judged."""
    with reg.read() as connection:
        frame, counts = adjudication.review_queue(
            connection, user, site=site, status=status, event_type=event_type, mine=mine
        )
    return {"counts": counts, "items": _records(page_of(frame, request, response, page))}


@router.get(
    "/reviews/disputes",
    response_model=list[ReviewEvent],
    operation_id="review_disputes",
    responses=page_responses(responses(422)),
)
def disputes(
    user: Judge,
    reg: RegistryDep,
    page: PageDep,
    request: Request,
    response: Response,
    site: SiteQuery = None,
) -> Any:
    """The disputed events the token's user may decide (an admin or a designated
    adjudicator who reviewed neither), with both reviews, a page at a time."""
    with reg.read() as connection:
        frame = adjudication.disputes(connection, user, site=site)
    return _records(page_of(frame, request, response, page))


@router.get(
    "/reviews/{event_type}/{event_key}",
    response_model=EventReview,
    operation_id="review_event",
    responses=responses(422),
)
def event(event_type: EventType, event_key: EventKey, user: Judge, reg: RegistryDep) -> Any:
    """One event of the token's sites, with the judgments its user may see: a reviewer
    her own only until both have judged."""
    with reg.read() as connection:
        page = adjudication.event_page(connection, user, event_type, event_key)
    judgments = page.judgments.drop(columns=["participant_id", "event_type", "event_key"])
    judgments["judged_on"] = pd.to_datetime(judgments["judged_on"])  # dates, not text
    return {
        "event": _records(_one(page.event))[0],
        "judgments": _records(judgments),
        "others": frame_records(page.others),
        "can_judge": page.can_judge,
        "can_decide": page.can_decide,
        "reclassify_to": list(page.vocabulary),
    }


#: Values a judgment may leave out, kept as "" by the store: ``null`` in the answers.
_OPTIONAL = ("value_1", "value_2", "final_value", "my_value", "corrected_value")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    present = [c for c in _OPTIONAL if c in frame.columns]
    return frame_records(frame.assign(**{c: frame[c].replace("", None) for c in present}))


def _one(row: dict[str, Any]) -> pd.DataFrame:
    """The event's row as a frame, its date a date (a missing one is ``None`` in the row)."""
    return pd.DataFrame([row]).astype({"event_date": "datetime64[ns]"})


def _write(
    decision: bool,
    event_type: str,
    event_key: str,
    body: JudgmentBody,
    user: User,
    reg: Registry,
) -> dict[str, str]:
    write = adjudication.decide if decision else adjudication.judge
    with reg.write() as connection:
        judged = write(
            connection,
            user,
            event_type=event_type,
            event_key=event_key,
            recorded_value=body.recorded_value,
            verdict=body.verdict,
            corrected_value=body.corrected_value or "",
            reason=body.reason or "",
        )
    return {"judgment_id": judged.judgment_id, "status": judged.status}


@router.post(
    "/reviews/{event_type}/{event_key}/judgments",
    response_model=Judged,
    status_code=201,
    operation_id="judge_event",
    responses=responses(409, 422),
)
def judge(
    event_type: EventType, event_key: EventKey, body: JudgmentBody, user: Judge, reg: RegistryDep
) -> Any:
    """A reviewer's own judgment of an event of her sites (once per event; audited). An
    admin decides rather than judges (403)."""
    return _write(False, event_type, event_key, body, user, reg)


@router.post(
    "/reviews/{event_type}/{event_key}/decision",
    response_model=Judged,
    status_code=201,
    operation_id="decide_event",
    responses=responses(409, 422),
)
def decide(
    event_type: EventType, event_key: EventKey, body: JudgmentBody, user: Judge, reg: RegistryDep
) -> Any:
    """The final decision on a disputed event, by an admin or a designated adjudicator who
    did not review it (audited; 409 when the event is not disputed)."""
    return _write(True, event_type, event_key, body, user, reg)
