"""The POR assessment shown while an enrolment form is filled in.

The form's baseline values go through the analysis's own classifiers
(:func:`follicle.analysis.eligibility.classify`): Bologna criteria met or not, and the
POSEIDON group. Age is in completed years at the reference date — the first injection
when one is planned or given on the form, otherwise today — because the criteria are
defined at the start of treatment.

The form is half typed while this runs, so any value may be wrong: a value that breaks
its column's rule in the workbook schema (AMH −3, 20 digits of AFC, a birth date after
the reference date, a date that is no date) is left out — the assessment is then "not
classifiable yet" rather than an error — and :attr:`Assessment.left_out` names it. The
enrolment form itself reports the value as a field error when it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from follicle.analysis.eligibility import classify
from follicle.workbook.dates import completed_years
from follicle.workbook.schema import PARTICIPANTS

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
    left_out: tuple[str, ...] = ()


def _number(text: str | None, column: str) -> pd.Series:
    """The value of numeric ``column`` typed as ``text``; missing when it is not a finite
    number within the column's bounds (its minimum and :attr:`~Column.upper_bound`)."""
    rule = PARTICIPANTS.column(column)
    value = pd.to_numeric(pd.Series([text or None], dtype="object"), errors="coerce").astype(float)
    ok = np.isfinite(value)
    if rule.minimum is not None:
        ok &= value > rule.minimum if rule.exclusive_minimum else value >= rule.minimum
    if rule.upper_bound is not None:
        ok &= value <= rule.upper_bound
    if rule.dtype == "integer":
        ok &= np.mod(value.where(ok, 0.0), 1.0) == 0
    return value.where(ok)


def _flag(text: str | None) -> pd.Series:
    spelled = {"yes": True, "no": False}.get((text or "").lower())
    return pd.Series([spelled], dtype="boolean")


def _date(text: str | None) -> pd.Series:
    """The date typed as ``text`` (YYYY-MM-DD); missing when it is not a real one."""
    return pd.to_datetime(
        pd.Series([text or None], dtype="object"), format="%Y-%m-%d", errors="coerce"
    )


#: The numeric baseline fields the classifiers read.
_NUMBERS = ("amh_ng_ml", "afc", "prior_max_oocytes", "prior_ivf_cycles")


def assess(fields: Mapping[str, str], *, today: date) -> Assessment:
    """The POR assessment of one woman from the enrolment form's text values."""
    planned = fields.get("injection_date") or ""
    reference = _date(planned) if planned else pd.Series(pd.to_datetime([today]))
    if reference.isna().all():
        reference = pd.Series(pd.to_datetime([today]))
    born = _date(fields.get("birth_date"))
    # A birth date after the reference date gives no age (the form says it is in the future).
    age = completed_years(born, reference).where(born <= reference)
    numbers = {name: _number(fields.get(name), name) for name in _NUMBERS}
    typed = {"birth_date": born.where(born <= reference), **numbers}
    left_out = tuple(
        name for name, value in typed.items() if (fields.get(name) or "") and value.isna().all()
    )
    frame = pd.DataFrame(
        {
            "age": age.astype("Float64"),
            **{name: value.astype("Float64") for name, value in numbers.items()},
            "prior_cycle_cancelled": _flag(fields.get("prior_cycle_cancelled")),
        }
    )[["age", "amh_ng_ml", "afc", "prior_max_oocytes", "prior_cycle_cancelled", "prior_ivf_cycles"]]
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
        left_out=left_out,
    )
