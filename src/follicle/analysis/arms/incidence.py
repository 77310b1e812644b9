"""Cumulative incidence of a first pregnancy by arm: plain and weighted estimators.

The plain estimates are Part 2's (Aalen–Johansen with cmprsk's variance, Kaplan–Meier with
its log-log interval; :mod:`follicle.analysis.duration.competing_risks`,
:mod:`follicle.analysis.duration.survival`). :func:`weighted_aalen_johansen` is the Aalen–Johansen
estimator with case weights, R ``survfit(Surv(time, factor(status)) ~ 1, weights = w)``'s
``pstate`` of the event: at each distinct time :math:`t_j`, with weighted numbers at risk
:math:`n_j` and weighted events :math:`d_{1j}` (pregnancy) and :math:`d_j` (either),
:math:`F_1(t) = \\sum_{t_j \\le t} S(t_j-) d_{1j} / n_j`, :math:`S(t) = \\prod (1 - d_j/n_j)`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def weighted_aalen_johansen(
    time: ArrayLike, status: ArrayLike, weight: ArrayLike, at: ArrayLike, *, cause: int = 1
) -> FloatArray:
    """The weighted cumulative incidence of ``cause`` at the times ``at``.

    ``NaN`` beyond the largest observed time (R reports no state there).
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(status).astype(int)
    w = np.asarray(weight, dtype=float)
    points = np.asarray(at, dtype=float)
    if t.size == 0:
        return np.full(points.shape, np.nan)
    distinct, inverse = np.unique(t, return_inverse=True)
    total = np.bincount(inverse, weights=w, minlength=distinct.size)
    d1 = np.bincount(inverse, weights=w * (s == cause), minlength=distinct.size)
    d = np.bincount(inverse, weights=w * (s != 0), minlength=distinct.size)
    at_risk = total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(at_risk > 0, 1 - d / at_risk, 1.0)
        surv = np.cumprod(step)
        before = np.concatenate(([1.0], surv[:-1]))
        cif = np.cumsum(np.where(at_risk > 0, before * d1 / at_risk, 0.0))
    index = np.searchsorted(distinct, points, side="right") - 1
    value = np.where(index >= 0, cif[np.clip(index, 0, None)], 0.0)
    return np.where(points > distinct[-1], np.nan, value)
