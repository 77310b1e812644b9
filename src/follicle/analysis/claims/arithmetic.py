"""Internal arithmetic of published numbers: GRIM, p from a statistic, exact χ².

These check printed numbers against one another, without the data: whether a mean is
possible for integer data of that size (GRIM), which p-values a printed test statistic
allows, and Pearson's χ² of two printed proportions in exact rational arithmetic (which
tells floating-point noise from a real statistic).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from follicle.analysis.claims.printed import Printed, exact
from follicle.analysis.stats import distributions as dist


def grim_possible(mean: Printed, n: int, *, items: int = 1) -> bool:
    """GRIM (Brown & Heathers 2017): can ``n`` integer values (each the mean of ``items``
    integer items) have a mean that prints as ``mean``?

    The means that print as ``mean`` form the interval ``mean ± unit / 2`` (either neighbour
    at an exact half); the test asks whether some integer total T has T / (n · items) in it,
    i.e. ``ceil(lo · k) ≤ floor(hi · k)`` with k = n · items, in exact arithmetic.
    """
    if mean.number is None or n <= 0:
        raise ValueError("GRIM needs a printed number and n > 0")
    k = n * items
    half = mean.unit / 2
    lo, hi = mean.number - half, mean.number + half
    return math.ceil(lo * k) <= math.floor(hi * k)


def grim_neighbours(mean: Printed, n: int, *, items: int = 1) -> tuple[Fraction, Fraction]:
    """The possible means nearest below and above the printed one (T / k, T integer)."""
    if mean.number is None:
        raise ValueError("GRIM needs a printed number")
    k = n * items
    below = Fraction(math.floor(mean.number * k), k)
    above = Fraction(math.ceil(mean.number * k), k)
    if above == below:
        above = below + Fraction(1, k)
    return below, above


def p_value(
    test: str, statistic: float, df: float | None = None, df2: float | None = None
) -> float:
    """The p-value of a test statistic: χ² and F upper tail, z and t two-sided (SciPy).

    ``df`` is needed by χ², t and F, ``df2`` (the denominator's) by F.
    """
    if test == "z":
        return float(2 * dist.norm_sf(abs(statistic)))
    if test not in ("chisq", "t", "f"):
        raise ValueError(f"unknown test {test!r}")
    if df is None:
        raise ValueError(f"a {test} statistic needs its degrees of freedom")
    if test == "chisq":
        return float(dist.chi2_sf(statistic, df))
    if test == "t":
        return float(2 * dist.t_sf(abs(statistic), df))
    if df2 is None:
        raise ValueError("an F statistic needs both its degrees of freedom")
    return float(dist.f_sf(statistic, df, df2))


def p_range(
    test: str, statistic: Printed, df: float | None = None, df2: float | None = None
) -> tuple[float, float]:
    """The p-values a printed statistic allows: those of the ends of its rounding interval.

    Every p-value here falls as the statistic grows (for z and t, as ``|statistic|`` grows),
    so the range runs from the p of the largest statistic to that of the smallest.
    """
    if statistic.number is None:
        raise ValueError("the statistic must be a number")
    half = statistic.unit / 2
    ends = [abs(statistic.number) - half, abs(statistic.number) + half]
    if test in ("chisq", "f"):
        ends = [statistic.number - half, statistic.number + half]
    lo_stat = max(float(ends[0]), 0.0)
    hi_stat = float(ends[1])
    return p_value(test, hi_stat, df, df2), p_value(test, lo_stat, df, df2)


def p_agrees(printed: Printed, low: float, high: float) -> str | None:
    """How a printed p-value agrees with some p in ``[low, high]``: ``"rounded"`` (its
    rounding interval overlaps the range), ``"truncated"`` (its truncation interval does) or
    ``None``. A bound (``< 0.0001``) agrees when some p in the range satisfies it."""
    if printed.number is None:
        return None
    if printed.relation != "=":
        return "rounded" if printed.contains(low) or printed.contains(high) else None
    p, unit = printed.number, printed.unit
    lo, hi = exact(low), exact(high)
    if lo <= p + unit / 2 and hi >= p - unit / 2:
        return "rounded"
    if lo < p + unit and hi >= p:
        return "truncated"
    return None


@dataclass(frozen=True)
class ExactChisq:
    """Pearson's χ² of a 2 × 2 table, exactly: the statistic, |O − E| and the correction."""

    statistic: Fraction
    deviation: Fraction
    correction: Fraction
    min_expected: Fraction


def chisq_exact(n: tuple[int, int], total: tuple[int, int], *, correct: bool = True) -> ExactChisq:
    """χ² of two groups' ``n`` of ``total`` (rows group, columns with / without), exactly.

    The rule is R's ``chisq.test``: Yates' correction ``min(0.5, |O − E|)``. In a 2 × 2 table
    every cell has the same ``|O − E|``, so with it at most 0.5 the corrected statistic is
    exactly 0, whatever floating-point arithmetic returns.

    Raises
    ------
    ValueError
        A margin is zero (the statistic is undefined), or n > total.
    """
    a, b = n
    r1, r2 = total
    if not (0 <= a <= r1 and 0 <= b <= r2):
        raise ValueError("each n must lie between 0 and its total")
    table = [[Fraction(a), Fraction(r1 - a)], [Fraction(b), Fraction(r2 - b)]]
    rows = [sum(r) for r in table]
    cols = [table[0][j] + table[1][j] for j in range(2)]
    grand = sum(rows)
    expected = [[rows[i] * cols[j] / grand for j in range(2)] for i in range(2)]
    if any(e == 0 for row in expected for e in row):
        raise ValueError("a margin of the table is zero")
    deviation = abs(table[0][0] - expected[0][0])
    yates = min(Fraction(1, 2), deviation) if correct else Fraction(0)
    statistic = sum(
        (
            (abs(table[i][j] - expected[i][j]) - yates) ** 2 / expected[i][j]
            for i in range(2)
            for j in range(2)
        ),
        Fraction(0),
    )
    return ExactChisq(statistic, deviation, yates, min(e for row in expected for e in row))
