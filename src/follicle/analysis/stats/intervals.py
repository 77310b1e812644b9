"""Confidence intervals for proportions and means: the shared primitive of Part 2.

Every function is vectorised over array-likes of counts and returns bounds as proportions
(0–1), never percent; callers multiply by 100 for a Result's values.

- ``wilson``: the score interval without continuity correction, R
  ``prop.test(x, n, correct = FALSE)$conf.int``. Written out in closed form (R's own
  formula, clipped to [0, 1], with the bound at an observed 0 or N set to exactly 0 or 1 as R
  does) because :meth:`scipy.stats.binomtest` computes one proportion at a time and would
  need a Python loop over rows.
- ``clopper-pearson``: the exact interval from beta quantiles, R ``binom.test(x,
  n)$conf.int`` (the beta quantile, :func:`follicle.analysis.stats.distributions.beta_ppf`, is
  vectorised).

A denominator of 0 gives ``nan`` bounds (no warning).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from follicle.analysis.result import Number, Result
from follicle.analysis.stats import distributions as dist

#: The proportion-interval methods every Part 2 result accepts (``method=``).
CI_METHODS: Final = ("wilson", "clopper-pearson")

#: How each method is named in a Result's notes.
CI_METHOD_NOTES: Final = {
    "wilson": "Wilson score interval without continuity correction (R prop.test(correct = FALSE))",
    "clopper-pearson": "exact Clopper–Pearson interval (R binom.test)",
}

ArrayLike = npt.ArrayLike


def _counts(n: ArrayLike, total: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(n, dtype=float)
    size = np.asarray(total, dtype=float)
    x, size = np.broadcast_arrays(x, size)
    known = ~(np.isnan(x) | np.isnan(size))
    if np.any(known & ((x < 0) | (size < 0) | (x > size))):
        raise ValueError("counts must satisfy 0 <= n <= total")
    return x, size


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level!r}")


def _wilson(x: np.ndarray, size: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = dist.norm_ppf((1.0 + level) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / size
        z22n = z * z / (2.0 * size)
        centre = p + z22n
        spread = z * np.sqrt(p * (1.0 - p) / size + z22n / (2.0 * size))
        denominator = 1.0 + 2.0 * z22n
        low = (centre - spread) / denominator
        high = (centre + spread) / denominator
    # R: p.l is 0 when the estimate is 0 and p.u is 1 when it is 1, then clipped to [0, 1].
    low = np.where(x == 0, 0.0, np.maximum(low, 0.0))
    high = np.where(x == size, 1.0, np.minimum(high, 1.0))
    return low, high


def _clopper_pearson(
    x: np.ndarray, size: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        # Shape parameters of 0 (x = 0 or x = N) give nan; R sets those bounds to 0 and 1.
        low = dist.beta_ppf(alpha, x, size - x + 1.0)
        high = dist.beta_ppf(1.0 - alpha, x + 1.0, size - x)
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == size, 1.0, high)
    return low, high


def proportion_ci(
    n: ArrayLike, total: ArrayLike, *, method: str = "wilson", level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided confidence interval for ``n`` of ``total``, element-wise.

    Parameters
    ----------
    n, total
        Counts (array-likes that broadcast together); ``0 <= n <= total``.
    method
        ``"wilson"`` (R ``prop.test(correct = FALSE)$conf.int``) or ``"clopper-pearson"``
        (R ``binom.test()$conf.int``).
    level
        Confidence level, 0–1.

    Returns
    -------
    (low, high)
        Float arrays of the broadcast shape, as proportions 0–1; ``nan`` where ``total`` is 0
        (or a count is missing).
    """
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {CI_METHODS}")
    _check_level(level)
    x, size = _counts(n, total)
    if method == "wilson":
        low, high = _wilson(x, size, level)
    else:
        low, high = _clopper_pearson(x, size, level)
    empty = ~(size > 0)  # also true where a count is nan
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def upper_bound_one_sided(n: ArrayLike, total: ArrayLike, *, level: float = 0.95) -> np.ndarray:
    """Exact one-sided upper confidence bound for ``n`` of ``total``, element-wise.

    R ``binom.test(n, total, alternative = "less")$conf.int[2]``: the ``level`` quantile of
    Beta(n + 1, total − n), and 1 when n = total. For n = 0 it is ``1 − (1 − level)^(1/total)``
    (about 3 / total at 95 %: the rule of three). A proportion 0–1; ``nan`` where total is 0.
    """
    _check_level(level)
    x, size = _counts(n, total)
    with np.errstate(divide="ignore", invalid="ignore"):
        high = dist.beta_ppf(level, x + 1.0, size - x)
    high = np.where(x == size, 1.0, high)
    return np.where(~(size > 0), np.nan, high)


