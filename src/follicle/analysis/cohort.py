"""The notebook face of the analysis: a thin :class:`Cohort` facade over the functions.

``Cohort`` derives the analysis frames once (cached) and delegates every statistic to the
pure functions of :mod:`follicle.analysis` — it computes nothing itself::

    >>> import follicle
    >>> cohort = follicle.load("tests/fixtures/workbooks/small")
    >>> cohort.pregnancy_rate(by="age_group")            # doctest: +SKIP
    >>> cohort.results()["table2"].values["age.p"]       # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from follicle.analysis import descriptive, figures, frame, pregnancy, safety_tables
from follicle.analysis.result import Result
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook


class Cohort:
    """A treated cohort, read from a validated :class:`~follicle.workbook.frames.Workbook`.

    Parameters
    ----------
    workbook
        The validated workbook.
    """

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook

    @classmethod
    def from_path(cls, path: str | Path) -> Cohort:
        """Read and validate a workbook folder or ``.xlsx`` (raises ``WorkbookInvalid``)."""
        return cls(load_workbook(path))

    def __repr__(self) -> str:
        source = f" from {self.workbook.source}" if self.workbook.source else ""
        return f"<Cohort of {len(self.women)} treated women{source}>"

    @cached_property
    def women(self) -> pd.DataFrame:
        """One row per treated woman (:func:`follicle.analysis.frame.women`)."""
        return frame.women(self.workbook)

    @cached_property
    def pregnancies(self) -> pd.DataFrame:
        """One row per pregnancy after the first injection (:func:`~.frame.pregnancies`)."""
        return frame.pregnancies(self.workbook)

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """Enrolled women left out for having no injection (:func:`~.frame.excluded`)."""
        return frame.excluded(self.workbook)

    def table1(self) -> Result:
        """Table 1 (:func:`follicle.analysis.descriptive.table1`)."""
        return descriptive.table1(self.women, excluded=len(self.excluded))

    def menstrual_transitions(self) -> Result:
        """Baseline × follow-up menses (:func:`~.descriptive.menstrual_transitions`)."""
        return descriptive.menstrual_transitions(self.women)

    def pregnancy_outcomes(self) -> Result:
        """Pregnancy outcomes (:func:`follicle.analysis.pregnancy.pregnancy_outcomes`)."""
        return pregnancy.pregnancy_outcomes(self.women, self.pregnancies)

    def table2(self) -> Result:
        """Table 2 (:func:`follicle.analysis.pregnancy.table2`)."""
        return pregnancy.table2(self.women)

    def table3(self) -> Result:
        """Table 3 (:func:`follicle.analysis.safety_tables.table3`)."""
        return safety_tables.table3(
            self.women,
            self.pregnancies,
            conditions=self.workbook["conditions"],
            infants=self.workbook["infants"],
            infant_conditions=self.workbook["infant_conditions"],
        )

    def baby_outcomes(self) -> Result:
        """Baby outcomes (:func:`follicle.analysis.safety_tables.baby_outcomes`)."""
        return safety_tables.baby_outcomes(self.women, self.pregnancies)

    def figure1_data(self) -> Result:
        """Figure 1's counts (:func:`follicle.analysis.figures.figure1_data`)."""
        return figures.figure1_data(self.pregnancies)

    def figure2_data(self) -> Result:
        """Figure 2's ages and box plot (:func:`follicle.analysis.figures.figure2_data`)."""
        return figures.figure2_data(self.women)

    def pregnancy_rate(self, by: str | None = None) -> pd.DataFrame:
        """Women pregnant, overall or ``by`` ``"age_group"``, ``"menses_baseline"`` or
        ``"injections"`` (:func:`follicle.analysis.pregnancy.pregnancy_rate`)."""
        return pregnancy.pregnancy_rate(self.women, by)

    def results(self) -> dict[str, Result]:
        """All of Part 1, keyed by result name, in the order of the report."""
        parts = (
            self.table1(),
            self.menstrual_transitions(),
            self.pregnancy_outcomes(),
            self.figure1_data(),
            self.table2(),
            self.figure2_data(),
            self.table3(),
            self.baby_outcomes(),
        )
        return {r.name: r for r in parts}

    def figure1(self, ax: Axes | None = None) -> Figure:
        """Figure 1, drawn (:func:`follicle.analysis.figures.plot_figure1`)."""
        return figures.plot_figure1(self.figure1_data(), ax)

    def figure2(self, ax: Axes | None = None) -> Figure:
        """Figure 2, drawn (:func:`follicle.analysis.figures.plot_figure2`)."""
        return figures.plot_figure2(self.figure2_data(), ax)
