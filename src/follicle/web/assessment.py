"""The POR assessment shown while an enrolment form is filled in.

The form's baseline values go through the analysis's own classifiers
(:func:`follicle.analysis.eligibility.classify`): Bologna criteria met or not, and the
POSEIDON group. Age is in completed years at the reference date — the first injection
when one is planned or given on the form, otherwise today — because the criteria are
defined at the start of treatment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from follicle.analysis.eligibility import classify
from follicle.workbook.dates import completed_years

BOLOGNA_TEXT = {
    "por": "Bologna criteria met: poor ovarian responder",
    "expected_poor_responder": "Expected poor responder (no stimulated cycle yet)",
    "not_por": "Bologna criteria not met",
    "not_classifiable": "Not classifiable yet: more baseline values are needed",
}
POSEIDON_TEXT = {
    "1a": "Group 1a (< 35 y, adequate reserve, < 4 oocytes)",
    "1b": "Group 1b (< 35 y, adequate reserve, 4–9 oocytes)",
    "2a": "Group 2a (≥ 35 y, adequate reserve, < 4 oocytes)",
    "2b": "Group 2b (≥ 35 y, adequate reserve, 4–9 oocytes)",
    "3": "Group 3 (< 35 y, poor reserve)",
    "4": "Group 4 (≥ 35 y, poor reserve)",
    "not_poseidon": "Not a POSEIDON low-prognosis patient",
    "not_classifiable": "Not classifiable yet: AMH or AFC and the prior response are needed",
}


@dataclass(frozen=True)
class Assessment:
    """What the enrolment form shows: age, Bologna label and POSEIDON group, in words."""

    age: int | None
    reference: str
    bologna: str
    poseidon: str
    bologna_text: str
    poseidon_text: str
    methods: str


def _number(text: str | None) -> pd.Series:
    return pd.to_numeric(pd.Series([text or None], dtype="object"), errors="coerce")


def _flag(text: str | None) -> pd.Series:
    spelled = {"yes": True, "no": False}.get((text or "").lower())
    return pd.Series([spelled], dtype="boolean")


def _date(text: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series([text or None], dtype="object"), errors="coerce")


def assess(fields: Mapping[str, str], *, today: date) -> Assessment:
    """The POR assessment of one woman from the enrolment form's text values."""
    planned = fields.get("injection_date") or ""
    reference = _date(planned) if planned else pd.Series(pd.to_datetime([today]))
    if reference.isna().all():
        reference = pd.Series(pd.to_datetime([today]))
    age = completed_years(_date(fields.get("birth_date")), reference)
    frame = pd.DataFrame(
        {
            "age": age.astype("Float64"),
            "amh_ng_ml": _number(fields.get("amh_ng_ml")).astype("Float64"),
            "afc": _number(fields.get("afc")).astype("Float64"),
            "prior_max_oocytes": _number(fields.get("prior_max_oocytes")).astype("Float64"),
            "prior_cycle_cancelled": _flag(fields.get("prior_cycle_cancelled")),
            "prior_ivf_cycles": _number(fields.get("prior_ivf_cycles")).astype("Float64"),
        }
    )
    classified = classify(frame)
    labels = classified.iloc[0]
    age_value = age.iloc[0]
    return Assessment(
        age=None if pd.isna(age_value) else int(age_value),
        reference="the planned first injection" if planned else "today",
        bologna=str(labels["bologna"]),
        poseidon=str(labels["poseidon"]),
        bologna_text=BOLOGNA_TEXT[str(labels["bologna"])],
        poseidon_text=POSEIDON_TEXT[str(labels["poseidon"])],
        methods=str(classified.attrs.get("methods", "")),
    )
