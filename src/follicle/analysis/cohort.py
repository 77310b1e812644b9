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

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from follicle.analysis import audit as reproduction_audit
from follicle.analysis import (
    benchmarks,
    descriptive,
    eligibility,
    figures,
    frame,
    icmart,
    por_classification,
    pregnancy,
    regression,
    safety_bounds,
    safety_tables,
    stratified,
    two_by_two,
)
from follicle.analysis.adjudicated import Adjudicated, adjudicated_workbook
from follicle.analysis.agreement import review_summary
from follicle.analysis.arms import compare as arms_compare
from follicle.analysis.arms import data as arms_data
from follicle.analysis.arms import figures as arms_figures
from follicle.analysis.claims.load import SEED_CLAIMS, load_claims
from follicle.analysis.duration import time_to_pregnancy, time_to_pregnancy_figure
from follicle.analysis.result import Result
from follicle.analysis.stats import intervals
from follicle.analysis.stats.intervals import CI_METHODS
from follicle.workbook.events import empty_judgments, reported_events, review_status
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import Women
from follicle.workbook.validate import load_workbook

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The results that reproduce the paper (Part 1 of the analysis spec), in report order.
PART1 = (
    "table1",
    "menstrual_transitions",
    "pregnancy",
    "figure1",
    "table2",
    "figure2",
    "table3",
    "baby_outcomes",
)


