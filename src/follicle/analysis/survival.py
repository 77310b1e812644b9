"""Kaplan–Meier estimates at chosen times, the log-rank test and R's median, via lifelines.

lifelines' :class:`~lifelines.KaplanMeierFitter` and
:func:`~lifelines.statistics.multivariate_logrank_test` agree with R's ``survival`` package
to rounding:

* the estimate is R ``survfit(Surv(time, event) ~ 1)``'s product-limit curve;
* the interval is lifelines' default "exponential Greenwood" interval, which is R's
  ``survfit(conf.type = "log-log")``: ``S^exp(±z·se/log S)`` with Greenwood's
  ``se² = Σ d/(n(n − d))``. R gives ``NA`` where ``S`` is 0 or 1 (lifelines fills 1.0); so
  do we (``NaN``). R's default ``conf.type = "log"`` can exceed 1 and is not used;
* the log-rank statistic is R ``survdiff(Surv(time, event) ~ group)`` (``rho = 0``).

Two things of lifelines are kept inside this module: it sets numpy's *global* error state
(``np.seterr``), which :func:`_quiet` restores, and its log-rank test calls a pandas method
in a way pandas deprecates (a ``Pandas4Warning``), which :func:`_quiet` silences.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
#: R ``quantile.survfit``'s tolerance for "the curve is exactly at the quantile".
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


#: The warning class of pandas' deprecations: ``Pandas4Warning`` from pandas 3; pandas 2
#: gives the same deprecation as a ``FutureWarning``.
_PANDAS_DEPRECATION: type[Warning] = getattr(pd.errors, "Pandas4Warning", FutureWarning)


@contextmanager
def _quiet() -> Iterator[None]:
    with np.errstate(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=_PANDAS_DEPRECATION)
        yield


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted Kaplan–Meier curve: survival and its log-log bounds at each observed time."""

    time: FloatArray
    survival: FloatArray
    lower: FloatArray
    upper: FloatArray
    observed: FloatArray  # every subject's time, sorted: numbers at risk come from it


def kaplan_meier(time: ArrayLike, event: ArrayLike, *, level: float = 0.95) -> KaplanMeier:
    """The Kaplan–Meier curve of ``event`` (R ``survfit(Surv(time, event), conf.type =
    "log-log", conf.int = level)``).

    Parameters
    ----------
    time
        Observed times (≥ 0), one per subject.
    event
        True where the time is an event, False where it is censored.
    level
        Confidence level of the pointwise interval.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    if t.size == 0:
        empty = np.array([], dtype=float)
        return KaplanMeier(empty, empty, empty, empty, empty)
    with _quiet():
        fitted = KaplanMeierFitter(alpha=1 - level).fit(t, e)
    s = fitted.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    bounds = fitted.confidence_interval_survival_function_.to_numpy(dtype=float)
    defined = (s > 0) & (s < 1)
    return KaplanMeier(
        time=fitted.survival_function_.index.to_numpy(dtype=float),
        survival=s,
        lower=np.where(defined, bounds[:, 0], np.nan),
        upper=np.where(defined, bounds[:, 1], np.nan),
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


def r_quantile(curve: KaplanMeier, p: float = 0.5) -> float:
    """The time by which a fraction ``p`` has had the event, as R ``quantile.survfit``.

    The first time at which ``1 − S`` reaches ``p``; where the curve sits exactly at ``p``
    (within R's tolerance) it is the midpoint to the next drop (or to the last observed
    time); ``NaN`` when the curve never reaches ``p`` ("not reached").
    """
    if curve.time.size == 0:
        return float("nan")
    x = np.concatenate(([0.0], curve.time))
    y = np.concatenate(([0.0], 1 - curve.survival))
    first = np.concatenate(([True], y[1:] != y[:-1]))  # R drops duplicated y values
    x, y = x[first], y[first]
    if y.max() < p:
        return float("nan")
    i1 = int(np.argmax(y + R_TOLERANCE >= p))
    reached = y - R_TOLERANCE >= p
    upper = float(x[int(np.argmax(reached))]) if reached.any() else float(curve.observed[-1])
    return (float(x[i1]) + upper) / 2


@dataclass(frozen=True)
class LogRank:
    """A log-rank test: χ², its degrees of freedom (groups − 1) and p-value."""

    chisq: float
    df: int
    p: float


def log_rank(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> LogRank | None:
    """The k-sample log-rank test (R ``survdiff(Surv(time, event) ~ group)``, ``rho = 0``).

    ``None`` with fewer than two groups or no event at all (R's statistic is then undefined).
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    g = np.asarray(group)
    groups = np.unique(g).size
    if groups < 2 or not e.any():
        return None
    with _quiet():
        test = multivariate_logrank_test(t, g, e)
    return LogRank(float(test.test_statistic), groups - 1, float(test.p_value))
