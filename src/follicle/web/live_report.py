"""The live report's background computations, and the reports they leave behind.

A report takes seconds to minutes (figures, Word, Excel), far too long for a request: the
page starts a :class:`ReportJob` on one background thread (one at a time: the server's
cores serve the pages) and polls its progress. Each job is keyed by what it reports on —
the registry's state (:func:`follicle.store.exporting.report_source.registry_state`), the
site filter and whether events are adjudicated — so a second visit with nothing changed finds the
finished report at once; a change of the registry makes the next visit compute a new one.
Only the newest report per (site, counting) is kept on disk.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from follicle.errors import FollicleError

#: The steps of a report, for the progress bar: loading, then :data:`report.build.STEPS`.
LOADING = "loading the registry"

#: What a report is of: (registry state, site or None for all, adjudicated).
JobKey = tuple[str, str | None, bool]


@dataclass
class ReportJob:
    """One report being computed or computed.

    ``status`` is ``running``, ``done`` or ``failed`` (``error`` says why, in words);
    ``step`` the step under way, ``done_steps`` of ``total_steps``.
    """

    id: str
    key: JobKey
    folder: Path
    total_steps: int
    status: str = "running"
    step: str = LOADING
    done_steps: int = 0
    error: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None

    @property
    def percent(self) -> int:
        """Progress, 0–100."""
        return round(100 * self.done_steps / max(self.total_steps, 1))


class ReportJobs:
    """The application's report jobs (thread-safe)."""

    def __init__(self, root: Path | None = None, *, background: bool = True) -> None:
        """Reports go under ``root`` (a new temporary folder by default). ``background``
        False computes in the requesting thread instead (tests that must not race one)."""
        self.root = root or Path(tempfile.mkdtemp(prefix="follicle-live-report-"))
        self.background = background
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str | None, bool], ReportJob] = {}
        self._by_id: dict[str, ReportJob] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="follicle-report")

    def get(self, job_id: str) -> ReportJob | None:
        """The job ``job_id`` (``None`` if unknown or replaced)."""
        with self._lock:
            return self._by_id.get(job_id)

    def current(
        self, key: JobKey, start: Callable[[ReportJob], None] | None = None
    ) -> ReportJob | None:
        """The job for ``key``: the one running or done, else a new one given to ``start``
        (on the background thread), replacing the older report of the same site and
        counting. Without ``start``, ``None`` when there is none."""
        state, site, adjudicated = key
        with self._lock:
            found = self._by_key.get((site, adjudicated))
            if found is not None and (found.key == key or found.status == "running"):
                # A job still running for an older state finishes first: then the next
                # visit starts the current one (one computation at a time).
                return found
            if start is None:
                return None
            from follicle.report.build import STEPS

            job_id = secrets.token_urlsafe(12)
            job = ReportJob(job_id, key, self.root / job_id, total_steps=len(STEPS) + 1)
            if found is not None:
                self._by_id.pop(found.id, None)
                shutil.rmtree(found.folder, ignore_errors=True)
            self._by_key[(site, adjudicated)] = job
            self._by_id[job_id] = job
        if self.background:
            self._pool.submit(self._run, job, start)
        else:
            self._run(job, start)
        return job

    @staticmethod
    def _run(job: ReportJob, start: Callable[[ReportJob], None]) -> None:
        try:
            start(job)
            job.done_steps = job.total_steps
            job.status = "done"
        except FollicleError as exc:
            job.error, job.status = str(exc), "failed"
        except Exception as exc:  # a page must say it failed, not spin for ever
            job.error = f"the report could not be computed ({type(exc).__name__})"
            job.status = "failed"
        finally:
            job.finished = datetime.now(UTC)

    def close(self) -> None:
        """Stop the worker and remove the reports (application shutdown)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)


def compute(engine: Engine, job: ReportJob, *, actor: str) -> None:
    """Analyse the de-identified registry and write the report into ``job.folder``."""
    from follicle.analysis.cohort import Cohort
    from follicle.report.build import STEPS, build_report
    from follicle.store.exporting.report_source import deidentified_registry

    _, site, adjudicated = job.key
    workbook, judgments = deidentified_registry(engine, site=site, actor=actor)
    job.done_steps = 1
    cohort = Cohort(
        workbook, judgments=judgments if len(judgments) else None, adjudicated=adjudicated
    )

    def progress(name: str) -> None:
        job.step = name
        job.done_steps = 1 + list(STEPS).index(name)

    build_report(cohort, job.folder, progress=progress)
