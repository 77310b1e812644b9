"""Table 2's 2 × 2 tables, analysed in full: χ² and Fisher, odds ratios, risk difference.

Each factor of Table 2 compares two groups (age < 35 vs ≥ 35, regular vs irregular baseline
menses, one vs two injections: :data:`follicle.analysis.pregnancy.FACTORS`) on the same
table Table 2 tests, rows = groups (first group first), columns = pregnant, not pregnant::

                 pregnant   not pregnant
    first group      a           b
    second group     c           d

Direction: every estimate compares the **first** group with the **second** (the reference):
odds ratio = (a / b) / (c / d), risk difference = a / (a + b) − c / (c + d). An odds ratio
above 1 or a positive difference means the first group (< 35, regular menses, one injection)
became pregnant more often.

R equivalents, on ``m <- matrix(c(a, c, b, d), 2)``: ``chisq.test(m)`` (Yates) and
``chisq.test(m, correct = FALSE)``; ``fisher.test(m)`` (p, conditional MLE odds ratio and its
exact interval); ``prop.test(c(a, c), c(a + b, c + d), correct = FALSE)$conf.int`` (the Wald
interval of the risk difference).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd
from scipy import optimize

from follicle.analysis.pregnancy import FACTORS, SMALL_EXPECTED, Factor, two_by_two
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats import distributions as dist
from follicle.analysis.stats.contingency import chisq_test
from follicle.analysis.stats.fisher import fisher_exact_2x2, hypergeometric_log_density
from follicle.analysis.stats.intervals import proportion_ci

#: The value of ``{factor}.primary_test`` for each test.
FISHER: Final = "fisher"
CHISQ: Final = "chisq"

#: The ``two_by_two`` table: two rows per factor (the compared group, then the reference),
#: the comparison's statistics on the first. ``min_expected``, the uncorrected χ² p and the
#: Newcombe interval are printed only in spreadsheets (:data:`follicle.report.tables.
#: SPREADSHEET_ONLY`).
COLUMNS: Final = (
    "key",
    "factor",
    "group",
    "n",
    "total",
    "pct",
    "test",
    "p",
    "fisher_p",
    "chisq_p",
    "chisq_uncorrected_p",
    "min_expected",
    "or",
    "or_low",
    "or_high",
    "or_mle",
    "or_mle_low",
    "or_mle_high",
    "risk_difference",
    "risk_difference_low",
    "risk_difference_high",
    "risk_difference_newcombe_low",
    "risk_difference_newcombe_high",
)
#: How each primary test is named in the table.
TEST_NAMES: Final = {"fisher": "Fisher", "chisq": "χ²"}
#: Table columns whose value names differ (``{factor}.odds_ratio`` is the ``or`` column).
_RENAMED: Final = {
    "primary_p": "p",
    "odds_ratio": "or",
    "odds_ratio_low": "or_low",
    "odds_ratio_high": "or_high",
    "odds_ratio_mle": "or_mle",
    "odds_ratio_mle_low": "or_mle_low",
    "odds_ratio_mle_high": "or_mle_high",
}


def _nan() -> float:
    return float("nan")


def _comparison(factor: Factor) -> str:
    labels = dict(zip(factor.levels, factor.labels, strict=True))
    first, second = (labels[level] for level in factor.compared)
    return f"{first} vs {second}"


def _sample_odds_ratio(cells: np.ndarray, level: float) -> tuple[float, float, float]:
    """ad / bc with Woolf's interval exp(log OR ± z √(1/a + 1/b + 1/c + 1/d)).

    With a zero cell the log odds ratio has no finite standard error: the estimate is
    reported as it is (0, ``inf``, or ``nan`` for 0/0) and there is no interval (``nan``);
    no 0.5 is added to the cells.
    """
    a, b, c, d = cells.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = float(np.float64(a * d) / np.float64(b * c))
    if np.any(cells == 0):
        return estimate, _nan(), _nan()
    half = float(dist.norm_ppf(0.5 + level / 2)) * math.sqrt(float((1.0 / cells).sum()))
    log_or = math.log(estimate)
    return estimate, math.exp(log_or - half), math.exp(log_or + half)


class _NoncentralHypergeometric:
    """Fisher's noncentral hypergeometric distribution of cell a given the margins.

    R ``fisher.test``'s ``dnhyper``/``pnhyper``: the central log-densities over the support
    are computed once, so each evaluation at an odds ratio is one vectorised pass.
    :meth:`scipy.stats.contingency.odds_ratio`'s interval re-evaluates
    ``nchypergeom_fisher.cdf`` instead and takes minutes on a table of a million women.
    """

    def __init__(self, cells: np.ndarray) -> None:
        self.x = float(cells[0, 0])
        self.support, self.log_central = hypergeometric_log_density(cells)
        self.lo, self.hi = float(self.support[0]), float(self.support[-1])

    def _density(self, ncp: float) -> np.ndarray:
        """R's ``dnhyper(ncp)``: the probabilities of the support at odds ratio ``ncp``."""
        log_d = self.log_central + math.log(ncp) * self.support
        d = np.exp(log_d - log_d.max())
        return np.asarray(d / d.sum(), dtype=float)

    def mean(self, ncp: float) -> float:
        """R's ``mnhyper(ncp)``: the expected cell ``a`` at odds ratio ``ncp``."""
        if ncp == 0.0:
            return self.lo
        if math.isinf(ncp):
            return self.hi
        return float((self.support * self._density(ncp)).sum())

    def estimate(self) -> float:
        """R's ``mle(x)``: the odds ratio at which the expected ``a`` is the observed one."""
        if self.x == self.lo:
            return 0.0
        if self.x == self.hi:
            return math.inf
        at_one = self.mean(1.0)
        if at_one == self.x:
            return 1.0
        if at_one > self.x:
            return float(
                optimize.brentq(
                    lambda t: self.mean(t) - self.x, 0.0, 1.0, xtol=1e-14, rtol=1e-15, maxiter=500
                )
            )
        root = optimize.brentq(
            lambda t: self.mean(1.0 / t) - self.x,
            np.finfo(float).eps,
            1.0,
            xtol=1e-14,
            rtol=1e-15,
            maxiter=500,
        )
        return 1.0 / float(root)

    def tail(self, ncp: float, *, upper: bool) -> float:
        """P(A ≥ x) (``upper``) or P(A ≤ x) at odds ratio ``ncp``."""
        if ncp == 0.0:
            return float(self.x <= self.lo) if upper else float(self.x >= self.lo)
        log_d = self.log_central + math.log(ncp) * self.support
        d = np.exp(log_d - log_d.max())
        chosen = self.support >= self.x if upper else self.support <= self.x
        return float(d[chosen].sum() / d.sum())

    def _solve(self, alpha: float, *, upper: bool) -> float:
        # R's ncp.L / ncp.U: search (0, 1], or 1/t for t in (eps, 1] above 1.
        def f(t: float) -> float:
            return self.tail(t, upper=upper) - alpha

        def g(t: float) -> float:
            return self.tail(1.0 / t, upper=upper) - alpha

        at_one = self.tail(1.0, upper=upper)
        if at_one == alpha:
            return 1.0
        if (at_one > alpha) == upper:
            return float(optimize.brentq(f, 0.0, 1.0, xtol=1e-14, rtol=1e-15, maxiter=500))
        root = optimize.brentq(g, np.finfo(float).eps, 1.0, xtol=1e-14, rtol=1e-15, maxiter=500)
        return 1.0 / float(root)

    def interval(self, level: float) -> tuple[float, float]:
        """The exact conditional interval of the odds ratio (R ``fisher.test()$conf.int``)."""
        alpha = (1.0 - level) / 2.0
        low = 0.0 if self.x == self.lo else self._solve(alpha, upper=True)
        high = math.inf if self.x == self.hi else self._solve(alpha, upper=False)
        return low, high


