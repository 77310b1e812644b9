"""Cohorts the analysis tests build: a deterministic generated cohort unlike the seed.

:func:`generated_frames` draws, with a fixed seed and numpy alone (no loop over women), a
valid workbook of 300 treated women plus 15 enrolled but untreated ones, with rates and
shapes the seed cohort lacks: baseline amenorrhea, three injections, IUI pregnancies,
ectopic pregnancies and stillbirths, twins, live births whose infants are not recorded,
IVF pregnancies with no cycle row, infant deaths within and after the first year, infant and
maternal conditions (untreated women's too), and women whose follow-up menses is never
recorded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from follicle.workbook.frames import Workbook
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS, TABLES
from follicle.workbook.validate import load_workbook

SEED = 20240611
N_TREATED = 300
N_UNTREATED = 15
SLOTS = 3  # at most three pregnancies per woman
#: Maternal conditions of the first untreated women, one each.
UNTREATED_CONDITIONS = (
    "systemic_lupus_erythematosus",
    "rheumatoid_arthritis",
    "autoimmune_other",
    "ovarian_cyst",
)

_DURATION = {  # days from conception to outcome: (low, high)
    "live_birth": (250, 285),
    "miscarriage": (35, 90),
    "ectopic": (40, 60),
    "stillbirth": (180, 260),
    "termination": (50, 90),
}


def _days(values: np.ndarray | int) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def _iso(values: np.ndarray) -> np.ndarray:
    out = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(values), "", out)


def generated_frames(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The generated cohort as eight text frames (the contents of its CSV files)."""
    rng = np.random.default_rng(seed)
    n, total = N_TREATED, N_TREATED + N_UNTREATED
    pid = np.char.add("X", np.char.zfill(np.arange(1, total + 1).astype(str), 4))
    t_pid = pid[:n]

    first = np.datetime64("2014-01-01") + _days(rng.integers(0, 1400, total))
    k_inj = rng.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15])
    gaps = rng.integers(60, 300, (n, 2))
    inj_dates = first[:n, None] + _days(np.concatenate([np.zeros((n, 1)), gaps.cumsum(1)], 1))
    has_inj = np.arange(3)[None, :] < k_inj[:, None]
    last_inj = inj_dates[np.arange(n), k_inj - 1]

    age = rng.integers(21, 48, total)
    birth = first - _days(age * 365.25) - _days(rng.integers(5, 355, total))
    consent = first - _days(rng.integers(1, 40, total))
    menses0 = rng.choice(["regular", "irregular", "amenorrhea"], total, p=[0.55, 0.33, 0.12])

    # Pregnancies: younger women conceive more often; up to three, never overlapping.
    p_preg = np.select([age[:n] < 33, age[:n] < 38], [0.6, 0.45], 0.2)
    k_preg = np.where(rng.random(n) < p_preg, rng.choice([1, 2, 3], n, p=[0.7, 0.2, 0.1]), 0)
    mode = rng.choice(["spontaneous", "ivf", "iui"], (n, SLOTS), p=[0.55, 0.4, 0.05])
    outcome = rng.choice(list(_DURATION), (n, SLOTS), p=[0.66, 0.25, 0.03, 0.03, 0.03])
    low = np.vectorize(lambda o: _DURATION[o][0])(outcome)
    high = np.vectorize(lambda o: _DURATION[o][1])(outcome)
    duration = rng.integers(low, high + 1)
    wait = np.concatenate([rng.integers(20, 500, (n, 1)), rng.integers(30, 250, (n, 2))], 1)
    start = np.zeros((n, SLOTS), dtype="int64")
    start[:, 0] = wait[:, 0]
    for s in range(1, SLOTS):  # three fixed slots, each a whole-column operation
        start[:, s] = start[:, s - 1] + duration[:, s - 1] + wait[:, s]
    conception = first[:n, None] + _days(start)
    outcome_date = conception + _days(duration)
    real = np.arange(SLOTS)[None, :] < k_preg[:, None]
    last_outcome = np.where(real, outcome_date, first[:n, None]).max(axis=1)

    end = np.maximum(last_inj, last_outcome) + _days(rng.integers(200, 900, n))
    menses1 = rng.choice(
        ["regular", "irregular", "amenorrhea", "menopause", ""], n, p=[0.5, 0.3, 0.05, 0.1, 0.05]
    )

    participants = pd.DataFrame(
        {
            "participant_id": pid,
            "site": np.where(np.arange(total) % 2 == 0, "East", "West"),
            "arm": "MenSC",
            "birth_date": _iso(birth),
            "consent_date": _iso(consent),
            "menses_baseline": menses0,
        }
    )
    injections = pd.DataFrame(
        {
            "participant_id": np.repeat(t_pid, 3)[has_inj.ravel()],
            "injection_date": _iso(inj_dates.ravel()[has_inj.ravel()]),
        }
    )

    # Contacts: a 3-month clinic visit, a records review (reporting menopause early for half
    # of the women who reach it) and the final call.
    early_menopause = (menses1 == "menopause") & (rng.random(n) < 0.5)
    review = first[:n] + _days((end - first[:n]).astype(int) // 2)
    contacts = pd.concat(
        [
            pd.DataFrame(
                {
                    "participant_id": t_pid,
                    "contact_date": _iso(first[:n] + _days(np.full(n, 90))),
                    "mode": "clinic",
                    "milestone": "3m",
                    "menses": np.where(rng.random(n) < 0.8, menses0[:n], ""),
                }
            ),
            pd.DataFrame(
                {
                    "participant_id": t_pid,
                    "contact_date": _iso(review),
                    "mode": "records",
                    "milestone": "annual",
                    "menses": np.where(early_menopause, "menopause", ""),
                }
            ),
            pd.DataFrame(
                {
                    "participant_id": t_pid,
                    "contact_date": _iso(end),
                    "mode": "phone",
                    "milestone": "final",
                    "menses": np.where(early_menopause, "menopause", menses1),
                    "checklist_complete": "yes",
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["participant_id", "contact_date"], ignore_index=True)

    # Pregnancies, flattened; twins among live births; fetuses often left empty (= 1).
    flat = real.ravel()
    preg_pid = np.repeat(t_pid, SLOTS)[flat]
    p_mode, p_outcome = mode.ravel()[flat], outcome.ravel()[flat]
    p_conc, p_out = conception.ravel()[flat], outcome_date.ravel()[flat]
    m = flat.sum()
    preg_id = np.char.add("Q", np.char.zfill(np.arange(1, m + 1).astype(str), 4))
    twins = (p_outcome == "live_birth") & (rng.random(m) < 0.08)
    fetuses = np.where(twins, "2", np.where(rng.random(m) < 0.5, "1", ""))

    # IVF: a cycle 17 days before each IVF conception (named 70 % of the time; 10 % of IVF
    # pregnancies have no cycle row at all), plus failed cycles for other women.
    ivf = p_mode == "ivf"
    with_row = ivf & (rng.random(m) >= 0.1)
    named = with_row & (rng.random(m) < 0.7)
    extra = rng.random(n) < 0.3
    cycle_pid = np.concatenate([preg_pid[with_row], t_pid[extra]])
    cycle_start = np.concatenate(
        [p_conc[with_row] - _days(np.full(with_row.sum(), 17)), first[:n][extra] + _days(45)]
    )
    cycle_id = np.char.add("K", np.char.zfill(np.arange(1, cycle_pid.size + 1).astype(str), 4))
    preg_cycle = np.full(m, "", dtype=object)
    preg_cycle[with_row] = cycle_id[: with_row.sum()]
    preg_cycle[~named] = ""
    ivf_cycles = pd.DataFrame(
        {
            "cycle_id": cycle_id,
            "participant_id": cycle_pid,
            "start_date": _iso(cycle_start),
            "oocytes_retrieved": rng.integers(0, 6, cycle_pid.size).astype(str),
            "cancelled": "no",
        }
    )
    pregnancies = pd.DataFrame(
        {
            "pregnancy_id": preg_id,
            "participant_id": preg_pid,
            "conception_date": _iso(p_conc),
            "mode": p_mode,
            "ivf_cycle_id": preg_cycle.astype(str),
            "fetuses": fetuses,
            "outcome": p_outcome,
            "outcome_date": _iso(p_out),
        }
    )

    # Infants: one per fetus of each live birth, except 5 % of live births left unrecorded.
    recorded = (p_outcome == "live_birth") & (rng.random(m) >= 0.05)
    per_preg = np.where(recorded, np.where(twins, 2, 1), 0)
    inf_preg = np.repeat(preg_id, per_preg)
    inf_birth = np.repeat(p_out, per_preg)
    k = inf_preg.size
    u = rng.random(k)
    death = np.where(u < 0.04, inf_birth + _days(rng.integers(0, 366, k)), np.datetime64("NaT"))
    death = np.where(u > 0.98, inf_birth + _days(rng.integers(366, 500, k)), death)
    inf_id = np.char.add("B", np.char.zfill(np.arange(1, k + 1).astype(str), 4))
    infants = pd.DataFrame(
        {
            "infant_id": inf_id,
            "pregnancy_id": inf_preg,
            "birth_date": _iso(inf_birth),
            "death_date": _iso(death.astype("datetime64[D]")),
        }
    )
    sick = rng.random(k) < 0.08
    infant_conditions = pd.DataFrame(
        {
            "infant_id": inf_id[sick],
            "condition": rng.choice(list(INFANT_CONDITIONS), sick.sum()),
        }
    )
    ill = rng.random(n) < 0.1
    # And conditions of four untreated women (no draw: the rest of the cohort is as it was),
    # the three autoimmune ones among them: no treated woman's, so Table 3 leaves them out.
    untreated_ill = np.array(list(UNTREATED_CONDITIONS))
    conditions = pd.DataFrame(
        {
            "participant_id": np.concatenate([t_pid[ill], pid[n : n + len(untreated_ill)]]),
            "condition": np.concatenate(
                [rng.choice(list(MATERNAL_CONDITIONS), ill.sum()), untreated_ill]
            ),
            # Undated: a dated event of a woman without an injection is refused (unless
            # she is a control, which no woman of this cohort is).
            "diagnosis_date": np.concatenate(
                [_iso(first[:n][ill] + _days(30)), np.full(len(untreated_ill), "")]
            ),
        }
    )
    return {
        "participants": participants,
        "injections": injections,
        "contacts": contacts,
        "conditions": conditions,
        "ivf_cycles": ivf_cycles,
        "pregnancies": pregnancies,
        "infants": infants,
        "infant_conditions": infant_conditions,
    }


def write_generated(folder: Path, seed: int = SEED) -> Path:
    """Write the generated cohort as a workbook folder of CSV files; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = generated_frames(seed)
    for table in TABLES:
        frame = frames[table.name].reindex(columns=list(table.column_names), fill_value="")
        frame.to_csv(folder / table.filename, index=False)
    return folder


def generated_workbook(folder: Path, seed: int = SEED) -> Workbook:
    """The generated cohort, written to ``folder``, read back and validated."""
    return load_workbook(write_generated(folder, seed))
