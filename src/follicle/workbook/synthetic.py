"""Synthetic cohorts of any size, valid by construction, for benchmarks and tests.

:func:`synthetic_workbook` draws a cohort shaped like the seed study — one or two
injections, scheduled contacts at 3, 6 and 12 months and a final telephone interview
2.5–6 years after the last injection, spontaneous and IVF pregnancies, twins, infants —
with numpy alone (no loop over women), so that a million-woman workbook takes seconds.
It is random data, not patient data, and it satisfies every rule of the format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from follicle.workbook.schema import TABLES

#: Final interviews are placed on or before this day, so the cohort is never "in the future".
LAST_INTERVIEW = np.datetime64("2025-06-30")


def synthetic_workbook(
    n_women: int, *, seed: int = 0, sites: int = 5, pregnancy_rate: float = 0.35
) -> dict[str, pd.DataFrame]:
    """Draw a valid cohort of ``n_women`` as eight text frames (the CSVs' contents).

    ``pregnancy_rate`` is the chance that a woman has at least one pregnancy.
    """
    rng = np.random.default_rng(seed)
    n = n_women
    idx = np.arange(n)
    pid = np.char.add("W", np.char.zfill(idx.astype(str), 7))

    first = np.datetime64("2018-08-01") + rng.integers(0, 1150, n).astype("timedelta64[D]")
    second = rng.random(n) < 1 / 3
    gap = rng.integers(90, 300, n).astype("timedelta64[D]")
    last = np.where(second, first + gap, first)
    age = rng.integers(24, 46, n)
    birth = (
        first
        - (age * 365.25).astype("timedelta64[D]")
        - rng.integers(1, 360, n).astype("timedelta64[D]")
    )
    consent = first - rng.integers(1, 30, n).astype("timedelta64[D]")
    followup_days = rng.integers(913, 2191, n)  # 2.5 to 6 years after the last injection
    end = np.minimum(last + followup_days.astype("timedelta64[D]"), LAST_INTERVIEW)
    menses0 = rng.choice(["regular", "irregular", "amenorrhea"], n, p=[0.85, 0.13, 0.02])
    menses1 = rng.choice(["regular", "irregular", "menopause"], n, p=[0.8, 0.15, 0.05])

    participants = pd.DataFrame(
        {
            "participant_id": pid,
            "site": np.char.add("Site ", (idx % sites + 1).astype(str)),
            "arm": "MenSC",
            "birth_date": birth,
            "consent_date": consent,
            "menses_baseline": menses0,
            "amh_ng_ml": np.round(rng.gamma(2.0, 0.35, n), 2),
            "afc": rng.integers(0, 9, n),
            "fsh_iu_l": np.round(rng.normal(11, 3, n).clip(2), 1),
            "prior_ivf_cycles": rng.integers(1, 5, n),
            "prior_max_oocytes": rng.integers(0, 6, n),
            "prior_cycle_cancelled": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
        }
    )

    injections = pd.DataFrame(
        {
            "participant_id": np.concatenate([pid, pid[second]]),
            "injection_date": np.concatenate([first, last[second]]),
            "product": "MenSC",
            "dose_million_cells": 10,
            "ovary": "both",
            "route": "transvaginal",
        }
    )

    visits = []
    for milestone, days in (("3m", 91), ("6m", 182), ("12m", 365)):
        when = first + np.timedelta64(days, "D")
        keep = when < end
        visits.append(
            pd.DataFrame(
                {
                    "participant_id": pid[keep],
                    "contact_date": when[keep],
                    "mode": "clinic",
                    "milestone": milestone,
                    "menses": menses0[keep],
                    "checklist_complete": "no",
                }
            )
        )
    visits.append(
        pd.DataFrame(
            {
                "participant_id": pid,
                "contact_date": end,
                "mode": "phone",
                "milestone": "final",
                "menses": menses1,
                "checklist_complete": "yes",
                "vital_status": "alive",
            }
        )
    )
    contacts = pd.concat(visits, ignore_index=True)

    # Pregnancies: the first one soon after an injection, a second one for some women.
    pregnant = (rng.random(n) < pregnancy_rate) & ((end - first).astype(int) > 700)
    women = idx[pregnant]
    k = len(women)
    ivf = rng.random(k) < 0.35
    conceive = first[women] + rng.integers(20, 400, k).astype("timedelta64[D]")
    miscarriage = rng.random(k) < 0.28
    twins = ivf & ~miscarriage & (rng.random(k) < 0.08)
    outcome_days = np.where(miscarriage, rng.integers(40, 120, k), rng.integers(245, 285, k))
    outcome = conceive + outcome_days.astype("timedelta64[D]")
    still_open = outcome > end[women]
    preg = pd.DataFrame(
        {
            "pregnancy_id": np.char.add("G", np.char.zfill(np.arange(k).astype(str), 7)),
            "participant_id": pid[women],
            "conception_date": conceive,
            "mode": np.where(ivf, "ivf", "spontaneous"),
            "fetuses": np.where(twins, 2, 1),
            "outcome": np.where(
                still_open, "ongoing", np.where(miscarriage, "miscarriage", "live_birth")
            ),
            "outcome_date": np.where(still_open, np.datetime64("NaT"), outcome),
            "gestational_weeks": np.round(outcome_days / 7, 1),
        }
    )
    preg["ivf_cycle_id"] = np.where(ivf, np.char.add("C", preg["pregnancy_id"].str[1:]), "")
    preg.loc[still_open, "gestational_weeks"] = np.nan

    # Every IVF pregnancy comes from a cycle started two weeks before conception; other
    # women who were not pregnant have a cancelled or unsuccessful cycle.
    cycle_women = preg.loc[ivf]
    extra = idx[~pregnant & (rng.random(n) < 0.3)]
    extra_start = first[extra] + rng.integers(30, 200, len(extra)).astype("timedelta64[D]")
    extra_ok = extra_start <= end[extra]
    ivf_cycles = pd.concat(
        [
            pd.DataFrame(
                {
                    "cycle_id": cycle_women["ivf_cycle_id"],
                    "participant_id": cycle_women["participant_id"],
                    "start_date": cycle_women["conception_date"] - pd.Timedelta(days=14),
                    "oocytes_retrieved": rng.integers(1, 6, len(cycle_women)),
                    "embryos_transferred": 1,
                    "cancelled": "no",
                }
            ),
            pd.DataFrame(
                {
                    "cycle_id": np.char.add("X", np.char.zfill(extra[extra_ok].astype(str), 7)),
                    "participant_id": pid[extra[extra_ok]],
                    "start_date": extra_start[extra_ok],
                    "cancelled": "yes",
                }
            ),
        ],
        ignore_index=True,
    )
    # A cycle must start on or after the first injection.
    ivf_cycles["start_date"] = np.maximum(
        pd.to_datetime(ivf_cycles["start_date"]).to_numpy(),
        pd.Series(first, index=pid).reindex(ivf_cycles["participant_id"]).to_numpy(),
    )

    born = preg[preg["outcome"] == "live_birth"]
    infants = born.loc[born.index.repeat(born["fetuses"])].copy()
    infants["infant_id"] = np.char.add("B", np.char.zfill(np.arange(len(infants)).astype(str), 7))
    infants = pd.DataFrame(
        {
            "infant_id": infants["infant_id"],
            "pregnancy_id": infants["pregnancy_id"],
            "birth_date": infants["outcome_date"],
            "sex": rng.choice(["female", "male"], len(infants)),
            "birth_weight_g": rng.integers(2200, 4200, len(infants)),
            "gestational_weeks": infants["gestational_weeks"],
        }
    )

    cyst = idx[rng.random(n) < 0.01]
    conditions = pd.DataFrame(
        {
            "participant_id": pid[cyst],
            "condition": "ovarian_cyst",
            "diagnosis_date": first[cyst] + np.timedelta64(60, "D"),
            "during_pregnancy": "no",
            "resolved": "yes",
        }
    )
    conditions = conditions[conditions["diagnosis_date"].to_numpy() <= end[cyst]]
    infant_conditions = pd.DataFrame({"infant_id": [], "condition": []})

    frames = {
        "participants": participants,
        "injections": injections,
        "contacts": contacts,
        "conditions": conditions,
        "ivf_cycles": ivf_cycles,
        "pregnancies": preg,
        "infants": infants,
        "infant_conditions": infant_conditions,
    }
    return {name: _as_text(name, frame) for name, frame in frames.items()}


def _as_text(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the text a CSV holds: ISO dates, empty cells for missing values."""
    table = next(t for t in TABLES if t.name == name)
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            out[column.name] = pd.Series("", index=frame.index)
            continue
        values = frame[column.name]
        if column.dtype == "date":
            text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        else:
            text = values.astype(object).astype(str)
        out[column.name] = text.where(values.notna(), "").replace({"nan": "", "NaT": ""})
    return pd.DataFrame(out)


def write_synthetic(folder: str | Path, n_women: int, *, seed: int = 0) -> Path:
    """Write a synthetic workbook folder of ``n_women`` and return its path."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, frame in synthetic_workbook(n_women, seed=seed).items():
        frame.to_csv(target / f"{name}.csv", index=False)
    return target
