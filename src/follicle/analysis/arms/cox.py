"""Cox proportional-hazards fits for the comparison of arms, with R's robust variance.

The fits are lifelines' :class:`~lifelines.CoxPHFitter` (Efron's handling of tied times, as
R ``coxph``'s default) on right-censored or counting-process ``(start, stop]`` data with
case weights; right-censored data go straight to its Newton–Raphson and per-time Efron pass
(``SemiParametricPHFitter``), without the per-row extras of ``fit``.

What lifelines does not give as R does is the robust (sandwich) variance: its ``robust=True``
uses score residuals that are not Efron's with tied times, so they differ
from R's by a few per mille. :func:`robust_variance` computes R's instead, the exact
transcription of ``survival``'s score residuals (C routine ``agscore3``) in numpy:

.. math::

    V = (D^\\top D), \\qquad D = \\operatorname{rowsum}_{\\text{cluster}}(w \\, U) \\, I^{-1},

where :math:`U` are the Efron score residuals, :math:`w` the case weights and :math:`I^{-1}`
the model-based variance (R ``coxph(..., robust = TRUE)`` or ``+ cluster(id)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from follicle.analysis.stats import distributions as dist

FloatArray = NDArray[np.float64]

#: lifelines' convergence: tighter than its default (1e-7) so that coefficients agree with
#: R's to about 1e-9 (R iterates until the relative change in log-likelihood < 1e-9). Full
#: Newton steps (lifelines' default first step is 0.95 of one, which converges linearly
#: until it grows back), and ``precision`` so small that the stop is the relative change in
#: log-likelihood after a full step: lifelines' other stop, a Newton decrement below
#: ``precision``, returns the estimate before its last step, off by up to about
#: sqrt(precision / information) — 1e-7 on the R fixtures' 400 women with 1e-11.
FIT_OPTIONS = {"precision": 1e-16, "r_precision": 1e-13, "max_steps": 100, "step_size": 1.0}


@contextmanager
def _quiet() -> Iterator[None]:
    """lifelines sets numpy's global error state and warns that non-integer weights call for
    a robust variance (which we compute); keep both inside the fit."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True)
