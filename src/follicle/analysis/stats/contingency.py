"""Tests of association in contingency tables, computed exactly as R computes them.

:func:`chisq_test` is R's ``stats::chisq.test`` for a matrix (Pearson's χ² test, with Yates'
continuity correction on 2 × 2 tables by default), operation for operation, so that the
statistic, the degrees of freedom, the p-value and the method's name are those R prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import pandas as pd

from follicle.analysis.stats import distributions as dist

#: R's method names (``htest$method``).
PEARSON = "Pearson's Chi-squared test"
PEARSON_YATES = "Pearson's Chi-squared test with Yates' continuity correction"

TableLike: TypeAlias = Sequence[Sequence[float]] | np.ndarray | pd.DataFrame


@dataclass(frozen=True)
class TestResult:
    """The result of a statistical test, as R's ``htest`` object holds it.

    Attributes
    ----------
    method
        the test's name exactly as R prints it (``htest$method``), e.g. "Pearson's
        Chi-squared test with Yates' continuity correction".
    statistic
        the test statistic (``htest$statistic``), ``nan`` when undefined (a zero margin).
    df
        degrees of freedom (``htest$parameter``).
    p_value
        the p-value (``htest$p.value``), ``nan`` when undefined.
    observed, expected
        the table and the expected counts under independence (row-major tuples).
    small_expected
        some expected count is below 5: R warns "Chi-squared approximation may be
        incorrect" (follicle records the fact instead of warning).
    """

    __test__ = False  # not a pytest test class, despite the name

    method: str
    statistic: float
    df: int
    p_value: float
    observed: tuple[tuple[float, ...], ...] = field(default=(), repr=False)
    expected: tuple[tuple[float, ...], ...] = field(default=(), repr=False)
    small_expected: bool = False

    @property
    def defined(self) -> bool:
        """Whether the statistic is a number (no zero margin)."""
        return not math.isnan(self.statistic)

    def to_dict(self) -> dict[str, object]:
        """The result as a JSON-ready mapping (``nan`` becomes ``None``)."""
        return {
            "method": self.method,
            "statistic": self.statistic if self.defined else None,
            "df": self.df,
            "p_value": None if math.isnan(self.p_value) else self.p_value,
            "small_expected": self.small_expected,
        }


def _as_matrix(table: TableLike) -> np.ndarray:
    x = np.asarray(table.to_numpy() if isinstance(table, pd.DataFrame) else table, dtype=float)
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError(f"a contingency table needs at least 2 rows and 2 columns, got {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("all entries of a contingency table must be non-negative and finite")
    if x.sum() == 0:  # R: "at least one entry of 'x' must be positive"
        raise ValueError("at least one entry of a contingency table must be positive")
    return x


def chisq_test(table: TableLike, *, correct: bool = True) -> TestResult:
    """Pearson's χ² test of independence, as R's ``chisq.test(x, correct = correct)``.

    Parameters
    ----------
    table
        An r × c table of counts (rows × columns; a nested sequence, an array or a
        DataFrame of its values).
    correct
        Apply Yates' continuity correction to a 2 × 2 table (R's default, ``TRUE``);
        ignored for larger tables, as in R.

    Returns
    -------
    TestResult
        ``statistic`` :math:`X^2`, ``df`` :math:`(r-1)(c-1)`, ``p_value`` the upper tail of
        the χ² distribution, and ``method`` R's name of the test.

    Notes
    -----
    With :math:`E_{ij} = R_i C_j / n`, the statistic is

    .. math:: X^2 = \\sum_{ij} \\frac{(|O_{ij} - E_{ij}| - Y)^2}{E_{ij}},

    where R takes :math:`Y = \\min(0.5, \\min_{ij} |O_{ij} - E_{ij}|)` for a 2 × 2 table with
    ``correct = TRUE`` and :math:`Y = 0` otherwise. The method's name gains "with Yates'
    continuity correction" only when :math:`Y > 0` (so a table with :math:`O = E` somewhere
    is reported as the uncorrected test), as in R.

    In a 2 × 2 table every cell has the same :math:`|O - E|`, so when it is at most 0.5 the
    corrected statistic is **exactly 0** and p = 1. In floating point the four
    :math:`|O - E|` differ in the last bits, and R prints a tiny positive number instead of 0
    (the seed paper's χ² = 6.0062e-31 for 33/91 vs 5/14 is such noise). This function
    performs R's operations in R's order (column-major, a correctly rounded sum standing in
    for R's extended-precision accumulator) and so reproduces that noise rather than
    rounding it away; it agrees with R to far below any printed digit either way.

    A zero row or column total makes an expected count 0 and the statistic undefined: R
    returns ``NaN`` (and a p-value of ``NA``); so does this function, without warning. A
    table of zeros is an error, as in R.

    References
    ----------
    .. [1] Yates F. Contingency tables involving small numbers and the χ² test. J R Stat Soc
       Suppl 1934;1:217–35.
    .. [2] R Core Team. ``chisq.test`` in package stats (``src/library/stats/R/chisq.test.R``).
    """
    x = _as_matrix(table)
    n = x.sum()
    expected = np.outer(x.sum(axis=1), x.sum(axis=0)) / n
    deviation = np.abs(x - expected)
    yates = 0.0
    if correct and x.shape == (2, 2):
        yates = float(min(0.5, deviation.min()))
    method = PEARSON_YATES if yates > 0 else PEARSON
    df = (x.shape[0] - 1) * (x.shape[1] - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (deviation - yates) ** 2 / expected
    # R sums in column-major order with a long-double accumulator; fsum is correctly rounded.
    statistic = math.fsum(terms.ravel(order="F")) if np.all(np.isfinite(terms)) else math.nan
    if math.isnan(statistic) or np.any(expected == 0):
        statistic = math.nan
        p_value = math.nan
    else:
        p_value = float(dist.chi2_sf(statistic, df))
    return TestResult(
        method=method,
        statistic=statistic,
        df=df,
        p_value=p_value,
        observed=tuple(map(tuple, x.tolist())),
        expected=tuple(map(tuple, expected.tolist())),
        small_expected=bool(np.any(expected < 5)),
    )
