"""Pregnancy outcomes and Table 2: who became pregnant, how, when, and by which factor.

Functions from the women and pregnancy frames (:mod:`follicle.analysis.frame`) to
:class:`~follicle.analysis.result.Result`. Times to pregnancy are in months (days / 30.4375)
from the most recent injection on or before conception. Value names: ``docs/results.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from follicle.analysis.descriptive import is_integer_valued, summarize
from follicle.analysis.frame import AGE_GROUPS, select_labels
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats.contingency import TestResult, chisq_test
from follicle.analysis.stats.proportions import Proportion, proportion, proportions_by
from follicle.workbook.schema import MENSES_BASELINE

#: The two modes the paper reports, in table order.
MODES = ("spontaneous", "ivf")
#: Below this expected count R's ``chisq.test`` warns "Chi-squared approximation may be
#: incorrect".
SMALL_EXPECTED = 5
#: R's warning for a χ² test with an expected count below :data:`SMALL_EXPECTED`.
R_SMALL_EXPECTED_WARNING = "Chi-squared approximation may be incorrect"


@dataclass(frozen=True)
class Factor:
    """A grouping of Table 2: the groups shown, and the two compared by the χ² test."""

    name: str
    label: str
    levels: tuple[str, ...]
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    compared: tuple[str, str]


#: Table 2's factors. Baseline amenorrhea (not in the paper) is shown on its own row and left
#: out of the regular-vs-irregular test; so are women with three or more injections.
FACTORS: dict[str, Factor] = {
    "age_group": Factor(
        "age",
        "Age at first injection",
        AGE_GROUPS,
        ("under_35", "35_or_over"),
        ("< 35 years", "≥ 35 years"),
        AGE_GROUPS,
    ),
    "menses_baseline": Factor(
        "menses",
        "Menses before injection",
        MENSES_BASELINE,
        MENSES_BASELINE,
        tuple(
            "Amenorrhea" if m == "amenorrhea" else f"{m.capitalize()} menses"
            for m in MENSES_BASELINE
        ),
        ("regular", "irregular"),
    ),
    "injections": Factor(
        "injections",
        "Injections",
        ("1", "2", "3_plus"),
        ("1", "2", "3_plus"),
        ("Single injection", "Two injections", "Three or more injections"),
        ("1", "2"),
    ),
}


def grouping(women: pd.DataFrame, by: str) -> pd.Series:
    """The group of each woman for ``by`` (a key of :data:`FACTORS`), as strings.

    ``injections`` becomes ``"1"``, ``"2"`` or ``"3_plus"``; the other columns are taken as
    they are.
    """
    if by not in FACTORS:
        raise ValueError(f"by must be one of {sorted(FACTORS)} or None, not {by!r}")
    if by == "injections":
        k = women["injections"].astype("Int64")
        labels = select_labels(
            [k.eq(1).fillna(False), k.eq(2).fillna(False)], ["1", "2"], women.index, "3_plus"
        )
        return labels.mask(k.isna())
    return women[by].astype("string")


def pregnancy_rate(women: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Women pregnant after the first injection: n, N and percent, overall or by group.

    Parameters
    ----------
    women
        The women frame.
    by
        ``None``, ``"age_group"``, ``"menses_baseline"`` or ``"injections"``.

    Returns
    -------
    DataFrame
        ``group``, ``n``, ``total``, ``pct`` (every level of the factor, empty ones with
        zeros). R: ``table(group, pregnant)``.
    """
    if by is None:
        return proportions_by(women, "pregnant")
    frame = pd.DataFrame({"group": grouping(women, by), "pregnant": women["pregnant"]})
    return proportions_by(frame, "pregnant", "group", levels=FACTORS[by].levels)


def two_by_two(women: pd.DataFrame, by: str) -> pd.DataFrame:
    """The 2 × 2 table of Table 2's test for ``by``: compared groups × pregnant (yes, no)."""
    rates = pregnancy_rate(women, by).set_index("group")
    compared = rates.loc[list(FACTORS[by].compared)]
    return pd.DataFrame(
        {"pregnant": compared["n"], "not_pregnant": compared["total"] - compared["n"]},
        index=pd.Index(list(FACTORS[by].compared), name=by),
    )