class CoxFit:
    """A fitted Cox model: coefficients (log hazard ratios), their variance and the method.

    ``variance`` is the robust (sandwich) variance when ``robust`` is true, else the
    model-based inverse information; ``n`` is the number of subjects (clusters) and
    ``events`` the number of events (rows with the event, each counted once).
    """

    terms: tuple[str, ...]
    coef: FloatArray
    variance: FloatArray
    robust: bool
    n: int
    events: int

    @property
    def se(self) -> FloatArray:
        """Standard errors of the coefficients (``NaN`` where the variance is not positive)."""
        # A coefficient running off to infinity (an arm or a reference without events) leaves
        # the information nearly singular, and its inverse's diagonal may come out negative:
        # no standard error, as there is no finite estimate (the comparison says so).
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.variance))

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Hazard ratios with Wald intervals and p-values, one row per term."""
        z = dist.norm_ppf(0.5 + level / 2)
        se = self.se
        # A coefficient run off towards infinity (an arm without events) has an enormous
        # model-based SE: its upper bound overflows to ∞, which is what it is.
        with np.errstate(over="ignore"):
            return pd.DataFrame(
                {
                    "term": list(self.terms),
                    "coef": self.coef,
                    "se": se,
                    "hr": np.exp(self.coef),
                    "hr_low": np.exp(self.coef - z * se),
                    "hr_high": np.exp(self.coef + z * se),
                    "p": 2 * dist.norm_sf(np.abs(self.coef / se)),
                }
            )


def fit_cox(
    data: pd.DataFrame,
    terms: Sequence[str],
    *,
    stop: str = "time",
    event: str = "event",
    start: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool = False,
    initial: FloatArray | None = None,
) -> CoxFit:
    """Fit a Cox model by lifelines, Efron ties; the variance R ``coxph`` reports.

    Parameters
    ----------
    data
        One row per subject, or per ``(start, stop]`` interval of a subject.
    terms
        The covariate columns (numeric; dummies already made).
    stop, event, start
        Time columns (any unit; the hazard ratios do not depend on it) and the event flag
        (0/1). ``start``: the entry time of counting-process data (R ``Surv(start, stop,
        event)``).
    weights
        Case weights (R ``weights =``).
    cluster
        The column identifying a subject whose rows are correlated (R ``cluster(id)``); with
        ``robust`` and no cluster each row is its own.
    robust
        The sandwich variance (R ``robust = TRUE``) instead of the inverse information.
    initial
        Where Newton–Raphson starts (one coefficient per term; default zeros): the estimate
        of a close model saves steps. It converges to the same point (to about 1e-11).

    Returns
    -------
    CoxFit
        Coefficients on the log hazard ratio scale (R ``coef(fit)``) and ``vcov(fit)``.
    """
    if start is not None:
        coef, naive = _fit_counting_process(data, terms, stop, event, start, weights)
    else:
        coef, naive = _fit_right_censored(
            data[list(terms)].to_numpy(dtype=float),
            data[stop].to_numpy(dtype=float),
            data[event].to_numpy().astype(bool),
            None if weights is None else data[weights].to_numpy(dtype=float),
            initial,
        )
    variance = naive
    if robust or cluster is not None:
        variance = robust_variance(
            data,
            list(terms),
            coef,
            naive,
            stop=stop,
            event=event,
            start=start,
            weights=weights,
            cluster=None if cluster is None else data[cluster].to_numpy(),
        )
    n = int(pd.unique(data[cluster]).size) if cluster is not None else len(data)
    return CoxFit(
        tuple(terms),
        coef,
        variance,
        robust or cluster is not None,
        n,
        int(data[event].to_numpy().sum()),
    )


def _fit_counting_process(
    data: pd.DataFrame,
    terms: Sequence[str],
    stop: str,
    event: str,
    start: str,
    weights: str | None,
) -> tuple[FloatArray, FloatArray]:
    """Delayed entry: lifelines' CoxPHFitter as it is (its per-row pass)."""
    columns = [stop, event, *terms, start]
    if weights is not None:
        columns.append(weights)
    frame = data.loc[:, list(dict.fromkeys(columns))].reset_index(drop=True)
    # Imported here: lifelines costs about 0.15 s of CPU to import, and only a cohort with
    # arms fits a Cox model (a report without arms need not pay for it; issue 13).
    from lifelines import CoxPHFitter

    with _quiet():
        fitter = CoxPHFitter().fit(
            frame,
            duration_col=stop,
            event_col=event,
            entry_col=start,
            weights_col=weights,
            fit_options=FIT_OPTIONS,
            batch_mode=False,
        )
    coef = fitter.params_.loc[list(terms)].to_numpy(dtype=float)
    naive = fitter.variance_matrix_.loc[list(terms), list(terms)].to_numpy(dtype=float)
    return coef, naive


