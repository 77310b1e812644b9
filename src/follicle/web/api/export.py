"""The workbook as a download: de-identified (analysts, admins) or full (admins only).

The same export as the data page (:func:`follicle.web.downloads.export_bytes`), audited the
same way; a POST, because a de-identified export stores the codes it hands out.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from follicle.errors import PermissionDenied
from follicle.web.api.auth import Exporter
from follicle.web.api.models import Forbid
from follicle.web.api.problems import responses
from follicle.web.deps import RegistryDep
from follicle.web.downloads import export_bytes

router = APIRouter(tags=["export"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"


class ExportRequest(Forbid):
    """Which export, in which format (``csv``: a zip of the eight CSV files)."""

    kind: Literal["deidentified", "full"] = "deidentified"
    format: Literal["xlsx", "csv"] = "xlsx"


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/export",
    operation_id="export",
    response_class=Response,
    responses={
        200: {"description": "the workbook", "content": {XLSX: _BINARY, ZIP: _BINARY}},
        **responses(422),
    },
)
def export(body: ExportRequest, user: Exporter, reg: RegistryDep) -> Response:
    """The registry as a workbook: analysts get the de-identified one only."""
    deidentified = body.kind == "deidentified"
    if not deidentified and user.role != "admin":
        raise PermissionDenied("analysts get the de-identified export only")
    data = export_bytes(reg, deidentified=deidentified, fmt=body.format, actor=user.username)
    stem = "follicle-deidentified" if deidentified else "follicle-workbook"
    name, media = (f"{stem}.xlsx", XLSX) if body.format == "xlsx" else (f"{stem}-csv.zip", ZIP)
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
