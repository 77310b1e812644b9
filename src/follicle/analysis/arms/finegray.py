"""The Fine–Gray subdistribution hazard as R's ``survival::finegray`` fits it.

Fine and Gray's model of the cumulative incidence of pregnancy keeps a woman whose
competing event (menopause) came first in the risk set after it, with a weight that falls as
the chance she would still have been under observation falls. R's ``finegray`` writes this
as counting-process data and the model is then an ordinary weighted Cox fit::

    fg <- finegray(Surv(time, factor(status)) ~ ., data, etype = "pregnancy")
    coxph(Surv(fgstart, fgstop, fgstatus) ~ arm + ..., weights = fgwt, data = fg)

:func:`finegray` builds the same rows, vectorised in numpy, and :func:`fine_gray` fits them
with :func:`follicle.analysis.arms.cox.fit_cox` (lifelines, Efron ties). The construction,
as in R:

* :math:`G`, the Kaplan–Meier curve of *censoring*, where a woman with an event (of either
  kind) on the day another is censored counts as leaving first;
* each woman with the event of interest, or censored, keeps one row ``(zero, time]`` with
  weight 1;
* a woman with the competing event at *t* keeps ``(zero, c]`` with weight 1, where *c* is
  the first censoring time on or after *t* (or the last time), then one row for each later
  interval ``(c_{j-1}, c_j]`` between censoring times that holds an event of interest,
  weighted :math:`G(c_{j-1}) / G(t-)`.

``zero`` is 0 when every time is positive, else ``2 min(time) − 1`` (R's choice).
The variance reported is the robust one clustered by woman (R ``+ cluster(id)``), so a
woman's several rows are not counted as independent; R's default on these data, a robust
variance with each *row* its own cluster, is smaller and treats them as independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from follicle.analysis.arms.cox import CoxFit, fit_cox

#: Column names of the expanded rows (R's ``prefix = "fg"``).
FG_COLUMNS = ("fgstart", "fgstop", "fgstatus", "fgwt")


def censoring_curve(time: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Censoring times and the censoring survival :math:`G` just after each.

    At a tie an event (either cause) leaves the risk set before a censoring: the women at
    risk of censoring at *c* are those with ``time > c`` and those censored at *c*.
    """
    censored = status == 0
    ctime, nc = np.unique(time[censored], return_counts=True)
    ordered = np.sort(time)
    beyond = ordered.size - np.searchsorted(ordered, ctime, side="right")
    at_risk = beyond + nc
    return ctime, np.cumprod(1.0 - nc / at_risk)


@dataclass(frozen=True)
class _Plan:
    """What :func:`finegray` needs before it writes a row: the cut points (censoring times
    and the last time) and :math:`G` on each interval, which intervals hold an event of
    interest, and each woman's first cut point on or after her time."""

    zero: float
    ct2: np.ndarray
    cp2: np.ndarray
    kept: np.ndarray
    j0: np.ndarray
    competing: np.ndarray


def _plan(t: np.ndarray, s: np.ndarray, cause: int) -> _Plan:
    n = t.size
    zero = 0.0 if n == 0 or t.min() > 0 else 2 * t.min() - 1
    ctime, cprob = censoring_curve(t, s)
    maxtime = t.max() if n else 0.0
    ct2 = np.append(ctime, maxtime)
    cp2 = np.append(1.0, cprob)
    ncut = ct2.size
    # keep[j]: the interval (ct2[j-1], ct2[j]] holds an event of interest (keep[0] is R's
    # leading TRUE, never used for an added row).
    keep = np.zeros(ncut + 1, dtype=bool)
    keep[0] = True
    event_times = np.unique(t[s == cause])
    where = np.searchsorted(ct2, event_times, side="left")  # R findInterval(left.open = TRUE)
    keep[where[where >= 1]] = True
    kept = np.flatnonzero(keep[:ncut])
    j0 = np.minimum(np.searchsorted(ct2, t, side="left"), ncut - 1)  # first cut ≥ time
    return _Plan(zero, ct2, cp2, kept[kept >= 1], j0, (s != 0) & (s != cause))


def expanded_size(time: ArrayLike, status: ArrayLike, *, cause: int = 1) -> int:
    """How many rows :func:`finegray` would write, without writing them."""
    t = np.asarray(time, dtype=float)
    s = np.asarray(status).astype(int)
    plan = _plan(t, s, cause)
    first_added = np.searchsorted(plan.kept, plan.j0[plan.competing], side="right")
    return int(t.size + (plan.kept.size - first_added).sum())


