"""The report's methods section, written from what was actually computed.

Nothing here is boilerplate about tests that might have been used: the statistical methods
are the ``notes`` the analysis attached to each result (so a test appears only when some
table used it, with the labels of those tables), the definitions quote the constants the
analysis frames were built with (:mod:`follicle.analysis.frame`), and the software
versions are those installed when the report was made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from follicle.analysis.frame import AGE_GROUP_CUTOFF, DAYS_PER_MONTH, DAYS_PER_YEAR
from follicle.analysis.result import COHORT_NOTE
from follicle.report.figures import ReportFigure
from follicle.report.format import P_DIGITS, P_FLOOR, PCT_DECIMALS, format_number
from follicle.report.provenance import Provenance
from follicle.report.tables import ReportTable

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
#: Software cited in the methods, in order (keys of :attr:`Provenance.software`): what
#: every report's statistics and figures run on.
CITED = ("follicle", "Python", "pandas", "NumPy", "SciPy", "matplotlib")
#: Software cited only when a result it computed is in the report: lifelines fits the
#: comparison of arms' Cox models, statsmodels its propensity model (the weights).
CITED_WHEN = {"lifelines": ("arms_models",), "statsmodels": ("arms_models", "arms_balance")}


@dataclass(frozen=True)
class MethodNote:
    """One method statement and the labels of the tables it applies to."""

    text: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Methods:
    """The methods section: paragraphs of prose and the per-table method notes."""

    paragraphs: tuple[str, ...]
    notes: tuple[MethodNote, ...]
    software: str


#: A note that names a statistical method (a test, an estimator, an R function).
METHOD_NOTE = re.compile(
    r"\btest\b|\bR [a-z]|χ²|chi-squared|fisher|wilson|clopper|kaplan|aalen|log-rank"
    r"|regression|confidence interval|boxplot|fivenum|quantile",
    re.IGNORECASE,
)


def collect_notes(
    labelled_notes: Sequence[tuple[str, Sequence[str]]],
) -> tuple[MethodNote, ...]:
    """The notes that name a statistical method, each once, with the labels that carry it.

    Parameters
    ----------
    labelled_notes
        ``(label, notes)`` of each table and figure, in page order.

    Returns
    -------
    tuple of MethodNote
        In order of first appearance; notes that only define or explain (matched by no
        word of :data:`METHOD_NOTE`) stay under their tables, and so do notes about the
        data at hand (beginning with :data:`~follicle.analysis.result.COHORT_NOTE`, "In
        this cohort"), even when they name a test.
    """
    seen: dict[str, list[str]] = {}
    for label, notes in labelled_notes:
        for note in notes:
            text = note.strip()
            if text.startswith(COHORT_NOTE) or not METHOD_NOTE.search(text):
                continue
            labels = seen.setdefault(text, [])
            if label and label not in labels:
                labels.append(label)
    return tuple(MethodNote(text, tuple(labels)) for text, labels in seen.items())


def _counted(n: int, one: str, many: str) -> str:
    """``"1 woman"``, ``"105 women"``, ``"no women"``."""
    if n == 0:
        return f"no {many}"
    return f"{n} {one if n == 1 else many}"


def software_sentence(versions: Mapping[str, str], results: Sequence[str] = ()) -> str:
    """``"follicle 0.1.0, Python 3.11.7, pandas 2.2.3, …"`` for the cited software: that of
    :data:`CITED`, and that of :data:`CITED_WHEN` whose results (names) are in ``results``."""
    used = [*CITED, *(n for n, by in CITED_WHEN.items() if set(by) & set(results))]
    parts = [f"{name} {versions[name]}" for name in used if name in versions]
    return ", ".join(parts)


def write_methods(
    tables: Sequence[ReportTable],
    provenance: Provenance,
    *,
    figures: Sequence[ReportFigure] = (),
    women: int | None = None,
    pregnancies: int | None = None,
    excluded: int | None = None,
) -> Methods:
    """The methods section for a report of ``tables``.

    Parameters
    ----------
    tables
        The report tables (their footnotes are the methods of the results).
    provenance
        For the software versions.
    figures
        The report figures (their notes too).
    women, pregnancies, excluded
        Counts of analysed women, their pregnancies and enrolled women left out (no
        injection); a sentence is omitted when its count is unknown.

    Returns
    -------
    Methods
    """
    paragraphs = []
    if women is not None:
        cohort = (
            f"The analysis includes {_counted(women, 'woman', 'women')} treated with "
            "intra-ovarian injection"
        )
        if pregnancies and women:
            conceived = "she conceived" if women == 1 else "they conceived"
            cohort += (
                f" and the {_counted(pregnancies, 'pregnancy', 'pregnancies')} {conceived} "
                "after the first one"
            )
        elif pregnancies == 0 and women:
            cohort += (
                "; she did not conceive after it" if women == 1 else "; none conceived after it"
            )
        cohort += "."
        if excluded:
            cohort += (
                f" {excluded} enrolled women without an injection are not analysed."
                if excluded != 1
                else " One enrolled woman without an injection is not analysed."
            )
        paragraphs.append(cohort)
    paragraphs.append(
        "Age is in completed years at the first injection; follow-up runs from the last "
        f"injection to the latest contact, in years of {format_number(DAYS_PER_YEAR)} days. "
        "Time to a pregnancy is counted in months of "
        f"{format_number(DAYS_PER_MONTH, 4)} days from the most recent injection on or "
        "before its conception. A woman counts as pregnant when she conceived at least once "
        f"after her first injection; age groups are < {AGE_GROUP_CUTOFF} and "
        f"≥ {AGE_GROUP_CUTOFF} years."
    )
    paragraphs.append(
        "Continuous variables are summarised as mean ± standard deviation (range) and "
        "categorical variables as counts and percentages. Percentages are printed with "
        f"{_WORDS.get(PCT_DECIMALS, PCT_DECIMALS)} decimals and p-values with "
        f"{_WORDS.get(P_DIGITS, P_DIGITS)} significant digits (< {P_FLOOR:g} below that)."
    )
    names = [t.name for t in tables] + [f.name for f in figures]
    software = software_sentence(provenance.software, names)
    labelled = [(t.label, t.footnotes) for t in tables] + [(f.label, f.notes) for f in figures]
    return Methods(tuple(paragraphs), collect_notes(labelled), software)