def mean_ci(values: ArrayLike, *, level: float = 0.95) -> tuple[float, float]:
    """t confidence interval for the mean of ``values``, R ``t.test(values)$conf.int``.

    Missing values (``nan``) are left out, as R does. ``mean ± t(1 − α/2, n − 1) · sd/√n``
    with the sample standard deviation (ddof 1). Fewer than two values give ``(nan, nan)``
    (R stops: "not enough 'x' observations"); constant values give the degenerate interval
    ``(mean, mean)`` (R stops: "data are essentially constant"). Bounds are in the values'
    own unit.
    """
    _check_level(level)
    data = np.asarray(values, dtype=float).ravel()
    data = data[~np.isnan(data)]
    size = data.size
    if size < 2:
        return float("nan"), float("nan")
    centre = float(data.mean())
    half = float(dist.t_ppf((1.0 + level) / 2.0, size - 1) * data.std(ddof=1) / np.sqrt(size))
    return centre - half, centre + half


# -- the `intervals` result: every proportion and every mean of Part 1 with its CI ------------

#: Count items whose ``n`` counts infants, not members of the denominator (a twin birth
#: counts twice, and n may exceed N): rates, not binomial proportions, so no interval.
NOT_PROPORTIONS: Final = frozenset(
    {
        "baby_outcomes.live_birth_rate_per_treatment_cycle",
        "baby_outcomes.live_birth_rate_per_pregnancy",
        "baby_outcomes.ivf_live_birth_rate",
    }
)


@dataclass(frozen=True)
class MeanItem:
    """A mean of Part 1: the result and value it appears under, and the data it averages."""

    result: str
    name: str
    label: str
    unit: str
    values: Callable[[pd.DataFrame, pd.DataFrame], pd.Series]


def _months(mode: str) -> Callable[[pd.DataFrame, pd.DataFrame], pd.Series]:
    def select(women: pd.DataFrame, pregnancies: pd.DataFrame) -> pd.Series:
        return pregnancies.loc[pregnancies["mode"].eq(mode).fillna(False), "months_since_injection"]

    return select


#: Every mean Part 1 reports (``tests/analysis/stats/test_intervals.py`` holds this list to the
#: Part 1 values whose names end in ``mean``).
MEANS: Final = (
    MeanItem(
        "table1", "age_mean", "Age at first injection", "completed years", lambda w, p: w["age"]
    ),
    MeanItem(
        "table1",
        "age_followup_mean",
        "Age at follow-up",
        "completed years",
        lambda w, p: w["age_followup"],
    ),
    MeanItem(
        "table1",
        "followup_years_mean",
        "Follow-up after the last injection",
        "years",
        lambda w, p: w["followup_years"],
    ),
    MeanItem(
        "pregnancy",
        "months_spontaneous_mean",
        "Months to spontaneous pregnancy",
        "months",
        _months("spontaneous"),
    ),
    MeanItem("pregnancy", "months_ivf_mean", "Months to IVF pregnancy", "months", _months("ivf")),
    MeanItem(
        "figure2",
        "mean",
        "Age at first injection of the women who became pregnant",
        "completed years",
        lambda w, p: w.loc[w["pregnant"].fillna(False), "age"],
    ),
)


def count_items(results: Mapping[str, Result]) -> pd.DataFrame:
    """Every count item of ``results``: ``result``, ``item``, ``n``, ``total``, ``pct``.

    A count item ``X`` is a value ``X.n`` with ``X.total`` and ``X.pct`` beside it
    (``docs/results.md``); items keep the order of their result's values.
    """
    rows = [
        (name, key[:-2], *(result.values[f"{key[:-2]}.{f}"] for f in ("n", "total", "pct")))
        for name, result in results.items()
        for key in result.values
        if key.endswith(".n")
        and f"{key[:-2]}.total" in result.values
        and f"{key[:-2]}.pct" in result.values
    ]
    frame = pd.DataFrame(rows, columns=["result", "item", "n", "total", "pct"])
    return frame.astype({"n": float, "total": float, "pct": float})


