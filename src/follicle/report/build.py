"""``follicle report``: the outputs of the report, built from one cohort.

:func:`build_report` asks the cohort for its results once, turns them into report tables
(:func:`follicle.report.tables.from_result`) and figures (drawn by the cohort on the
report's axes, in the report's style), and writes the outputs asked for (:data:`FORMATS`,
all by default)::

    DIR/index.html      html   the report page, self-contained (figures inline as SVG)
    DIR/results.json    json   every number, machine-readable
    DIR/tables.docx     docx   the tables as a manuscript's tables
    DIR/tables.xlsx     xlsx   a sheet per table, numbers as numbers
    DIR/figures/*.png   png    the figures for slides and word processors (200 dpi)
    DIR/figures/*.svg   svg    the figures for print (vector)

Each output's libraries are imported only when it is asked for: ``json`` alone needs
neither matplotlib nor python-docx nor openpyxl, and figures are drawn only for ``html``,
``png`` or ``svg``.

A result is a figure when its name starts with ``figure`` and the cohort has a drawing
method of that name (``cohort.figure1(ax=…)``); the figure takes the result's label, title
and notes and stays in the results' order on the page. Every other result is a table.
Tables and figures are numbered once, in that order (:func:`report_results`,
:mod:`follicle.report.numbering`), and every output prints the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from follicle.report.numbering import Number, assign, numbered
from follicle.report.provenance import Provenance, WorkbookLike, provenance_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from follicle.analysis.result import Result
    from follicle.report.docx import Paper
    from follicle.report.figures import ReportFigure
    from follicle.report.tables import ReportTable

#: Every output of the report, in the order they are written.
FORMATS = ("html", "json", "docx", "xlsx", "png", "svg")
#: The steps reported to ``progress``, in order (a step is skipped when its output is not
#: asked for).
STEPS = ("results", "figures", "index.html", "results.json", "tables.xlsx", "tables.docx")


def parse_formats(formats: str | Iterable[str] | None) -> frozenset[str]:
    """The outputs named by ``formats``: ``"html,json"``, ``["docx", "xlsx"]``, ``"all"``.

    ``None`` and ``"all"`` mean every one of :data:`FORMATS`. Names are case-insensitive
    and may be separated by commas or spaces.

    Raises
    ------
    ValueError
        A name that is not one of :data:`FORMATS`, or no name at all (the message names
        the value and the choices).
    """
    if formats is None:
        return frozenset(FORMATS)
    items = formats.replace(",", " ").split() if isinstance(formats, str) else list(formats)
    names = [str(item).strip().lower() for item in items if str(item).strip()]
    if names == ["all"]:
        return frozenset(FORMATS)
    unknown = [name for name in names if name not in FORMATS]
    if not names:
        raise ValueError(f"no report format given: choose from {', '.join(FORMATS)} (or all)")
    if unknown:
        shown = ", ".join(repr(name) for name in unknown)
        raise ValueError(
            f"unknown report format {shown}: choose from {', '.join(FORMATS)} (or all)"
        )
    return frozenset(names)


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
    """Where :func:`build_report` wrote each output (``None``: not asked for)."""

    out_dir: Path
    html: Path | None
    results_json: Path | None
    xlsx: Path | None
    docx: Path | None
    figures: tuple[Path, ...]

    def all(self) -> tuple[Path, ...]:
        """Every file written."""
        files = (self.html, self.results_json, self.xlsx, self.docx, *self.figures)
        return tuple(p for p in files if p is not None)


def _drawer(cohort: object, name: str) -> Callable[..., Figure] | None:
    method = getattr(cohort, name, None) if name.startswith("figure") else None
    return method if callable(method) else None


def report_results(cohort: CohortLike) -> tuple[dict[str, Result], dict[str, Number]]:
    """The cohort's results as the report prints them, and their numbers.

    Each result's ``label`` is its number in the report ("Table 4", "Figure 2";
    :func:`follicle.report.numbering.assign`): tables and figures counted apart, in report
    order. The command line prints these labels too, so the terminal and the report agree.
    """
    results = dict(cohort.results())
    numbers = report_numbers(cohort, results)
    return numbered(results, numbers), numbers


def report_numbers(cohort: object, names: Iterable[str]) -> dict[str, Number]:
    """The report's number of each result ``names`` (report order): a figure is a result
    the cohort draws. Needs the names only, not the results."""
    return assign(names, is_figure=lambda name: _drawer(cohort, name) is not None)


def _draw_figures(
    cohort: object,
    results: Mapping[str, Result],
    numbers: Mapping[str, Number],
    directory: Path,
    *,
    png: bool,
    svg: bool,
) -> list[ReportFigure]:
    from follicle.report.alt_text import describe
    from follicle.report.figures import (
        FIGSIZE,
        FIGSIZES,
        ReportFigure,
        finish,
        new_axes,
        report_style,
        save_figure,
    )

    figures = []
    previous = ""
    with report_style():
        for name, result in results.items():
            draw = _drawer(cohort, name)
            if draw is None:
                previous = name
                continue
            figure = finish(draw(ax=new_axes(FIGSIZES.get(name, FIGSIZE))))
            alt = describe(name, result)
            saved = save_figure(figure, directory, name, png=png, svg=svg, label=alt)
            figures.append(
                ReportFigure(
                    name=name,
                    label=result.label,
                    title=numbers[name].caption_title(result.title),
                    svg=saved.inline_svg,
                    png=saved.png,
                    svg_file=saved.svg,
                    after=previous,
                    notes=tuple(result.notes),
                    alt=alt,
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
    formats: str | Collection[str] | None = None,
    paper: Paper = "a4",
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
    formats
        The outputs to write, any of :data:`FORMATS` (``"html,json"``, ``["docx"]``);
        every one by default. The HTML page embeds its figures, so ``html`` alone writes
        no figure files.
    paper
        Page size of ``tables.docx``: ``"a4"`` or ``"letter"``.
    progress
        Called with each step's name (:data:`STEPS`) before it starts, e.g. to advance a
        progress bar.
    now
        The generation time to record (UTC now by default).
    demo
        Mark the report as the bundled demo cohort's ("reconstructed from published
        aggregates; not patient data"). By default this is detected by content: the
        cohort's tables hold exactly the seed's rows (a copy of the seed folder, or a
        registry the seed was imported into, is recognised too; see
        :func:`follicle.report.provenance.is_demo_workbook`). ``True`` or ``False``
        overrides the detection.

    Returns
    -------
    ReportPaths
        The files written.

    Raises
    ------
    ValueError
        ``formats`` names an unknown output (before anything is computed or written).
    """
    chosen = parse_formats(formats)
    if paper not in ("a4", "letter"):
        raise ValueError(f"unknown paper {paper!r}: choose from a4, letter")

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step("results")
    results, numbers = report_results(cohort)
    provenance = provenance_of(cohort.workbook, now=now, demo=demo)
    table_results = [r for name, r in results.items() if _drawer(cohort, name) is None]

    figures: list[ReportFigure] = []
    if chosen & {"html", "png", "svg"}:
        step("figures")
        figures = _draw_figures(
            cohort, results, numbers, out / "figures", png="png" in chosen, svg="svg" in chosen
        )

    html = json_path = xlsx = docx = None
    tables: list[ReportTable] = []
    wide: list[ReportTable] = []
    if chosen & {"html", "docx", "xlsx"}:
        tables, wide = _report_tables(table_results, numbers)
    if "html" in chosen:
        step("index.html")
        html = _write_page(cohort, out / "index.html", tables, figures, provenance)
    if "json" in chosen:
        from follicle.report.results_json import write_results_json

        step("results.json")
        json_path = write_results_json(results, provenance, out / "results.json", numbers)
    if "xlsx" in chosen:
        from follicle.report.xlsx import write_xlsx

        step("tables.xlsx")
        xlsx = write_xlsx(wide, out / "tables.xlsx", notice=provenance.notice, paper=paper)
    if "docx" in chosen:
        from follicle.report.docx import write_docx

        step("tables.docx")
        docx = write_docx(tables, out / "tables.docx", notice=provenance.notice, paper=paper)

    files = tuple(p for f in figures for p in (f.png, f.svg_file) if p is not None)
    return ReportPaths(out, html, json_path, xlsx, docx, files)


