"""Two-specialist review of reported events: the reviewer's queue, the event, the disputes.

Reviewers judge events of their sites (confirm, reclassify, reject); an admin or a
designated adjudicator decides the disputed ones. Who may see and do what is the store's
(:mod:`follicle.store.follow_up.adjudication`): the blinding of the other reviewer's judgment
included, so no page can show it early.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from follicle.errors import Conflict, PermissionDenied
from follicle.store.access.accounts import User
from follicle.store.follow_up import adjudication
from follicle.web.deps import FormDep, RegistryDep, Reviewer
from follicle.web.forms import frame_text, text_fields
from follicle.web.her_rows import enrolment_sites
from follicle.web.pages import render
from follicle.web.registry import Registry
from follicle.workbook.events import STATUSES
from follicle.workbook.schema import EVENT_TYPES, VERDICTS

router = APIRouter()

#: Events per page of the queue.
PAGE_SIZE = 50


def event_url(event_type: str, event_key: str) -> str:
    """The event page's path."""
    return f"/review/{quote(event_type, safe='')}/{quote(event_key, safe='')}"


@router.get("/review")
def queue(
    request: Request,
    user: Reviewer,
    reg: RegistryDep,
    site: str = "",
    status: str = "",
    event_type: str = "",
    mine: bool = False,
    page: int = 1,
) -> Response:
    """The events of the user's sites with where their review stands, and counts; paged
    (:data:`PAGE_SIZE` a page)."""
    status = status if status in STATUSES else ""
    event_type = event_type if event_type in EVENT_TYPES else ""
    # A reviewer opens on what waits for her; "all" shows everything.
    mine = mine or (user.role == "reviewer" and "mine" not in request.query_params and not status)
    with reg.read() as connection:
        frame, counts = adjudication.review_queue(
            connection,
            user,
            site=site or None,
            status=status or None,
            event_type=event_type or None,
            mine=mine,
        )
        sites = enrolment_sites(connection, user)
        adjudicator = adjudication.is_adjudicator(connection, user)
    pages = max(1, -(-len(frame) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = frame_text(frame.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    for row in rows:
        row["url"] = event_url(row["event_type"], row["event_key"])
    return render(
        request,
        "review.html",
        {
            "nav": "review",
            "rows": rows,
            "counts": counts,
            "statuses": STATUSES,
            "event_types": EVENT_TYPES,
            "site": site,
            "status": status,
            "event_type": event_type,
            "mine": mine,
            "sites": sites,
            "adjudicator": adjudicator,
            "page": page,
            "pages": pages,
            "shown": len(frame),
        },
    )


@router.get("/review/disputes")
def disputes(request: Request, user: Reviewer, reg: RegistryDep, site: str = "") -> Response:
    """The disputed events the user may decide, with both judgments and their reasons."""
    with reg.read() as connection:
        frame = adjudication.disputes(connection, user, site=site or None)
        sites = enrolment_sites(connection, user)
    rows = frame_text(frame)
    for row in rows:
        row["url"] = event_url(row["event_type"], row["event_key"])
    return render(
        request,
        "review_disputes.html",
        {"nav": "disputes", "rows": rows, "site": site, "sites": sites},
    )


def _shown(value: Any) -> Any:
    """A value of the event's row as the page shows it: missing as "", a date as its ISO day
    (a timestamp printed its midnight), anything else as it is (flags stay flags)."""
    if value is None or value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def _page(
    request: Request,
    reg: Registry,
    user: User,
    event_type: str,
    event_key: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    with reg.read() as connection:
        page = adjudication.event_page(connection, user, event_type, event_key)
    context: dict[str, Any] = {
        "nav": "review",
        "event": {k: _shown(v) for k, v in page.event.items()},
        "rows": frame_text(page.rows.drop(columns=["row_id"], errors="ignore")),
        "row_columns": [c for c in page.rows.columns if c != "row_id"],
        "entered": frame_text(page.entered),
        "contacts": frame_text(page.contacts.drop(columns=["row_id"], errors="ignore")),
        "others": frame_text(page.others),
        "judgments": frame_text(page.judgments),
        "can_judge": page.can_judge,
        "can_decide": page.can_decide,
        "vocabulary": page.vocabulary,
        "verdicts": VERDICTS if page.vocabulary else ("confirm", "reject"),
        "action": event_url(event_type, event_key),
        "v": values or {},
        "error": error,
        "saved": request.query_params.get("saved", ""),
    }
    for row in context["others"]:
        row["url"] = event_url(row["event_type"], row["event_key"])
    return render(request, "review_event.html", context, status_code=status_code)


@router.get("/review/{event_type}/{event_key:path}")
def event(
    request: Request, event_type: str, event_key: str, user: Reviewer, reg: RegistryDep
) -> Response:
    """One event: its source, the woman's other events, the judgments the user may see."""
    return _page(request, reg, user, event_type, event_key)


def _post(
    request: Request,
    reg: Registry,
    user: User,
    event_type: str,
    event_key: str,
    form: FormDep,
    *,
    decision: bool,
) -> Response:
    fields = text_fields(form)
    fields.pop("csrf_token", None)
    write = adjudication.decide if decision else adjudication.judge
    try:
        with reg.write() as connection:
            write(
                connection,
                user,
                event_type=event_type,
                event_key=event_key,
                recorded_value=fields.get("recorded_value", ""),
                verdict=fields.get("verdict", ""),
                corrected_value=fields.get("corrected_value", ""),
                reason=fields.get("reason", ""),
            )
    except PermissionDenied:
        raise
    except (adjudication.InvalidJudgment, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return _page(
            request,
            reg,
            user,
            event_type,
            event_key,
            values=fields,
            error=str(exc),
            status_code=status,
        )
    saved = "decision" if decision else "judgment"
    return RedirectResponse(f"{event_url(event_type, event_key)}?saved={saved}", status_code=303)


@router.post("/review/{event_type}/{event_key:path}/decision")
def decide(
    request: Request,
    event_type: str,
    event_key: str,
    user: Reviewer,
    reg: RegistryDep,
    form: FormDep,
) -> Response:
    """Record the adjudicator's final decision on a disputed event."""
    return _post(request, reg, user, event_type, event_key, form, decision=True)


@router.post("/review/{event_type}/{event_key:path}")
def judge(
    request: Request,
    event_type: str,
    event_key: str,
    user: Reviewer,
    reg: RegistryDep,
    form: FormDep,
) -> Response:
    """Record the reviewer's own judgment of the event."""
    return _post(request, reg, user, event_type, event_key, form, decision=False)
