"""The follow-up worklist: scheduled contacts due, overdue, done and upcoming, per site."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from follicle.store import schedule
from follicle.web.deps import Enroller, RegistryDep
from follicle.web.forms import frame_text
from follicle.web.pages import render
from follicle.web.routes.participants import _sites

router = APIRouter()

STATUSES = ("overdue", "due", "upcoming", "done")
SORTS = {
    "due_date": "Due date",
    "participant_id": "Study ID",
    "site": "Site",
    "milestone": "Milestone",
    "status": "Status",
}


@router.get("/worklist")
def worklist(
    request: Request,
    user: Enroller,
    reg: RegistryDep,
    site: str = "",
    status: str = "",
    sort: str = "due_date",
    desc: bool = False,
) -> Response:
    """Contacts of the user's sites, filtered by site and status, sorted, with counts."""
    status = status if status in STATUSES else ""
    sort = sort if sort in SORTS else "due_date"
    with reg.read() as connection:
        frame, counts = schedule.worklist(
            connection,
            user,
            today=date.today(),
            site=site or None,
            status=status or None,
            sort=sort,
            descending=desc,
        )
        sites = _sites(connection, user)
    return render(
        request,
        "worklist.html",
        {
            "nav": "worklist",
            "rows": frame_text(frame),
            "counts": counts,
            "statuses": STATUSES,
            "sorts": SORTS,
            "site": site,
            "status": status,
            "sort": sort,
            "desc": desc,
            "sites": sites,
        },
    )
