"""``follicle report``: every output of the report, built from one cohort.

:func:`build_report` asks the cohort for its results once, turns them into report tables
(:func:`follicle.report.tables.from_result`) and figures (drawn by the cohort on the
report's axes, in the report's style), and writes::

    DIR/index.html      the report page, self-contained
    DIR/results.json    every number, machine-readable
    DIR/figures/        figure1.png (300 dpi), figure1.svg, …
    DIR/tables.xlsx     a sheet per table, numbers as numbers
    DIR/tables.docx     the tables as a manuscript's tables

A result is a figure when its name starts with ``figure`` and the cohort has a drawing
method of that name (``cohort.figure1(ax=…)``); the figure takes the result's label, title
and notes and stays in the results' order on the page. Every other result is a table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from follicle.report.docx import write_docx
from follicle.report.figures import (
    FIGSIZE,
    FIGSIZES,
    ReportFigure,
    finish,
    new_axes,
    report_style,
    save_figure,
)
from follicle.report.html import write_html
from follicle.report.methods import write_methods
from follicle.report.provenance import WorkbookLike, provenance_of
from follicle.report.results_json import write_results_json
from follicle.report.tables import ReportTable, from_result
from follicle.report.xlsx import write_xlsx

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from follicle.analysis.result import Result

#: The steps reported to ``progress``, in order.
STEPS = ("results", "figures", "index.html", "results.json", "tables.xlsx", "tables.docx")


class CohortLike(Protocol):
    """What :func:`build_report` needs of a cohort (:class:`follicle.analysis.cohort.Cohort`)."""

    @property
    def workbook(self) -> WorkbookLike:
        """Where the cohort was read from (``source``, ``checksums``)."""

    @property
    def women(self) -> Any:
        """One row per treated woman."""

    @property
    def pregnancies(self) -> Any:
        """One row per pregnancy."""

    @property
    def excluded(self) -> Any:
        """Enrolled women left out of the analysis."""

    def results(self) -> Mapping[str, Result]:
        """Every result, keyed by name, in report order."""


@dataclass(frozen=True)
class ReportPaths:
    """Where :func:`build_report` wrote each output."""

    out_dir: Path
    html: Path
    results_json: Path
    xlsx: Path
    docx: Path
    figures: tuple[Path, ...]

    def all(self) -> tuple[Path, ...]:
        """Every file written."""
        return (self.html, self.results_json, self.xlsx, self.docx, *self.figures)


def _drawer(cohort: object, name: str) -> Callable[..., Figure] | None:
    method = getattr(cohort, name, None) if name.startswith("figure") else None
    return method if callable(method) else None


def _draw_figures(
    cohort: object, results: Mapping[str, Result], directory: Path
) -> list[ReportFigure]:
    figures = []
    previous = ""
    with report_style():
        for name, result in results.items():
            draw = _drawer(cohort, name)
            if draw is None:
                previous = name
                continue
            figure = finish(draw(ax=new_axes(FIGSIZES.get(name, FIGSIZE))))
            saved = save_figure(figure, directory, name)
            figures.append(
                ReportFigure(
                    name=name,
                    label=result.label,
                    title=result.title,
                    svg=saved.inline_svg,
                    png=saved.png,
                    svg_file=saved.svg,
                    after=previous,
                    notes=tuple(result.notes),
                )
            )
    return figures


def _count(frame: Any) -> int | None:
    try:
        return len(frame)
    except TypeError:
        return None


def build_report(
    cohort: CohortLike,
    out_dir: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
    now: datetime | None = None,
    demo: bool | None = None,
) -> ReportPaths:
    """Write the report of ``cohort`` into ``out_dir`` (created when missing).

    Parameters
    ----------
    cohort
        A :class:`follicle.analysis.cohort.Cohort` (or anything with its interface:
        ``results()``, ``figureN(ax=…)``, ``women``, ``pregnancies``, ``excluded`` and
        ``workbook.source``/``workbook.checksums``).
    out_dir
        The output folder; files of the same names are replaced, others left alone.
    progress
        Called with each step's name (:data:`STEPS`) before it starts, e.g. to advance a
        progress bar.
    now
        The generation time to record (UTC now by default).
    demo
        Mark the report as the bundled demo cohort's ("reconstructed from published
        aggregates; not patient data"). By default this is detected by content: the
        SHA-256 of the seed's eight files are among ``workbook.checksums`` (a copy of the
        seed folder, or a registry the seed was imported into, is recognised too; see
        :func:`follicle.report.provenance.is_demo_workbook`). ``True`` or ``False``
        overrides the detection.

    Returns
    -------
    ReportPaths
        The files written.
    """

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step("results")
    results = dict(cohort.results())
    provenance = provenance_of(cohort.workbook, now=now, demo=demo)
    table_results = [r for name, r in results.items() if _drawer(cohort, name) is None]
    tables: list[ReportTable] = [from_result(r) for r in table_results]

    step("figures")
    figures = _draw_figures(cohort, results, out / "figures")

    step("index.html")
    methods = write_methods(
        tables,
        provenance,
        figures=figures,
        women=_count(cohort.women),
        pregnancies=_count(cohort.pregnancies),
        excluded=_count(cohort.excluded),
    )
    # Optional: a cohort that names its parts gets a heading over each.
    parts_of = getattr(cohort, "parts", None)
    parts = parts_of() if callable(parts_of) else None
    html = write_html(out / "index.html", tables, figures, provenance, methods, parts=parts)

    step("results.json")
    json_path = write_results_json(results, provenance, out / "results.json")

    step("tables.xlsx")
    wide = [from_result(r, combine=False) for r in table_results]
    xlsx = write_xlsx(wide, out / "tables.xlsx", notice=provenance.notice)

    step("tables.docx")
    docx = write_docx(tables, out / "tables.docx", notice=provenance.notice)

    files = tuple(p for f in figures for p in (f.png, f.svg_file) if p is not None)
    return ReportPaths(out, html, json_path, xlsx, docx, files)
