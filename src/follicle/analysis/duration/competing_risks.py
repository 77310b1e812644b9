"""The Aalen–Johansen cumulative incidence with cmprsk's variance, vectorised in numpy.

With a competing event (here menopause), the probability of the event of interest by time
*t* is the cumulative incidence function (CIF)

.. math::

    F_1(t) = \\sum_{t_j \\le t} \\hat S(t_j-) \\, \\frac{d_{1j}}{n_j},

where :math:`\\hat S` is the Kaplan–Meier estimate of being free of *any* event, :math:`n_j`
the number at risk and :math:`d_{1j}` the events of interest at the distinct time
:math:`t_j` (the Aalen–Johansen estimator; R ``cmprsk::cuminc``, ``survfit`` with a factor
status). Its variance here is the delta-method variance of Gray's ``cmprsk`` (Fortran
``cinc``: the accumulators ``v1``, ``v2``, ``v3``, with the hypergeometric correction
``1 − (d − 1)/(n − 1)`` for tied events), so that :func:`cumulative_incidence_at` equals
``cmprsk::timepoints(cuminc(time, status), times)`` — ``est`` and ``var`` — to rounding.

Why not lifelines' ``AalenJohansenFitter``: it breaks tied times by adding random jitter
(the estimate then depends on a random seed and differs from R's with ties, which dates in
whole days always have), and its variance is not cmprsk's, so neither agrees with R.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from follicle.analysis.stats import distributions as dist

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CumulativeIncidence:
    """A step-function CIF: its value and cmprsk variance after each jump.

    ``time`` holds the distinct times of an event of interest (ascending), ``estimate`` and
    ``variance`` the CIF and its variance from that time on; ``last_time`` is the largest
    observed time (event or censoring), beyond which the curve is not estimated.
    """

    time: FloatArray
    estimate: FloatArray
    variance: FloatArray
    last_time: float


def aalen_johansen(time: ArrayLike, status: ArrayLike, *, cause: int = 1) -> CumulativeIncidence:
    """The Aalen–Johansen CIF of ``cause`` and its cmprsk variance.

    Parameters
    ----------
    time
        Observed times (any unit, ≥ 0), one per subject.
    status
        0 for censored, ``cause`` for the event of interest, any other integer for a
        competing event.
    cause
        The status code of the event of interest.

    Returns
    -------
    CumulativeIncidence
        R: ``cuminc(time, status, cencode = 0)[[paste(1, cause)]]`` (its ``time``/``est``/
        ``var`` at the jumps).
    """
    order = np.argsort(np.asarray(time, dtype=float), kind="stable")
    t = np.asarray(time, dtype=float)[order]
    s = np.asarray(status)[order]
    if t.size == 0:
        empty = np.array([], dtype=float)
        return CumulativeIncidence(empty, empty, empty, float("nan"))
    new = np.concatenate(([True], t[1:] != t[:-1]))  # t is sorted: one sort, no np.unique
    first_index = np.flatnonzero(new)
    distinct = t[first_index]
    inverse = np.cumsum(new) - 1
    at_risk = (t.size - first_index).astype(float)  # t is sorted: n − #{t < t_j}
    failed = s != 0
    d1 = np.bincount(inverse, weights=(s == cause), minlength=distinct.size)
    d = np.bincount(inverse, weights=failed, minlength=distinct.size)
    d2 = d - d1

    # Only times with some event move the estimate (cmprsk skips the others).
    keep = d > 0
    n, d, d1, d2, times = at_risk[keep], d[keep], d1[keep], d2[keep], distinct[keep]
    after = np.cumprod((n - d) / n)  # S(t_j): free of any event just after t_j
    before = np.concatenate(([1.0], after[:-1]))  # S(t_j-)
    cif = np.cumsum(before * d1 / n)

    # cmprsk cinc: each cause contributes fk² · (1 − (d − 1)/(n − 1)) · d / n² to the three
    # accumulators, weighted by the derivatives of F(t) with respect to the hazards.
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_after = np.where(after > 0, 1.0 / after, 0.0)
        correction_2 = np.where(d2 > 1, 1 - (d2 - 1) / (n - 1), 1.0)
        correction_1 = np.where(d1 > 1, 1 - (d1 - 1) / (n - 1), 1.0)
    w2 = np.where((d2 > 0) & (after > 0), before**2 * correction_2 * d2 / n**2, 0.0)
    w1 = np.where(d1 > 0, before**2 * correction_1 * d1 / n**2, 0.0)
    a2 = cif * inv_after
    a1 = 1 + inv_after * cif
    v1 = np.cumsum(a2 * a2 * w2 + a1 * a1 * w1)
    v2 = np.cumsum(inv_after * a2 * w2 + inv_after * a1 * w1)
    v3 = np.cumsum(inv_after**2 * w2 + inv_after**2 * w1)
    variance = v1 + cif * cif * v3 - 2 * cif * v2

    jumps = d1 > 0  # cmprsk records the curve (and its variance) at these times only
    return CumulativeIncidence(times[jumps], cif[jumps], variance[jumps], float(t.max()))


def cumulative_incidence_at(
    curve: CumulativeIncidence, times: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The CIF and its variance at ``times`` (right-continuous steps).

    Before the first event of interest both are 0; after ``curve.last_time`` both are
    ``NaN`` (R ``cmprsk::timepoints`` gives ``NA`` there).
    """
    at = np.asarray(times, dtype=float)
    index = np.searchsorted(curve.time, at, side="right") - 1
    padded_est = np.concatenate(([0.0], curve.estimate))
    padded_var = np.concatenate(([0.0], curve.variance))
    estimate = padded_est[index + 1]
    variance = padded_var[index + 1]
    beyond = ~(at <= curve.last_time)  # also NaN for an empty curve (last_time NaN)
    return np.where(beyond, np.nan, estimate), np.where(beyond, np.nan, variance)