#: Printed words of the pieces of Part 1's item names (``table2.age.under_35`` → "Age:
#: < 35 years"); a piece not listed is printed with its underscores as spaces.
WORDS: Final = {
    "age": "Age",
    "age_under_35": "Age < 35 years",
    "age_35_or_over": "Age ≥ 35 years",
    "under_35": "< 35 years",
    "35_or_over": "≥ 35 years",
    "injections": "Injections",
    "3_plus": "3 or more",
    "menses": "Menses before injection",
    "menses_baseline": "Menses before injection",
    "menses_followup": "Menses at follow-up",
    "maternal": "Women",
    "fetal": "Fetus or infant",
    "overall": "All women",
    "women_pregnant": "Women pregnant",
    "pregnant_spontaneous": "Pregnant spontaneously",
    "pregnant_ivf": "Pregnant by IVF (of IVF-treated women)",
    "pregnant_ivf_of_women": "Pregnant by IVF (of all women)",
    "pregnant_both": "Pregnant both ways",
    "pregnant_spontaneous_only": "Pregnant spontaneously only",
    "pregnant_ivf_only": "Pregnant by IVF only",
    "pregnant_other_mode_only": "Pregnant by another mode only",
    "ivf_treated": "IVF-treated after injection",
    "spontaneous_within_3_months": "Spontaneous pregnancies within 3 months",
    "live_birth_rate_per_treatment_cycle": "Live births per treated woman (as published)",
    "live_birth_rate_per_pregnancy": "Live births per pregnancy (as published)",
    "ivf_live_birth_rate": "IVF live births per IVF-treated woman (as published)",
    "ivf": "IVF",
}
#: How the pieces of an item join: a menstrual transition reads "Regular → irregular".
JOINS: Final = {"menstrual_transitions": " → "}


def _word(piece: str) -> str:
    return WORDS.get(piece, piece.replace("_", " "))


def item_label(result: str, item: str, table: pd.DataFrame | None = None) -> str:
    """The printed row label of the count item ``item`` of the result ``result``.

    A Part 1 table that carries the item's pieces as ``section`` and ``key`` columns beside
    its own ``item`` label (Table 3) lends that label; otherwise the pieces are printed by
    :data:`WORDS` and joined by ``": "`` (:data:`JOINS` for exceptions).

    Examples
    --------
    >>> item_label("table2", "age.under_35")
    'Age: < 35 years'
    >>> item_label("menstrual_transitions", "regular.menopause")
    'Regular → menopause'
    """
    pieces = item.split(".")
    if table is not None and {"section", "key", "item"} <= set(table.columns) and len(pieces) == 2:
        own = table.loc[table["section"].eq(pieces[0]) & table["key"].eq(pieces[1]), "item"]
        if len(own):
            words = str(own.iloc[0])
            return f"{_word(pieces[0])}: {words[:1].lower()}{words[1:]}"
    text = JOINS.get(result, ": ").join(_word(p) for p in pieces)
    return text[:1].upper() + text[1:]


def _with_unit(mean: MeanItem) -> str:
    """``"Age at first injection (completed years)"``; a label naming its unit keeps it."""
    named = mean.unit.split()[-1] in mean.label.lower()
    return mean.label if named else f"{mean.label} ({mean.unit})"


#: The columns of the ``intervals`` table (:func:`intervals`).
INTERVAL_COLUMNS: Final = (
    "key",
    "section",
    "item",
    "n",
    "total",
    "pct",
    "low",
    "high",
    "mean",
    "mean_low",
    "mean_high",
)


def _intervals_table(
    results: Mapping[str, Result], proportions: pd.DataFrame, means: pd.DataFrame
) -> pd.DataFrame:
    """Proportions then means, grouped under their Part 1 result in report order.

    ``section`` holds that result's stable name (``table1``, ``pregnancy``): the report
    prints its number there (:data:`follicle.report.numbering.CROSS_REFERENCES`).
    """
    rows = pd.concat([proportions.assign(order=0), means.assign(order=1)], ignore_index=True)
    position = {name: i for i, name in enumerate(results)}
    rows["rank"] = rows["result"].map(position).fillna(len(position))
    rows["section"] = rows["result"]
    rows = rows.rename(columns={"item": "name"}).rename(columns={"label": "item"})
    ordered = rows.sort_values(["rank", "order"], kind="stable").reset_index(drop=True)
    return ordered.reindex(columns=list(INTERVAL_COLUMNS))


