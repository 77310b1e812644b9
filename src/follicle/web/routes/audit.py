"""A woman's audit trail: every create, update and delete of her records, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from follicle.store import records
from follicle.web.deps import ClinicalReader, RegistryDep
from follicle.web.forms import frame_text
from follicle.web.pages import render

router = APIRouter()


@router.get("/participants/{participant_id}/audit")
def audit_trail(
    request: Request, participant_id: str, user: ClinicalReader, reg: RegistryDep
) -> Response:
    """Who changed what, when, from which value to which, and why (read-only)."""
    with reg.read() as connection:
        frame = records.audit_trail(connection, user, participant_id)
        # The entries shown are checked against the chain before they are believed.
        shown = [int(i) for i in frame["id"].unique()]
        broken = reg.audit.check(connection, shown)
    # Date and time to the second (UTC): several changes can fall on one day.
    frame["at"] = frame["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return render(
        request,
        "audit.html",
        {
            "nav": "participants",
            "pid": participant_id,
            "rows": frame_text(frame),
            "audit_alert": broken,
        },
    )
