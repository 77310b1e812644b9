"""The cohort's pregnancy and live-birth rates beside published intra-ovarian PRP figures.

The published figures are data (``analysis/data/prp_benchmarks.yaml``, collected
from the PRP literature): each with its source, citation, denominator and CI where
published, and whether it could be confirmed in the source or is only "as quoted by the seed
paper, not confirmed". Each cohort rate is tested against each matching figure by the exact
binomial test (two-sided, R ``binom.test(n, N, p)``'s own algorithm), which
treats the published figure as a known constant. These are cross-study comparisons.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import yaml
from scipy import special

from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats.intervals import CI_METHOD_NOTES, CI_METHODS, proportion_ci
from follicle.analysis.stats.proportions import Proportion, proportion
from follicle.workbook.keys import lookup

#: The cohort measures a benchmark can be compared with, and their definitions.
MEASURES: Final = {
    "spontaneous_pregnancy": "women with a spontaneous pregnancy after the first injection / "
    "all treated women",
    "ivf_pregnancy": "women with an IVF pregnancy after the first injection / IVF-treated "
    "women (an IVF cycle after the first injection), as the seed paper defines it",
    "live_birth": "women with at least one pregnancy ending in a live birth / all treated women",
}

#: Fields every benchmark entry of the YAML file carries.
FIELDS: Final = (
    "id",
    "source",
    "citation",
    "design",
    "measure",
    "published_measure",
    "value",
    "denominator",
    "ci_low",
    "ci_high",
    "quoted_by_seed",
    "confirmed",
    "note",
)

#: The footnote of a figure that could not be confirmed in its source.
NOT_CONFIRMED: Final = "as quoted by the seed paper, not confirmed"


def benchmarks_path() -> Path:
    """The bundled ``prp_benchmarks.yaml``."""
    return Path(str(resources.files("follicle.analysis").joinpath("data/prp_benchmarks.yaml")))


def load_benchmarks(path: str | Path | None = None) -> pd.DataFrame:
    """The published benchmarks, one row per (study, measure), in the file's order.

    Columns: :data:`FIELDS`. ``value``, ``ci_low`` and ``ci_high`` are proportions 0–1
    (``nan`` where none is published); ``denominator`` is ``<NA>`` where unknown.

    Raises
    ------
    ValueError
        When an entry lacks a field, names an unknown measure, has a value outside (0, 1)
        or repeats a (measure, id) pair.
    """
    with open(path or benchmarks_path(), encoding="utf-8") as handle:
        # libyaml's safe loader when PyYAML was built with it: ten times the pure-Python
        # parser's speed, the same documents.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        entries = yaml.load(handle, Loader=loader)["benchmarks"]  # noqa: S506 - a safe loader
    frame = pd.DataFrame(entries)
    missing = [f for f in FIELDS if f not in frame.columns]
    if missing:
        raise ValueError(f"benchmark entries lack the fields {missing}")
    frame = frame.loc[:, list(FIELDS)]
    unknown = sorted(set(frame["measure"]) - set(MEASURES))
    if unknown:
        raise ValueError(f"unknown benchmark measures {unknown}; use {sorted(MEASURES)}")
    if frame.duplicated(["measure", "id"]).any():
        raise ValueError("a benchmark (measure, id) pair is repeated")
    frame = frame.astype(
        {"value": float, "ci_low": float, "ci_high": float, "denominator": "Int64"}
    ).astype({"quoted_by_seed": bool, "confirmed": bool})
    if not frame["value"].between(0, 1, inclusive="neither").all():
        raise ValueError("benchmark values must be proportions strictly between 0 and 1")
    return frame.reset_index(drop=True)


def cohort_rates(women: pd.DataFrame, pregnancies: pd.DataFrame) -> dict[str, Proportion]:
    """The cohort's rates of :data:`MEASURES` as n of N (women)."""
    live_birth = pregnancies["live_birth"].fillna(False).astype(bool)
    # Nullable, so that a woman without pregnancies is <NA> (not an object NaN) to fill.
    any_live = live_birth.groupby(pregnancies["participant_id"]).any().astype("boolean")
    live = lookup(women["participant_id"], any_live).fillna(False).astype(bool)
    ivf_treated = women["ivf_treated"].fillna(False).astype(bool)
    return {
        "spontaneous_pregnancy": proportion(women["pregnant_spontaneous"].fillna(False)),
        "ivf_pregnancy": proportion(women.loc[ivf_treated, "pregnant_ivf"].fillna(False)),
        "live_birth": proportion(live),
    }


