"""Import and export of the workbook from the browser.

Admins import (all or nothing, audited, as ``follicle import``) and export the full
workbook; analysts export only the de-identified workbook (dates as days since the first
injection, no free text, recoded IDs) — the one export an analyst ever gets.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from follicle.errors import Conflict, PermissionDenied, WorkbookInvalid
from follicle.store.importing.importer import import_workbook
from follicle.web.deps import Admin, Exporter, FormDep, RegistryDep
from follicle.web.downloads import FORMATS, export_bytes
from follicle.web.pages import render
from follicle.web.registry import Registry
from follicle.web.security import MAX_UPLOAD_BYTES
from follicle.workbook.validate import validate_path

router = APIRouter()

#: The import form's checkbox for ``update`` (the page and the conflict message say it alike).
UPDATE_LABEL = "Apply changes to women already in the registry"


@router.get("/data")
def data_page(request: Request, user: Exporter) -> Response:
    """The import form (admins) and the export form."""
    return render(request, "data.html", {"nav": "data", "update_label": UPDATE_LABEL})


async def _save_uploads(form_files: list[UploadFile], folder: Path) -> Path:
    """Write the uploaded workbook (one .xlsx, or the CSV files) into ``folder``."""
    xlsx = [f for f in form_files if (f.filename or "").lower().endswith(".xlsx")]
    if xlsx:
        target = folder / "workbook.xlsx"
        target.write_bytes(await xlsx[0].read())
        return target
    for upload in form_files:
        name = Path(upload.filename or "").name
        if name.lower().endswith(".csv"):
            (folder / name).write_bytes(await upload.read())
    return folder


def _import(
    reg: Registry, path: Path, *, update: bool, create_sites: bool, actor: str
) -> tuple[str, list[str]]:
    result = validate_path(path)
    if not result.ok:
        return "", [str(p) for p in result.problems[:200]]
    with reg.writer():
        summary = import_workbook(
            reg.engine,
            result.workbook(),
            update=update,
            actor=actor,
            unknown_sites="create" if create_sites else "refuse",
            update_hint=f"tick “{UPDATE_LABEL}” to apply the workbook",
        )
    return str(summary), []


@router.post("/data/import", max_body_size=MAX_UPLOAD_BYTES)
async def import_upload(request: Request, user: Admin, reg: RegistryDep, form: FormDep) -> Response:
    """Validate and import an uploaded workbook, all or nothing."""
    files = [f for f in form.getlist("workbook") if isinstance(f, UploadFile)]
    update = form.get("update") == "yes"
    create_sites = form.get("create_sites") == "yes"
    with tempfile.TemporaryDirectory(prefix="follicle-upload-") as scratch:
        try:
            path = await _save_uploads(files, Path(scratch))
        finally:
            for upload in files:
                await upload.close()
        try:
            summary, problems = await run_in_threadpool(
                _import, reg, path, update=update, create_sites=create_sites, actor=user.username
            )
        except (Conflict, WorkbookInvalid) as exc:
            summary, problems = "", [str(exc), *(str(p) for p in exc.problems[:200])]
    status = 200 if summary else 422
    return render(
        request,
        "data.html",
        {"nav": "data", "summary": summary, "problems": problems, "update_label": UPDATE_LABEL},
        status_code=status,
    )


@router.post("/data/export")
def export(request: Request, user: Exporter, reg: RegistryDep, form: FormDep) -> Response:
    """The workbook as a download: de-identified for analysts, either for admins."""
    deidentified = form.get("kind", "deidentified") != "full"
    if not deidentified and user.role != "admin":
        raise PermissionDenied("analysts get the de-identified export only")
    fmt = str(form.get("format", "xlsx"))
    fmt = fmt if fmt in FORMATS else "xlsx"
    body = export_bytes(reg, deidentified=deidentified, fmt=fmt, actor=user.username)
    stem = "follicle-deidentified" if deidentified else "follicle-workbook"
    name, media = (
        (f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        if fmt == "xlsx"
        else (f"{stem}-csv.zip", "application/zip")
    )
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
