"""The cohort as the two specialists' review left it: confirmed events only.

:func:`adjudicated_workbook` applies each event's final verdict
(:func:`follicle.workbook.events.review_status`) to the workbook's tables:

* **confirmed** events stay as recorded; **reclassified** ones stay with the corrected value
  (a condition's ``condition``, a pregnancy's ``outcome``);
* **rejected** events are left out, and so is every event **not yet final** (to review,
  one judgment, disputed): the analysis counts confirmed events only, and says how many
  were left out awaiting review;
* what hangs on a left-out event goes with it: a pregnancy's infants and their conditions,
  an infant's conditions; so do the infants of a pregnancy whose final outcome is no longer
  a live birth;
* a death not confirmed leaves the woman's contacts with vital status unknown (empty), not
  ``alive``: nobody confirmed either.

Women, injections, contacts and IVF cycles are not events: they are never left out. All
of this is joins and masks over whole tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from follicle.workbook.events import FINAL, condition_keys, reported_events, review_status
from follicle.workbook.frames import Workbook

#: Verdicts under which an event counts in the adjudicated analysis.
COUNTED = ("confirm", "reclassify")


@dataclass(frozen=True)
class Adjudicated:
    """The adjudicated workbook, and every event's review status (before applying it).

    ``awaiting`` events had no final verdict and were left out; ``rejected`` events were
    judged not to be events.
    """

    workbook: Workbook
    status: pd.DataFrame

    @property
    def awaiting(self) -> int:
        """Events left out because their review is not final."""
        return int((~self.status["status"].isin(FINAL)).sum())

    @property
    def rejected(self) -> int:
        """Events left out because they were rejected."""
        return int((self.status["final_verdict"] == "reject").sum())

    @property
    def reclassified(self) -> int:
        """Events counted with a corrected value."""
        return int((self.status["final_verdict"] == "reclassify").sum())

    @property
    def note(self) -> str:
        """The sentence a report states about the adjudicated analysis."""
        return (
            "Adjudicated analysis: confirmed events only, with the reviewers' reclassified "
            f"values ({self.reclassified} reclassified); {self.rejected} rejected event(s) and "
            f"{self.awaiting} event(s) awaiting review were left out."
        )


def _final(status: pd.DataFrame, kind: str, keys: pd.Series) -> tuple[pd.Series, pd.Series]:
    """For rows whose event keys are ``keys``: whether each counts, and its final value."""
    part = status[status["event_type"] == kind].set_index("event_key")
    verdict = keys.map(part["final_verdict"])
    value = keys.map(part["final_value"])
    return verdict.isin(COUNTED).to_numpy(copy=True), value


def adjudicated_workbook(workbook: Workbook, judgments: pd.DataFrame) -> Adjudicated:
    """``workbook`` with the review's final verdicts applied (see the module docstring).

    Parameters
    ----------
    workbook
        The cohort as recorded.
    judgments
        The ``judgments`` table (registry or workbook); judgments of events not in the
        workbook, or of an earlier recorded value, are ignored.
    """
    status = review_status(reported_events(workbook), judgments)
    frames = {name: workbook[name].copy() for name in workbook}

    conditions = frames["conditions"]
    keep, value = _final(status, "condition", condition_keys(conditions, "participant_id"))
    conditions = conditions[keep].copy()
    conditions["condition"] = value[keep].astype(conditions["condition"].dtype)
    frames["conditions"] = conditions

    pregnancies = frames["pregnancies"]
    keep, value = _final(status, "pregnancy", pregnancies["pregnancy_id"].astype(object))
    pregnancies = pregnancies[keep].copy()
    pregnancies["outcome"] = value[keep].astype(pregnancies["outcome"].dtype)
    frames["pregnancies"] = pregnancies

    infants = frames["infants"]
    keep, _ = _final(status, "infant", infants["infant_id"].astype(object))
    live = pregnancies.loc[
        (pregnancies["outcome"].astype(object) == "live_birth").to_numpy(dtype=bool), "pregnancy_id"
    ]
    keep &= infants["pregnancy_id"].isin(live).to_numpy()
    frames["infants"] = infants[keep]

    infant_conditions = frames["infant_conditions"]
    keep, value = _final(status, "infant_condition", condition_keys(infant_conditions, "infant_id"))
    keep &= infant_conditions["infant_id"].isin(frames["infants"]["infant_id"]).to_numpy()
    infant_conditions = infant_conditions[keep].copy()
    infant_conditions["condition"] = value[keep].astype(infant_conditions["condition"].dtype)
    frames["infant_conditions"] = infant_conditions

    contacts = frames["contacts"].copy()
    confirmed, _ = _final(status, "death", contacts["participant_id"].astype(object))
    deceased = contacts["vital_status"].astype(object) == "deceased"
    unconfirmed = deceased.to_numpy(dtype=bool) & ~confirmed
    contacts.loc[unconfirmed, "vital_status"] = pd.NA
    frames["contacts"] = contacts

    adjusted = Workbook.from_frames(
        {name: frame.reset_index(drop=True) for name, frame in frames.items()},
        source=workbook.source,
        checksums=workbook.checksums,
    )
    return Adjudicated(adjusted, status)
