"""Table 1 and the menstrual transitions: who was treated and how their cycles changed.

Functions from the women frame (:func:`follicle.analysis.frame.women`) to
:class:`~follicle.analysis.result.Result`. Numbers are left unrounded; formatting is the
report's job. Value names are documented in ``docs/results.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from follicle.analysis.frame import AGE_GROUP_CUTOFF, AGE_GROUPS
from follicle.analysis.result import Number, Result
from follicle.analysis.stats.proportions import Proportion, percent
from follicle.workbook.schema import MENSES_BASELINE, MENSES_FOLLOWUP

#: The label of a woman whose follow-up menses no contact records.
UNKNOWN = "unknown"
#: Baseline patterns always shown, even with no woman (the paper's two levels).
PAPER_BASELINE = ("regular", "irregular")
#: English month abbreviations (not the locale's) for "Aug 2018 – Sep 2021".
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_SUMMARY_COLUMNS = ("n", "pct", "mean", "sd", "median", "min", "max")
#: Table 1's columns: the summaries, then whether the row's variable is integer-valued
#: (the report prints the range of an integer variable without decimals).
_TABLE1_COLUMNS = ("characteristic", "level", *_SUMMARY_COLUMNS, "integer_valued")


def summarize(values: pd.Series) -> dict[str, float]:
    """Mean, sample SD, median, minimum, maximum and n of a numeric series.

    Missing values are left out. The SD is the sample SD (divisor n − 1), as R's ``sd``;
    the median is R's ``median`` (the mean of the middle two for even n). For no data every
    statistic is ``nan`` and n is 0; for one value the SD is ``nan``, as in R.
    """
    x = pd.Series(values, dtype="Float64").dropna().to_numpy(dtype=float)
    if x.size == 0:
        return dict.fromkeys(("mean", "sd", "median", "min", "max"), float("nan")) | {"n": 0}
    return {
        "n": int(x.size),
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
        "median": float(np.median(x)),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def is_integer_valued(values: pd.Series) -> bool:
    """Whether a variable holds whole numbers by its nature (an integer dtype: ages in
    completed years, counts), as opposed to a measurement that happens to be whole."""
    return bool(pd.api.types.is_integer_dtype(values.dtype))


def _continuous_row(label: str, values: pd.Series, stats: dict[str, float]) -> dict[str, object]:
    row: dict[str, object] = {"characteristic": label, "level": ""}
    row |= {k: stats.get(k, np.nan) for k in _SUMMARY_COLUMNS}
    row["integer_valued"] = is_integer_valued(values)
    return row


def month_year(day: pd.Timestamp) -> str:
    """``"Aug 2018"``: a date's month and year, in English whatever the locale."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def injection_months(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """``"Aug 2018 – Sep 2021"`` (one month when both fall in it; ``"no injections"``)."""
    if start is None or end is None:
        return "no injections"
    first, last = month_year(start), month_year(end)
    return first if first == last else f"{first} \u2013 {last}"


def _iso_date(day: pd.Timestamp | None) -> str | None:
    return None if day is None else day.date().isoformat()


