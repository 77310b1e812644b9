"""Who is compared, from when, and with which covariates: the per-woman frame of the arms.

Definitions (``docs/arms.md``):

* **Arm**: ``participants.arm`` as recorded (empty: the schema's default, MenSC). Every
  enrolled woman counts, treated or not.
* **Time zero**: the first injection for a woman who has one; the consent date for a woman
  of an arm where nobody has one (a control arm: ``control``, ``declined``, …). A woman
  without an injection in an arm whose other women are treated is waiting for treatment
  and is left out.
* **Event** (status 1): the first pregnancy conceived on or after time zero.
* **Competing event** (status 2): the first contact on or after time zero that reports
  menopause, when it comes before any such pregnancy (a pregnancy on the day menopause is
  reported counts as the pregnancy, as in Part 2's time to pregnancy).
* **Censoring** (status 0): the latest contact.
* **Time**: months from time zero = days / 30.4375.
* **Covariates**: age at time zero (completed years), AMH (ng/mL), AFC, regular menses at
  baseline (1/0), prior IVF cycles. The adjusted models use the women who have all five.

A woman is left out (``excluded`` says why) when she has no arm, is waiting for treatment,
has no time zero (no injection and no consent date) or no follow-up (no contact, or none on
or after time zero, and no event).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from follicle.analysis.frame import (
    DAYS_PER_MONTH,
    NAT,
    date_ticks,
    extreme_by_woman,
    select_labels,
)
from follicle.workbook.dates import completed_years
from follicle.workbook.frames import Workbook, with_defaults
from follicle.workbook.rules import is_control_arm
from follicle.workbook.schema import PARTICIPANTS

CENSORED, PREGNANCY, MENOPAUSE = 0, 1, 2
#: The adjustment covariates (columns of :func:`arm_times`), in model order.
COVARIATES = ("age", "amh", "afc", "menses_regular", "prior_ivf_cycles")
#: How the covariates are labelled in tables.
COVARIATE_LABELS = {
    "age": "Age at time zero (years)",
    "amh": "AMH (ng/mL)",
    "afc": "Antral follicle count",
    "menses_regular": "Regular menses at baseline",
    "prior_ivf_cycles": "Prior IVF cycles",
}
#: Binary covariates (their SMD is that of a proportion).
BINARY = ("menses_regular",)
NO_TIME_ZERO = "no injection and no consent date"
NO_FOLLOWUP = "no follow-up after time zero"
NO_ARM = "no arm recorded"
NOT_YET_TREATED = "no injection yet in a treatment arm"


def _first_on_or_after(
    woman: np.ndarray, ticks: np.ndarray, start: np.ndarray, count: int
) -> np.ndarray:
    """Each woman's earliest of ``ticks`` (rows of ``woman``) on or after her time zero
    (``start``, per woman; none without one)."""
    zero = np.append(start, NAT)[woman]
    after = (woman >= 0) & (ticks != NAT) & (zero != NAT) & (ticks >= zero)
    return extreme_by_woman(woman, np.where(after, ticks, NAT), count, "min")


def arm_times(workbook: Workbook) -> pd.DataFrame:
    """One row per enrolled woman: arm, time zero, time and status, covariates.

    Returns
    -------
    DataFrame
        ``participant_id``, ``arm`` (string), ``treated`` (boolean: has an injection),
        ``time_zero`` (date), ``months`` (float, months from time zero to the event or
        censoring), ``status`` (Int64: 0 censored, 1 pregnancy, 2 menopause first),
        the :data:`COVARIATES` (float; ``age`` in completed years, ``amh`` in ng/mL,
        ``menses_regular`` 1/0) and ``excluded`` (string: why she is left out, ``<NA>``
        when analysed). Sorted by ``participant_id``.
    """
    injections, contacts = workbook["injections"], workbook["contacts"]
    pregnancies = workbook["pregnancies"]
    # Each table's IDs hashed once, together (validation's coding, when the workbook
    # carries it); every per-woman date a numpy reduction over the codes (a group-by,
    # merge or reindex on a million text IDs hashes them again).
    women = workbook.coded_women("participants", "injections", "pregnancies", "contacts")
    codes, count = women.codes, women.count
    # Each woman's first participants row (``dropna`` then ``drop_duplicates`` on the IDs).
    first_rows = women.first_rows("participants")
    mine = np.zeros(len(codes["participants"]), dtype=bool)
    mine[first_rows[first_rows >= 0]] = True
    # Numbered rows, the IDs a column: an index of a million text IDs would be turned into
    # Python strings for pandas' index engine.
    p = with_defaults(PARTICIPANTS, workbook["participants"][mine]).reset_index(drop=True)
    own = codes["participants"][mine]

    def hers(per_woman: np.ndarray) -> pd.Series:
        return pd.Series(per_woman[own], index=p.index, dtype="datetime64[ns]")

    injected = date_ticks(injections["injection_date"])
    first = hers(extreme_by_woman(codes["injections"], injected, count, "min"))
    t0 = first.fillna(p["consent_date"]).astype("datetime64[ns]")
    start = np.full(count, NAT)
    start[own] = date_ticks(t0)
    conceived = date_ticks(pregnancies["conception_date"])
    conception = hers(_first_on_or_after(codes["pregnancies"], conceived, start, count))
    contacted = date_ticks(contacts["contact_date"])
    at_menopause = contacts["menses"].eq("menopause").fillna(False).to_numpy(dtype=bool)
    menopause = hers(
        _first_on_or_after(codes["contacts"], np.where(at_menopause, contacted, NAT), start, count)
    )
    last = hers(extreme_by_woman(codes["contacts"], contacted, count, "max"))

    pregnant_first = conception.notna() & ~(conception > menopause)
    followed = last.notna() & (last >= t0)
    status = np.select(
        [pregnant_first, menopause.notna(), followed], [PREGNANCY, MENOPAUSE, CENSORED], -1
    )
    when = conception.where(pregnant_first, menopause.where(menopause.notna(), last))
    days = (when - t0).dt.days.to_numpy(dtype=float, na_value=np.nan)
    arm = p["arm"].astype("string").str.strip().replace("", pd.NA)
    # A woman of a treatment arm (MenSC, PRP, …) without an injection is waiting for it,
    # not a control: following her from consent would credit the arm with untreated time.
    # A control arm (control, declined, …) is followed from consent, as validation checks.
    waiting = (first.isna() & arm.notna() & ~is_control_arm(arm)).to_numpy()
    excluded_series = select_labels(
        [arm.isna().to_numpy(), waiting, t0.isna().to_numpy(), status < 0],
        [NO_ARM, NOT_YET_TREATED, NO_TIME_ZERO, NO_FOLLOWUP],
        p.index,
    )
    menses = p["menses_baseline"].astype("string")
    frame = pd.DataFrame(
        {
            "participant_id": p["participant_id"],
            "arm": arm,
            "treated": first.notna(),
            "time_zero": t0,
            "months": days / DAYS_PER_MONTH,
            "status": pd.Series(status, index=p.index, dtype="Int64").where(excluded_series.isna()),
            "age": completed_years(p["birth_date"].astype("datetime64[ns]"), t0).astype("Float64"),
            "amh": p["amh_ng_ml"].astype("Float64"),
            "afc": p["afc"].astype("Float64"),
            "menses_regular": menses.eq("regular").astype("Float64").where(menses.notna()),
            "prior_ivf_cycles": p["prior_ivf_cycles"].astype("Float64"),
            "excluded": excluded_series,
        },
        index=p.index,
    )
    frame = frame.sort_values("participant_id", ignore_index=True)
    frame["participant_id"] = frame["participant_id"].astype("string")
    return frame