def _report_tables(
    results: list[Result], numbers: Mapping[str, Number]
) -> tuple[list[ReportTable], list[ReportTable]]:
    """The tables as printed (HTML, Word) and as spreadsheets, without rows of no one.

    Each caption is the result's title, with the paper's number of the table when it
    differs from the report's (:meth:`follicle.report.numbering.Number.caption_title`).

    A row whose every proportion is 0/0 (a category no woman is in) is left out of every
    format alike, with a footnote naming it (:func:`follicle.report.tables.drop_empty_rows`);
    an ``n/N (%)`` column that also holds plain counts gets a footnote saying so
    (:func:`follicle.report.tables.with_count_note`; spreadsheets print n and N apart).
    """
    from dataclasses import replace

    from follicle.report.tables import drop_empty_rows, from_result, with_count_note

    printed, wide = [], []
    for result in results:
        captioned = replace(result, title=numbers[result.name].caption_title(result.title))
        narrow, spread = drop_empty_rows(
            from_result(captioned), from_result(captioned, combine=False)
        )
        printed.append(with_count_note(narrow))
        wide.append(spread)
    return printed, wide


def _write_page(
    cohort: CohortLike,
    path: Path,
    tables: list[ReportTable],
    figures: list[ReportFigure],
    provenance: Provenance,
) -> Path:
    """``index.html``: the methods, then every table and figure, then the provenance."""
    from follicle.report.html import write_html
    from follicle.report.methods import write_methods

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
    return write_html(path, tables, figures, provenance, methods, parts=parts)