def _conditional_odds_ratio(cells: np.ndarray, level: float) -> tuple[float, float, float]:
    """The conditional maximum-likelihood odds ratio and its exact interval (R fisher.test).

    The estimate solves "expected ``a`` = observed ``a``" and the interval inverts the two
    one-sided exact tests, both as R does (:class:`_NoncentralHypergeometric`; before issue
    13 the estimate was :func:`scipy.stats.contingency.odds_ratio`, ``kind="conditional"``,
    whose module costs 0.3 s of CPU to import). Both are solved to about 1e-13, where R's
    ``uniroot`` stops at about 1e-4. A zero margin leaves cell ``a`` a single possible value
    (the support's lowest and highest at once), where R's ``mle`` returns 0 and its interval
    (0, Inf) before any search; so does this, to give what R gives (the interval says that
    nothing is known). An empty table has no test here (``fisher_p`` is ``None``), so no
    estimate either (``nan``).
    """
    if cells.sum() == 0:
        return _nan(), _nan(), _nan()
    distribution = _NoncentralHypergeometric(cells)
    low, high = distribution.interval(level)
    return distribution.estimate(), low, high


def _risk_difference(cells: np.ndarray, level: float) -> dict[str, float]:
    """Risk difference (percentage points) with Wald and Newcombe (hybrid score) intervals."""
    a, b, c, d = (float(v) for v in cells.ravel())
    n1, n2 = a + b, c + d
    out = dict.fromkeys(
        (
            "risk_difference",
            "risk_difference_low",
            "risk_difference_high",
            "risk_difference_newcombe_low",
            "risk_difference_newcombe_high",
        ),
        _nan(),
    )
    if n1 == 0 or n2 == 0:
        return out
    p1, p2 = a / n1, c / n2
    difference = p1 - p2
    # Wald: R prop.test(correct = FALSE)$conf.int, clipped to [-1, 1] as R does.
    half = float(dist.norm_ppf(0.5 + level / 2)) * math.sqrt(
        p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    )
    # Newcombe's hybrid score interval (method 10 of Newcombe 1998) from each group's Wilson
    # interval; statsmodels' confint_proportions_2indep(method="newcomb") before issue 13.
    low, high = proportion_ci(np.array([a, c]), np.array([n1, n2]), method="wilson", level=level)
    (l1, l2), (u1, u2) = (float(v) for v in low), (float(v) for v in high)
    return {
        "risk_difference": 100.0 * difference,
        "risk_difference_low": 100.0 * max(difference - half, -1.0),
        "risk_difference_high": 100.0 * min(difference + half, 1.0),
        "risk_difference_newcombe_low": 100.0
        * (difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
        "risk_difference_newcombe_high": 100.0
        * (difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)),
    }