def _binomial_cdf(k: int, total: int, value: float) -> float:
    """P(X ≤ k) for X ~ Binomial(total, value) (R ``pbinom``); 0 below the support."""
    if k < 0:
        return 0.0
    return 1.0 if k >= total else float(special.bdtr(k, total, value))


def _binomial_sf(k: int, total: int, value: float) -> float:
    """P(X > k) for X ~ Binomial(total, value) (R ``pbinom(lower.tail = FALSE)``), computed
    directly so that a tiny tail keeps its digits."""
    if k < 0:
        return 1.0
    return 0.0 if k >= total else float(special.bdtrc(k, total, value))


def _binomial_p(n: int, total: int, value: float) -> float | None:
    """Two-sided exact binomial p-value (R ``binom.test(n, total, p = value)$p.value``).

    R's algorithm: the probability of the counts no more probable than the observed one
    (relative tolerance 1e-7), found on the far side of the mean ``total · value`` and
    added to the observed tail. The probabilities are :mod:`scipy.special`'s (log-gamma and
    the incomplete beta of ``bdtr``), not ``scipy.stats.binomtest``, whose module costs
    about 0.3 s of CPU to import (issue 13); ``tests/analysis/test_r_proportions.py`` holds
    them to R.
    """
    if total == 0:
        return None
    if value == 0.0:
        return float(n == 0)
    if value == 1.0:
        return float(n == total)
    mean = total * value
    if n == mean:
        return 1.0
    # The far side of the mean, as R: ceiling(m):n above it, 0:floor(m) below it.
    far = np.arange(np.ceil(mean), total + 1) if n < mean else np.arange(0, np.floor(mean) + 1)
    log_choose = special.gammaln(total + 1.0) - special.gammaln(far + 1.0)
    log_choose -= special.gammaln(total - far + 1.0)
    log_d = log_choose + special.xlogy(far, value) + special.xlog1py(total - far, -value)
    observed = (
        special.gammaln(total + 1.0)
        - special.gammaln(n + 1.0)
        - special.gammaln(total - n + 1.0)
        + special.xlogy(n, value)
        + special.xlog1py(total - n, -value)
    )
    y = int(np.count_nonzero(np.exp(log_d) <= np.exp(observed) * (1 + 1e-7)))
    if n < mean:
        p = _binomial_cdf(n, total, value) + _binomial_sf(total - y, total, value)
    else:
        p = _binomial_cdf(y - 1, total, value) + _binomial_sf(n - 1, total, value)
    return float(min(1.0, p))


