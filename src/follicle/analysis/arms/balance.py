"""Standardized mean differences (SMD) between two arms, plain or weighted.

For a continuous covariate :math:`(m_1 - m_0) / \\sqrt{(s_1^2 + s_0^2) / 2}`; for a
proportion :math:`(p_1 - p_0) / \\sqrt{(p_1(1 - p_1) + p_0(1 - p_0)) / 2}`. Weighted, the
means are weighted means and the variances the unbiased weighted variances
:math:`\\sum w (x - m)^2 / (\\sum w - \\sum w^2 / \\sum w)` (R ``cov.wt(method =
"unbiased")``; with equal weights this is the ordinary ``var``). |SMD| < 0.1 is the usual
target for balance (Austin 2009).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
#: |SMD| below this is called balanced.
BALANCE_TARGET = 0.1


def weighted_mean_var(x: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Weighted mean and unbiased weighted variance (R ``cov.wt(method = "unbiased")``)."""
    total = w.sum()
    if x.size == 0 or total <= 0:
        return float("nan"), float("nan")
    mean = float((w * x).sum() / total)
    denominator = total - (w**2).sum() / total
    if denominator <= 0:
        return mean, float("nan")
    return mean, float((w * (x - mean) ** 2).sum() / denominator)


def smd(
    x1: FloatArray,
    x0: FloatArray,
    *,
    binary: bool = False,
    w1: FloatArray | None = None,
    w0: FloatArray | None = None,
) -> float:
    """The SMD of arm 1 against arm 0 (weights ``w1``, ``w0`` when given).

    ``binary``: the covariate is 0/1 and its variance that of a proportion, ``p(1 − p)``.
    ``nan`` when an arm has no value or both variances are 0.
    """
    w1 = np.ones_like(x1) if w1 is None else w1
    w0 = np.ones_like(x0) if w0 is None else w0
    m1, v1 = weighted_mean_var(x1, w1)
    m0, v0 = weighted_mean_var(x0, w0)
    if binary:
        v1, v0 = m1 * (1 - m1), m0 * (1 - m0)
    pooled = np.sqrt((v1 + v0) / 2)
    if not np.isfinite(pooled) or pooled == 0:
        return float("nan")
    return float((m1 - m0) / pooled)