def analyse_table(cells: np.ndarray, *, level: float = 0.95) -> dict[str, Number]:
    """Every statistic of one 2 × 2 table ``[[a, b], [c, d]]`` (rows = groups, first the
    compared group, second the reference; columns = event, no event).

    Returns a flat mapping with the keys of the ``two_by_two`` values without the factor
    prefix (``chisq_p``, ``fisher_p``, ``primary_test`` …); undefined tests are ``None``.
    """
    cells = np.asarray(cells, dtype=float)
    if cells.shape != (2, 2):
        raise ValueError(f"a 2 × 2 table is needed, got shape {cells.shape}")
    empty = cells.sum() == 0
    values: dict[str, Number] = {}
    if empty:
        min_expected = _nan()
        values |= {"chisq_p": None, "chisq_uncorrected_p": None, "fisher_p": None}
    else:
        yates = chisq_test(cells, correct=True)
        plain = chisq_test(cells, correct=False)
        min_expected = float(np.min(yates.expected))
        values["chisq_p"] = yates.p_value if yates.defined else None
        values["chisq_uncorrected_p"] = plain.p_value if plain.defined else None
        values["fisher_p"] = fisher_exact_2x2(cells)
    values["min_expected"] = None if empty else min_expected
    if empty:
        values |= {"primary_test": None, "primary_p": None}
    elif min_expected < SMALL_EXPECTED or values["chisq_p"] is None:
        values |= {"primary_test": FISHER, "primary_p": values["fisher_p"]}
    else:
        values |= {"primary_test": CHISQ, "primary_p": values["chisq_p"]}
    sample = _sample_odds_ratio(cells, level)
    mle = _conditional_odds_ratio(cells, level)
    values |= dict(zip(("odds_ratio", "odds_ratio_low", "odds_ratio_high"), sample, strict=True))
    values |= dict(
        zip(("odds_ratio_mle", "odds_ratio_mle_low", "odds_ratio_mle_high"), mle, strict=True)
    )
    values |= _risk_difference(cells, level)
    return values


def _factor_rows(
    factor: Factor, cells: np.ndarray, statistics: Mapping[str, Number]
) -> list[dict[str, object]]:
    """The two printed rows of one factor: the compared group, carrying the comparison's
    statistics, then the reference group."""
    labels = dict(zip(factor.levels, factor.labels, strict=True))
    first, second = factor.compared
    comparison = {_RENAMED.get(k, k): v for k, v in statistics.items() if k != "primary_test"}
    comparison["test"] = TEST_NAMES.get(str(statistics["primary_test"]))
    rows: list[dict[str, object]] = []
    for level, group, counts in (
        (first, labels[first], cells[0]),
        (second, f"{labels[second]} (reference)", cells[1]),
    ):
        n, total = int(counts[0]), int(counts.sum())
        rows.append(
            {"key": f"{factor.name}.{level}", "factor": factor.label, "group": group}
            | {"n": n, "total": total, "pct": 100.0 * n / total if total else np.nan}
        )
    rows[0] |= comparison
    return rows