def benchmarks(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    *,
    published: pd.DataFrame | None = None,
    method: str = "wilson",
    level: float = 0.95,
) -> Result:
    """The cohort's spontaneous-pregnancy, IVF-pregnancy and live-birth rates beside the
    published PRP figures, with an exact binomial test against each.

    Parameters
    ----------
    women, pregnancies
        The analysis frames (:mod:`follicle.analysis.frame`).
    published
        The benchmarks (:func:`load_benchmarks`); the bundled file when ``None``.
    method, level
        The interval of the cohort's proportions (:data:`~.intervals.CI_METHODS`).

    Returns
    -------
    Result
        ``benchmarks``: one table row per benchmark
        (:data:`TABLE_COLUMNS`), grouped by ``measure``: ``key`` (``{measure}.{id}``), the
        cohort's ``n``, ``total``, ``pct``, ``low``, ``high`` on the first row of its
        measure, the published ``benchmark_pct`` with its interval and denominator,
        ``confirmed``, ``difference`` (percentage points) and ``p_value``. Values:
        ``{measure}.n/.total/.pct/.low/.high`` (the cohort's rate, percent) and, per
        benchmark, ``{measure}.{id}.value``, ``.low``, ``.high`` (published figure and CI,
        percent; ``nan`` where none), ``.difference`` (cohort − published, percentage
        points) and ``.p``.
    """
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {CI_METHODS}")
    bench = load_benchmarks() if published is None else published
    rates = cohort_rates(women, pregnancies)
    measures = list(MEASURES)
    n = np.array([rates[m].n for m in measures])
    total = np.array([rates[m].total for m in measures])
    low, high = proportion_ci(n, total, method=method, level=level)
    values: dict[str, Number] = {}
    for i, m in enumerate(measures):  # three measures
        values |= rates[m].values(m) | {
            f"{m}.low": 100.0 * float(low[i]),
            f"{m}.high": 100.0 * float(high[i]),
        }
    rows: list[dict[str, object]] = []
    for b in bench.itertuples(index=False):  # one per published figure
        rate = rates[str(b.measure)]
        p = _binomial_p(rate.n, rate.total, float(b.value))
        prefix = f"{b.measure}.{b.id}"
        values |= {
            f"{prefix}.value": 100.0 * float(b.value),
            f"{prefix}.low": 100.0 * float(b.ci_low),
            f"{prefix}.high": 100.0 * float(b.ci_high),
            f"{prefix}.difference": rate.pct - 100.0 * float(b.value),
            f"{prefix}.p": p,
        }
        rows.append(
            {
                "key": prefix,
                "measure": _measure_label(str(b.measure)),
                "benchmark": f"{b.source}: {b.published_measure}",
                "n": rate.n,
                "total": rate.total,
                "pct": rate.pct,
                "low": values[f"{b.measure}.low"],
                "high": values[f"{b.measure}.high"],
                "benchmark_pct": values[f"{prefix}.value"],
                "benchmark_pct_low": values[f"{prefix}.low"],
                "benchmark_pct_high": values[f"{prefix}.high"],
                "benchmark_denominator": b.denominator,
                "confirmed": bool(b.confirmed),
                "difference": values[f"{prefix}.difference"],
                "p_value": np.nan if p is None else p,
                "order": measures.index(str(b.measure)),
            }
        )
    pct = f"{100 * level:g} %"
    notes = [
        *(f"{_measure_label(m)}: {d}." for m, d in MEASURES.items()),
        f"Cohort rates with the {pct} {CI_METHOD_NOTES[method]}.",
        "p: two-sided exact binomial test of the cohort's proportion against the published "
        "figure taken as a fixed value (R binom.test); the published figure's own "
        "uncertainty is ignored.",
        "These are cross-study comparisons, not trials: the published figures come from other "
        "populations (platelet-rich plasma, not stromal cells; poor responders or diminished "
        "ovarian reserve by differing criteria), other follow-up lengths and other "
        "denominators (per woman, per cycle, pooled across studies). A small p says the "
        "cohort differs from the figure, not that the treatment does.",
        f"Confirmed: whether the figure was found in its source; \u201cno\u201d: "
        f"{NOT_CONFIRMED}. Difference: the cohort's percentage minus the published one "
        "(percentage points). The cohort's rate is printed once per measure.",
    ]
    if (total == 0).any():
        empty = ", ".join(
            m.replace("_", " ") for m, t in zip(measures, total, strict=True) if t == 0
        )
        notes.append(f"{COHORT_NOTE}, no woman is in the denominator of: {empty} (no test).")
    return Result(
        "benchmarks",
        "",
        "Pregnancy and live-birth rates beside published intra-ovarian PRP figures",
        _table(rows),
        values,
        tuple(notes),
    )


def _measure_label(measure: str) -> str:
    """``ivf_pregnancy`` → ``IVF pregnancy``."""
    text = measure.replace("_", " ").capitalize()
    return text.replace("Ivf", "IVF")


#: The ``benchmarks`` table (:func:`benchmarks`).
TABLE_COLUMNS: Final = (
    "key",
    "measure",
    "benchmark",
    "n",
    "total",
    "pct",
    "low",
    "high",
    "benchmark_pct",
    "benchmark_pct_low",
    "benchmark_pct_high",
    "benchmark_denominator",
    "confirmed",
    "difference",
    "p_value",
)
_COHORT_RATE = ["n", "total", "pct", "low", "high"]


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Benchmarks grouped by measure; the cohort's rate on the first row of each."""
    table = pd.DataFrame(rows, columns=[*TABLE_COLUMNS, "order"])
    table = table.sort_values("order", kind="stable").reset_index(drop=True)
    repeated = table["measure"].duplicated()
    table[_COHORT_RATE] = table[_COHORT_RATE].astype(float).mask(repeated)
    return table.loc[:, list(TABLE_COLUMNS)]