def _fit_right_censored(
    x: FloatArray,
    time: FloatArray,
    event: NDArray[np.bool_],
    weight: FloatArray | None,
    initial: FloatArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Right-censored data: lifelines' Newton–Raphson with its per-time ("batch") Efron pass,
    on the rows sorted and normalised as :class:`~lifelines.CoxPHFitter` does.

    ``CoxPHFitter.fit`` would also sort a data frame, describe it, and compute the baseline
    hazard, the partial hazards and the standard errors of every row; none of that is
    needed here and at a million rows it costs more than the fit. Rows already in time
    order (a tied time's events last) are not sorted again. When the covariates are
    all 0/1 (arm dummies), the censored rows with the same time and covariates are one row
    whose weight is their sum: they enter only the risk sets, as a sum of weights, so the
    likelihood, score and information are the same; event rows stay apart, since Efron's
    handling of ties counts them.

    Returns the coefficients and the model-based variance (lifelines' ``params_`` and
    ``variance_matrix_``).
    """
    # Imported here, as above.
    from lifelines.fitters.coxph_fitter import SemiParametricPHFitter

    n, p = x.shape
    w = np.ones(n) if weight is None else weight
    if not (np.isfinite(x).all() and np.isfinite(time).all() and np.isfinite(w).all()):
        raise ValueError("NaN or infinite values in the covariates, times or weights")
    # lifelines' order: by time, a tied time's events last (its pass takes them from the end).
    step = np.diff(time)
    if not np.all((step > 0) | ((step == 0) & (event[1:] >= event[:-1]))):
        order = np.lexsort((event, time))
        x, time, event, w = x[order], time[order], event[order], w[order]
    if p <= 20 and bool(np.all((x == 0) | (x == 1))):
        # Censored rows grouped by (time, covariates): the key is the time's rank and the
        # covariates read as a binary number. Groups come out in time order; each is put
        # before the events of its time.
        rank = np.concatenate(([0], np.cumsum(time[1:] != time[:-1])))
        code = (x @ (2 ** np.arange(p))).astype(np.int64)
        censored, events = np.flatnonzero(~event), np.flatnonzero(event)
        _, first, group = np.unique(
            rank[censored] << p | code[censored], return_index=True, return_inverse=True
        )
        rows = np.concatenate((censored[first], events))
        merged = np.argsort(
            np.concatenate((2 * rank[censored[first]], 2 * rank[events] + 1)), kind="stable"
        )
        rows = rows[merged]
        summed: FloatArray = np.bincount(group, weights=w[censored]).astype(float)
        w = np.concatenate((summed, w[events]))[merged]
        x, time, event = x[rows], time[rows], event[rows]
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1)
    fitter = SemiParametricPHFitter()
    fitter._batch_mode = True
    # Named in lifelines' warnings when a fit does not converge (e.g. an arm without events).
    fitter.duration_col, fitter.event_col = "time", "event"
    beta = np.zeros(p) if initial is None else np.asarray(initial, dtype=float) * std
    with _quiet():
        beta, _, hessian = fitter._newton_raphson_for_efron_model(
            pd.DataFrame((x - mean) / std),
            pd.Series(time),
            pd.Series(event),
            pd.Series(w),
            None,
            initial_point=beta,
            show_progress=False,
            **FIT_OPTIONS,
        )
    coef = beta / std
    naive = -np.linalg.inv(hessian) / np.outer(std, std)
    return coef, naive


def score_residuals(
    x: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    event: NDArray[np.bool_],
    weight: FloatArray,
    coef: FloatArray,
) -> FloatArray:
    """Efron score residuals of every row (R ``residuals(fit, type = "score")``).

    Row *i*'s residual is :math:`\\int (x_i - \\bar x(t)) \\, dM_i(t)`, with Efron's
    treatment of tied event times: *d* tied events are *d* successive increments of the
    hazard, the *k*-th with each tied event present with probability ``1 − k/d``. The sums
    over the risk set come from cumulative sums over rows sorted by ``stop`` and ``start``
    (no loop over rows or times).
    """
    n, p = x.shape
    score = np.exp((x - x.mean(axis=0)) @ coef)  # centred as R does: the residuals don't change
    risk = score * weight
    times = np.unique(stop[event])
    if times.size == 0:
        return np.zeros((n, p))
    # Risk-set sums at each event time: rows with stop >= t minus rows with start >= t.
    # Without delayed entry (every start -inf) nobody has entered after t: that part is 0.
    entry = bool(np.isfinite(start).any())
    by_stop = np.argsort(stop, kind="stable")
    by_start = np.argsort(start, kind="stable") if entry else by_stop
    i_stop = np.searchsorted(stop[by_stop], times, side="left")
    i_start = np.searchsorted(start[by_start], times, side="left")

    def at_risk_sum(values: FloatArray) -> FloatArray:
        tail_stop = np.concatenate(
            (np.cumsum(values[by_stop][::-1], axis=0)[::-1], np.zeros((1, *values.shape[1:])))
        )
        if not entry:
            return tail_stop[i_stop]
        tail_start = np.concatenate(
            (np.cumsum(values[by_start][::-1], axis=0)[::-1], np.zeros((1, *values.shape[1:])))
        )
        return tail_stop[i_stop] - tail_start[i_start]

    s0 = at_risk_sum(risk)
    s1 = at_risk_sum(risk[:, None] * x)
    # Sums over the events at each time.
    which = np.searchsorted(times, stop[event])
    deaths = np.bincount(which, minlength=times.size).astype(float)
    e0 = np.bincount(which, weights=risk[event], minlength=times.size)
    e1 = np.stack(
        [
            np.bincount(which, weights=(risk[event] * x[event, k]), minlength=times.size)
            for k in range(p)
        ],
        axis=1,
    ).reshape(times.size, p)
    meanwt = np.bincount(which, weights=weight[event], minlength=times.size) / deaths
    # Efron's sub-steps: one per event, k = 0..d-1 at its time.
    step_time = np.repeat(np.arange(times.size), deaths.astype(int))
    first_step = np.concatenate(([0], np.cumsum(deaths.astype(int))[:-1]))
    k = np.arange(step_time.size) - first_step[step_time]
    down = k / deaths[step_time]
    d2 = s0[step_time] - down * e0[step_time]
    hazard = meanwt[step_time] / d2
    mean = (s1[step_time] - down[:, None] * e1[step_time]) / d2[:, None]

    def per_time(values: FloatArray) -> FloatArray:
        if values.ndim == 1:
            return np.bincount(step_time, weights=values, minlength=times.size).astype(float)
        return (
            np.stack(
                [
                    np.bincount(step_time, weights=values[:, j], minlength=times.size)
                    for j in range(values.shape[1])
                ],
                axis=1,
            )
            .reshape(times.size, values.shape[1])
            .astype(float)
        )

    cumhaz = np.concatenate(([0.0], np.cumsum(per_time(hazard))))
    xhaz = np.concatenate((np.zeros((1, p)), np.cumsum(per_time(mean * hazard[:, None]), axis=0)))
    mh1 = per_time(hazard * down)
    mh2 = per_time(mean * (hazard * down)[:, None])
    mh3 = per_time(mean / deaths[step_time][:, None])
    # Each row is at risk at the event times in (start, stop].
    upto = np.searchsorted(times, stop, side="right")
    since = np.searchsorted(times, start, side="right")
    h = cumhaz[upto] - cumhaz[since]
    xh = xhaz[upto] - xhaz[since]
    resid = -score[:, None] * (x * h[:, None] - xh)
    j = which
    resid[event] += (x[event] - mh3[j]) + score[event][:, None] * (
        x[event] * mh1[j][:, None] - mh2[j]
    )
    return resid


def robust_variance(
    frame: pd.DataFrame,
    terms: list[str],
    coef: FloatArray,
    naive: FloatArray,
    *,
    stop: str,
    event: str,
    start: str | None,
    weights: str | None,
    cluster: NDArray[np.generic] | None,
) -> FloatArray:
    """R's robust variance: the weighted dfbeta residuals summed by cluster, crossed."""
    x = frame[terms].to_numpy(dtype=float)
    t1 = frame[stop].to_numpy(dtype=float)
    t0 = frame[start].to_numpy(dtype=float) if start is not None else np.full(len(frame), -np.inf)
    w = frame[weights].to_numpy(dtype=float) if weights is not None else np.ones(len(frame))
    d = frame[event].to_numpy().astype(bool)
    resid = score_residuals(x, t0, t1, d, w, coef) * w[:, None]
    if cluster is not None:
        _, group = np.unique(cluster, return_inverse=True)
        resid = np.stack(
            [np.bincount(group, weights=resid[:, k]) for k in range(resid.shape[1])], axis=1
        )
    dfbeta = resid @ naive
    return dfbeta.T @ dfbeta
