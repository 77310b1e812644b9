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

from follicle.analysis.frame import DAYS_PER_MONTH
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


def _first_per_woman(frame: pd.DataFrame, column: str, start: pd.Series) -> pd.Series:
    """Each woman's earliest ``column`` on or after her time zero (``start``, by woman)."""
    rows = frame.dropna(subset=["participant_id", column]).loc[:, ["participant_id", column]]
    starts = pd.DataFrame(
        {"participant_id": start.index.to_numpy(), "t0": start.to_numpy()}
    ).astype({"participant_id": rows["participant_id"].dtype})
    rows = rows.merge(starts, on="participant_id")
    rows = rows.loc[rows[column] >= rows["t0"]]
    return rows.groupby("participant_id")[column].min()


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
    p = with_defaults(PARTICIPANTS, workbook["participants"].dropna(subset=["participant_id"]))
    p = p.drop_duplicates("participant_id").set_index("participant_id")
    injections = workbook["injections"].dropna(subset=["participant_id", "injection_date"])
    first = injections.groupby("participant_id")["injection_date"].min()
    first = first.reindex(p.index)
    t0 = first.fillna(p["consent_date"]).astype("datetime64[ns]")

    known = t0.dropna()
    conception = _first_per_woman(workbook["pregnancies"], "conception_date", known)
    contacts = workbook["contacts"]
    menopause = _first_per_woman(
        contacts.loc[contacts["menses"].eq("menopause").fillna(False)], "contact_date", known
    )
    last = contacts.dropna(subset=["participant_id", "contact_date"])
    last = last.groupby("participant_id")["contact_date"].max()
    conception = conception.reindex(p.index).astype("datetime64[ns]")
    menopause = menopause.reindex(p.index).astype("datetime64[ns]")
    last = last.reindex(p.index).astype("datetime64[ns]")

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
    excluded = np.select(
        [arm.isna().to_numpy(), waiting, t0.isna().to_numpy(), status < 0],
        [NO_ARM, NOT_YET_TREATED, NO_TIME_ZERO, NO_FOLLOWUP],
        "",
    )
    excluded_series = pd.Series(excluded, index=p.index, dtype="string").replace("", pd.NA)
    menses = p["menses_baseline"].astype("string")
    frame = pd.DataFrame(
        {
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
    frame.index.name = "participant_id"
    frame = frame.reset_index().sort_values("participant_id", ignore_index=True)
    frame["participant_id"] = frame["participant_id"].astype("string")
    return frame
