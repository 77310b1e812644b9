"""Agreement between the two reviewers of reported events: percent agreement and Cohen's kappa.

Each event judged by both reviewers gives a pair of verdicts (confirm, reclassify, reject:
:data:`~follicle.workbook.schema.VERDICTS`). Over ``n`` such events, with :math:`p_{ij}` the
proportion of events the first reviewer put in category *i* and the second in *j*,
:math:`p_{i\\cdot}` and :math:`p_{\\cdot j}` the margins:

* **percent agreement** :math:`p_o = \\sum_i p_{ii}` (same verdict; a reclassification to
  different values still counts as the same verdict here, as it does for kappa — the report
  counts the events *settled* with the same value separately);
* **Cohen's kappa** :math:`\\kappa = (p_o - p_e) / (1 - p_e)`, with chance agreement
  :math:`p_e = \\sum_i p_{i\\cdot} p_{\\cdot i}`;
* its **large-sample standard error** (Fleiss, Cohen & Everitt 1969, *Psychological
  Bulletin* 72:323–327, the non-null variance):

  .. math::

     \\operatorname{Var}(\\hat\\kappa) = \\frac{
        \\sum_i p_{ii}\\,[1 - (p_{i\\cdot} + p_{\\cdot i})(1 - \\kappa)]^2
        + (1 - \\kappa)^2 \\sum_{i \\ne j} p_{ij}\\,(p_{\\cdot i} + p_{j\\cdot})^2
        - [\\kappa - p_e (1 - \\kappa)]^2}{n\\,(1 - p_e)^2}

  and the Wald interval :math:`\\hat\\kappa \\pm z_{1-\\alpha/2}\\,SE` (not truncated at
  ±1). This is ``psych::cohen.kappa``'s interval; ``tests/analysis/r/adjudication``
  computes it by hand in base R.

When every verdict of both reviewers falls in one category, :math:`p_e = 1` and kappa is
**undefined**: the estimate is ``None`` and the result says so (never NaN). No events with
two judgments: percent agreement is undefined too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from follicle.analysis.result import Result
from follicle.analysis.stats import distributions as dist
from follicle.workbook.events import FINAL
from follicle.workbook.schema import EVENT_TYPES, VERDICTS

#: The method, as the report states it.
KAPPA_METHOD = (
    "Cohen's kappa on the three verdicts (confirm, reclassify, reject) of the two first "
    "reviews; 95% CI kappa ± 1.96 SE with the large-sample SE of Fleiss, Cohen & Everitt "
    "(1969). Percent agreement: the same verdict."
)


@dataclass(frozen=True)
class Kappa:
    """Agreement of two raters over ``n`` paired ratings.

    ``percent`` is the proportion agreeing (0–1); ``kappa``, ``se``, ``low`` and ``high``
    are ``None`` when undefined (no pairs, or chance agreement 1).
    """

    n: int
    agree: int
    percent: float | None
    kappa: float | None
    se: float | None
    low: float | None
    high: float | None
    level: float


def cohen_kappa(
    first: pd.Series | np.ndarray,
    second: pd.Series | np.ndarray,
    *,
    categories: tuple[str, ...] = VERDICTS,
    level: float = 0.95,
) -> Kappa:
    """Cohen's kappa of two raters, with its Fleiss–Cohen–Everitt (1969) Wald interval.

    Parameters
    ----------
    first, second
        The two raters' categories, paired by position (same length, no missing values).
    categories
        Every category a rater could choose (the table is square over them).
    level
        Confidence level of the interval.

    Returns
    -------
    Kappa
        The estimate; R: the formula by hand (``psych::cohen.kappa`` gives the same).

    Raises
    ------
    ValueError
        The two differ in length, or a value is not one of ``categories``.
    """
    a = pd.Categorical(np.asarray(first, dtype=object), categories=list(categories))
    b = pd.Categorical(np.asarray(second, dtype=object), categories=list(categories))
    if len(a) != len(b):
        raise ValueError(f"the raters rated {len(a)} and {len(b)} items: they must pair up")
    if (a.codes < 0).any() or (b.codes < 0).any():
        raise ValueError(f"every rating must be one of {', '.join(categories)}")
    n = len(a)
    k = len(categories)
    counts = np.zeros((k, k))
    np.add.at(counts, (a.codes, b.codes), 1)
    agree = int(np.trace(counts))
    if n == 0:
        return Kappa(0, 0, None, None, None, None, None, level)
    p = counts / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o = float(np.trace(p))
    p_e = float(rows @ cols)
    if np.isclose(p_e, 1.0, rtol=0, atol=1e-12):
        return Kappa(n, agree, p_o, None, None, None, None, level)
    kappa = (p_o - p_e) / (1 - p_e)
    diagonal = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
    # p_ij weighted by (p_.i + p_j.)^2: column margin of i, row margin of j.
    weights = (cols[:, None] + rows[None, :]) ** 2
    off = p * weights
    np.fill_diagonal(off, 0.0)
    variance = (
        diagonal.sum() + (1 - kappa) ** 2 * off.sum() - (kappa - p_e * (1 - kappa)) ** 2
    ) / (n * (1 - p_e) ** 2)
    se = float(np.sqrt(max(variance, 0.0)))
    z = float(dist.norm_ppf(1 - (1 - level) / 2))
    return Kappa(n, agree, p_o, float(kappa), se, kappa - z * se, kappa + z * se, level)


def review_summary(status: pd.DataFrame, *, level: float = 0.95) -> Result:
    """How the events were reviewed, and how well the two reviewers agreed, per event type.

    Parameters
    ----------
    status
        :func:`follicle.workbook.events.review_status` of every event.
    level
        Confidence level of kappa's interval.

    Returns
    -------
    Result
        ``review``: one row per event type (and ``all``): events, with two judgments,
        settled, decided, awaiting review (not final), confirmed, reclassified, rejected,
        percent agreement, kappa and its interval. ``values`` are named
        ``<type>.<measure>`` (``all.kappa``, ``pregnancy.rejected`` …); an undefined kappa
        is ``None`` with a note.
    """
    rows = []
    values: dict[str, float | int | str | None] = {}
    undefined = []
    for kind in (*EVENT_TYPES, "all"):
        part = status if kind == "all" else status[status["event_type"] == kind]
        paired = part[part["reviews"] >= 2]
        estimate = cohen_kappa(paired["verdict_1"], paired["verdict_2"], level=level)
        final = part["status"].isin(FINAL)
        verdicts = part["final_verdict"]
        row: dict[str, float | int | str | None] = {
            "event_type": kind,
            "events": len(part),
            "two_judgments": estimate.n,
            "settled": int((part["status"] == "settled").sum()),
            "decided": int((part["status"] == "decided").sum()),
            "awaiting": int((~final).sum()),
            "confirmed": int((verdicts == "confirm").sum()),
            "reclassified": int((verdicts == "reclassify").sum()),
            "rejected": int((verdicts == "reject").sum()),
            "percent_agreement": None if estimate.percent is None else 100 * estimate.percent,
            "kappa": estimate.kappa,
            "kappa_low": estimate.low,
            "kappa_high": estimate.high,
            "kappa_se": estimate.se,
        }
        rows.append(row)
        values.update({f"{kind}.{name}": v for name, v in row.items() if name != "event_type"})
        if estimate.n and estimate.kappa is None:
            undefined.append(kind.replace("_", " "))
    notes = [KAPPA_METHOD]
    if undefined:
        notes.append(
            "In this cohort kappa is undefined for "
            + ", ".join(undefined)
            + ": every verdict of both reviewers fell in one category."
        )
    return Result(
        name="review",
        label="",
        title="Two-specialist review of reported events: outcome and agreement",
        table=pd.DataFrame(rows),
        values=values,
        notes=tuple(notes),
    )
