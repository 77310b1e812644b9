"""Safety with its uncertainty: exact intervals, zero-event bounds and incidence rates.

Every maternal condition of the vocabulary and every infant condition gets a row — zero
events included, because "none seen in N" is a finding whose strength depends on N:

* the proportion with its exact (Clopper–Pearson) 95 % interval, R ``binom.test(n, N)``;
* the exact one-sided 95 % upper bound, R ``binom.test(n, N, alternative = "less")``; for
  zero events it is 1 − 0.05^(1/N) ≈ 3/N, the rule of three — the figure to quote when
  nothing was seen;
* the incidence per 100 person-years of follow-up with the exact Poisson interval, R
  ``poisson.test(n, T)``: for women, T = woman-years from the first injection to the end of
  follow-up; for infants, T = child-years from birth to the earlier of death and the mother's
  end of follow-up.

Denominators
------------
* **maternal** (N = treated women): women with the condition diagnosed on or after the first
  injection (or undated), exactly as Table 3 counts them
  (:func:`follicle.analysis.safety_tables.table3`); also any autoimmune disease and ectopic
  pregnancy (from pregnancy outcomes), as Table 3 lists them.
* **pregnancy** (N = pregnancies): miscarriage and stillbirth, the paper's per-pregnancy view
  of its fetal rows. These are outcomes of a pregnancy, not events in time, so they get no
  incidence rate.
* **infant** (N = infants born alive, :func:`follicle.analysis.icmart.live_birth_counts`):
  death in the first year (at most 365 days after birth) and each infant condition. Table 3
  counts *pregnancies* with an affected infant instead (the paper's N = pregnancies); per
  infant is the epidemiological unit. Infants born alive but not recorded (a live birth with no
  infant rows) are in N with no condition recorded.

A woman (or infant) with a condition counts once, however many diagnoses she has: the rates
are incidences of a first diagnosis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from follicle.analysis.frame import DAYS_PER_YEAR, Coded, codes_of
from follicle.analysis.icmart import live_birth_counts
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.safety_tables import AUTOIMMUNE, FIRST_YEAR_DAYS
from follicle.analysis.stats import distributions as dist
from follicle.analysis.stats.intervals import CI_METHOD_NOTES, proportion_ci, upper_bound_one_sided
from follicle.analysis.stats.proportions import percent
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

#: Rows beyond the vocabularies: (section, key, label).
EXTRA_MATERNAL = (
    ("autoimmune_any", "Autoimmune disease (any)"),
    ("ectopic_pregnancy", "Ectopic pregnancy"),
)
PREGNANCY_ROWS = (
    ("miscarriage", "Miscarriage (\u201cabortion\u201d)"),
    ("stillbirth", "Stillbirth"),
)
#: Events per this many person-years.
PER_PERSON_YEARS = 100


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def poisson_rate_ci(
    events: npt.ArrayLike, person_years: npt.ArrayLike, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for events per person-year, element-wise.

    R ``poisson.test(x, T, conf.level = level)$conf.int``: ``qgamma(α/2, x) / T`` (0 for
    x = 0) and ``qgamma(1 − α/2, x + 1) / T`` — equivalently ``qchisq(α/2, 2x) / 2T`` and
    ``qchisq(1 − α/2, 2x + 2) / 2T``. Events per person-year; ``nan`` where T is not positive.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level!r}")
    x = np.asarray(events, dtype=float)
    time = np.asarray(person_years, dtype=float)
    x, time = np.broadcast_arrays(x, time)
    alpha = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x == 0, 0.0, dist.gamma_ppf(alpha, np.where(x == 0, 1.0, x))) / time
        high = dist.gamma_ppf(1.0 - alpha, x + 1.0) / time
    empty = ~(time > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def woman_years(women: pd.DataFrame) -> float:
    """Sum over treated women of (end of follow-up − first injection) in days / 365.25.

    A woman with no contact (no end of follow-up) contributes nothing.
    """
    days = (women["end_of_followup"] - women["first_injection"]).dt.days
    return float(days.clip(lower=0).sum()) / DAYS_PER_YEAR


def maternal_events(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    conditions: pd.DataFrame,
    coded: Coded | None = None,
) -> pd.DataFrame:
    """One row per treated woman and maternal safety event (``participant_id``, ``key``).

    ``key`` is each condition of the vocabulary diagnosed on or after her first injection
    (or undated: Table 3's rule), ``autoimmune_any`` for any of
    :data:`~follicle.analysis.safety_tables.AUTOIMMUNE`, and ``ectopic_pregnancy`` for a
    pregnancy ending ectopic. Conditions of untreated women are left out. ``coded``: the
    women as codes (:class:`~follicle.analysis.frame.Coded`), when the caller has them.
    """
    codes = codes_of(coded, women, conditions, "conditions")
    if coded is None or codes is None:
        # Merges, not isin: isin over a million string IDs is many times slower.
        cond = conditions.dropna(subset=["participant_id", "condition"]).merge(
            women.loc[:, ["participant_id", "first_injection"]], on="participant_id", how="inner"
        )
        when, started = cond["diagnosis_date"], cond["first_injection"]
    else:
        # The inner merge by codes: the rows of treated women, in their order.
        kept = conditions[["participant_id", "condition"]].notna().all(axis=1).to_numpy()
        kept = kept & coded.treated()[codes]
        cond = conditions.loc[kept].reset_index(drop=True)
        firsts = coded.per_woman(women["first_injection"], np.datetime64("NaT", "ns"))
        when = cond["diagnosis_date"]
        started = pd.Series(firsts[codes[kept]], index=cond.index)
    cond = cond.loc[when.isna() | started.isna() | (when >= started)]
    listed = pd.DataFrame(
        {"participant_id": cond["participant_id"], "key": cond["condition"].astype("string")}
    )
    autoimmune = listed.loc[listed["key"].isin(AUTOIMMUNE)].assign(key="autoimmune_any")
    ectopic = pregnancies.loc[pregnancies["outcome"].eq("ectopic").fillna(False)]
    ectopic = pd.DataFrame(
        {"participant_id": ectopic["participant_id"], "key": "ectopic_pregnancy"}
    )
    # Empty parts are left out: pandas 2 warns that it will type a concatenation by them.
    parts = [part for part in (listed, autoimmune, ectopic) if not part.empty]
    events = pd.concat(parts, ignore_index=True) if parts else listed
    return events.drop_duplicates(ignore_index=True)


def infants_followed(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    infants: pd.DataFrame,
    coded: Coded | None = None,
) -> pd.DataFrame:
    """The infants born alive in the analysis, with their follow-up.

    Returns
    -------
    DataFrame
        One row per recorded infant of a live birth in ``pregnancies``, then one row per live
        birth with no infant rows, standing in for its unrecorded infants: ``infant_id``
        (missing for the stand-ins), ``pregnancy_id``, ``count`` (1 per recorded infant; the
        pregnancy's ``infants`` for a stand-in), ``birth_date`` (the outcome date for a
        stand-in), ``death_date`` and ``child_years``: from birth to the earlier of death and
        the mother's end of follow-up, days / 365.25 × ``count``, never negative.
    """
    alive = pregnancies["live_birth"].fillna(False).to_numpy(dtype=bool)
    live = pregnancies.loc[
        alive, ["pregnancy_id", "participant_id", "infants", "infants_recorded", "outcome_date"]
    ]
    mothers = codes_of(coded, women, pregnancies)
    if coded is None or mothers is None:
        live = live.merge(
            women.loc[:, ["participant_id", "end_of_followup"]], on="participant_id", how="left"
        )
    else:  # the left merge by codes (one row per woman in the women frame)
        ends = coded.per_woman(women["end_of_followup"], np.datetime64("NaT", "ns"))
        live = live.reset_index(drop=True)
        live["end_of_followup"] = ends[mothers[alive]]
    recorded = infants.loc[:, ["infant_id", "pregnancy_id", "birth_date", "death_date"]].merge(
        live.loc[:, ["pregnancy_id", "end_of_followup"]], on="pregnancy_id", how="inner"
    )
    recorded["count"] = 1
    missing = live.loc[live["infants_recorded"].eq(0) & live["infants"].gt(0)]
    unrecorded = pd.DataFrame(
        {
            "infant_id": pd.Series(pd.NA, index=missing.index, dtype="string"),
            "pregnancy_id": missing["pregnancy_id"],
            "birth_date": missing["outcome_date"],
            "death_date": pd.Series(pd.NaT, index=missing.index, dtype="datetime64[ns]"),
            "end_of_followup": missing["end_of_followup"],
            "count": missing["infants"].astype("int64"),
        }
    )
    out = pd.concat([recorded, unrecorded], ignore_index=True)
    death, end = out["death_date"], out["end_of_followup"]
    end = end.where(death.isna() | (death > end), death)
    days = (end - out["birth_date"]).dt.days.clip(lower=0).fillna(0)
    out["child_years"] = out["count"] * days / DAYS_PER_YEAR
    return out.drop(columns="end_of_followup")


def infant_events(followed: pd.DataFrame, infant_conditions: pd.DataFrame) -> pd.DataFrame:
    """One row per infant and event (``infant_id``, ``key``): each condition of the
    vocabulary, and ``death_first_year`` for a death at most 365 days after birth.

    ``followed`` is :func:`infants_followed`; conditions of other infants are left out.
    """
    lived = (followed["death_date"] - followed["birth_date"]).dt.days
    died = followed.loc[lived.le(FIRST_YEAR_DAYS).fillna(False), ["infant_id"]]
    conds = infant_conditions.dropna(subset=["infant_id", "condition"]).merge(
        followed.loc[:, ["infant_id"]].dropna(), on="infant_id", how="inner"
    )
    parts = [
        died.assign(key="death_first_year"),
        pd.DataFrame({"infant_id": conds["infant_id"], "key": conds["condition"]}),
    ]
    # Empty parts are left out: pandas 2 warns that it will type a concatenation by them.
    events = pd.concat([p for p in parts if not p.empty] or parts[1:], ignore_index=True)
    events["key"] = events["key"].astype("string")
    return events.drop_duplicates(ignore_index=True)


def _counts(keys: pd.Series, order: list[str]) -> np.ndarray:
    return keys.value_counts().reindex(order, fill_value=0).to_numpy(dtype="int64")


def _section(
    section: str, keys: list[str], labels: list[str], n: np.ndarray, total: int, years: float
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "section": section,
            "key": keys,
            "item": labels,
            "n": n,
            "total": total,
            "person_years": years,
        }
    )


def _table(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    conditions: pd.DataFrame,
    infants: pd.DataFrame,
    infant_conditions: pd.DataFrame,
    coded: Coded | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    maternal_keys = list(MATERNAL_CONDITIONS) + [k for k, _ in EXTRA_MATERNAL]
    maternal_labels = [_label(k) for k in MATERNAL_CONDITIONS] + [lab for _, lab in EXTRA_MATERNAL]
    events = maternal_events(women, pregnancies, conditions, coded)
    wy = woman_years(women)

    preg_keys = [k for k, _ in PREGNANCY_ROWS]

    followed = infants_followed(women, pregnancies, infants, coded)
    kid_events = infant_events(followed, infant_conditions)
    infant_keys = ["death_first_year", *INFANT_CONDITIONS]
    infant_labels = ["Death in the first year"] + [_label(k) for k in INFANT_CONDITIONS]
    n_infants = live_birth_counts(women, pregnancies)["infants_born_alive"]
    cy = float(followed["child_years"].sum())

    table = pd.concat(
        [
            _section(
                "maternal",
                maternal_keys,
                maternal_labels,
                _counts(events["key"], maternal_keys),
                len(women),
                wy,
            ),
            _section(
                "pregnancy",
                preg_keys,
                [lab for _, lab in PREGNANCY_ROWS],
                _counts(pregnancies["outcome"], preg_keys),
                len(pregnancies),
                np.nan,
            ),
            _section(
                "infant",
                infant_keys,
                infant_labels,
                _counts(kid_events["key"], infant_keys),
                n_infants,
                cy,
            ),
        ],
        ignore_index=True,
    )
    extra = {
        "woman_years": wy,
        "child_years": cy,
        "infants_unrecorded": float(followed.loc[followed["infant_id"].isna(), "count"].sum()),
        "women_without_followup": float(women["end_of_followup"].isna().sum()),
    }
    return table, extra


def _notes(level: float, extra: dict[str, float]) -> tuple[str, ...]:
    pct = f"{level * 100:g} %"
    notes = [
        f"{pct} confidence intervals: {CI_METHOD_NOTES['clopper-pearson']}. Upper bound: the "
        f"exact one-sided {pct} upper confidence bound (R binom.test, alternative = "
        f"\u201cless\u201d); for zero events it is 1 \u2212 {1 - level:g}^(1/N), about 3/N "
        "(the rule of three), the figure to quote when nothing was seen.",
        f"Incidence per {PER_PERSON_YEARS} person-years with the exact Poisson interval (R "
        "poisson.test). Women: woman-years from the first injection to the end of follow-up "
        "(latest contact), days / 365.25. Infants: child-years from birth to the earlier of "
        "death and the mother's end of follow-up. A woman or infant counts once per "
        "condition (the first diagnosis); follow-up is not stopped at it.",
        "Maternal (N = treated women): conditions diagnosed on or after the first injection "
        "or undated, as in the paper\u2019s Table 3; ectopic pregnancy from pregnancy "
        "outcomes. Pregnancy (N = pregnancies): miscarriage (the paper\u2019s "
        "\u201cabortion\u201d) and stillbirth. Infant (N = infants born alive): death at "
        "most 365 days after birth and each infant condition, counted in infants (the "
        "paper\u2019s Table 3 counts pregnancies).",
    ]
    if extra["infants_unrecorded"]:
        notes.append(
            f"{COHORT_NOTE}, {extra['infants_unrecorded']:g} infants born alive have no infant "
            "record (a live birth whose infants were not entered): they are in N with no "
            "condition recorded, and followed from the pregnancy's outcome date."
        )
    if extra["women_without_followup"]:
        notes.append(
            f"{COHORT_NOTE}, {extra['women_without_followup']:g} women have no follow-up "
            "contact and contribute no woman-years."
        )
    return tuple(notes)


def safety_bounds(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    *,
    conditions: pd.DataFrame,
    infants: pd.DataFrame,
    infant_conditions: pd.DataFrame,
    level: float = 0.95,
    coded: Coded | None = None,
) -> Result:
    """Every maternal and infant condition with exact intervals, bounds and incidence rates.

    Parameters
    ----------
    women, pregnancies
        The analysis frames (:mod:`follicle.analysis.frame`).
    conditions, infants, infant_conditions
        The workbook's tables of those names.
    level
        Confidence level, 0–1. The intervals are always exact (Clopper–Pearson, R
        ``binom.test``), whatever interval the rest of the report uses.
    coded
        The women as codes (:class:`~follicle.analysis.frame.Coded`), when the caller has
        them: the same results, without hashing the IDs again.

    Returns
    -------
    Result
        ``safety``. The table has one row per condition: ``section`` (maternal, pregnancy,
        infant), ``key``, ``item``, ``n``, ``total``, ``pct``, ``low``, ``high`` (exact
        interval, percent), ``upper_one_sided`` (percent), ``person_years`` and ``rate``,
        ``rate_low``, ``rate_high`` (per 100 person-years; ``nan`` for pregnancy rows).
    """
    table, extra = _table(women, pregnancies, conditions, infants, infant_conditions, coded)
    n, total = table["n"].to_numpy(), table["total"].to_numpy()
    low, high = proportion_ci(n, total, method="clopper-pearson", level=level)
    rate_low, rate_high = poisson_rate_ci(n, table["person_years"].to_numpy(), level=level)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = n / table["person_years"].to_numpy()
    table["pct"] = percent(n, total)
    table["low"], table["high"] = 100 * low, 100 * high
    table["upper_one_sided"] = 100 * upper_bound_one_sided(n, total, level=level)
    scale = PER_PERSON_YEARS
    years = table["person_years"].to_numpy()
    table["rate"] = np.where(years > 0, scale * rate, np.nan)
    table["rate_low"], table["rate_high"] = scale * rate_low, scale * rate_high
    table = table.loc[
        :,
        [
            "section", "key", "item", "n", "total", "pct", "low", "high", "upper_one_sided",
            "person_years", "rate", "rate_low", "rate_high",
        ],
    ]  # fmt: skip

    values: dict[str, Number] = {
        "maternal.total": len(women),
        "pregnancy.total": len(pregnancies),
        "infant.total": int(table.loc[table["section"].eq("infant"), "total"].iloc[0]),
        "maternal.woman_years": extra["woman_years"],
        "infant.child_years": extra["child_years"],
    }
    for rec in table.itertuples(index=False):
        prefix = f"{rec.section}.{rec.key}"
        values |= {
            f"{prefix}.n": int(rec.n),
            f"{prefix}.total": int(rec.total),
            f"{prefix}.pct": float(rec.pct),
            f"{prefix}.low": float(rec.low),
            f"{prefix}.high": float(rec.high),
            f"{prefix}.upper": float(rec.upper_one_sided),
        }
        if rec.section != "pregnancy":
            values |= {
                f"{prefix}.rate": float(rec.rate),
                f"{prefix}.rate_low": float(rec.rate_low),
                f"{prefix}.rate_high": float(rec.rate_high),
            }
    return Result(
        "safety",
        "",
        "Maternal, pregnancy and infant conditions with exact confidence intervals, zero-event "
        "upper bounds and incidence per 100 person-years",
        table,
        values,
        _notes(level, extra),
    )
