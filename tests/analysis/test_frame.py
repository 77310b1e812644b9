"""The derived variables, checked by hand on the small fixture and by identity elsewhere."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from follicle.analysis import frame
from follicle.analysis.cohort import Cohort
from follicle.workbook.frames import Workbook

NaT = pd.NaT


def _row(women: pd.DataFrame, pid: str) -> pd.Series:
    return women.set_index("participant_id").loc[pid]


@pytest.mark.parametrize(
    ("pid", "age", "age_followup", "injections", "followup_days"),
    [
        ("007", 36, 40, 1, 1563),  # 2019-01-20 -> 2023-05-02
        ("008", 39, 43, 2, 1359),  # last injection 2019-09-20 -> 2023-06-10
        ("009", 29, 33, 1, 1452),  # 2020-02-10 -> 2024-02-01
        ("010", 35, 38, 1, 1166),  # 2020-06-05 -> 2023-08-15
    ],
)
def test_ages_injections_and_followup_by_hand(
    small: Cohort, pid: str, age: int, age_followup: int, injections: int, followup_days: int
) -> None:
    row = _row(small.women, pid)
    assert row["age"] == age
    assert row["age_followup"] == age_followup
    assert row["injections"] == injections
    assert row["followup_years"] == pytest.approx(followup_days / 365.25, rel=1e-15)
    assert row["age_group"] == ("<35" if age < 35 else "≥35")


def test_menses_and_menopause_by_hand(small: Cohort) -> None:
    w = small.women.set_index("participant_id")
    assert list(w["menses_baseline"]) == ["regular", "irregular", "regular", "amenorrhea"]
    # 009's latest contact records regular; an earlier contact with no menses is skipped.
    assert list(w["menses_followup"]) == ["irregular", "menopause", "regular", "amenorrhea"]
    assert w.loc["008", "menopause_date"] == pd.Timestamp("2020-09-20")  # first report
    assert w["menopause_date"].isna().sum() == 3


def test_pregnancy_flags_by_hand(small: Cohort) -> None:
    w = small.women.set_index("participant_id")
    assert list(w["pregnant"]) == [True, False, True, True]
    assert list(w["pregnant_spontaneous"]) == [True, False, False, False]
    assert list(w["pregnant_ivf"]) == [False, False, True, True]
    assert not w["both"].any()
    assert list(w["n_pregnancies"]) == [2, 0, 1, 1]
    assert list(w["ivf_treated"]) == [False, False, True, True]
    assert list(w["ivf_cycles"]) == [0, 0, 2, 1]
    assert w.loc["007", "first_conception"] == pd.Timestamp("2019-05-01")


def test_dtypes_are_the_nullable_ones(small: Cohort) -> None:
    dtypes = small.women.dtypes.astype(str).to_dict()
    assert dtypes["age"] == "Int64"
    assert dtypes["followup_years"] == "Float64"
    assert dtypes["pregnant"] == "boolean"
    assert dtypes["menses_followup"] == "string"
    assert dtypes["end_of_followup"] == "datetime64[ns]"
    assert tuple(small.women.columns) == frame.WOMEN_COLUMNS
    assert tuple(small.pregnancies.columns) == frame.PREGNANCY_COLUMNS


@pytest.mark.parametrize(
    ("pid", "days", "month", "fetuses", "infants"),
    [
        ("G1", 101, 3, 1, 1),  # 2019-01-20 -> 2019-05-01
        ("G2", 780, 26, 1, 0),  # fetuses empty: the default 1; a miscarriage has no infant
        ("G3", 126, 4, 2, 2),  # twins, both recorded
        ("G4", 234, 8, 1, 0),
    ],
)
def test_pregnancy_timing_by_hand(
    small: Cohort, pid: str, days: int, month: int, fetuses: int, infants: int
) -> None:
    row = small.pregnancies.set_index("pregnancy_id").loc[pid]
    assert row["days_since_injection"] == days
    assert row["months_since_injection"] == pytest.approx(days / 30.4375, rel=1e-15)
    assert row["month"] == month
    assert row["fetuses"] == fetuses
    assert row["infants"] == infants


@pytest.mark.parametrize(
    ("binning", "months"),
    [("round", [3, 26, 4, 8]), ("floor", [3, 25, 4, 7]), ("ceiling", [4, 26, 5, 8])],
)
def test_month_binning_choices(small_workbook: Workbook, binning: str, months: list[int]) -> None:
    preg = frame.pregnancies(small_workbook, month_binning=binning)  # type: ignore[arg-type]
    assert list(preg["month"]) == months


def test_an_unknown_month_binning_is_refused(small_workbook: Workbook) -> None:
    with pytest.raises(ValueError, match="round, floor or ceiling"):
        frame.pregnancies(small_workbook, month_binning="nearest")  # type: ignore[arg-type]


def _two_injection_workbook() -> Workbook:
    return Workbook.from_frames(
        {
            "participants": pd.DataFrame(
                {
                    "participant_id": ["A", "B"],
                    "site": ["S", "S"],
                    "birth_date": ["1985-06-01", "1990-01-01"],
                    "menses_baseline": ["regular", "irregular"],
                }
            ),
            "injections": pd.DataFrame(
                {"participant_id": ["A", "A"], "injection_date": ["2020-01-01", "2020-06-01"]}
            ),
            "contacts": pd.DataFrame(
                {
                    "participant_id": ["A", "A", "B"],
                    "contact_date": ["2020-04-01", "2023-01-01", "2021-01-01"],
                    "mode": ["clinic", "phone", "phone"],
                    "menses": ["menopause", None, "regular"],
                }
            ),
            "pregnancies": pd.DataFrame(
                {
                    "pregnancy_id": ["P0", "P1", "P2", "P3", "PB"],
                    "participant_id": ["A", "A", "A", "A", "B"],
                    "conception_date": [
                        "2019-12-01",  # before the first injection: not counted
                        "2020-03-01",
                        "2020-06-01",  # on the day of the second injection
                        "2021-01-01",
                        "2020-05-01",  # an untreated woman
                    ],
                    "mode": ["spontaneous", "spontaneous", "ivf", "iui", "spontaneous"],
                    "outcome": ["miscarriage", "miscarriage", "live_birth", "ongoing", "ongoing"],
                }
            ),
        }
    )


def test_a_pregnancy_is_timed_from_the_latest_injection_on_or_before_conception() -> None:
    preg = frame.pregnancies(_two_injection_workbook())
    assert list(preg["pregnancy_id"]) == ["P1", "P2", "P3"]
    assert list(preg["injection_number"]) == [1, 2, 2]
    assert list(preg["days_since_injection"]) == [60, 0, 214]
    assert list(preg["pregnancy_number"]) == [1, 2, 3]
    first = (
        pd.to_datetime(["2020-03-01", "2020-06-01", "2021-01-01"]) - pd.Timestamp("2020-01-01")
    ).days
    np.testing.assert_allclose(preg["months_since_first_injection"].astype(float), first / 30.4375)
    # A live birth with no infant row counts its fetuses (default 1).
    assert list(preg["infants"]) == [0, 1, 0]
    assert list(preg["infants_recorded"]) == [0, 0, 0]


def test_untreated_women_are_left_out_and_listed() -> None:
    workbook = _two_injection_workbook()
    women = frame.women(workbook)
    assert list(women["participant_id"]) == ["A"]
    assert list(frame.excluded(workbook)["participant_id"]) == ["B"]
    a = women.iloc[0]
    assert a["n_pregnancies"] == 3
    assert a["pregnant_spontaneous"]
    assert a["pregnant_ivf"]
    assert a["both"]
    # An IVF pregnancy implies an IVF cycle even when no cycle row is recorded.
    assert a["ivf_treated"]
    assert a["ivf_cycles"] == 1
    # The latest contact records no menses: the latest one that does is used.
    assert a["menses_followup"] == "menopause"
    assert a["menopause_date"] == pd.Timestamp("2020-04-01")


def test_a_woman_with_no_contact_has_unknown_follow_up() -> None:
    frames = dict(_two_injection_workbook().frames)
    frames["contacts"] = frames["contacts"].iloc[:0]
    women = frame.women(Workbook(frames))
    assert women["end_of_followup"].isna().all()
    assert women["followup_years"].isna().all()
    assert women["age_followup"].isna().all()
    assert women["menses_followup"].isna().all()


def test_the_generated_cohort_frames_are_consistent(generated: Cohort) -> None:
    w, p = generated.women, generated.pregnancies
    assert len(w) == 300
    assert len(generated.excluded) == 15
    assert w["participant_id"].is_unique
    assert int(w["n_pregnancies"].sum()) == len(p)
    assert (w["pregnant"] == (w["n_pregnancies"] > 0)).all()
    assert (w["both"] == (w["pregnant_spontaneous"] & w["pregnant_ivf"])).all()
    assert not (w["pregnant_ivf"] & ~w["ivf_treated"]).any()
    assert (w["followup_years"] >= 0).all()
    assert ((w["age"] < 35) == w["age_group"].eq("<35")).all()
    assert (w["last_injection"] >= w["first_injection"]).all()
    assert (p["injection_date"] <= p["conception_date"]).all()
    assert (p["months_since_injection"] >= 0).all()
    assert (p["months_since_first_injection"] >= p["months_since_injection"]).all()
    injections = p["participant_id"].map(w.set_index("participant_id")["injections"])
    assert (p["injection_number"] <= injections).all()
    unrecorded = p["live_birth"] & p["infants_recorded"].eq(0)
    assert unrecorded.any()
    assert (p.loc[unrecorded, "infants"] == p.loc[unrecorded, "fetuses"]).all()
    assert (p.loc[~p["live_birth"], "infants"] == 0).all()


def test_select_labels_is_text_np_select() -> None:
    from follicle.analysis.frame import select_labels

    a = np.array([True, False, False, True])
    b = pd.Series([True, True, False, False])
    index = pd.Index([3, 4, 5, 6])
    got = select_labels([a, b], ["first", "second"], index)
    expected = pd.Series(
        np.select([a, b.to_numpy()], ["first", "second"], ""), index=index, dtype="string"
    ).replace("", pd.NA)
    pd.testing.assert_series_equal(got, expected)
    with_default = select_labels([a, b], ["first", "second"], index, "other")
    assert with_default.tolist() == ["first", "second", "other", "first"]
    assert str(with_default.dtype) == "string"


def test_validations_coding_of_the_women_gives_the_same_frames(arms_cohort: Cohort) -> None:
    """The coding of the IDs that validation hands on with the workbook (every table's
    women at once) and one made by the analysis itself give the same frames, exactly."""
    import dataclasses

    from follicle.analysis.arms.data import arm_times

    carried = arms_cohort.workbook
    assert carried.women is not None
    assert carried.coded_women("participants", "injections") is carried.women[0]
    fresh = dataclasses.replace(carried, women=None)
    pd.testing.assert_frame_equal(frame.pregnancies(carried), frame.pregnancies(fresh))
    pd.testing.assert_frame_equal(frame.women(carried), frame.women(fresh))
    pd.testing.assert_frame_equal(frame.excluded(carried), frame.excluded(fresh))
    pd.testing.assert_frame_equal(arm_times(carried), arm_times(fresh))
    # Frames that are not the ones validation coded are coded again.
    other = dataclasses.replace(
        carried, frames={**carried.frames, "injections": carried["injections"].copy()}
    )
    assert other.coded_women("participants", "injections") is not carried.women[0]
    assert other.coded_women("participants", "contacts") is carried.women[0]


@pytest.mark.parametrize("validated", [True, False])
def test_the_cohorts_codes_name_the_women_of_each_row(arms_cohort: Cohort, validated: bool) -> None:
    import dataclasses

    workbook = arms_cohort.workbook
    cohort = Cohort(workbook if validated else dataclasses.replace(workbook, women=None))
    coded = cohort.coded
    ids = coded.women.ids.to_pylist()
    assert [ids[c] for c in coded.of_women] == cohort.women["participant_id"].tolist()
    assert [ids[c] for c in coded.of_pregnancies] == cohort.pregnancies["participant_id"].tolist()
    conditions = cohort.workbook["conditions"]
    rows = coded.rows(conditions, "conditions")
    assert rows is not None
    assert [ids[c] for c in rows] == conditions["participant_id"].tolist()
    assert coded.rows(conditions.copy(), "conditions") is None
    assert coded.rows(cohort.women) is coded.of_women
    assert coded.rows(cohort.women.copy()) is None


def test_the_statistics_by_codes_are_those_by_ids(arms_cohort: Cohort, generated: Cohort) -> None:
    """Table 3, the safety bounds and the POR classification looked up by the women's
    codes give what they give by text IDs (no codes), exactly."""
    from follicle.analysis import por_classification, safety_bounds, safety_tables

    for cohort in (arms_cohort, generated):
        wb, women, preg = cohort.workbook, cohort.women, cohort.pregnancies
        tables = {
            "conditions": wb["conditions"],
            "infants": wb["infants"],
            "infant_conditions": wb["infant_conditions"],
        }
        assert cohort.coded.rows(wb["conditions"], "conditions") is not None
        assert len(wb["conditions"]) > 0
        by_codes = [
            safety_tables.table3(women, preg, **tables, coded=cohort.coded),
            safety_bounds.safety_bounds(women, preg, **tables, coded=cohort.coded),
            por_classification.por_classification(women, wb["participants"], coded=cohort.coded),
        ]
        by_ids = [
            safety_tables.table3(women, preg, **tables),
            safety_bounds.safety_bounds(women, preg, **tables),
            por_classification.por_classification(women, wb["participants"]),
        ]
        for a, b in zip(by_codes, by_ids, strict=True):
            pd.testing.assert_frame_equal(a.table, b.table)
            assert a.values == b.values
        pd.testing.assert_frame_equal(
            por_classification.baseline(women, wb["participants"], cohort.coded),
            por_classification.baseline(women, wb["participants"]),
        )
        pd.testing.assert_frame_equal(
            safety_bounds.infants_followed(women, preg, wb["infants"], cohort.coded),
            safety_bounds.infants_followed(women, preg, wb["infants"]),
        )
        pd.testing.assert_frame_equal(
            safety_bounds.maternal_events(women, preg, wb["conditions"], cohort.coded),
            safety_bounds.maternal_events(women, preg, wb["conditions"]),
        )
