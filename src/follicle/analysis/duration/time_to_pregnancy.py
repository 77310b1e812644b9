"""Time to a first pregnancy after the first injection, with censoring and a competing risk.

Each treated woman is followed from her **first** injection (time 0) until the first of:

* her first pregnancy's conception (the event, status 1) — pregnancies before the first
  injection are not in the analysis frames (:func:`follicle.analysis.frame.pregnancies`);
* menopause (the competing event, status 2): the date of the first contact reporting it
  (``women.menopause_date``). A follow-up menses of "menopause" always comes from a dated
  contact, so there is no menopause without a date. A conception on the day menopause is
  reported counts as the pregnancy; a conception *after* it is not the first event (she
  left the risk set at menopause) and is counted in the notes;
* the end of follow-up, her latest contact (censored, status 0).

Times are in **months** = days / 30.4375 (``frame.DAYS_PER_MONTH``). A pregnancy conceived
on the injection day has time 0, which R and both estimators accept. Women are left out,
and counted, when nothing follows the injection (no contact and no pregnancy) or when the
only end point is dated before the first injection (a menopause or last contact reported
before it: never at risk).

Estimators: the Kaplan–Meier cumulative incidence ``1 − S(t)`` with menopause censored
(:mod:`follicle.analysis.duration.survival`, R ``survfit``), which overstates the
probability of pregnancy when menopause removes women from the risk; and the Aalen–Johansen
cumulative incidence with menopause competing (:mod:`follicle.analysis.duration.competing_risks`,
R ``cmprsk::cuminc``). Both with pointwise 95 % intervals on the log(−log) scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from follicle.analysis.duration.competing_risks import (
    aalen_johansen,
    cumulative_incidence_at,
    gray_test,
    loglog_interval,
)
from follicle.analysis.duration.survival import (
    at_risk,
    kaplan_meier,
    log_rank,
    r_quantile,
    survival_at,
)
from follicle.analysis.frame import AGE_GROUPS, DAYS_PER_MONTH, select_labels
from follicle.analysis.result import COHORT_NOTE, Number, Result

#: The months at which the cumulative incidences are reported.
MONTHS = (3, 6, 12, 24, 36)
#: Status codes of :func:`first_pregnancy_times` (R: ``Surv(time, status == 1)``,
#: ``cuminc(time, status, cencode = 0)``).
CENSORED, PREGNANCY, MENOPAUSE = 0, 1, 2
#: The groups of the table: everyone, then the two age groups (< 35, ≥ 35 at first injection).
GROUPS = ("all", *AGE_GROUPS)
#: The prefix of each group's values (``under_35.km.12.pct``); everyone has none.
GROUP_KEYS = {"all": "", AGE_GROUPS[0]: "under_35.", AGE_GROUPS[1]: "35_or_over."}
ESTIMATORS = {"KM": "km", "AJ": "aj"}
#: Each group's printed name.
GROUP_LABELS = {"all": "All women", AGE_GROUPS[0]: "< 35 years", AGE_GROUPS[1]: "≥ 35 years"}
#: The table of :func:`time_to_pregnancy`: one row per group and month.
TABLE_COLUMNS = (
    "key",
    "group",
    "time",
    "at_risk",
    "km",
    "km_low",
    "km_high",
    "aj",
    "aj_low",
    "aj_high",
)
NO_FOLLOWUP = "no follow-up after the first injection"
BEFORE_INJECTION = "end point dated before the first injection"


def first_pregnancy_times(women: pd.DataFrame) -> pd.DataFrame:
    """Each woman's time to a first pregnancy, competing menopause, or censoring.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women`.

    Returns
    -------
    DataFrame
        One row per woman: ``participant_id``, ``age_group``, ``days`` (Int64, from the first
        injection), ``months`` (float, days / 30.4375), ``status`` (Int64: 0 censored,
        1 pregnancy, 2 menopause), ``pregnant_after_menopause`` (boolean: a conception after
        the reported menopause, so not her first event) and ``excluded`` (string: why she is
        left out, ``<NA>`` when analysed).
    """
    first = women["first_injection"]
    conception = women["first_conception"]
    menopause = women["menopause_date"]
    end = women["end_of_followup"]
    pregnant_first = conception.notna() & ~(conception > menopause)
    status = np.select(
        [pregnant_first, menopause.notna(), end.notna()], [PREGNANCY, MENOPAUSE, CENSORED], -1
    )
    when = conception.where(pregnant_first, menopause.where(menopause.notna(), end))
    days = (when - first).dt.days.astype("Float64")
    excluded = select_labels(
        [status < 0, (days < 0).fillna(False)], [NO_FOLLOWUP, BEFORE_INJECTION], women.index
    )
    return pd.DataFrame(
        {
            "participant_id": women["participant_id"],
            "age_group": women["age_group"],
            "days": days.astype("Int64"),
            "months": (days / DAYS_PER_MONTH).to_numpy(dtype=float, na_value=np.nan),
            "status": pd.Series(status, index=women.index, dtype="Int64").where(excluded.isna()),
            "pregnant_after_menopause": (conception > menopause).fillna(False),
            "excluded": excluded,
        }
    )


def analysed_times(times: pd.DataFrame, group: str) -> tuple[np.ndarray, np.ndarray]:
    """Months and status of the analysed women of ``group`` (``"all"`` or an age group)."""
    chosen = times["excluded"].isna()
    if group != "all":
        chosen &= times["age_group"].eq(group).fillna(False)
    months = times.loc[chosen, "months"].to_numpy(dtype=float)
    status = times.loc[chosen, "status"].to_numpy(dtype=int)
    return months, status


def _estimates(
    months: np.ndarray, status: np.ndarray, at: Sequence[float], level: float
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """KM and AJ cumulative incidence (percent) with bounds and numbers at risk at ``at``."""
    observed = np.sort(months)
    risk = at_risk(observed, at)
    survival, lower, upper = survival_at(kaplan_meier(months, status == PREGNANCY, level=level), at)
    cif, variance = cumulative_incidence_at(aalen_johansen(months, status, cause=PREGNANCY), at)
    cif_low, cif_high = loglog_interval(cif, variance, level=level)
    return {
        "KM": (100 * (1 - survival), 100 * (1 - upper), 100 * (1 - lower), risk),
        "AJ": (100 * cif, 100 * cif_low, 100 * cif_high, risk),
    }


def status_counts(status: np.ndarray) -> dict[str, Number]:
    """Women analysed (``n``), pregnancies (``events``), menopause first (``competing``)
    and censored, from their status codes."""
    return {
        "n": int(status.size),
        "events": int((status == PREGNANCY).sum()),
        "competing": int((status == MENOPAUSE).sum()),
        "censored": int((status == CENSORED).sum()),
    }


def _followup_median(months: np.ndarray, status: np.ndarray) -> float:
    """Median potential follow-up by the reverse Kaplan–Meier method (censoring is the
    "event"; R ``survfit(Surv(time, status == 0) ~ 1)`` median)."""
    return r_quantile(kaplan_meier(months, status == CENSORED), 0.5)


def time_to_pregnancy(women: pd.DataFrame, *, level: float = 0.95) -> Result:
    """Cumulative incidence of a first pregnancy at 3, 6, 12, 24 and 36 months.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women`.
    level
        Confidence level of the pointwise intervals.

    Returns
    -------
    Result
        ``time_to_pregnancy``. ``table`` (:data:`TABLE_COLUMNS`): one
        row per group (all, < 35, ≥ 35) × month: ``key`` (``{group}.{month}``, the group as
        in :data:`GROUPS`), ``group`` and ``time`` (printed labels), ``at_risk`` (women with
        time ≥ month), the Kaplan–Meier ``km`` and Aalen–Johansen ``aj`` estimates with
        ``_low`` and ``_high`` (percent; ``NaN`` after the group's last follow-up; bounds
        ``NaN`` where the estimate is 0 or 100 %, except KM's 0–0 before the group's first
        observed time, as R). ``values``: see ``docs/results.md``.
    """
    times = first_pregnancy_times(women)
    rows: list[pd.DataFrame] = []
    values: dict[str, Number] = {}
    for group in GROUPS:
        months, status = analysed_times(times, group)
        prefix = GROUP_KEYS[group]
        values |= {prefix + k: v for k, v in status_counts(status).items()}
        columns: dict[str, object] = {
            "key": [f"{group}.{m}" for m in MONTHS],
            "group": GROUP_LABELS[group],
            "time": [f"{m} months" for m in MONTHS],
        }
        for estimator, (est, low, high, risk) in _estimates(months, status, MONTHS, level).items():
            key = ESTIMATORS[estimator]
            columns |= {"at_risk": risk.astype(int), key: est, f"{key}_low": low}
            columns[f"{key}_high"] = high
            for i, month in enumerate(MONTHS):
                values[f"{prefix}{key}.{month}.pct"] = float(est[i])
                values[f"{prefix}{key}.{month}.low"] = float(low[i])
                values[f"{prefix}{key}.{month}.high"] = float(high[i])
        rows.append(pd.DataFrame(columns))
        values |= {f"{prefix}at_risk.{m}": int(r) for m, r in zip(MONTHS, risk, strict=True)}
    all_months, all_status = analysed_times(times, "all")
    values["excluded"] = int(times["excluded"].notna().sum())
    values["followup_median"] = _followup_median(all_months, all_status)
    values |= _group_tests(times)
    table = pd.concat(rows, ignore_index=True).loc[:, list(TABLE_COLUMNS)]
    return Result(
        "time_to_pregnancy",
        "",
        "Cumulative incidence of a first pregnancy after the first injection",
        table,
        values,
        (*_notes(times, level), *_test_notes(values)),
    )


def long_form(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`time_to_pregnancy`'s table with one row per group, estimator and month.

    Columns ``group`` (as in :data:`GROUPS`), ``estimator`` (``KM``, ``AJ``), ``month``,
    ``at_risk``, ``estimate``, ``low``, ``high`` (percent): the shape to filter or plot.
    """
    parts_of_key = table["key"].str.rsplit(".", n=1)
    group, month = parts_of_key.str[0], parts_of_key.str[1]
    parts = [
        pd.DataFrame(
            {"group": group, "estimator": estimator, "month": month.astype(int)}
            | {"at_risk": table["at_risk"], "estimate": table[key]}
            | {"low": table[f"{key}_low"], "high": table[f"{key}_high"]}
        )
        for estimator, key in ESTIMATORS.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _p_text(p: float) -> str:
    """A p-value as the report prints it: four significant digits, ``< 0.0001`` below."""
    return "< 0.0001" if p < 0.0001 else f"= {p:.4g}"


def _test_notes(values: dict[str, Number]) -> tuple[str, ...]:
    """The median follow-up and the age-group comparison in words (no table cell holds
    them)."""
    notes = []
    followup = values["followup_median"]
    if isinstance(followup, float | int) and math.isfinite(followup):
        notes.append(f"{COHORT_NOTE}, the median follow-up is {followup:.2f} months.")
    rank, gray = values["logrank.p"], values["gray.p"]
    if isinstance(rank, float | int) and isinstance(gray, float | int):
        notes.append(
            f"{COHORT_NOTE}, < 35 vs ≥ 35 years: log-rank χ² = {values['logrank.chisq']:.4f}, "
            f"p {_p_text(rank)}; Gray's test χ² = {values['gray.chisq']:.4f}, "
            f"p {_p_text(gray)}."
        )
    return tuple(notes)


def _group_tests(times: pd.DataFrame) -> dict[str, Number]:
    """Log-rank (pregnancy hazard, menopause censored) and Gray's test (CIF) by age group."""
    grouped = times.loc[times["excluded"].isna() & times["age_group"].notna()]
    months = grouped["months"].to_numpy(dtype=float)
    status = grouped["status"].to_numpy(dtype=int)
    # Integer codes, not strings: np.unique over a million strings takes seconds.
    age_group = grouped["age_group"].eq(AGE_GROUPS[0]).to_numpy(dtype=int)
    rank = log_rank(months, status == PREGNANCY, age_group)
    gray = gray_test(months, status, age_group, cause=PREGNANCY)
    return {
        "logrank.chisq": rank.chisq if rank else None,
        "logrank.df": rank.df if rank else None,
        "logrank.p": rank.p if rank else None,
        "gray.chisq": gray.statistic if gray else None,
        "gray.df": gray.df if gray else None,
        "gray.p": gray.p if gray else None,
    }


def _notes(times: pd.DataFrame, level: float) -> tuple[str, ...]:
    pct = f"{100 * level:g} %"
    notes = [
        "Time from the first injection to the conception of the first pregnancy, in months "
        "(days / 30.4375); censored at the end of follow-up (the latest contact); menopause "
        "(the first contact reporting it) is a competing event. A conception on the day "
        "menopause is reported counts as the pregnancy.",
        "KM: Kaplan–Meier cumulative incidence 1 − S(t), menopause censored (product-limit "
        "estimator, as R survival::survfit). It overstates the probability of pregnancy when "
        "menopause is common.",
        "AJ: Aalen–Johansen cumulative incidence with menopause as a competing event, with "
        "Gray's delta-method variance (R cmprsk::cuminc).",
        f"{pct} pointwise intervals on the log(−log) scale: KM as R survfit(conf.type = "
        '"log-log"); AJ as F^exp(±z·sd/(F·log F)) from cuminc\'s variance. No interval is '
        "given where the estimate is 0 or 100 % (but KM before the first follow-up time: "
        "0–0, as R), nor any estimate after the group's last follow-up. At risk: women "
        "whose time is at least the month.",
        "Age groups: completed years at the first injection, < 35 vs ≥ 35; compared by the "
        "log-rank test of the pregnancy hazard, menopause censored (R survdiff), and by "
        "Gray's test of the cumulative incidence with menopause competing (R cmprsk::cuminc).",
        "Median follow-up: reverse Kaplan–Meier (censoring as the event, pregnancy and "
        "menopause censored), median as R quantile.survfit.",
    ]
    excluded = times["excluded"].value_counts()
    if excluded.sum():
        parts = "; ".join(f"{n} with {reason}" for reason, n in excluded.items())
        notes.append(f"{COHORT_NOTE}, {excluded.sum()} women are left out: {parts}.")
    after = int(times["pregnant_after_menopause"].sum())
    if after:
        notes.append(
            f"{COHORT_NOTE}, {after} women conceived only after a contact had reported "
            "menopause; their first event is menopause."
        )
    return tuple(notes)