def injection_period(women: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and the last injection of the cohort (``None``, ``None`` with none)."""
    first = women["first_injection"].min() if len(women) else pd.NaT
    last = women["last_injection"].max() if len(women) else pd.NaT
    return (None if pd.isna(first) else first), (None if pd.isna(last) else last)


def _count_rows(
    label: str, counts: pd.Series, total: int, show: Sequence[str]
) -> list[dict[str, object]]:
    shown = counts.loc[[k for k in counts.index if k in show or counts[k] > 0]]
    pct = percent(shown.to_numpy(), np.full(len(shown), total))
    return [
        {"characteristic": label, "level": level, "n": int(n), "pct": p}
        for level, n, p in zip(shown.index, shown.to_numpy(), pct, strict=True)
    ]


def _counts(column: pd.Series, levels: Sequence[str]) -> pd.Series:
    filled = column.astype("string").fillna(UNKNOWN)
    counts = filled.value_counts().reindex(list(levels), fill_value=0)
    return counts.astype("int64")


def _count_values(prefix: str, counts: pd.Series, total: int) -> dict[str, Number]:
    values: dict[str, Number] = {}
    for level, n in counts.items():
        values |= Proportion(int(n), total).values(f"{prefix}.{level}")
    return values


def _injection_counts(injections: pd.Series) -> pd.Series:
    k = injections.astype("Int64").fillna(0).to_numpy(dtype="int64")
    labels = np.select([k == 1, k == 2], ["1", "2"], default="3_plus")
    return pd.Series(labels).value_counts().reindex(["1", "2", "3_plus"], fill_value=0)


def table1(women: pd.DataFrame, *, excluded: int = 0, calendar: bool = True) -> Result:
    """Table 1: demographic characteristics of the treated women.

    Parameters
    ----------
    women
        The women frame (one row per treated woman).
    excluded
        How many enrolled women were left out for having no injection (reported only).
    calendar
        Whether the dates are calendar dates. A de-identified workbook's are days on one
        calendar (:mod:`follicle.workbook.deidentified`): the injection period is then
        unknown (``None``), and the row says so.

    Returns
    -------
    Result
        ``table1``. Rows: age at first injection (completed years: mean, sample SD, median,
        range); the two age groups (n, %); age at the end of follow-up (completed years);
        follow-up from the **last** injection (years = days / 365.25); the injection period
        ("Injections given", the months of the first and last injection, as ``level``;
        ISO dates in ``values``); injections 1, 2, ≥ 3 (n, % of women); menses before
        injection and at follow-up (n, % of women; the baseline and follow-up vocabularies,
        levels with no woman hidden except regular and irregular; women with no recorded
        follow-up menses are ``unknown``). Column ``integer_valued`` says whether a
        continuous row's variable is whole numbers (ages), so that its range prints without
        decimals. R: ``mean``, ``sd``, ``median``, ``range``, ``table``.
    """
    total = len(women)
    age = summarize(women["age"])
    age_followup = summarize(women["age_followup"])
    followup = summarize(women["followup_years"])
    groups = women["age_group"].value_counts().reindex(list(AGE_GROUPS), fill_value=0)
    injections = _injection_counts(women["injections"])
    baseline = _counts(women["menses_baseline"], MENSES_BASELINE)
    followup_menses = _counts(women["menses_followup"], (*MENSES_FOLLOWUP, UNKNOWN))

    start, end = injection_period(women) if calendar else (None, None)
    period = injection_months(start, end) if calendar else "dates not in de-identified data"

    rows = [_continuous_row("Age at first injection (years)", women["age"], age)]
    rows += _count_rows("Age group", groups.astype("int64"), total, AGE_GROUPS)
    rows.append(
        _continuous_row("Age at end of follow-up (years)", women["age_followup"], age_followup)
    )
    rows.append(
        _continuous_row("Follow-up from last injection (years)", women["followup_years"], followup)
    )
    rows.append({"characteristic": "Injections given", "level": period})
    rows += _count_rows("Injections", injections, total, ("1", "2"))
    rows += _count_rows("Menses before injection", baseline, total, PAPER_BASELINE)
    rows += _count_rows(
        "Menses at follow-up", followup_menses, total, ("regular", "irregular", "menopause")
    )
    table = pd.DataFrame(rows, columns=list(_TABLE1_COLUMNS))
    table["integer_valued"] = table["integer_valued"].astype("boolean")

    values: dict[str, Number] = {"n_women": total, "n_excluded": excluded}
    values["injection_period_start"] = _iso_date(start)
    values["injection_period_end"] = _iso_date(end)
    for name, stats in (("age", age), ("age_followup", age_followup), ("followup_years", followup)):
        values |= {f"{name}_{k}": stats[k] for k in ("mean", "sd", "median", "min", "max")}
    values |= Proportion(int(groups[AGE_GROUPS[0]]), total).values("age_under_35")
    values |= Proportion(int(groups[AGE_GROUPS[1]]), total).values("age_35_or_over")
    values |= _count_values("injections", injections, total)
    values |= _count_values("menses_baseline", baseline, total)
    values |= _count_values("menses_followup", followup_menses, total)
    notes = (
        f"N = {total} treated {'woman' if total == 1 else 'women'}"
        + (
            f"; {excluded} enrolled {'woman' if excluded == 1 else 'women'} with no injection "
            "left out."
            if excluded
            else "."
        ),
        "Ages in completed years (anniversary rule); SD is the sample SD (n − 1).",
        "Follow-up: days from the last injection to the latest contact / 365.25.",
        "Injections given: the months of the first and of the last injection of the cohort.",
        f"Age groups: < {AGE_GROUP_CUTOFF} and ≥ {AGE_GROUP_CUTOFF} completed years at the "
        "first injection.",
        "Menses at follow-up: the latest contact that records the pattern.",
    )
    return Result(
        "table1",
        "",
        "Demographic characteristics of the women who received an injection",
        table,
        values,
        notes,
    )


def menstrual_transitions(women: pd.DataFrame) -> Result:
    """Menstrual pattern at baseline × at follow-up: counts and row percentages.

    Returns
    -------
    Result
        ``menstrual_transitions``. ``table``: one row per baseline pattern with women, then
        for each follow-up pattern (regular, irregular, amenorrhea, menopause, unknown) the
        count and the percentage of the row. Baseline rows with no woman are hidden, except
        regular and irregular (:data:`PAPER_BASELINE`; their percentages are then ``nan``).
        ``values``: ``{baseline}.total`` and ``{baseline}.{followup}.n`` / ``.total`` /
        ``.pct`` for every pair of the vocabularies (zeros included). R:
        ``prop.table(table(baseline, followup), 1) * 100``.
    """
    baseline = women["menses_baseline"].astype("string").fillna(UNKNOWN)
    followup = women["menses_followup"].astype("string").fillna(UNKNOWN)
    follow_levels = [*MENSES_FOLLOWUP, UNKNOWN]
    counts = pd.crosstab(baseline, followup).reindex(
        index=list(MENSES_BASELINE), columns=follow_levels, fill_value=0
    )
    totals = counts.sum(axis=1)
    pct = pd.DataFrame(
        percent(counts.to_numpy(), totals.to_numpy()[:, None] * np.ones((1, counts.shape[1]))),
        index=counts.index,
        columns=counts.columns,
    )
    shown_columns = [c for c in follow_levels if c != UNKNOWN or counts[c].sum() > 0]
    table = pd.DataFrame({"menses_baseline": counts.index, "total": totals.to_numpy()})
    for column in shown_columns:
        table[column] = counts[column].to_numpy()
        table[f"{column}_pct"] = pct[column].to_numpy()
    shown = (table["total"] > 0) | table["menses_baseline"].isin(PAPER_BASELINE)
    table = table.loc[shown].reset_index(drop=True)

    # Every (baseline, follow-up) pair, row-major, built from the arrays rather than with
    # DataFrame.stack(): before pandas 3, stack() drops an all-NaN row (a baseline pattern
    # with no woman), and the pairs would no longer line up with the counts.
    baselines = np.repeat(counts.index.to_numpy(), counts.shape[1])
    followups = np.tile(counts.columns.to_numpy(), counts.shape[0])
    keys = [f"{b}.{f}" for b, f in zip(baselines, followups, strict=True)]
    row_totals = np.repeat(totals.to_numpy(), counts.shape[1])
    values: dict[str, Number] = {f"{b}.total": int(t) for b, t in totals.items()}
    for key, n, total, pct_value in zip(
        keys, counts.to_numpy().ravel(), row_totals, pct.to_numpy().ravel(), strict=True
    ):
        values |= {f"{key}.n": int(n), f"{key}.total": int(total), f"{key}.pct": float(pct_value)}
    return Result(
        "menstrual_transitions",
        "",
        "Menstrual pattern before the injection and at the end of follow-up",
        table,
        values,
        (
            "Row percentages: of the women with that pattern before the injection.",
            "Follow-up pattern: the latest contact that records one; 'unknown' when none does.",
        ),
    )
