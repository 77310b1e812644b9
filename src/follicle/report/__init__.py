"""The report: tables, figures, methods and provenance of a cohort, in every format.

``build_report(cohort, out_dir)`` writes ``index.html``, ``results.json``, ``figures/``,
``tables.xlsx`` and ``tables.docx``, or only those named by ``formats="html,json"`` (see
:mod:`follicle.report.build`). Heavy modules (matplotlib, python-docx, openpyxl, Jinja2)
are imported only when the output that needs them is written.

``report_results(cohort)`` gives the cohort's results as the report numbers them ("Table 4",
"Figure 2"; :mod:`follicle.report.numbering`), for a notebook that cites the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from follicle.report.build import ReportPaths, build_report, report_results

__all__ = ["ReportPaths", "build_report", "report_results"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from follicle.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'follicle.report' has no attribute {name!r}")
