"""Kaplan–Meier estimates at chosen times, the log-rank test and R's median, in numpy.

They agree with R's ``survival`` package to rounding (``tests/analysis/test_r_survival.py``
holds them to ``survfit`` and ``survdiff`` on the seed cohort, a generated cohort and edge
cases):

* the estimate is R ``survfit(Surv(time, event) ~ 1)``'s product-limit curve,
  ``S(t) = Π_{t_i ≤ t} (1 − d_i/n_i)`` with ``d_i`` events among ``n_i`` subjects at risk
  (observed time ≥ ``t_i``);
* the interval is R's ``survfit(conf.type = "log-log")``: ``S^exp(±z·se/log S)`` with
  Greenwood's ``se² = Σ d/(n(n − d))`` (lifelines' default "exponential Greenwood"
  interval). R gives ``NA`` where ``S`` is 0 or 1; so do we (``NaN``). R's default
  ``conf.type = "log"`` can exceed 1 and is not used;
* the log-rank statistic is R ``survdiff(Surv(time, event) ~ group)`` (``rho = 0``):
  ``U' V⁻ U`` over the first k − 1 groups, ``U`` observed minus expected events and ``V``
  their hypergeometric covariance.

Why not lifelines, which computed both until issue 13: importing it costs about 0.15 s of
CPU (autograd, formulaic and its fitters' modules), a tenth of a small cohort's whole
report, for two estimators of a few array operations each. lifelines stays the library of
the comparison of arms' Cox model (``analysis/arms/cox.py``), imported there when it fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]
#: R ``quantile.survfit``'s tolerance for "the curve is exactly at the quantile".
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted Kaplan–Meier curve: survival and its log-log bounds at each observed time.

    ``time`` starts at 0 (where survival is 1 unless events happen at 0) and then holds
    every distinct observed time, events and censorings alike, in the unit of the input.
    """

    time: FloatArray
    survival: FloatArray
    lower: FloatArray
    upper: FloatArray
    observed: FloatArray  # every subject's time, sorted: numbers at risk come from it


def _risk_table(
    time: FloatArray, event: NDArray[np.bool_], group: NDArray[np.intp], groups: int
) -> tuple[FloatArray, NDArray[np.float64], NDArray[np.float64]]:
    """Distinct times (with 0 first), and per time and group: events and number at risk.

    The at-risk count at ``t`` is everyone whose observed time is ≥ ``t``: all subjects
    less those whose time came before, by a cumulative sum over the sorted distinct times.
    """
    timeline, where = np.unique(np.concatenate(([min(0.0, time.min())], time)), return_inverse=True)
    where = where[1:]  # the prepended origin is no subject
    cell = where * groups + group
    size = timeline.size * groups
    removed = np.bincount(cell, minlength=size).reshape(timeline.size, groups).astype(float)
    events = np.bincount(cell[event], minlength=size).reshape(timeline.size, groups).astype(float)
    left_before = np.vstack((np.zeros((1, groups)), np.cumsum(removed, axis=0)[:-1]))
    at_risk_now = removed.sum(axis=0) - left_before
    return timeline, events, at_risk_now