def intervals(
    results: Mapping[str, Result],
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    *,
    method: str = "wilson",
    level: float = 0.95,
) -> Result:
    """A confidence interval for every proportion and every mean of Part 1.

    Parameters
    ----------
    results
        Part 1's results by name (``Cohort.results()``); every count item of their values
        (``X.n``, ``X.total``, ``X.pct``) gets a row.
    women, pregnancies
        The analysis frames, for the means (:data:`MEANS`): t intervals of the values each
        mean averages.
    method, level
        The proportion interval (:data:`CI_METHODS`) and the confidence level.

    Returns
    -------
    Result
        ``intervals``. ``table`` (:data:`INTERVAL_COLUMNS`): ``key`` (the
        value's prefix, ``table2.age.under_35``), ``section`` (the Part 1 result's name; the
        report prints its number),
        ``item`` (a readable label, :func:`item_label`; a mean's carries its unit); for a
        proportion ``n``, ``total``, ``pct``, ``low``, ``high`` (percent); for a mean ``n``
        (values averaged), ``mean``, ``mean_low``, ``mean_high``. ``values``:
        ``{result}.{item}.n/.total/.pct/.low/.high`` (percent) for proportions;
        ``{result}.{mean}``, ``_n``, ``_low``, ``_high`` for means. Items in
        :data:`NOT_PROPORTIONS` (infants per woman) get no interval (``nan``).
    """
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {CI_METHODS}")
    items = count_items(results)
    key = items["result"] + "." + items["item"]
    binomial = ~key.isin(NOT_PROPORTIONS) & (items["n"] <= items["total"])
    low, high = proportion_ci(
        items["n"].where(binomial, 0.0), items["total"], method=method, level=level
    )
    labels = [  # one per count item of Part 1, not per woman
        item_label(r, i, results[r].table)
        for r, i in zip(items["result"], items["item"], strict=True)
    ]
    proportions = items.assign(
        key=key,
        label=labels,
        low=np.where(binomial, 100.0 * low, np.nan),
        high=np.where(binomial, 100.0 * high, np.nan),
    )
    values: dict[str, Number] = {}
    for row in proportions.itertuples(index=False):  # one per count item, not per woman
        values |= {
            f"{row.key}.n": int(row.n),
            f"{row.key}.total": int(row.total),
            f"{row.key}.pct": float(row.pct),
            f"{row.key}.low": float(row.low),
            f"{row.key}.high": float(row.high),
        }
    mean_rows = []
    for m in MEANS:
        data = pd.Series(m.values(women, pregnancies), dtype="Float64").dropna()
        x = data.to_numpy(dtype=float)
        centre = float(x.mean()) if x.size else float("nan")
        m_low, m_high = mean_ci(x, level=level)
        prefix = f"{m.result}.{m.name}"
        mean_rows.append(
            {"result": m.result, "key": prefix, "label": _with_unit(m), "n": x.size}
            | {"mean": centre, "mean_low": m_low, "mean_high": m_high}
        )
        values |= {
            prefix: centre,
            f"{prefix}_n": int(x.size),
            f"{prefix}_low": m_low,
            f"{prefix}_high": m_high,
        }
    table = _intervals_table(results, proportions, pd.DataFrame(mean_rows))
    pct = f"{100 * level:g} %"
    return Result(
        "intervals",
        "",
        f"{pct} confidence intervals for the proportions and means of Part 1",
        table,
        values,
        (
            f"Proportions: {pct} {CI_METHOD_NOTES[method]}; bounds in percent. "
            "An empty denominator has no interval.",
            f"Means: {pct} t interval, mean ± t(n − 1) · SD / √n (R t.test); none with fewer "
            "than two values.",
            "Live-birth rates as published count infants per woman or per pregnancy (a twin "
            "birth counts twice), so they are no binomial proportions and get no interval; "
            "the ICMART delivery rates carry theirs.",
        ),
    )
