"""A woman's audit trail: every create, update and delete of her records, newest first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from follicle.store import records
from follicle.web.api.auth import ClinicalReader
from follicle.web.api.models import frame_records
from follicle.web.api.paging import PageDep, page_of, page_responses
from follicle.web.api.problems import responses
from follicle.web.api.records import ParticipantId
from follicle.web.deps import RegistryDep

router = APIRouter(tags=["audit"])


class AuditLine(BaseModel):
    """One changed column of one audit entry (an import entry is one line, no column)."""

    id: int = Field(description="the audit entry's number")
    at: str = Field(description="when (UTC)", json_schema_extra={"format": "date-time"})
    actor: str
    action: str
    table: str
    key: str | None = None
    column: str | None = None
    old: str | None = None
    new: str | None = None
    reason: str | None = None


@router.get(
    "/participants/{participant_id}/audit",
    response_model=list[AuditLine],
    operation_id="audit_trail",
    responses=page_responses(responses(422)),
)
def audit_trail(
    participant_id: ParticipantId,
    user: ClinicalReader,
    reg: RegistryDep,
    page: PageDep,
    request: Request,
    response: Response,
) -> Any:
    """Who changed what of hers, when, from which value to which, and why: newest first, a
    page of lines at a time (``Link`` names the next page, ``X-Total-Count`` counts them)."""
    with reg.read() as connection:
        frame = records.audit_trail(connection, user, participant_id)
    return frame_records(page_of(frame, request, response, page))
