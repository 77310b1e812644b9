"""Live-birth rates the ICMART way, beside the rates as the seed paper publishes them.

The ICMART/WHO glossary (Zegers-Hochschild et al., Fertil Steril 2017) counts
**deliveries**, not infants: a twin birth is one delivery. The seed paper's live-birth rates
count infants born alive, so its twin birth counts twice (``docs/audit.md``,
inconsistency 7). This module computes both from the same frames:

==========================================  ===========================================
value                                        definition
==========================================  ===========================================
``live_birth_delivery_rate``                 live-birth deliveries / treated women
``live_birth_deliveries_per_pregnancy``      live-birth deliveries / pregnancies with a
                                             known outcome
``miscarriage_per_pregnancy``                miscarriages / pregnancies with a known outcome
``cumulative_live_birth_rate``               women with ≥ 1 live-birth delivery over the
                                             whole follow-up / treated women
``published_live_birth_rate_per_woman``      infants born alive / treated women (the
                                             paper's "per treatment cycle")
``published_live_birth_rate_per_pregnancy``  infants born alive / pregnancies
==========================================  ===========================================

*Per woman* and *cumulative* differ in what a woman with two live-birth deliveries
contributes: two deliveries to the ICMART live-birth delivery rate (deliveries per 100
women), one woman to the cumulative rate (which counts each woman until her first live-birth
delivery). With at most one live-birth delivery per woman — a single-episode follow-up — the
two coincide, and the result says so.

A live-birth delivery is a pregnancy whose outcome is ``live_birth`` (the workbook records one
outcome per pregnancy, and infants only for live births; a twin pregnancy with one stillborn
and one live-born infant is one live-birth delivery and one infant). Pregnancies still
``ongoing`` or with an ``unknown`` outcome cannot be counted yet and are left out of the
ICMART per-pregnancy denominators (ectopic pregnancies stay in: ICMART's clinical pregnancy
includes them); the published per-pregnancy rate keeps the paper's denominator, every
pregnancy.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats.intervals import CI_METHOD_NOTES, proportion_ci
from follicle.analysis.stats.proportions import percent
from follicle.workbook.schema import OPEN_OUTCOMES

#: The rate rows: value name, label, basis, footnote.
RATES: tuple[tuple[str, str, str, str], ...] = (
    (
        "live_birth_delivery_rate",
        "Live-birth delivery rate per woman",
        "ICMART",
        "Live-birth delivery rate per woman: deliveries with at least one live birth per 100 "
        "treated women (ICMART); a twin delivery counts once.",
    ),
    (
        "live_birth_deliveries_per_pregnancy",
        "Live-birth deliveries per pregnancy",
        "ICMART",
        "Live-birth deliveries per pregnancy: deliveries with at least one live birth / "
        "pregnancies with a known outcome (ongoing and unknown outcomes left out; ectopic "
        "pregnancies included, as ICMART's clinical pregnancy includes them).",
    ),
    (
        "miscarriage_per_pregnancy",
        "Miscarriage per pregnancy",
        "ICMART",
        "Miscarriage per pregnancy: spontaneous losses of an intra-uterine pregnancy (the "
        "paper's \u201cabortion\u201d) / pregnancies with a known outcome.",
    ),
    (
        "cumulative_live_birth_rate",
        "Cumulative live-birth (delivery) rate",
        "ICMART",
        "Cumulative live-birth (delivery) rate: women with at least one live-birth delivery "
        "over the whole follow-up / treated women; a woman counts once, however many "
        "deliveries she has.",
    ),
    (
        "published_live_birth_rate_per_woman",
        "Live birth rate \u201cper treatment cycle\u201d, as published",
        "as published",
        "As published, \u201clive birth rate per treatment cycle\u201d: infants born alive / "
        "treated women \u2014 it counts infants (a twin birth twice) and is per woman, not "
        "per cycle.",
    ),
    (
        "published_live_birth_rate_per_pregnancy",
        "Live birth rate per pregnancy, as published",
        "as published",
        "As published, \u201clive birth rate per pregnancy\u201d: infants born alive / all "
        "pregnancies \u2014 it counts infants, so a twin birth counts twice.",
    ),
)
#: Footnote markers, in the order of :data:`RATES`.
MARKERS = "abcdef"


def live_birth_counts(women: pd.DataFrame, pregnancies: pd.DataFrame) -> dict[str, int]:
    """The counts the rates are made of.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women` (one row per treated woman).
    pregnancies
        :func:`follicle.analysis.frame.pregnancies` (pregnancies on or after the first
        injection, with ``live_birth`` and ``infants``) of the same women.

    Returns
    -------
    dict
        ``women``; ``pregnancies``; ``pregnancies_outcome_known`` (outcome neither ongoing
        nor unknown); ``live_birth_deliveries`` (pregnancies ending in a live birth, a twin
        birth once); ``infants_born_alive`` (infants of those deliveries: infant rows, or the
        fetuses where none is recorded); ``miscarriages``; ``women_with_live_birth_delivery``;
        ``women_with_repeat_live_birth_delivery`` (two or more). R: ``sum``, ``table``,
        ``length(unique(...))``.
    """
    live = pregnancies["live_birth"].fillna(False).astype(bool)
    outcome = pregnancies["outcome"]
    per_woman = pregnancies.loc[live, "participant_id"].value_counts()
    infants = pregnancies["infants"].where(live, 0).fillna(0)
    return {
        "women": len(women),
        "pregnancies": len(pregnancies),
        "pregnancies_outcome_known": int((~outcome.isin(OPEN_OUTCOMES)).sum()),
        "live_birth_deliveries": int(live.sum()),
        "infants_born_alive": int(infants.sum()),
        "miscarriages": int(outcome.eq("miscarriage").sum()),
        "women_with_live_birth_delivery": len(per_woman),
        "women_with_repeat_live_birth_delivery": int((per_woman >= 2).sum()),
    }


def _rate_counts(c: dict[str, int]) -> list[tuple[int, int]]:
    """(n, total) of each row of :data:`RATES`, in order."""
    known = c["pregnancies_outcome_known"]
    return [
        (c["live_birth_deliveries"], c["women"]),
        (c["live_birth_deliveries"], known),
        (c["miscarriages"], known),
        (c["women_with_live_birth_delivery"], c["women"]),
        (c["infants_born_alive"], c["women"]),
        (c["infants_born_alive"], c["pregnancies"]),
    ]


def _percent_interval(
    n: np.ndarray, total: np.ndarray, *, method: str, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~follicle.analysis.stats.intervals.proportion_ci` in percent, ``nan`` where n > total.

    Infants per woman (or per pregnancy) can exceed 100 % — twins in a tiny cohort — and
    then no binomial interval exists.
    """
    n, total = np.asarray(n, dtype=float), np.asarray(total, dtype=float)
    fits = n <= total
    low, high = proportion_ci(np.where(fits, n, 0), total, method=method, level=level)
    return np.where(fits, 100 * low, np.nan), np.where(fits, 100 * high, np.nan)


#: The section heading of each basis in the table.
BASIS_HEADINGS: Final = {"ICMART": "ICMART definitions", "as published": "As published"}


def _cohort_notes(c: dict[str, int]) -> list[str]:
    notes = []
    if c["women_with_repeat_live_birth_delivery"] == 0:
        notes.append(
            f"{COHORT_NOTE}, no woman had more than one live-birth delivery (a single-episode "
            "follow-up), so the live-birth delivery rate per woman and the cumulative "
            "live-birth rate coincide."
        )
    else:
        repeat = c["women_with_repeat_live_birth_delivery"]
        who = "1 woman" if repeat == 1 else f"{repeat} women"
        notes.append(
            f"{COHORT_NOTE}, {who} had two or more live-birth deliveries: each counts once in "
            "the cumulative live-birth rate and "
            "once per delivery in the live-birth delivery rate, whose interval then treats "
            "deliveries as if each came from a different woman."
        )
    open_outcomes = c["pregnancies"] - c["pregnancies_outcome_known"]
    if open_outcomes:
        notes.append(
            f"{COHORT_NOTE}, {open_outcomes} pregnancies were ongoing or of unknown outcome and "
            "are left out of the ICMART per-pregnancy denominators."
        )
    if c["infants_born_alive"] > c["live_birth_deliveries"]:
        notes.append(
            f"{COHORT_NOTE}, the {c['live_birth_deliveries']} live-birth deliveries brought "
            f"{c['infants_born_alive']} infants born alive (multiple births): the published "
            "rates count the infants."
        )
    return notes


def icmart_rates(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    *,
    method: str = "wilson",
    level: float = 0.95,
) -> Result:
    """ICMART live-birth delivery, cumulative live-birth and miscarriage rates, with the
    published (infant-counting) rates beside them.

    Parameters
    ----------
    women, pregnancies
        The analysis frames (:mod:`follicle.analysis.frame`).
    method
        ``"wilson"`` (R ``prop.test(correct = FALSE)``) or ``"clopper-pearson"`` (R
        ``binom.test``) for every rate's interval.
    level
        Confidence level, 0–1.

    Returns
    -------
    Result
        ``icmart``: the table has one row per rate (``basis`` — the
        section heading, :data:`BASIS_HEADINGS` —, ``item``, ``n``, ``total``, ``pct``,
        ``low``, ``high`` in percent, and ``footnote``, the marker of the note defining
        it), and one per count (deliveries, infants, women with a live-birth delivery);
        the ICMART rows first, then the published ones. See the module docstring for the
        definitions; each rate is a count item with ``.low`` and ``.high``.
    """
    counts = live_birth_counts(women, pregnancies)
    pairs = np.array(_rate_counts(counts), dtype=float).reshape(-1, 2)
    low, high = _percent_interval(pairs[:, 0], pairs[:, 1], method=method, level=level)
    rates = pd.DataFrame(
        {
            "item": [label for _, label, _, _ in RATES],
            "basis": [basis for _, _, basis, _ in RATES],
            "n": pairs[:, 0].astype("int64"),
            "total": pairs[:, 1].astype("int64"),
            "pct": percent(pairs[:, 0], pairs[:, 1]),
            "low": low,
            "high": high,
            "footnote": list(MARKERS[: len(RATES)]),
        }
    )
    count_rows = pd.DataFrame(
        {
            "item": [
                "Live-birth deliveries",
                "Infants born alive",
                "Women with a live-birth delivery",
            ],
            "basis": ["ICMART", "as published", "ICMART"],
            "n": [
                counts["live_birth_deliveries"],
                counts["infants_born_alive"],
                counts["women_with_live_birth_delivery"],
            ],
        }
    )
    table = pd.concat([rates, count_rows], ignore_index=True)
    table["total"] = table["total"].astype("Int64")
    table["footnote"] = table["footnote"].fillna("").astype("string")
    # Printed in two sections, the ICMART rates then the published ones, basis as heading.
    table = table.sort_values("basis", key=lambda b: b.ne("ICMART"), kind="stable")
    table["basis"] = table["basis"].map(BASIS_HEADINGS)
    table = table.loc[:, ["basis", "item", *table.columns.drop(["basis", "item"])]]
    table = table.reset_index(drop=True)

    values: dict[str, Number] = dict(counts)
    for (name, _, _, _), rec in zip(RATES, rates.itertuples(index=False), strict=True):
        values |= {
            f"{name}.n": int(rec.n),
            f"{name}.total": int(rec.total),
            f"{name}.pct": float(rec.pct),
            f"{name}.low": float(rec.low),
            f"{name}.high": float(rec.high),
        }
    footnotes = [f"({m}) {note}" for m, (_, _, _, note) in zip(MARKERS, RATES, strict=False)]
    return Result(
        "icmart",
        "",
        "Live-birth delivery and miscarriage rates (ICMART) beside the published live-birth rates",
        table,
        values,
        (
            *footnotes,
            f"{level * 100:g} % confidence intervals: {CI_METHOD_NOTES[method]}; none where "
            "the count exceeds its denominator (infants per woman can).",
            "Definitions: ICMART/WHO International Glossary (Zegers-Hochschild et al., Fertil "
            "Steril 2017). A live-birth delivery is a pregnancy whose outcome is a live birth; "
            "infants born alive are its infant rows, or its fetuses where none is recorded.",
            *_cohort_notes(counts),
        ),
    )
