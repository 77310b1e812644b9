"""follicle: long-term follow-up registry and analysis for intra-ovarian regenerative therapy.

The public entry point is :func:`load`, which reads a cohort from a workbook (a folder of
CSV files or an ``.xlsx``) or from the registry database and returns a
:class:`~follicle.analysis.cohort.Cohort`::

    import follicle
    cohort = follicle.load("cohort/")
    cohort.table2()                            # a pandas DataFrame
    cohort.table2().attrs["values"]["age.p"]   # its named, unrounded numbers
    cohort.figure1()                           # a matplotlib Figure
    cohort.result("table2")                    # the Result (table, values, notes)

The table methods (``table1``, ``menstrual_transitions``, ``pregnancy_outcomes``, ``table2``,
``table3``, ``baby_outcomes``, ``figure1_data``, ``figure2_data``) return DataFrames whose
``attrs`` hold ``name``, ``label``, ``title``, ``notes`` and ``values``;
``cohort.results()`` returns every :class:`~follicle.analysis.result.Result` by name.

Importing ``follicle`` is cheap: pandas, matplotlib and SQLAlchemy are imported when first
needed (so that ``follicle --help`` starts fast).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from follicle.analysis.cohort import Cohort
    from follicle.analysis.result import Result

__all__ = ["Cohort", "Result", "__version__", "load"]
__version__ = "0.1.0"


def load(path_or_url: str | Path, *, alone: bool = False, **options: Any) -> Cohort:
    """The cohort in a workbook or in the registry database.

    Parameters
    ----------
    path_or_url
        A workbook folder or ``.xlsx`` file (read and validated with
        :func:`follicle.workbook.validate.load_workbook`), or a database URL — anything
        containing ``://``, e.g. ``sqlite:///registry.db`` — read with
        :func:`follicle.store.exporting.exporter.read_registry`.
    alone
        For an SQLite registry: nothing else in this process has its file open (a script or
        a command-line run, not beside the web application or another engine on it). It is
        then read column-wise, several times faster at scale; otherwise through SQLAlchemy
        (:func:`~follicle.store.exporting.exporter.read_registry`).
    options
        Passed to :class:`~follicle.analysis.cohort.Cohort`: ``ci`` (``"wilson"`` or
        ``"clopper-pearson"``), ``level`` (0.95), ``claims`` (the audit's claims file) and
        ``adjudicated`` (``True``: confirmed events only, with the reviewers' reclassified
        values; events awaiting review left out and counted). The review of the events
        (the registry's judgments, or the workbook's optional ``judgments`` table) comes
        along, and the report states it.

    Returns
    -------
    Cohort
        The treated women of the workbook, ready for the analysis.

    Raises
    ------
    follicle.errors.WorkbookInvalid
        The workbook breaks a rule of the format (every problem is listed).
    follicle.errors.NotFound
        The URL names no database, or one that holds no follicle registry.
    """
    from follicle.analysis.cohort import Cohort

    text = str(path_or_url)
    if "://" in text:
        # The registry needs SQLAlchemy, which reading a workbook does not.
        from follicle.store.engine import open_registry
        from follicle.store.exporting.exporter import read_registry

        engine = open_registry(text)
        try:
            # The registry's judgments come with it (the workbook's optional table).
            return Cohort(read_registry(engine, alone=alone), **options)
        finally:
            engine.dispose()
    return Cohort.from_path(path_or_url, **options)


def __getattr__(name: str) -> Any:
    if name == "Cohort":
        from follicle.analysis.cohort import Cohort

        return Cohort
    if name == "Result":
        from follicle.analysis.result import Result

        return Result
    raise AttributeError(f"module 'follicle' has no attribute {name!r}")
