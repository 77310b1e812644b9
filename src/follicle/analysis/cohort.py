"""The notebook face of the analysis: a thin :class:`Cohort` facade over the functions.

``Cohort`` derives the analysis frames once (cached) and delegates every statistic to the
pure functions of :mod:`follicle.analysis` — it computes nothing itself. Its table methods
(``table1()``, ``table2()``, …) return pandas DataFrames whose ``attrs`` carry the result's
caption, notes and named values; :meth:`Cohort.result` and :meth:`Cohort.results` return the
:class:`~follicle.analysis.result.Result` objects themselves::

    >>> import follicle
    >>> cohort = follicle.load("tests/fixtures/workbooks/small")
    >>> cohort.table2()                                  # doctest: +SKIP
    >>> cohort.table2().attrs["values"]["age.p"]         # doctest: +SKIP
    >>> cohort.pregnancy_rate(by="age_group")            # doctest: +SKIP
    >>> cohort.result("table2").values["age.p"]          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
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

    # -- the results, as Result objects (what the report and the CLI use) ------------------

    def _table1(self) -> Result:
        return descriptive.table1(self.women, excluded=len(self.excluded))

    def _menstrual_transitions(self) -> Result:
        return descriptive.menstrual_transitions(self.women)

    def _pregnancy(self) -> Result:
        return pregnancy.pregnancy_outcomes(self.women, self.pregnancies)

    def _figure1(self) -> Result:
        return figures.figure1_data(self.pregnancies)

    def _table2(self) -> Result:
        return pregnancy.table2(self.women)

    def _figure2(self) -> Result:
        return figures.figure2_data(self.women)

    def _table3(self) -> Result:
        return safety_tables.table3(
            self.women,
            self.pregnancies,
            conditions=self.workbook["conditions"],
            infants=self.workbook["infants"],
            infant_conditions=self.workbook["infant_conditions"],
        )

    def _baby_outcomes(self) -> Result:
        return safety_tables.baby_outcomes(self.women, self.pregnancies)

    def _builders(self) -> dict[str, Callable[[], Result]]:
        """Each result's builder, keyed by its stable name, in the order of the report."""
        return {
            "table1": self._table1,
            "menstrual_transitions": self._menstrual_transitions,
            "pregnancy": self._pregnancy,
            "figure1": self._figure1,
            "table2": self._table2,
            "figure2": self._figure2,
            "table3": self._table3,
            "baby_outcomes": self._baby_outcomes,
        }

    def result(self, name: str) -> Result:
        """One result of Part 1 by its stable name (a key of :meth:`results`).

        Parameters
        ----------
        name
            ``"table1"``, ``"menstrual_transitions"``, ``"pregnancy"``, ``"figure1"``,
            ``"table2"``, ``"figure2"``, ``"table3"`` or ``"baby_outcomes"``.

        Raises
        ------
        KeyError
            For any other name (the message lists the names).
        """
        builders = self._builders()
        if name not in builders:
            raise KeyError(f"no result called {name!r}; the results are {', '.join(builders)}")
        return builders[name]()

    def results(self) -> dict[str, Result]:
        """All of Part 1 as :class:`~follicle.analysis.result.Result` objects, keyed by
        result name, in the order of the report."""
        return {name: build() for name, build in self._builders().items()}

    # -- the same results as pandas DataFrames (the notebook face) ------------------------

    def table1(self) -> pd.DataFrame:
        """Table 1 (:func:`follicle.analysis.descriptive.table1`) as a DataFrame.

        Like every table method, returns the result's table with ``attrs`` holding its
        ``name``, ``label``, ``title``, ``notes`` and ``values``
        (:meth:`~follicle.analysis.result.Result.to_frame`); :meth:`result` gives the
        :class:`~follicle.analysis.result.Result` itself.
        """
        return self.result("table1").to_frame()

    def menstrual_transitions(self) -> pd.DataFrame:
        """Baseline × follow-up menses (:func:`~.descriptive.menstrual_transitions`)."""
        return self.result("menstrual_transitions").to_frame()

    def pregnancy_outcomes(self) -> pd.DataFrame:
        """Pregnancy outcomes (:func:`follicle.analysis.pregnancy.pregnancy_outcomes`);
        the result called ``pregnancy``."""
        return self.result("pregnancy").to_frame()

    def table2(self) -> pd.DataFrame:
        """Table 2 (:func:`follicle.analysis.pregnancy.table2`), e.g.
        ``cohort.table2().attrs["values"]["age.p"]``."""
        return self.result("table2").to_frame()

    def table3(self) -> pd.DataFrame:
        """Table 3 (:func:`follicle.analysis.safety_tables.table3`)."""
        return self.result("table3").to_frame()

    def baby_outcomes(self) -> pd.DataFrame:
        """Baby outcomes (:func:`follicle.analysis.safety_tables.baby_outcomes`)."""
        return self.result("baby_outcomes").to_frame()

    def figure1_data(self) -> pd.DataFrame:
        """Figure 1's counts (:func:`follicle.analysis.figures.figure1_data`); the result
        called ``figure1``."""
        return self.result("figure1").to_frame()

    def figure2_data(self) -> pd.DataFrame:
        """Figure 2's ages and box plot (:func:`follicle.analysis.figures.figure2_data`); the
        result called ``figure2``."""
        return self.result("figure2").to_frame()

    def pregnancy_rate(self, by: str | None = None) -> pd.DataFrame:
        """Women pregnant, overall or ``by`` ``"age_group"``, ``"menses_baseline"`` or
        ``"injections"`` (:func:`follicle.analysis.pregnancy.pregnancy_rate`)."""
        return pregnancy.pregnancy_rate(self.women, by)

    def figure1(self, ax: Axes | None = None) -> Figure:
        """Figure 1, drawn (:func:`follicle.analysis.figures.plot_figure1`)."""
        return figures.plot_figure1(self.result("figure1"), ax)

    def figure2(self, ax: Axes | None = None) -> Figure:
        """Figure 2, drawn (:func:`follicle.analysis.figures.plot_figure2`)."""
        return figures.plot_figure2(self.result("figure2"), ax)
