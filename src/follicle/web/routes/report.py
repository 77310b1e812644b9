"""The live report: the current registry analysed, de-identified, for admins and analysts.

``/report`` shows the finished report of the registry as it stands (with its downloads), or
starts computing it in the background and shows its progress (HTMX polls
``/report/progress`` until it is done). Admins may narrow it to one site; analysts see the
whole registry, as in their de-identified export. Reports are kept until the registry
changes (:mod:`follicle.web.live_report`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from follicle.errors import NotFound
from follicle.store.access.accounts import User
from follicle.store.exporting.report_source import registry_state
from follicle.web.deps import Exporter, RegistryDep
from follicle.web.her_rows import enrolment_sites
from follicle.web.live_report import ReportJob, ReportJobs, compute
from follicle.web.pages import render
from follicle.web.registry import Registry

router = APIRouter()

#: The downloads offered beside the report: file → (label, media type).
DOWNLOADS = {
    "tables.docx": (
        "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "tables.xlsx": ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "results.json": ("JSON", "application/json"),
    "index.html": ("HTML", "text/html; charset=utf-8"),
}

#: The report's own page: inline CSS and SVG (it is a standalone file), no script at all.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _jobs(request: Request) -> ReportJobs:
    jobs: ReportJobs | None = getattr(request.app.state, "report_jobs", None)
    if jobs is None:
        jobs = request.app.state.report_jobs = ReportJobs()
    return jobs


def _site(user: User, site: str, sites: list[tuple[str, str]]) -> str | None:
    """The site filter: admins may narrow to one of ``sites`` (:func:`enrolment_sites`);
    analysts see the whole registry. A code that names no site is not found: each site's
    report stays on disk until it is replaced, so made-up codes would pile up reports of
    no one."""
    chosen = site.strip() or None if user.role == "admin" else None
    if chosen is not None and chosen not in {code for code, _ in sites}:
        raise NotFound(f"there is no site {chosen}")
    return chosen


def _admin_sites(reg: Registry, user: User) -> list[tuple[str, str]]:
    """The sites an admin may narrow the report to (none for an analyst)."""
    if user.role != "admin":
        return []
    with reg.read() as connection:
        return enrolment_sites(connection, user)


def _job(
    request: Request, reg: Registry, user: User, site: str | None, adjudicated: bool, *, start: bool
) -> ReportJob | None:
    with reg.read() as connection:
        state = registry_state(connection)
    engine = reg.engine

    def run(job: ReportJob) -> None:
        compute(engine, job, actor=user.username)

    return _jobs(request).current((state, site, adjudicated), run if start else None)


def _query(site: str | None, adjudicated: bool) -> str:
    return urlencode({"site": site or "", "adjudicated": "true" if adjudicated else "false"})


@router.get("/report")
def report_page(
    request: Request, user: Exporter, reg: RegistryDep, site: str = "", adjudicated: bool = False
) -> Response:
    """The current report, or its progress while it is computed."""
    sites = _admin_sites(reg, user)  # read once: the filter's check and the page's choices
    chosen = _site(user, site, sites)
    job = _job(request, reg, user, chosen, adjudicated, start=True)
    assert job is not None
    return render(
        request,
        "report.html",
        {
            "nav": "report",
            "job": job,
            "site": chosen or "",
            "sites": sites,
            "adjudicated": adjudicated,
            "query": _query(chosen, adjudicated),
            "downloads": DOWNLOADS,
        },
    )


@router.get("/report/progress")
def progress(
    request: Request, user: Exporter, reg: RegistryDep, site: str = "", adjudicated: bool = False
) -> Response:
    """The progress fragment (HTMX); when the report is ready, the page reloads itself."""
    chosen = _site(user, site, _admin_sites(reg, user) if site.strip() else [])
    job = _job(request, reg, user, chosen, adjudicated, start=False)
    headers = {}
    if job is None or job.status != "running":
        headers["HX-Refresh"] = "true"
    return render(
        request,
        "_report_progress.html",
        {"job": job, "query": _query(chosen, adjudicated), "downloads": DOWNLOADS},
        headers=headers,
    )


@router.get("/report/files/{job_id}/{name}")
def report_file(request: Request, job_id: str, name: str, user: Exporter) -> Response:
    """A finished report's file: the HTML report itself, or a download."""
    job = _jobs(request).get(job_id)
    # An analyst's reports cover the whole registry; a site's report is the admin's.
    if (
        job is None
        or job.status != "done"
        or name not in DOWNLOADS
        or (user.role != "admin" and job.key[1] is not None)
    ):
        raise NotFound(f"there is no report file {name}")
    path = Path(job.folder) / name
    if not path.is_file():
        raise NotFound(f"there is no report file {name}")
    label, media = DOWNLOADS[name]
    if name == "index.html":
        return FileResponse(path, media_type=media, headers={"content-security-policy": REPORT_CSP})
    stem = "follicle-report" + (f"-{job.key[1]}" if job.key[1] else "")
    return FileResponse(path, media_type=media, filename=f"{stem}{Path(name).suffix}")