def loglog_interval(
    estimate: ArrayLike, variance: ArrayLike, *, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """The confidence interval of a probability ``F`` on the log(−log) scale.

    ``F^exp(±z·sd/(F·log F))`` with ``sd = sqrt(variance)`` — the interval cmprsk users
    compute from ``timepoints()`` (and R ``survfit(conf.type = "log-log")`` for a survival
    probability). It stays within (0, 1); it is ``NaN`` where ``F`` is 0 or 1, as R's
    ``survfit`` gives ``NA`` there.

    Returns
    -------
    tuple of arrays
        Lower and upper bounds, as proportions.
    """
    f = np.asarray(estimate, dtype=float)
    sd = np.sqrt(np.asarray(variance, dtype=float))
    z = dist.norm_ppf(0.5 + level / 2)
    inside = (f > 0) & (f < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(inside, z * sd / (f * np.log(f)), np.nan)  # < 0 inside (0, 1)
        low = np.where(inside, f ** np.exp(-shift), np.nan)
        high = np.where(inside, f ** np.exp(shift), np.nan)
    return low, high


@dataclass(frozen=True)
class GrayTest:
    """Gray's k-sample test of equal cumulative incidence: statistic, df and p-value."""

    statistic: float
    df: int
    p: float


def _shifted(values: NDArray[Any], first: float) -> NDArray[Any]:
    """``values`` one time step later along axis 0: the left-continuous version."""
    return np.concatenate((np.full((1, *values.shape[1:]), first), values[:-1]), axis=0)


def gray_test(
    time: ArrayLike, status: ArrayLike, group: ArrayLike, *, cause: int = 1, rho: float = 0.0
) -> GrayTest | None:
    """Gray's test that the CIF of ``cause`` is the same in every group.

    A vectorised transcription of cmprsk's Fortran ``crst`` (one stratum): the score of the
    first ``k − 1`` groups and its variance, accumulated over the distinct event times, and
    ``s' V⁻¹ s`` referred to χ² on ``k − 1`` df. R: ``cuminc(time, status, group)$Tests``.
    ``None`` with fewer than two groups, no event of ``cause``, or a singular variance
    (where R reports a statistic of −1).
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(status)
    levels, g = np.unique(np.asarray(group), return_inverse=True)
    if levels.size < 2 or not (s == cause).any():
        return None
    ng = levels.size
    distinct, inverse = np.unique(t, return_inverse=True)
    cell = inverse * ng + g
    size = distinct.size * ng
    count = np.bincount(cell, minlength=size).reshape(-1, ng).astype(float)
    d1 = np.bincount(cell, weights=(s == cause), minlength=size).reshape(-1, ng)
    d2 = np.bincount(cell, weights=(s != cause) & (s != 0), minlength=size).reshape(-1, ng)
    rs = count[::-1].cumsum(axis=0)[::-1]  # at risk: time ≥ t_j, per group
    events = (d1 + d2).sum(axis=1) > 0
    rs, d1, d2 = rs[events], d1[events], d2[events]
    nd1 = d1.sum(axis=1)
    nd2 = d2.sum(axis=1)
    alive = rs > 0

    with np.errstate(divide="ignore", invalid="ignore"):
        skm = np.cumprod(np.where(alive, (rs - d1 - d2) / rs, 1.0), axis=0)
        skmm = _shifted(skm, 1.0)
        f1m = _shifted(np.cumsum(np.where(alive, skmm * d1 / rs, 0.0), axis=0), 0.0)
        t1 = np.where(alive, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(alive, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = _shifted(f, 0.0)
        fb = (1 - fm) ** rho
        # a[j, i, k]: derivative weights; c: their running sum over event times.
        a = fb[:, None, None] * (
            np.einsum("ji,ik->jik", t1, np.eye(ng))
            - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], axis=0)
        score = np.where(
            alive, fb[:, None] * (d1 - nd1[:, None] * rs * (1 - f1m) / (skmm * tq[:, None])), 0.0
        )

        on1 = (nd1[:, None] > 0) & alive
        t4_1 = np.where(skm > 0, 1 - (1 - f)[:, None] / skm, 1.0)
        t5_1 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3_1 = np.where(on1, t5_1 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        on2 = (nd2[:, None] > 0) & (skm > 0) & (d2 > 0)
        t4_2 = np.where(on2, (1 - f)[:, None] / skm, 0.0)
        t5_2 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        t3_2 = np.where(on2, t5_2 * skmm**2 * d2 / rs**2, 0.0)

    k1 = ng - 1
    a1, c1 = a[:, :k1, :], c[:, :k1, :]
    cause_term = a1 - t4_1[:, None, :] * c1  # T1 of the cause-of-interest block
    other_term = t4_2[:, None, :] * c1  # T1 of the competing block
    v3 = (t4_1**2 * t3_1 + t4_2**2 * t3_2).sum(axis=0)
    v2 = (cause_term * (t4_1 * t3_1)[:, None, :] - other_term * (t4_2 * t3_2)[:, None, :]).sum(
        axis=0
    )
    v = np.einsum("jik,jlk,jk->il", cause_term, cause_term, t3_1)
    v += np.einsum("jik,jlk,jk->il", other_term, other_term, t3_2)
    c_end = c1[-1]
    v += (c_end * v3) @ c_end.T + c_end @ v2.T + v2 @ c_end.T
    u = score[:, :k1].sum(axis=0)
    if np.linalg.matrix_rank(v) < k1:
        return None
    statistic = float(u @ np.linalg.solve(v, u))
    return GrayTest(statistic, k1, float(dist.chi2_sf(statistic, k1)))