class Cohort:
    """A treated cohort, read from a validated :class:`~follicle.workbook.frames.Workbook`.

    Parameters
    ----------
    workbook
        The validated workbook.
    ci
        How Part 2 computes the confidence interval of a proportion: ``"wilson"`` (the
        score interval, R ``prop.test(correct = FALSE)``) or ``"clopper-pearson"`` (exact,
        R ``binom.test``). Safety counts are always exact.
    level
        The confidence level of every interval (0.95).
    claims
        The published claims the reproduction audit checks: a YAML file
        (``docs/audit.md``); the seed paper's claims by default.
    by
        A variable to show Table 1 by as well (``"site"``, ``"arm"``, ``"age_group"``,
        ``"injections"``, ``"bologna"``, ``"poseidon"`` …; :data:`~.stratified.VARIABLES`):
        :meth:`results` then holds ``table1_by``, first of the results beyond the paper.
        ``None``: no such table.
    variables
        The rows of that table (:data:`~.stratified.DEFAULT_VARIABLES` by default).
    statistic
        What that table prints for a continuous row: ``"mean"`` (mean ± SD, the default) or
        ``"median"`` (median [Q1, Q3], R's ``quantile`` type 7). The tests and the values
        are the same either way (:func:`~.stratified.table1_by`).
    judgments
        The two specialists' review of the reported events (the ``judgments`` table of
        the registry or the workbook). When given, the report gains the ``review`` result
        (events reviewed, agreement, reclassified and rejected).
    adjudicated
        Count confirmed events only, with reclassified values
        (:func:`follicle.analysis.adjudicated.adjudicated_workbook`); events awaiting
        review are left out and counted. Default: every event as recorded.
    """

    def __init__(
        self,
        workbook: Workbook,
        *,
        ci: str = "wilson",
        level: float = 0.95,
        claims: str | Path | None = None,
        by: str | None = None,
        variables: Sequence[str] | None = None,
        statistic: Literal["mean", "median"] = "mean",
        judgments: pd.DataFrame | None = None,
        adjudicated: bool = False,
    ) -> None:
        if ci not in CI_METHODS:
            raise ValueError(f"ci must be one of {', '.join(CI_METHODS)}, not {ci!r}")
        if statistic not in ("mean", "median"):
            raise ValueError(f"statistic must be mean or median, not {statistic!r}")
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, not {level!r}")
        self.recorded = workbook
        # A workbook that carries its review (the optional judgments table) brings it along.
        self.judgments = workbook.judgments if judgments is None else judgments
        self.adjudication: Adjudicated | None = None
        if adjudicated:
            self.adjudication = adjudicated_workbook(
                workbook, empty_judgments() if self.judgments is None else self.judgments
            )
            workbook = self.adjudication.workbook
        # Every table's women coded once (validation's coding, when it came with the
        # workbook): the frames and statistics look women up by these codes.
        self.workbook = workbook.with_coded_women()
        self.ci = ci
        self.level = level
        # Read now, so that a bad claims file fails before any statistic is computed.
        self.claims = load_claims(SEED_CLAIMS if claims is None else claims)
        self._results: dict[str, Result] = {}
        self.by = by
        self.variables = None if variables is None else tuple(variables)
        self.statistic: Literal["mean", "median"] = statistic
        if by is not None:  # a misspelt variable fails now, not after an hour of analysis
            stratified.check_names(by, self.variables)

    @classmethod
    def from_path(cls, path: str | Path, **options: Any) -> Cohort:
        """Read and validate a workbook folder or ``.xlsx`` (raises ``WorkbookInvalid``);
        ``options`` are those of :class:`Cohort` (``ci``, ``level``, ``claims``)."""
        return cls(load_workbook(path), **options)

    def __repr__(self) -> str:
        source = f" from {self.workbook.source}" if self.workbook.source else ""
        return f"<Cohort of {len(self.women)} treated women{source}>"

    @cached_property
    def women(self) -> pd.DataFrame:
        """One row per treated woman (:func:`follicle.analysis.frame.women`)."""
        return self._women_coded[0]

    @cached_property
    def pregnancies(self) -> pd.DataFrame:
        """One row per pregnancy after the first injection (:func:`~.frame.pregnancies`)."""
        return self._pregnancies_coded[0]

    @cached_property
    def _pregnancies_coded(self) -> tuple[pd.DataFrame, Women, np.ndarray]:
        return frame.pregnancies_coded(self.workbook)

    @cached_property
    def _women_coded(self) -> tuple[pd.DataFrame, Women, np.ndarray]:
        pregnancies, women, codes = self._pregnancies_coded
        return frame.women_coded(self.workbook, pregnancies, (women, codes))

    @cached_property
    def coded(self) -> frame.Coded:
        """The women of the frames and of the workbook's tables as codes of one coding of
        their IDs (:class:`~.frame.Coded`)."""
        women_frame, women, of_women = self._women_coded
        pregnancy_frame, same, of_pregnancies = self._pregnancies_coded
        assert same is women  # one coding of all
        assert self.workbook.women is not None
        return frame.Coded(
            women, women_frame, of_women, pregnancy_frame, of_pregnancies, self.workbook.women[1]
        )

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """Enrolled women left out for having no injection (:func:`~.frame.excluded`)."""
        return frame.excluded(self.workbook)

    @cached_property
    def stratification_frame(self) -> pd.DataFrame:
        """The women frame with each woman's Bologna and POSEIDON labels added (``bologna``,
        ``poseidon``; :func:`~.eligibility.classify`): what Table 1 by a group reads."""
        labels = eligibility.classify(
            por_classification.baseline(self.women, self.workbook["participants"], self.coded)
        )
        return self.women.assign(
            bologna=labels["bologna"].astype("string").to_numpy(),
            poseidon=labels["poseidon"].astype("string").to_numpy(),
        )

    # -- the results, as Result objects (what the report and the CLI use) ------------------

    def _table1(self) -> Result:
        return descriptive.table1(
            self.women, excluded=len(self.excluded), calendar=not self.workbook.deidentified
        )

    def _table1_by(self) -> Result:
        return stratified.table1_by(
            self.stratification_frame,
            by=self.by,
            variables=self.variables,
            statistic=self.statistic,
        )

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
            coded=self.coded,
        )

    def _baby_outcomes(self) -> Result:
        return safety_tables.baby_outcomes(self.women, self.pregnancies)

    # Part 2 ---------------------------------------------------------------------------

    def _intervals(self) -> Result:
        part1 = {name: self.result(name) for name in PART1}
        return intervals.intervals(
            part1, self.women, self.pregnancies, method=self.ci, level=self.level
        )

    def _two_by_two(self) -> Result:
        return two_by_two.two_by_two_tests(self.women, level=self.level)

    def _icmart(self) -> Result:
        return icmart.icmart_rates(self.women, self.pregnancies, method=self.ci, level=self.level)

    def _time_to_pregnancy(self) -> Result:
        return time_to_pregnancy.time_to_pregnancy(self.women, level=self.level)

    def _figure_time_to_pregnancy(self) -> Result:
        return time_to_pregnancy_figure.figure_time_to_pregnancy(self.women, level=self.level)

    def _regression(self) -> Result:
        return regression.logistic_regression(
            self.women, self.workbook["participants"], level=self.level
        )

    def _figure_forest(self) -> Result:
        return regression.forest_data(self.result("regression"))

    def _safety(self) -> Result:
        return safety_bounds.safety_bounds(
            self.women,
            self.pregnancies,
            conditions=self.workbook["conditions"],
            infants=self.workbook["infants"],
            infant_conditions=self.workbook["infant_conditions"],
            level=self.level,
            coded=self.coded,
        )

    def _por_classification(self) -> Result:
        return por_classification.por_classification(
            self.women,
            self.workbook["participants"],
            method=self.ci,
            level=self.level,
            coded=self.coded,
        )

    def _benchmarks(self) -> Result:
        return benchmarks.benchmarks(self.women, self.pregnancies, method=self.ci, level=self.level)

    def _review(self) -> Result:
        if self.adjudication is not None:
            status = self.adjudication.status
        else:
            judgments = empty_judgments() if self.judgments is None else self.judgments
            status = review_status(reported_events(self.recorded), judgments)
        result = review_summary(status, level=self.level)
        if self.adjudication is None:
            return result
        return replace(result, notes=(*result.notes, self.adjudication.note))

    def _audit(self) -> Result:
        others = {name: self.result(name) for name in self._paper_builders() if name != "audit"}
        return reproduction_audit.audit(self.claims, others)

    @cached_property
    def arm_times(self) -> pd.DataFrame:
        """One row per enrolled woman, treated or control, for the comparison of arms
        (:func:`follicle.analysis.arms.data.arm_times`)."""
        return arms_data.arm_times(self.workbook)

    @cached_property
    def _arms(self) -> dict[str, Result]:
        return arms_compare.compare_arms(self.arm_times, level=self.level)

    def _arms_result(self, name: str) -> Callable[[], Result]:
        def build() -> Result:
            return self._arms[name]

        return build

    @cached_property
    def _arms_names(self) -> tuple[str, ...]:
        """The comparison's results: all of them, or only ``arms_table1`` when it is not
        made (decided from the arms' sizes, without computing the comparison).

        Kept: :meth:`result` asks for the builders on every result not yet computed, and
        choosing the arms costs a few milliseconds each time (issue 13)."""
        if arms_compare.choose_arms(self.arm_times) is None:
            return ("arms_table1",)
        return arms_compare.RESULT_NAMES

    def _arms_builders(self) -> dict[str, Callable[[], Result]]:
        return {name: self._arms_result(name) for name in self._arms_names}

    def _builders(self) -> dict[str, Callable[[], Result]]:
        """Each result's builder, keyed by its stable name, in the order of the report."""
        return self._paper_builders() | self._arms_builders()

    def _paper_builders(self) -> dict[str, Callable[[], Result]]:
        by_group = {"table1_by": self._table1_by} if self.by is not None else {}
        return {
            "table1": self._table1,
            "menstrual_transitions": self._menstrual_transitions,
            "pregnancy": self._pregnancy,
            "figure1": self._figure1,
            "table2": self._table2,
            "figure2": self._figure2,
            "table3": self._table3,
            "baby_outcomes": self._baby_outcomes,
            **by_group,  # the first result beyond the paper, when asked for
            "intervals": self._intervals,
            "two_by_two": self._two_by_two,
            "icmart": self._icmart,
            "time_to_pregnancy": self._time_to_pregnancy,
            "figure_time_to_pregnancy": self._figure_time_to_pregnancy,
            "regression": self._regression,
            "figure_forest": self._figure_forest,
            "safety": self._safety,
            "por_classification": self._por_classification,
            "benchmarks": self._benchmarks,
            **(
                {"review": self._review}
                if self.judgments is not None or self.adjudication is not None
                else {}
            ),
            "audit": self._audit,
        }

    def result(self, name: str) -> Result:
        """One result by its stable name (a key of :meth:`results`), computed once.

        Parameters
        ----------
        name
            Part 1: ``"table1"``, ``"menstrual_transitions"``, ``"pregnancy"``,
            ``"figure1"``, ``"table2"``, ``"figure2"``, ``"table3"``, ``"baby_outcomes"``;
            Part 2: ``"intervals"``, ``"two_by_two"``, ``"icmart"``,
            ``"time_to_pregnancy"``, ``"figure_time_to_pregnancy"``, ``"regression"``,
            ``"figure_forest"``, ``"safety"``, ``"por_classification"``, ``"benchmarks"``,
            ``"audit"``.

        Raises
        ------
        KeyError
            For any other name (the message lists the names).
        """
        if name not in self._results:
            builders = self._builders()
            if name not in builders:
                raise KeyError(f"no result called {name!r}; the results are {', '.join(builders)}")
            self._results[name] = builders[name]()
        return self._results[name]

    def result_names(self) -> tuple[str, ...]:
        """Every result's name, in the order of the report, without computing any."""
        return tuple(self._builders())

    def results(self) -> dict[str, Result]:
        """Every result, Part 1 then Part 2, as :class:`~follicle.analysis.result.Result`
        objects keyed by result name, in the order of the report."""
        return {name: self.result(name) for name in self._builders()}

    def parts(self) -> dict[str, tuple[str, ...]]:
        """The report's two parts and the names of their results, in order."""
        names = tuple(self._paper_builders())
        return {
            "Reproduction of the published analysis": PART1,
            "Beyond the paper": tuple(n for n in names if n not in PART1),
            "Comparison of arms": self._arms_names,
        }

    # -- the same results as pandas DataFrames (the notebook face) ------------------------

    def table1(
        self,
        by: str | None = None,
        variables: Sequence[str] | None = None,
        *,
        statistic: Literal["mean", "median"] = "mean",
    ) -> pd.DataFrame:
        """Table 1 (:func:`follicle.analysis.descriptive.table1`) as a DataFrame; with
        ``by`` or ``variables``, Table 1 by a group
        (:func:`follicle.analysis.stratified.table1_by`): one column per group of ``by``
        plus Overall, a test per row, standardized mean differences and unknown rows::

            cohort.table1(by="site", variables=["age", "menses_baseline", "poseidon"])

        ``statistic="median"`` prints continuous rows as median [Q1, Q3] (R type 7).

        Like every table method, returns the result's table with ``attrs`` holding its
        ``name``, ``label``, ``title``, ``notes`` and ``values``
        (:meth:`~follicle.analysis.result.Result.to_frame`); :meth:`result` gives the
        :class:`~follicle.analysis.result.Result` itself. ``label`` is empty: the report
        numbers its tables (``follicle.report.report_results(cohort)``).
        """
        if by is None and variables is None and statistic == "mean":
            return self.result("table1").to_frame()
        return stratified.table1_by(
            self.stratification_frame, by=by, variables=variables, statistic=statistic
        ).to_frame()

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

    def intervals(self) -> pd.DataFrame:
        """Every proportion and mean of Part 1 with its confidence interval
        (:func:`follicle.analysis.stats.intervals.intervals`)."""
        return self.result("intervals").to_frame()

    def two_by_two(self) -> pd.DataFrame:
        """Table 2's comparisons with Fisher's exact test, odds ratios and risk differences
        (:func:`follicle.analysis.two_by_two.two_by_two_tests`)."""
        return self.result("two_by_two").to_frame()

    def icmart_rates(self) -> pd.DataFrame:
        """Live-birth delivery, miscarriage and cumulative rates as ICMART defines them,
        beside the published ones (:func:`follicle.analysis.icmart.icmart_rates`); the
        result called ``icmart``."""
        return self.result("icmart").to_frame()

    def time_to_pregnancy(self) -> pd.DataFrame:
        """Cumulative incidence of a first pregnancy, Kaplan–Meier and Aalen–Johansen
        (:func:`follicle.analysis.duration.time_to_pregnancy.time_to_pregnancy`)."""
        return self.result("time_to_pregnancy").to_frame()

    def regression(self) -> pd.DataFrame:
        """Adjusted odds ratios of pregnancy
        (:func:`follicle.analysis.regression.logistic_regression`)."""
        return self.result("regression").to_frame()

    def safety(self) -> pd.DataFrame:
        """Every maternal and neonatal condition with exact intervals and incidence per
        100 woman-years (:func:`follicle.analysis.safety_bounds.safety_bounds`)."""
        return self.result("safety").to_frame()

    def por_classification(self) -> pd.DataFrame:
        """Bologna and POSEIDON classification of the cohort
        (:func:`follicle.analysis.por_classification.por_classification`)."""
        return self.result("por_classification").to_frame()

    def benchmarks(self) -> pd.DataFrame:
        """The cohort's rates beside published intra-ovarian PRP figures
        (:func:`follicle.analysis.benchmarks.benchmarks`)."""
        return self.result("benchmarks").to_frame()

    def audit(self) -> pd.DataFrame:
        """The reproduction audit: each published claim beside its recomputed value
        (:func:`follicle.analysis.audit.audit`)."""
        return self.result("audit").to_frame()

    def figure_time_to_pregnancy(self, ax: Axes | None = None) -> Figure:
        """Cumulative incidence of pregnancy with the numbers at risk beneath
        (:func:`follicle.analysis.duration.time_to_pregnancy_figure.plot_time_to_pregnancy`)."""
        return time_to_pregnancy_figure.plot_time_to_pregnancy(
            self.result("figure_time_to_pregnancy"), ax
        )

    def figure_forest(self, ax: Axes | None = None) -> Figure:
        """Forest plot of the adjusted odds ratios
        (:func:`follicle.analysis.regression.plot_forest`)."""
        return regression.plot_forest(self.result("figure_forest"), ax)

    def pregnancy_rate(self, by: str | None = None) -> pd.DataFrame:
        """Women pregnant, overall or ``by`` ``"age_group"``, ``"menses_baseline"`` or
        ``"injections"`` (:func:`follicle.analysis.pregnancy.pregnancy_rate`)."""
        return pregnancy.pregnancy_rate(self.women, by)

    def compare_arms(self, *, estimand: str = "ATE") -> dict[str, pd.DataFrame]:
        """The comparison of arms (treated against control, MenSC against PRP) as
        DataFrames keyed by result name: ``arms_table1``, ``arms_incidence``,
        ``figure_arms_incidence``, ``arms_models``, ``figure_arms_forest``,
        ``arms_balance`` (:func:`follicle.analysis.arms.compare.compare_arms`).

        ``estimand``: ``"ATE"`` (the report's) or ``"ATT"`` for the weighted analysis.
        Each frame's ``attrs`` carry its notes and named values; when the cohort has fewer
        than two arms of at least 10 women there is only ``arms_table1`` (the women by arm)
        and its note says why.
        """
        if estimand not in ("ATE", "ATT"):
            raise ValueError(f"estimand must be ATE or ATT, not {estimand!r}")
        results = (
            self._arms
            if estimand == "ATE"
            else arms_compare.compare_arms(self.arm_times, estimand="ATT", level=self.level)
        )
        return {name: result.to_frame() for name, result in results.items()}

    def figure_arms_incidence(self, ax: Axes | None = None) -> Figure:
        """Cumulative incidence of a first pregnancy by arm
        (:func:`follicle.analysis.arms.figures.plot_incidence`)."""
        return arms_figures.plot_incidence(self.result("figure_arms_incidence"), ax)

    def figure_arms_forest(self, ax: Axes | None = None) -> Figure:
        """Hazard ratios of each arm against the reference, by model
        (:func:`follicle.analysis.arms.figures.plot_forest`)."""
        return arms_figures.plot_forest(self.result("figure_arms_forest"), ax)

    def figure1(self, ax: Axes | None = None) -> Figure:
        """Figure 1, drawn (:func:`follicle.analysis.figures.plot_figure1`)."""
        return figures.plot_figure1(self.result("figure1"), ax)

    def figure2(self, ax: Axes | None = None) -> Figure:
        """Figure 2, drawn (:func:`follicle.analysis.figures.plot_figure2`)."""
        return figures.plot_figure2(self.result("figure2"), ax)
