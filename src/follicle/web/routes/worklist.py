"""The follow-up worklist: today's calls first, then every milestone by status, per site.

The page opens on the calls to make today (milestones due or overdue whose window is still
open), the window closing soonest first, 50 to a page, with the counts of every status.
Name and phone are shown to the roles that may see them (admins and coordinators), read
for the page's women only. The milestones themselves come from the application's
:class:`~follicle.store.follow_up.schedule.ScheduleCache`, kept until the registry changes.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from follicle.store.follow_up import worklist as schedule
from follicle.web.deps import Enroller, RegistryDep
from follicle.web.forms import frame_text
from follicle.web.her_rows import enrolment_sites
from follicle.web.pages import render

router = APIRouter()

#: The status tabs, in the order a coordinator works through them.
STATUSES = ("calls", "overdue", "due", "upcoming", "missed", "done")
SORTS = {
    "window_end": "Window closes",
    "due_date": "Due date",
    "participant_id": "Study ID",
    "site": "Site",
    "milestone": "Milestone",
    "status": "Status",
    "last_contact": "Last contact",
}

#: Rows per page.
PER_PAGE = 50


@router.get("/worklist")
def worklist(
    request: Request,
    user: Enroller,
    reg: RegistryDep,
    site: str = "",
    status: str = "calls",
    sort: str = "window_end",
    desc: bool = False,
    page: int = 1,
) -> Response:
    """One page of the user's sites' milestones, filtered by site and status, sorted, with
    the counts of every status; ``status=all`` shows every milestone."""
    status = status if status in (*STATUSES, "all") else "calls"
    sort = sort if sort in SORTS else "window_end"
    with reg.read() as connection:
        found = schedule.worklist_page(
            connection,
            user,
            today=date.today(),
            site=site or None,
            status=None if status == "all" else status,
            sort=sort,
            descending=desc,
            page=page,
            per_page=PER_PAGE,
            cache=reg.schedule,
        )
        people = schedule.identities(
            connection, user, found.rows["participant_id"].astype(str).tolist()
        )
        sites = enrolment_sites(connection, user)
    rows = frame_text(found.rows)
    for row in rows:
        row["full_name"], row["phone"] = people.get(row["participant_id"], ("", ""))

    def link(**changes: object) -> str:
        query = {"site": site, "status": status, "sort": sort, "desc": desc, "page": 1}
        query.update(changes)
        wanted = {k: v for k, v in query.items() if v not in ("", False, None)}
        wanted["desc"] = "true" if query["desc"] else ""
        return "?" + urlencode({k: v for k, v in wanted.items() if v != ""})

    return render(
        request,
        "worklist.html",
        {
            "nav": "worklist",
            "rows": rows,
            "counts": found.counts,
            "total": found.total,
            "page": found.page,
            "pages": found.pages,
            "per_page": PER_PAGE,
            "statuses": STATUSES,
            "sorts": SORTS,
            "site": site,
            "status": status,
            "sort": sort,
            "desc": desc,
            "sites": sites,
            "link": link,
            "sees_identity": user.sees_identity,
        },
    )