def two_by_two_tests(women: pd.DataFrame, *, level: float = 0.95) -> Result:
    """Fisher beside χ², odds ratios and risk differences for Table 2's three comparisons.

    Parameters
    ----------
    women
        The women frame (:func:`follicle.analysis.frame.women`).
    level
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``two_by_two``. ``table`` (:data:`COLUMNS`): two rows per factor
        (age, menses, injections), the compared group then the reference (``key``
        ``{factor}.{level}``, ``factor`` and ``group`` labels, pregnant ``n`` of ``total``,
        ``pct``), the comparison on the first: ``test`` (printed name of the primary test),
        ``p`` (its p-value), ``fisher_p``, ``chisq_p``, ``chisq_uncorrected_p``,
        ``min_expected``, ``or`` and ``or_mle`` (``{factor}.odds_ratio``,
        ``{factor}.odds_ratio_mle``) with ``_low``/``_high``, ``risk_difference`` with its
        Wald and Newcombe bounds. ``values``: ``{factor}.{statistic}`` (``docs/results.md``).
        Risk differences in percentage points; odds ratios first group vs second.
    """
    rows: list[dict[str, object]] = []
    values: dict[str, Number] = {}
    small: list[str] = []
    zero_cells: list[str] = []
    zero_margins: list[str] = []
    for by, factor in FACTORS.items():  # three tables, not a loop over women
        table = two_by_two(women, by)
        cells = table[["pregnant", "not_pregnant"]].to_numpy(dtype=float)
        stats_ = analyse_table(cells, level=level)
        rows += _factor_rows(factor, cells, stats_)
        values |= {f"{factor.name}.{k}": v for k, v in stats_.items()}
        if stats_["primary_test"] == FISHER:
            small.append(_comparison(factor))
        if np.any(cells == 0):
            zero_cells.append(_comparison(factor))
        if cells.sum() > 0 and (np.any(cells.sum(axis=0) == 0) or np.any(cells.sum(axis=1) == 0)):
            zero_margins.append(_comparison(factor))
    pct = f"{100 * level:g} %"
    notes = [
        "n/N (%): women pregnant of the women in the group. Each comparison is on the "
        "line of its first group, against the second (the reference): odds ratio (OR) = "
        "odds of pregnancy in the first group / in the reference; risk difference (RD) = "
        "percentage pregnant in the first group minus in the reference (percentage points).",
        "p (test): the p-value of the primary test, Fisher's exact test (two-sided, R "
        "fisher.test) when any expected count is below 5, otherwise Pearson's χ² with Yates' "
        "continuity correction (R chisq.test); both p-values are shown (the spreadsheet adds the "
        "smallest expected count and the χ² without correction).",
        f"Odds ratio: the sample odds ratio ad/bc with Woolf's {pct} interval (on the log "
        "scale); with a zero cell it is reported as it is (0 or infinite) without an interval "
        "and no 0.5 is added. MLE OR: the conditional maximum-likelihood odds ratio with its "
        "exact interval, as R fisher.test (whose root-finding is accurate to about 1e-4; follicle "
        "solves to 1e-13).",
        f"Risk difference: Wald {pct} interval (R prop.test(correct = FALSE)); the "
        "spreadsheet adds Newcombe's hybrid score interval from the two Wilson intervals.",
    ]
    if small:
        notes.append(
            f"{COHORT_NOTE}, an expected count below 5 makes Fisher's test primary for: "
            + "; ".join(small)
            + "."
        )
    if zero_cells:
        notes.append(
            f"{COHORT_NOTE}, a zero cell leaves the sample odds ratio without an interval "
            "for: " + "; ".join(zero_cells) + "."
        )
    if zero_margins:
        notes.append(
            f"{COHORT_NOTE}, a group or an outcome with no women leaves nothing to compare; "
            "the MLE odds ratio is then 0 with the interval 0 to ∞, as R fisher.test reports "
            "it, for: " + "; ".join(zero_margins) + "."
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return Result(
        "two_by_two",
        "",
        "Pregnancy by age, baseline menses and injections: exact and χ² tests, odds ratios "
        "and risk differences",
        table,
        values,
        tuple(notes),
    )
