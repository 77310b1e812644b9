"""compare_arms: which arms, which reference, when it is skipped, and its invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from follicle.analysis.arms.compare import (
    MIN_ARM,
    RESULT_NAMES,
    choose_arms,
    compare_arms,
    reference_of,
)
from follicle.analysis.arms.data import COVARIATES
from follicle.workbook.synthetic_arms import draw_women, parse_arms, parse_hazard_ratios


def _times(arms: str, n: int, seed: int = 3) -> pd.DataFrame:
    shares = parse_arms(arms)
    rng = np.random.default_rng(seed)
    drawn = draw_women(rng, n, shares, parse_hazard_ratios("1.5", shares))
    return pd.DataFrame(
        {
            "participant_id": pd.Series([f"W{i:04d}" for i in range(n)], dtype="string"),
            "arm": pd.Series(drawn.arm.astype(str), dtype="string"),
            "months": drawn.months,
            "status": pd.Series(drawn.status, dtype="Int64"),
            "age": drawn.age,
            "amh": drawn.amh,
            "afc": rng.integers(0, 9, n).astype(float),
            "menses_regular": (rng.random(n) < 0.8).astype(float),
            "prior_ivf_cycles": rng.integers(0, 4, n).astype(float),
            "excluded": pd.Series(pd.NA, index=range(n), dtype="string"),
        }
    )


def test_the_comparison_is_skipped_with_fewer_than_two_arms_of_ten() -> None:
    times = _times("MenSC:0.97,control:0.03", 200)
    assert (times["arm"] == "control").sum() < MIN_ARM
    results = compare_arms(times)
    assert list(results) == ["arms_table1"]
    only = results["arms_table1"]
    assert only.table.to_dict("list") == {
        "arm": ["MenSC", "control"],
        "women": [int((times["arm"] == "MenSC").sum()), int((times["arm"] == "control").sum())],
    }
    assert only.values["control.n"] == (times["arm"] == "control").sum()
    assert "was not made" in only.notes[0]
    assert "control: " in only.notes[0]
    full = compare_arms(_times("MenSC:0.5,control:0.5", 200))
    assert list(full) == list(RESULT_NAMES)


def test_control_is_the_reference_and_a_small_arm_is_left_out() -> None:
    times = _times("MenSC:0.5,PRP:0.47,control:0.03", 300)
    times.loc[times.index[:40], "arm"] = "control"
    times.loc[times.index[40:45], "arm"] = "BMDSC"  # five women: too few
    arms = choose_arms(times)
    assert arms is not None
    assert arms.reference == "control"
    assert arms.compared == ("MenSC", "PRP")
    assert arms.left_out == (("BMDSC", 5),)
    results = compare_arms(times)
    assert any("BMDSC (5)" in note for note in results["arms_table1"].notes)
    assert set(results["arms_models"].table["arm_id"]) == {"MenSC", "PRP"}


def test_without_control_the_reference_is_the_first_arm_alphabetically() -> None:
    results = compare_arms(_times("PRP:0.5,MenSC:0.5", 200))
    assert reference_of(results) == "MenSC"
    assert set(results["arms_models"].table["comparison"]) == {"PRP vs MenSC"}


@pytest.fixture(scope="module")
def three_arms() -> dict[str, object]:
    times = _times("MenSC:0.5,PRP:0.25,control:0.25", 600)
    return {"ate": compare_arms(times), "att": compare_arms(times, estimand="ATT"), "times": times}


def test_every_model_is_reported_for_every_compared_arm(three_arms: dict) -> None:
    table = three_arms["ate"]["arms_models"].table
    assert len(table) == 10
    assert (table["HR_low"] < table["HR"]).all()
    assert (table["HR"] < table["HR_high"]).all()
    assert (table["E-value"] >= 1).all()
    assert (table["E-value, CI"] <= table["E-value"]).all()


def test_the_att_weights_leave_the_compared_arm_unweighted(three_arms: dict) -> None:
    att = three_arms["att"]["arms_balance"].values
    ate = three_arms["ate"]["arms_balance"].values
    times = three_arms["times"]
    complete = times.loc[times[list(COVARIATES)].notna().all(axis=1)]
    n = int((complete["arm"] == "MenSC").sum())
    assert att["mensc.ess.arm"] == pytest.approx(n)
    assert ate["mensc.ess.arm"] < n
    label = three_arms["att"]["arms_models"].table["model"]
    assert label.str.contains("ATT").any()


def test_cumulative_incidence_is_a_probability_and_grows(three_arms: dict) -> None:
    table = three_arms["ate"]["arms_incidence"].table
    for _, part in table.groupby("arm"):
        aj = part["aj"].to_numpy()
        assert ((aj >= 0) & (aj <= 100)).all()
        assert (np.diff(aj) >= 0).all()
        assert (part["aj"] <= part["km"] + 1e-9).all()  # KM ignores the competing event
    values = three_arms["ate"]["arms_balance"].values
    for side in ("arm", "reference"):
        series = [values[f"prp.weighted_aj.{side}.{m}m"] for m in (12, 24, 36)]
        assert 0 <= series[0] <= series[1] <= series[2] <= 1


def test_an_unknown_estimand_is_refused() -> None:
    with pytest.raises(ValueError, match="ATE or ATT"):
        compare_arms(_times("MenSC:0.5,control:0.5", 100), estimand="ATO")  # type: ignore[arg-type]


def test_fine_gray_is_not_fitted_beyond_its_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import follicle.analysis.arms.compare as compare

    monkeypatch.setattr(compare, "MAX_FINE_GRAY_ROWS", 100)
    results = compare.compare_arms(_times("MenSC:0.5,control:0.5", 200))
    table = results["arms_models"].table
    assert not table["model_id"].str.startswith("fg_").any()
    assert any("Fine–Gray models were not fitted" in n for n in results["arms_models"].notes)


def test_covariates_that_separate_the_arms_are_noted_not_warned(
    recwarn: pytest.WarningsRecorder,
) -> None:
    times = _times("MenSC:0.5,control:0.5", 200)
    # Every control had no prior IVF cycle and most treated women had some: a near-perfect
    # predictor of the arm, as small cohorts produce (the score's fit runs off).
    control = (times["arm"] == "control").to_numpy()
    times.loc[control, "prior_ivf_cycles"] = 0.0
    times.loc[~control, "prior_ivf_cycles"] = np.where(np.arange((~control).sum()) < 3, 0, 2)
    results = compare_arms(times)
    notes = results["arms_balance"].notes
    assert any("separate MenSC from control" in n for n in notes), notes
    assert not [w for w in recwarn if "converge" in str(w.message)]
    assert np.isfinite(results["arms_models"].values["mensc.weighted.hr"])
    plain = compare_arms(_times("MenSC:0.5,control:0.5", 200))
    assert not any("separate" in n for n in plain["arms_balance"].notes)