def _factor_rows(
    women: pd.DataFrame, by: str
) -> tuple[list[dict[str, object]], dict[str, Number], TestResult | None]:
    factor = FACTORS[by]
    rates = pregnancy_rate(women, by).set_index("group")
    table = two_by_two(women, by)
    margins_ok = bool((table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all())
    test = chisq_test(table.to_numpy()) if margins_ok else None
    values: dict[str, Number] = {}
    rows: list[dict[str, object]] = []
    for level, key, label in zip(factor.levels, factor.keys, factor.labels, strict=True):
        n, total = int(rates.loc[level, "n"]), int(rates.loc[level, "total"])
        values |= Proportion(n, total).values(f"{factor.name}.{key}")
        if total == 0 and level not in factor.compared:
            continue
        rows.append(
            {"factor": factor.label, "group": label, "n": n, "total": total}
            | {"pct": Proportion(n, total).pct, "statistic": np.nan, "df": np.nan}
            | {"p_value": np.nan, "method": ""}
        )
    values[f"{factor.name}.chi2"] = test.statistic if test else None
    values[f"{factor.name}.df"] = test.df if test else None
    values[f"{factor.name}.p"] = test.p_value if test else None
    values[f"{factor.name}.min_expected"] = min(min(r) for r in test.expected) if test else None
    if test is not None:
        last = max(i for i, r in enumerate(rows) if r["group"] in _compared_labels(factor))
        rows[last] |= {"statistic": test.statistic, "df": test.df, "p_value": test.p_value}
        rows[last]["method"] = test.method
    return rows, values, test


def _compared(factor: Factor) -> str:
    """``"Menses before injection (regular menses vs irregular menses)"``: what a test
    compares."""
    labels = dict(zip(factor.levels, factor.labels, strict=True))
    first, second = (labels[level][:1].lower() + labels[level][1:] for level in factor.compared)
    return f"{factor.label} ({first} vs {second})"


def _zero_statistic(test: TestResult) -> bool:
    """Every cell of a 2 × 2 table has |O − E| ≤ 0.5: Yates' corrected χ² is exactly 0."""
    deviation = np.abs(np.asarray(test.observed) - np.asarray(test.expected))
    # A hair of tolerance: E = R·C/n is rounded, and an exact 0.5 must count.
    return bool(np.asarray(test.observed).shape == (2, 2) and np.all(deviation <= 0.5 + 1e-9))


def factor_notes(factor: Factor, test: TestResult | None) -> tuple[str, ...]:
    """What this cohort's test of ``factor`` needs said under Table 2 (``()`` for nothing).

    * An expected count below :data:`SMALL_EXPECTED`: R's ``chisq.test`` warns "Chi-squared
      approximation may be incorrect" (follicle records it here instead of warning).
    * Every |O − E| ≤ 0.5: the corrected statistic is exactly 0 (p = 1); R prints
      floating-point noise instead of 0, and so does follicle.

    Each note begins with :data:`~follicle.analysis.result.COHORT_NOTE`: it is a fact about
    these data, not a method.
    """
    if test is None:
        return ()
    notes = []
    where = _compared(factor)
    if test.small_expected:
        smallest = min(min(row) for row in test.expected)
        notes.append(
            f"{COHORT_NOTE}, {where}: an expected count is below {SMALL_EXPECTED} "
            f"(smallest {smallest:.2f}), for which R's chisq.test warns "
            f"\u201c{R_SMALL_EXPECTED_WARNING}\u201d."
        )
    if _zero_statistic(test):
        noise = (
            f" (the {test.statistic:.4g} computed is floating-point noise, as in R)"
            if test.statistic
            else ""
        )
        notes.append(
            f"{COHORT_NOTE}, {where}: |O \u2212 E| \u2264 0.5 in every cell, so the corrected "
            f"\u03c7\u00b2 is exactly 0 and p = 1{noise}."
        )
    return tuple(notes)


def _compared_labels(factor: Factor) -> set[str]:
    return {
        lab for lev, lab in zip(factor.levels, factor.labels, strict=True) if lev in factor.compared
    }


def table2(women: pd.DataFrame) -> Result:
    """Table 2: pregnancy by age group, baseline menses and number of injections.

    Each factor's two compared groups (< 35 vs ≥ 35; regular vs irregular; one vs two
    injections) are tested by Pearson's χ² test with Yates' continuity correction, as R's
    ``chisq.test(table(group, pregnant))``; the statistic sits on the second group's row.
    No test is computed when a margin of the 2 × 2 table is zero (its values are ``None``).

    Notes about this cohort's tables (:func:`factor_notes`) follow the method notes: R's
    small-expected-count warning where an expected count is below 5, and the exact zero of
    a table whose |O − E| ≤ 0.5 everywhere — each only when some table has the property.
    """
    overall = proportion(women["pregnant"])
    rows: list[dict[str, object]] = [
        {"factor": "", "group": "Pregnant women", "n": overall.n, "total": overall.total}
        | {"pct": overall.pct, "statistic": np.nan, "df": np.nan, "p_value": np.nan}
        | {"method": ""}
    ]
    values: dict[str, Number] = dict(overall.values("overall"))
    cohort_notes: list[str] = []
    for by in FACTORS:
        factor_rows, factor_values, test = _factor_rows(women, by)
        rows += factor_rows
        values |= factor_values
        cohort_notes += factor_notes(FACTORS[by], test)
    return Result(
        "table2",
        "",
        "Pregnancy after the injection by age, menstrual status and number of injections",
        pd.DataFrame(rows),
        values,
        (
            "n/N: women pregnant at least once after the first injection / women in the group.",
            "Pearson's Chi-squared test with Yates' continuity correction (R chisq.test, "
            "correct = TRUE) on each 2 × 2 table; no test where a margin is zero.",
            "Baseline amenorrhea and three or more injections, when present, are shown but "
            "not tested (the paper compares regular vs irregular and one vs two).",
            *cohort_notes,
        ),
    )


def _months_values(pregnancies: pd.DataFrame, mode: str) -> dict[str, Number]:
    chosen = pregnancies.loc[pregnancies["mode"].eq(mode).fillna(False)]
    exact = summarize(chosen["months_since_injection"])
    whole = summarize(chosen["month"])
    values: dict[str, Number] = {f"months_{mode}_n": exact["n"]}
    values |= {f"months_{mode}_{k}": exact[k] for k in ("median", "min", "max", "mean")}
    values |= {f"months_{mode}_whole_{k}": whole[k] for k in ("median", "min", "max")}
    return values


def _per_woman(pregnancies: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each woman's number of pregnancies, and her largest number by one mode (a group-by
    by woman, and by woman and mode, then the largest: the IDs hashed once, the counts by
    ``bincount``). A row without a woman, or without a mode for the second, is left out."""
    woman = pd.factorize(pregnancies["participant_id"])[0]
    mode, modes = pd.factorize(pregnancies["mode"])
    per_woman = np.bincount(woman[woman >= 0])
    both = (woman >= 0) & (mode >= 0)
    by_mode = np.bincount(
        woman[both] * len(modes) + mode[both], minlength=len(per_woman) * len(modes)
    ).reshape(len(per_woman), len(modes))
    same_mode = by_mode.max(axis=1) if len(modes) else np.zeros(len(per_woman), dtype=np.int64)
    return pd.Series(per_woman), pd.Series(same_mode[same_mode > 0])


def _most_pregnancies(pregnancies: pd.DataFrame) -> int:
    """The largest number of pregnancies of one woman, at least 3 (the rows always shown)."""
    return _most(_per_woman(pregnancies)[0])


def _most(per_woman: pd.Series) -> int:
    return int(max(3, per_woman.max() if len(per_woman) else 0))


def _repeat_values(pregnancies: pd.DataFrame) -> dict[str, Number]:
    per_woman, same_mode = _per_woman(pregnancies)
    top = _most(per_woman)
    any_counts = per_woman.value_counts().reindex(range(1, top + 1), fill_value=0)
    mode_counts = same_mode.value_counts().reindex(range(2, top + 1), fill_value=0)
    values: dict[str, Number] = {"women_with_1_pregnancy": int(any_counts[1])}
    values |= {f"women_with_{k}_pregnancies": int(any_counts[k]) for k in range(2, top + 1)}
    values["women_with_repeat_pregnancies"] = int((per_woman >= 2).sum())
    values |= {
        f"women_with_{k}_pregnancies_same_mode": int(mode_counts[k]) for k in range(2, top + 1)
    }
    values["women_with_repeat_pregnancies_same_mode"] = int((same_mode >= 2).sum())
    return values


#: How many times, in words, for the repeat-pregnancy rows.
_TIMES = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}


def _times(k: int) -> str:
    return _TIMES.get(k, f"{k} times")


def _repeat_rows(top: int) -> list[tuple[str, str]]:
    """(label, value name) of the repeat-pregnancy rows: k = 2 … ``top`` by the same mode, then
    the same in all (any mode)."""
    ks = range(2, top + 1)
    same = [
        (f"Women pregnant {_times(k)} by the same mode", f"women_with_{k}_pregnancies_same_mode")
        for k in ks
    ]
    any_mode = [
        (f"Women pregnant {_times(k)} in all (any mode)", f"women_with_{k}_pregnancies") for k in ks
    ]
    return same + any_mode


def pregnancy_outcomes(women: pd.DataFrame, pregnancies: pd.DataFrame) -> Result:
    """Pregnancy outcomes: women pregnant, by mode, repeat pregnancies and times to pregnancy.

    Proportions of women use all treated women as N, except pregnancy by IVF, whose N is
    the IVF-treated women (as published). Times to pregnancy are summarised over the
    **pregnancies** of each mode (not women): months (days / 30.4375) from the most recent
    injection on or before conception — median, minimum and maximum of the exact months,
    and of the whole months of Figure 1. R: ``median``, ``range``.

    Repeat pregnancies are counted twice: ``women_with_k_pregnancies`` (any modes) and
    ``women_with_k_pregnancies_same_mode`` (k pregnancies of one mode — the paper's reading,
    under which a woman with one spontaneous and one IVF pregnancy is no repeat). The table
    shows both, for k = 2, 3 (and more when some woman has more): "Women pregnant twice by
    the same mode" …, then "Women pregnant twice in all (any mode)" ….
    """
    mode = pregnancies["mode"]
    values: dict[str, Number] = {"n_women": len(women)}
    values |= proportion(women["pregnant"]).values("women_pregnant")
    values |= proportion(women["pregnant_spontaneous"]).values("pregnant_spontaneous")
    treated = women.loc[women["ivf_treated"].fillna(False)]
    values |= proportion(treated["pregnant_ivf"]).values("pregnant_ivf")
    values |= proportion(women["pregnant_ivf"]).values("pregnant_ivf_of_women")
    values |= proportion(women["both"]).values("pregnant_both")
    spont_only = women["pregnant_spontaneous"] & ~women["pregnant_ivf"]
    ivf_only = women["pregnant_ivf"] & ~women["pregnant_spontaneous"]
    other_only = women["pregnant"] & ~women["pregnant_ivf"] & ~women["pregnant_spontaneous"]
    values |= proportion(spont_only).values("pregnant_spontaneous_only")
    values |= proportion(ivf_only).values("pregnant_ivf_only")
    values |= proportion(other_only).values("pregnant_other_mode_only")
    values |= proportion(women["ivf_treated"]).values("ivf_treated")
    values |= {
        "pregnancies": len(pregnancies),
        "pregnancies_spontaneous": int(mode.eq("spontaneous").sum()),
        "pregnancies_ivf": int(mode.eq("ivf").sum()),
        "pregnancies_other_mode": int((~mode.isin(MODES)).sum()),
    }
    multiple = pregnancies["fetuses"].fillna(1) >= 2
    values["multiple_pregnancies"] = int(multiple.sum())
    values["multiple_pregnancies_ivf"] = int((multiple & mode.eq("ivf")).sum())
    values |= _repeat_values(pregnancies)
    for m in MODES:
        values |= _months_values(pregnancies, m)

    rows = [
        ("Women pregnant", "women_pregnant"),
        ("Pregnant spontaneously", "pregnant_spontaneous"),
        ("Pregnant by IVF (of IVF-treated women)", "pregnant_ivf"),
        ("Pregnant both ways", "pregnant_both"),
        ("IVF-treated after injection", "ivf_treated"),
    ]
    table = pd.DataFrame(
        [
            {"item": label, "n": values[f"{k}.n"], "total": values[f"{k}.total"]}
            | {"pct": values[f"{k}.pct"]}
            for label, k in rows
        ]
    )
    counts = pd.DataFrame(
        [{"item": "Pregnancies", "n": values["pregnancies"]}]
        + [
            {"item": label, "n": values[key]}
            for label, key in _repeat_rows(_most_pregnancies(pregnancies))
        ]
    )
    exact_months = is_integer_valued(pregnancies["months_since_injection"])
    months = pd.DataFrame(
        [
            {"item": f"Months to {'IVF' if m == 'ivf' else m} pregnancy"}
            | {"n": values[f"months_{m}_n"], "median": values[f"months_{m}_median"]}
            | {"min": values[f"months_{m}_min"], "max": values[f"months_{m}_max"]}
            | {"integer_valued": exact_months}
            for m in MODES
        ]
        # The paper prints times in whole months (the months of Figure 1).
        + [
            {"item": f"Months to {'IVF' if m == 'ivf' else m} pregnancy, whole months"}
            | {"n": values[f"months_{m}_n"], "median": values[f"months_{m}_whole_median"]}
            | {"min": values[f"months_{m}_whole_min"], "max": values[f"months_{m}_whole_max"]}
            | {"integer_valued": True}
            for m in MODES
        ]
    )
    combined = pd.concat([table, counts, months], ignore_index=True)
    combined["integer_valued"] = combined["integer_valued"].astype("boolean")
    return Result(
        "pregnancy",
        "",
        "Pregnancies after the injection: women, modes and times to pregnancy",
        combined,
        values,
        (
            "Pregnant: at least one pregnancy on or after the first injection; N = treated "
            "women, except IVF (N = women with an IVF cycle after the first injection).",
            "Months to pregnancy: days from the most recent injection on or before conception "
            "/ 30.4375, over the pregnancies of that mode; in whole months, rounded to the "
            "nearest month as in the paper's Figure 1.",
            "Pregnant twice, three times …: \u201cby the same mode\u201d counts a woman's "
            "pregnancies of her most frequent mode of conception \u2014 the paper's reading "
            "(\u201cone woman pregnant twice, another three times\u201d), under which one "
            "spontaneous and one IVF pregnancy are no repeat; \u201cin all\u201d counts all "
            "her pregnancies, whatever their modes.",
        ),
    )