def finegray(time: ArrayLike, status: ArrayLike, *, cause: int = 1) -> pd.DataFrame:
    """The counting-process rows of R ``finegray(Surv(time, factor(status)) ~ .)``.

    Parameters
    ----------
    time
        Observed times (any unit), one per woman.
    status
        0 censored, ``cause`` the event of interest, any other value a competing event.
    cause
        The event of interest (R ``etype``).

    Returns
    -------
    DataFrame
        ``row`` (the woman's position in the input) and ``fgstart``, ``fgstop``,
        ``fgstatus`` (1 for the event of interest), ``fgwt`` — the same rows as R's, in the
        same order within each woman.
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(status).astype(int)
    n = t.size
    plan = _plan(t, s, cause)
    zero, ct2, cp2, kept, j0c, competing = (
        plan.zero,
        plan.ct2,
        plan.cp2,
        plan.kept,
        plan.j0,
        plan.competing,
    )

    stop = t.copy()
    stop[competing] = ct2[j0c[competing]]
    base = pd.DataFrame(
        {
            "row": np.arange(n),
            "fgstart": np.full(n, zero),
            "fgstop": stop,
            "fgstatus": (s == cause).astype(int),
            "fgwt": np.ones(n),
            "add": np.zeros(n, dtype=int),
        }
    )
    who = np.flatnonzero(competing)
    first_added = np.searchsorted(kept, j0c[who], side="right")
    counts = kept.size - first_added
    rows = np.repeat(who, counts)
    offsets = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    j = kept[np.repeat(first_added, counts) + offsets]
    added = pd.DataFrame(
        {
            "row": rows,
            "fgstart": ct2[j - 1],
            "fgstop": ct2[j],
            "fgstatus": 0,
            "fgwt": cp2[j] / cp2[j0c[rows]],
            "add": offsets + 1,
        }
    )
    out = pd.concat([base, added], ignore_index=True)
    out = out.sort_values(["row", "add"], kind="stable", ignore_index=True)
    return out.drop(columns="add")


def as_right_censored(rows: pd.DataFrame) -> pd.DataFrame:
    r""":func:`finegray`'s rows rewritten without delayed entry, for the same Cox fit.

    A woman whose competing event came first is in R's rows with a weight that steps down
    over time, :math:`w(s) = w_k` on her *k*-th interval. A non-increasing step function is
    a sum of indicators, :math:`w(s) = \sum_k (w_k - w_{k+1}) \, 1\{s \le \tau_k\}`,
    with :math:`\tau_k` the end of her *k*-th interval: so she can equally be written as
    right-censored rows ``(−∞, τ_k]`` of weight :math:`w_k - w_{k+1}`. Every risk-set sum
    at every event time is then the same (the gaps between R's intervals hold no event),
    and these rows are never events, so the weighted partial likelihood, its score and
    information — hence the coefficients, the model-based variance, and the robust
    variance clustered by woman — are exactly R's. What changes is the cost: a Cox fit
    with delayed entry (lifelines' time-varying path) sweeps every row at every event time;
    without it, one sorted pass.

    Returns
    -------
    DataFrame
        ``row``, ``fgstop``, ``fgstatus``, ``fgwt`` (rows of zero weight dropped).
    """
    woman = rows["row"].to_numpy()
    weight = rows["fgwt"].to_numpy(dtype=float)
    same = np.append(woman[1:] == woman[:-1], False)
    following = np.where(same, np.append(weight[1:], 0.0), 0.0)
    out = pd.DataFrame(
        {
            "row": woman,
            "fgstop": rows["fgstop"].to_numpy(dtype=float),
            "fgstatus": rows["fgstatus"].to_numpy(),
            "fgwt": weight - following,
        }
    )
    return out.loc[out["fgwt"] > 0].reset_index(drop=True)


def fine_gray(
    data: pd.DataFrame,
    terms: Sequence[str],
    *,
    time: str = "time",
    status: str = "status",
    cause: int = 1,
) -> CoxFit:
    """The Fine–Gray model of ``cause``: a weighted Cox fit on :func:`finegray`'s rows.

    R: ``coxph(Surv(fgstart, fgstop, fgstatus) ~ terms + cluster(id), weights = fgwt,
    data = finegray(Surv(time, factor(status)) ~ ., data))``, Efron ties, fitted by
    lifelines on the same rows written without delayed entry (:func:`as_right_censored`,
    the same likelihood). ``n`` of the result counts women, ``events`` the events of
    interest.
    """
    rows = as_right_censored(finegray(data[time].to_numpy(), data[status].to_numpy(), cause=cause))
    covariates = data.loc[:, list(terms)].reset_index(drop=True)
    expanded = pd.concat(
        [
            rows.reset_index(drop=True),
            covariates.iloc[rows["row"].to_numpy()].reset_index(drop=True),
        ],
        axis=1,
    )
    return fit_cox(
        expanded,
        terms,
        stop="fgstop",
        event="fgstatus",
        weights="fgwt",
        cluster="row",
    )
