"""Who is compared and from when: the derivation of arm_times on hand-made edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from follicle.analysis.arms.data import (
    MENOPAUSE,
    NO_FOLLOWUP,
    NO_TIME_ZERO,
    NOT_YET_TREATED,
    PREGNANCY,
    arm_times,
)
from follicle.analysis.frame import DAYS_PER_MONTH
from follicle.workbook.frames import Workbook

# participant_id: (arm, consent, why she is here). Treated women are injected 2020-01-01.
WOMEN = {
    "T1": ("MenSC", "2019-12-01", "treated, pregnant: from the injection"),
    "T2": ("MenSC", "2019-12-01", "treated, pregnant before the injection only: censored"),
    "T3": ("MenSC", "2019-12-01", "waiting for an injection in a treated arm: left out"),
    "C1": ("control", "2020-03-01", "control, pregnant: from consent"),
    "C2": ("control", "2020-03-01", "control, menopause reported before a pregnancy"),
    "C3": ("control", "2020-03-01", "control, pregnant on the day menopause is reported"),
    "C4": ("control", None, "control without consent: no time zero"),
    "C5": ("control", "2020-03-01", "control, no contact, no pregnancy: no follow-up"),
    "C6": ("control", "2020-03-01", "control, menopause reported before consent: censored"),
    "X1": (None, "2020-03-01", "no arm: MenSC by default, and no injection: waiting"),
}
INJECTED = ("T1", "T2")
CONTACTS = [
    ("T1", "2021-01-01", "regular"),
    ("T2", "2021-01-01", "regular"),
    ("T3", "2021-01-01", "regular"),
    ("C1", "2021-03-01", "regular"),
    ("C2", "2020-09-01", "menopause"),
    ("C2", "2021-03-01", "menopause"),
    ("C3", "2020-09-01", "menopause"),
    ("C4", "2021-03-01", "regular"),
    ("C6", "2020-02-01", "menopause"),
    ("C6", "2021-03-01", "regular"),
    ("X1", "2021-03-01", "regular"),
]
PREGNANCIES = [
    ("T1", "2020-04-01"),
    ("T2", "2019-10-01"),
    ("C1", "2020-05-01"),
    ("C2", "2020-12-01"),
    ("C3", "2020-09-01"),
]


@pytest.fixture(scope="module")
def times() -> pd.DataFrame:
    participants = pd.DataFrame(
        {
            "participant_id": list(WOMEN),
            "arm": [a for a, _, _ in WOMEN.values()],
            "consent_date": [c for _, c, _ in WOMEN.values()],
            "birth_date": "1985-06-15",
            "menses_baseline": "regular",
            "amh_ng_ml": "0.8",
            "afc": "4",
            "prior_ivf_cycles": "2",
        }
    )
    frames = {
        "participants": participants,
        "injections": pd.DataFrame(
            {"participant_id": list(INJECTED), "injection_date": "2020-01-01"}
        ),
        "contacts": pd.DataFrame(CONTACTS, columns=["participant_id", "contact_date", "menses"]),
        "pregnancies": pd.DataFrame(
            [(f"G{i}", *row) for i, row in enumerate(PREGNANCIES)],
            columns=["pregnancy_id", "participant_id", "conception_date"],
        ),
    }
    return arm_times(Workbook.from_frames(frames)).set_index("participant_id")


def _months(start: str, end: str) -> float:
    return (pd.Timestamp(end) - pd.Timestamp(start)).days / DAYS_PER_MONTH


def test_a_treated_woman_is_timed_from_her_first_injection(times: pd.DataFrame) -> None:
    row = times.loc["T1"]
    assert row["time_zero"] == pd.Timestamp("2020-01-01")
    assert row["status"] == PREGNANCY
    assert row["months"] == pytest.approx(_months("2020-01-01", "2020-04-01"), rel=1e-12)
    assert row["age"] == 34


def test_a_pregnancy_before_time_zero_is_not_her_event(times: pd.DataFrame) -> None:
    row = times.loc["T2"]
    assert row["status"] == 0
    assert row["months"] == pytest.approx(_months("2020-01-01", "2021-01-01"), rel=1e-12)


def test_a_control_is_timed_from_her_consent(times: pd.DataFrame) -> None:
    row = times.loc["C1"]
    assert row["time_zero"] == pd.Timestamp("2020-03-01")
    assert not row["treated"]
    assert row["status"] == PREGNANCY
    assert row["months"] == pytest.approx(_months("2020-03-01", "2020-05-01"), rel=1e-12)


def test_menopause_reported_first_is_the_competing_event(times: pd.DataFrame) -> None:
    assert times.loc["C2", "status"] == MENOPAUSE
    assert times.loc["C2", "months"] == pytest.approx(_months("2020-03-01", "2020-09-01"))
    assert times.loc["C3", "status"] == PREGNANCY  # conceived on the day it is reported


def test_menopause_reported_before_time_zero_does_not_count(times: pd.DataFrame) -> None:
    assert times.loc["C6", "status"] == 0
    assert times.loc["C6", "months"] == pytest.approx(_months("2020-03-01", "2021-03-01"))


@pytest.mark.parametrize(
    ("woman", "why"),
    [("T3", NOT_YET_TREATED), ("C4", NO_TIME_ZERO), ("C5", NO_FOLLOWUP), ("X1", NOT_YET_TREATED)],
)
def test_who_is_left_out_and_why(times: pd.DataFrame, woman: str, why: str) -> None:
    assert times.loc[woman, "excluded"] == why
    assert pd.isna(times.loc[woman, "status"])


def test_everyone_enrolled_has_a_row(times: pd.DataFrame) -> None:
    assert sorted(times.index) == sorted(WOMEN)
    assert times["excluded"].isna().sum() == 6


def test_an_empty_arm_is_the_schemas_default(times: pd.DataFrame) -> None:
    assert times.loc["X1", "arm"] == "MenSC"
