"""Table 3 and the baby outcomes: complications and live births, as the paper counts them.

Maternal conditions are counted in **women** (N = treated women); fetal and neonatal
outcomes in **pregnancies** (N = pregnancies after the first injection). The paper's
live-birth rates count **infants**, so a twin birth counts twice; they are reproduced as
published (``docs/audit.md``, inconsistency 7) — the ICMART delivery
rates are Part 2's business.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from follicle.analysis.frame import Coded, codes_of
from follicle.analysis.result import Number, Result
from follicle.analysis.stats.proportions import Proportion, percent
from follicle.workbook.keys import isin, lookup
from follicle.workbook.schema import MATERNAL_CONDITIONS

#: Days after birth within which an infant's death is a "death in the first year".
FIRST_YEAR_DAYS = 365
#: Maternal conditions pooled into the paper's "Autoimmune diseases" row.
AUTOIMMUNE = ("systemic_lupus_erythematosus", "rheumatoid_arthritis", "autoimmune_other")

#: Fetal and neonatal rows: key, label, and the infant conditions each counts.
FETAL_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("death_first_year", "Death in the first year", ()),
    ("leukemia", "Leukemia", ("leukemia",)),
    ("autism", "Autism spectrum disorder", ("autism_spectrum",)),
    (
        "childhood_cancer",
        "Childhood cancer (lymphoma, other)",
        ("lymphoma", "childhood_cancer_other"),
    ),
    ("thyroid_disorder", "Thyroid disorder", ("thyroid_disorder",)),
    ("congenital_anomaly", "Congenital anomalies", ("congenital_anomaly",)),
    ("other", "Other", ("other",)),
)
#: Every infant condition of the vocabulary has its row (a test holds the two together).
COVERED_INFANT_CONDITIONS = frozenset(c for _, _, conds in FETAL_ROWS for c in conds)


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _women_with(frame: pd.DataFrame, key: str) -> pd.Series:
    """For each value of ``key``: how many distinct women have a row with it."""
    return frame.drop_duplicates(["participant_id", key]).groupby(key).size()


def _maternal(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    conditions: pd.DataFrame,
    coded: Coded | None = None,
) -> list:
    kept = conditions[["participant_id", "condition"]].notna().all(axis=1).to_numpy()
    cond = conditions.loc[kept]  # dropna(subset=["participant_id", "condition"])
    when = cond["diagnosis_date"]
    codes = codes_of(coded, women, conditions, "conditions")
    treated = None
    if coded is None or codes is None:
        first = women.set_index("participant_id")["first_injection"]
        started = lookup(cond["participant_id"], first)
    else:
        # By the codes of one coding of the IDs: no million text IDs hashed again.
        mine = codes[kept]
        nat = np.datetime64("NaT", "ns")
        firsts = coded.per_woman(women["first_injection"].astype("datetime64[ns]"), nat)
        started = pd.Series(firsts[mine], index=cond.index)
        treated = coded.treated()[mine]
    if treated is None:
        treated = isin(cond["participant_id"], women["participant_id"]).to_numpy()
    # Treated women's conditions on or after the first injection (or undated): every row
    # of the table counts from this one frame, the pooled autoimmune row included (a
    # control's condition, with no injection to date it by, is no treated woman's).
    after = (when.isna() | started.isna() | (when >= started)).to_numpy()
    cond = cond.loc[after & treated]
    counts = _women_with(cond, "condition").reindex(list(MATERNAL_CONDITIONS), fill_value=0)
    autoimmune = cond.loc[cond["condition"].isin(AUTOIMMUNE), "participant_id"].nunique()
    ectopic = pregnancies.loc[pregnancies["outcome"].eq("ectopic").fillna(False), "participant_id"]
    total = len(women)
    rows = [(k, _label(k), int(n), total) for k, n in counts.items()]
    rows.append(("autoimmune_any", "Autoimmune disease (any)", int(autoimmune), total))
    rows.append(("ectopic_pregnancy", "Ectopic pregnancy", int(ectopic.nunique()), total))
    return rows


def _fetal(
    pregnancies: pd.DataFrame, infants: pd.DataFrame, infant_conditions: pd.DataFrame
) -> list:
    total = len(pregnancies)
    outcome = pregnancies["outcome"]
    rows = [
        (
            "miscarriage",
            "Miscarriage (\u201cabortion\u201d)",
            int(outcome.eq("miscarriage").sum()),
            total,
            0,
        ),
        ("stillbirth", "Stillbirth", int(outcome.eq("stillbirth").sum()), total, 0),
    ]
    kids = infants.loc[isin(infants["pregnancy_id"], pregnancies["pregnancy_id"])]
    lived = (kids["death_date"] - kids["birth_date"]).dt.days
    died = kids.loc[lived.le(FIRST_YEAR_DAYS).fillna(False)]
    conds = infant_conditions.merge(kids[["infant_id", "pregnancy_id"]], on="infant_id")
    for key, label, wanted in FETAL_ROWS:
        hit = died if key == "death_first_year" else conds.loc[conds["condition"].isin(wanted)]
        rows.append(
            (key, label, int(hit["pregnancy_id"].nunique()), total, int(hit["infant_id"].nunique()))
        )
    return rows


def table3(
    women: pd.DataFrame,
    pregnancies: pd.DataFrame,
    *,
    conditions: pd.DataFrame,
    infants: pd.DataFrame,
    infant_conditions: pd.DataFrame,
    coded: Coded | None = None,
) -> Result:
    """Table 3: maternal, fetal and neonatal complications after the injection.

    Maternal (N = treated women): women with each condition of
    :data:`~follicle.workbook.schema.MATERNAL_CONDITIONS` diagnosed on or after the first
    injection (every entry, zeros shown), any autoimmune disease, and women with an ectopic
    pregnancy (from pregnancy outcomes). Fetal/neonatal (N = pregnancies): miscarriage (the
    paper's "abortion"), stillbirth, death in the first year (an infant's ``death_date`` at
    most 365 days after birth), leukemia, autism spectrum disorder, childhood cancer
    (lymphoma and other childhood cancer), thyroid disorder, congenital anomalies and other
    infant conditions — each counted as pregnancies with at least one affected infant, the
    affected infants beside them. R: ``table``, ``100 * n / N``. ``coded``: the women
    as codes (:class:`~follicle.analysis.frame.Coded`), when the caller has them.
    """
    maternal = pd.DataFrame(
        _maternal(women, pregnancies, conditions, coded), columns=["key", "item", "n", "total"]
    ).assign(section="maternal", infants=pd.NA)
    fetal = pd.DataFrame(
        _fetal(pregnancies, infants, infant_conditions),
        columns=["key", "item", "n", "total", "infants"],
    ).assign(section="fetal")
    table = pd.concat([maternal, fetal], ignore_index=True)
    table["pct"] = percent(table["n"], table["total"])
    table = table.loc[:, ["section", "key", "item", "n", "total", "pct", "infants"]]
    values: dict[str, Number] = {"maternal.total": len(women), "fetal.total": len(pregnancies)}
    for rec in table.itertuples(index=False):
        values |= Proportion(int(rec.n), int(rec.total)).values(f"{rec.section}.{rec.key}")
        if rec.section == "fetal":
            values[f"fetal.{rec.key}.infants"] = int(rec.infants)
    return Result(
        "table3",
        "",
        "Maternal, fetal and neonatal complications after the injection",
        table,
        values,
        (
            "Maternal conditions: women with the condition diagnosed on or after the first "
            "injection; N = treated women. Ectopic pregnancy from pregnancy outcomes.",
            "Fetal/neonatal: pregnancies with the outcome or with an affected infant; "
            "N = pregnancies. Death in the first year: death at most 365 days after birth.",
        ),
    )


def baby_outcomes(women: pd.DataFrame, pregnancies: pd.DataFrame) -> Result:
    """Baby outcomes and the paper's live-birth rates, as published.

    * ``live_birth_rate_per_treatment_cycle`` = infants / women (the paper's "per treatment
      cycle" is per woman);
    * ``live_birth_rate_per_pregnancy`` = infants / pregnancies;
    * ``ivf_live_birth_rate`` = infants from IVF pregnancies / IVF-treated women.

    All three count **infants**: a twin birth counts twice, so they can exceed the share of
    women (or pregnancies) with a live birth. Percentages, 0–100 for singletons. The table's
    "Twin (multiple) pregnancies" row is ``multiple_births``: live births with two or more
    infants.
    """
    live = pregnancies["live_birth"].fillna(False)
    infants = int(pregnancies["infants"].sum())
    ivf = pregnancies["mode"].eq("ivf").fillna(False)
    ivf_infants = int(pregnancies.loc[ivf, "infants"].sum())
    n_women, n_preg = len(women), len(pregnancies)
    ivf_treated = int(women["ivf_treated"].fillna(False).sum())
    outcome_counts = pregnancies["outcome"].value_counts()
    values: dict[str, Number] = {
        "women": n_women,
        "pregnancies": n_preg,
        "live_birth_pregnancies": int(live.sum()),
        "miscarriages": int(outcome_counts.get("miscarriage", 0)),
        "infants": infants,
        "multiple_births": int((live & pregnancies["infants"].ge(2)).sum()),
        "ivf_treated": ivf_treated,
        "ivf_live_birth_pregnancies": int((live & ivf).sum()),
    }
    values |= Proportion(infants, n_women).values("live_birth_rate_per_treatment_cycle")
    values |= Proportion(infants, n_preg).values("live_birth_rate_per_pregnancy")
    values |= Proportion(ivf_infants, ivf_treated).values("ivf_live_birth_rate")
    table = pd.DataFrame(
        [
            {"item": "Pregnancies", "n": n_preg},
            {"item": "Pregnancies ending in live birth", "n": values["live_birth_pregnancies"]},
            {"item": "Twin (multiple) pregnancies", "n": values["multiple_births"]},
            {"item": "Miscarriages", "n": values["miscarriages"]},
            {"item": "Infants born alive", "n": infants},
            {"item": "Live birth rate per treatment cycle (infants / women)", "n": infants}
            | {"total": n_women, "pct": values["live_birth_rate_per_treatment_cycle.pct"]},
            {"item": "Live birth rate per pregnancy (infants / pregnancies)", "n": infants}
            | {"total": n_preg, "pct": values["live_birth_rate_per_pregnancy.pct"]},
            {"item": "IVF live birth rate (infants / IVF-treated women)", "n": ivf_infants}
            | {"total": ivf_treated, "pct": values["ivf_live_birth_rate.pct"]},
        ],
        columns=["item", "n", "total", "pct"],
    )
    return Result(
        "baby_outcomes",
        "",
        "Pregnancies, live births and the published live-birth rates",
        table,
        values,
        (
            "As published, the live-birth rates count infants, not deliveries: a twin birth "
            "counts twice. 'Per treatment cycle' is in fact per woman (infants / women).",
            "Infants: rows of the infants table per live-birth pregnancy, or its number of "
            "fetuses when none is recorded. Twin (multiple) pregnancies: live births with two "
            "or more infants.",
        ),
    )
