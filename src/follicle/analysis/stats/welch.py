"""Welch's tests of equal means without assuming equal variances, as R computes them.

* two groups: Welch's two-sample t-test, R ``t.test(x, y)`` (``var.equal = FALSE``, the
  default);
* two or more groups: Welch's one-way analysis of means, R ``oneway.test(x ~ g)``
  (``var.equal = FALSE``, the default). For two groups its F is the square of Welch's t.

Both take each group's n, mean and sample SD (n − 1), so a whole table of groups is
tested from its ``groupby`` summaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from follicle.analysis.stats import distributions as dist


@dataclass(frozen=True)
class WelchResult:
    """A Welch test: the statistic (t or F), its degrees of freedom and the p-value.

    ``df2`` is the denominator df of the F test (``nan`` for t). Every field is ``nan`` when
    the test is undefined.
    """

    method: str
    statistic: float
    df: float
    df2: float
    p_value: float


NAN = float("nan")
T_METHOD = "Welch Two Sample t-test"
F_METHOD = "One-way analysis of means (not assuming equal variances)"


def welch_t(n: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> WelchResult:
    """Welch's t-test of group 1 against group 2 (R: ``t.test(x1, x2)``).

    :math:`t = (\\bar x_1 - \\bar x_2) / \\sqrt{s_1^2/n_1 + s_2^2/n_2}` with the
    Welch–Satterthwaite df; the p-value is two-sided. Undefined (``nan``; R stops with an
    error) when a group has fewer than two values or neither has any spread.
    """
    n, mean, sd = (np.asarray(a, dtype=float) for a in (n, mean, sd))
    if n.shape != (2,) or np.any(n < 2):
        return WelchResult(T_METHOD, NAN, NAN, NAN, NAN)
    v = sd**2 / n
    se = math.sqrt(float(v.sum()))
    if se == 0:
        return WelchResult(T_METHOD, NAN, NAN, NAN, NAN)
    t = float((mean[0] - mean[1]) / se)
    df = float(se**4 / np.sum(v**2 / (n - 1)))
    return WelchResult(T_METHOD, t, df, NAN, float(2 * dist.t_sf(abs(t), df)))


def welch_anova(n: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> WelchResult:
    """Welch's one-way analysis of means of k ≥ 2 groups (R: ``oneway.test(x ~ g)``).

    With weights :math:`w_i = n_i / s_i^2`, :math:`W = \\sum w_i`, the weighted mean
    :math:`m = \\sum w_i \\bar x_i / W` and
    :math:`\\lambda = \\sum (1 - w_i/W)^2 / (n_i - 1) / (k^2 - 1)`:
    :math:`F = \\sum w_i (\\bar x_i - m)^2 / ((k - 1)(1 + 2 (k - 2) \\lambda))` on
    :math:`k - 1` and :math:`1 / (3\\lambda)` df. Undefined (``nan``) when a group has fewer
    than two values or no spread (its weight is infinite; R returns ``NaN`` too).
    """
    n, mean, sd = (np.asarray(a, dtype=float) for a in (n, mean, sd))
    k = n.size
    if k < 2 or np.any(n < 2) or np.any(~(sd > 0)):
        return WelchResult(F_METHOD, NAN, NAN, NAN, NAN)
    w = n / sd**2
    total = w.sum()
    centre = float((w * mean).sum() / total)
    lam = float(np.sum((1 - w / total) ** 2 / (n - 1)) / (k**2 - 1))
    f = float(np.sum(w * (mean - centre) ** 2) / ((k - 1) * (1 + 2 * (k - 2) * lam)))
    df1, df2 = float(k - 1), 1 / (3 * lam)
    return WelchResult(F_METHOD, f, df1, df2, float(dist.f_sf(f, df1, df2)))