def kaplan_meier(time: ArrayLike, event: ArrayLike, *, level: float = 0.95) -> KaplanMeier:
    """The Kaplan–Meier curve of ``event`` (R ``survfit(Surv(time, event), conf.type =
    "log-log", conf.int = level)``).

    Parameters
    ----------
    time
        Observed times (≥ 0), one per subject, in any unit (the curve's times are in it).
    event
        True where the time is an event, False where it is censored.
    level
        Confidence level of the pointwise interval (0.95: 95%).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    if t.size == 0:
        empty = np.array([], dtype=float)
        return KaplanMeier(empty, empty, empty, empty, empty)
    timeline, events, risk = _risk_table(t, e, np.zeros(t.size, dtype=np.intp), 1)
    d, n = events[:, 0], risk[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - d / n, dtype=np.float64)
        # Greenwood's sum; a time where everyone at risk has the event (n = d) takes S to 0,
        # where the interval is undefined anyway.
        greenwood = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        log_s = np.log(survival)
        shift = float(special.ndtri(0.5 + level / 2)) * np.sqrt(greenwood) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - shift))
        upper = np.exp(-np.exp(np.log(-log_s) + shift))
    defined = (survival > 0) & (survival < 1)
    return KaplanMeier(
        time=timeline,
        survival=survival,
        lower=np.where(defined, lower, np.nan),
        upper=np.where(defined, upper, np.nan),
        observed=np.sort(t),
    )


def at_risk(observed_sorted: FloatArray, times: ArrayLike) -> NDArray[np.int64]:
    """Subjects still at risk at each of ``times``: observed time ≥ t (R ``n.risk``)."""
    at = np.asarray(times, dtype=float)
    return (observed_sorted.size - np.searchsorted(observed_sorted, at, side="left")).astype(
        np.int64
    )


def survival_at(curve: KaplanMeier, times: ArrayLike) -> tuple[FloatArray, ...]:
    """Survival, lower and upper bound at ``times`` (right-continuous steps).

    As R ``summary(fit, times)``: before the first observed time all three are 1; after
    the largest observed time R reports nothing and we give ``NaN``.
    """
    at = np.asarray(times, dtype=float)
    if curve.time.size == 0:
        nan = np.full(at.shape, np.nan)
        return nan, nan, nan
    index = np.clip(np.searchsorted(curve.time, at, side="right") - 1, 0, None)
    before_first = at < curve.observed[0]
    beyond = at > curve.observed[-1]
    return tuple(
        np.where(beyond, np.nan, np.where(before_first, 1.0, column[index]))
        for column in (curve.survival, curve.lower, curve.upper)
    )


def _first_at_or_above(y: FloatArray, p: float) -> int | None:
    """R ``approx(y, seq_along(y), p, method = "constant", f = 1)$y``: the position of the
    smallest ``y`` at or above ``p`` (``approx`` orders the points by ``y`` and drops the
    missing ones); ``None`` (R ``NA``) when ``p`` lies outside the range of ``y``."""
    present = np.flatnonzero(~np.isnan(y))
    if present.size == 0:
        return None
    order = present[np.argsort(y[present], kind="stable")]
    ordered = y[order]
    if p < ordered[0] or p > ordered[-1]:
        return None
    return int(order[np.searchsorted(ordered, p, side="left")])


def _findq(time: FloatArray, curve: FloatArray, p: float) -> float:
    """R ``survival:::findq`` for one probability: the time at which ``1 − curve`` reaches
    ``p`` on the steps ``(0, 0), (time, 1 − curve)``.

    The first time at which ``1 − curve`` reaches ``p``; where it sits exactly at ``p``
    (within R's tolerance) the midpoint to the next step (or to the last time); ``NaN`` when
    it never reaches ``p``. Missing values of the curve (an interval bound where survival
    is 0 or 1) are skipped, as R's ``approx`` skips them.
    """
    x = np.concatenate(([0.0], time))
    y = np.concatenate(([0.0], 1.0 - curve))
    if np.isnan(y).all() or np.nanmax(y) < p:
        return float("nan")
    last_x = float(x[-1])
    # R drops duplicated y values, keeping the first; missing values count as one value.
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    i1 = _first_at_or_above(y + R_TOLERANCE, p)
    i2 = _first_at_or_above(y - R_TOLERANCE, p)
    if p == 0:
        return float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < R_TOLERANCE:
        return float("nan") if i1 is None else (float(x[i1]) + last_x) / 2
    if i1 is None or i2 is None:
        return float("nan")
    return (float(x[i1]) + float(x[i2])) / 2


def r_quantile(curve: KaplanMeier, p: float = 0.5) -> float:
    """The time by which a fraction ``p`` has had the event, as R ``quantile.survfit``.

    The first time at which ``1 − S`` reaches ``p``; where the curve sits exactly at ``p``
    (within R's tolerance) it is the midpoint to the next drop (or to the last observed
    time); ``NaN`` when the curve never reaches ``p`` ("not reached").
    """
    if curve.time.size == 0:
        return float("nan")
    return _findq(curve.time, curve.survival, p)


def r_quantile_interval(curve: KaplanMeier, p: float = 0.5) -> tuple[float, float]:
    """The confidence interval of :func:`r_quantile` (R ``quantile(fit, p)$lower``,
    ``$upper``): the same rule applied to the lower and to the upper survival bound.

    The lower bound is where the lower survival curve reaches ``1 − p``, the upper where
    the upper curve does; an upper bound that never gets there is ``NaN`` (R ``NA``: "not
    reached"), in the unit of the curve's times.
    """
    if curve.time.size == 0:
        return float("nan"), float("nan")
    return _findq(curve.time, curve.lower, p), _findq(curve.time, curve.upper, p)


@dataclass(frozen=True)
class LogRank:
    """A log-rank test: χ², its degrees of freedom (groups − 1) and p-value."""

    chisq: float
    df: int
    p: float


def log_rank(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> LogRank | None:
    """The k-sample log-rank test (R ``survdiff(Surv(time, event) ~ group)``, ``rho = 0``).

    ``df`` counts, as R, only the groups with a positive expected number of events, less
    one. ``None`` with fewer than two such groups (one group, no event at all): R's statistic
    is then undefined (it prints 0 on −1 degrees of freedom).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    labels, g = np.unique(np.asarray(group), return_inverse=True)
    groups = labels.size
    if groups < 2 or not e.any():
        return None
    _, d, n = _risk_table(t, e, g.reshape(-1).astype(np.intp), groups)
    total_d, total_n = d.sum(axis=1), n.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = n * (total_d / total_n)[:, None]
        # Hypergeometric variance of each time's events: d (n − d)/(n − 1)/n² times
        # (n_j n δ_jl − n_j n_l); a time with one subject at risk contributes nothing.
        factor = np.where(total_n > 1, (total_n - total_d) / (total_n - 1), 1.0)
        factor = np.nan_to_num(factor * total_d / total_n**2)
    observed_minus_expected = (d - expected).sum(axis=0)
    covariance = np.diag((factor[:, None] * n * total_n[:, None]).sum(axis=0)) - np.einsum(
        "t,tj,tl->jl", factor, n, n
    )
    # R's survdiff first removes the groups with no expected event (all their subjects left
    # before the first event): they carry no information, and the degrees of freedom are
    # the groups that remain, less one. With fewer than two left there is no test.
    informative = expected.sum(axis=0) > 0
    kept = int(informative.sum())
    if kept < 2:
        return None
    u = observed_minus_expected[informative][1:]
    # … then solves on all of them but the first (a generalised inverse here, which is the
    # inverse whenever R's solve() succeeds).
    v = covariance[np.ix_(informative, informative)][1:, 1:]
    chisq = float(u @ np.linalg.pinv(v) @ u)
    return LogRank(chisq, kept - 1, float(special.chdtrc(kept - 1, chisq)))
