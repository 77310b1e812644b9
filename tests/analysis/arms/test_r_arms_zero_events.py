"""An arm without a pregnancy, against R (tests/analysis/r/arms_zero_events/).

PRP's 19 women have no pregnancy: R's coxph runs its coefficient off towards −∞ and warns
(or drops it), and the robust variances of the Fine–Gray and weighted fits then give a
narrow interval around a hazard ratio of about 1e-12 with p ≈ 0. follicle reports that
hazard ratio as 0 with no interval, p-value or E-value, and MenSC's as R's.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.rfixtures import read_expected
from follicle.analysis.arms.compare import MODELS, compare_arms
from follicle.analysis.result import Result

R = Path(__file__).parents[1] / "r" / "arms_zero_events"
#: As test_r_arms.py: lifelines' Newton–Raphson and R's stop at slightly different points.
FIT = {"rtol": 1e-7, "atol": 1e-9}
WEIGHTED = {"rtol": 1e-6, "atol": 1e-9}
R_VALUES = {
    str(n): float(v)
    for n, v in read_expected(R / "expected" / "values.csv").itertuples(index=False)
}
MODEL_IDS = [m for m, _ in MODELS]


def _times() -> pd.DataFrame:
    frame = pd.read_csv(
        R / "inputs" / "arms.csv", dtype={"participant_id": "string", "arm": "string"}
    )
    frame["status"] = frame["status"].astype("Int64")
    frame["excluded"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    return compare_arms(_times())


def _row(results: dict[str, Result], arm: str, model: str) -> pd.Series:
    table = results["arms_models"].table
    return table.loc[(table["arm_id"] == arm) & (table["model_id"] == model)].iloc[0]


def test_the_input_is_what_make_inputs_writes(tmp_path: Path) -> None:
    from analysis.r.arms_zero_events.make_inputs import arms_input, csv_text

    assert csv_text(arms_input(tmp_path)) == (R / "inputs" / "arms.csv").read_text(encoding="utf-8")


def test_r_finds_no_maximum_for_the_arm_without_pregnancies() -> None:
    # The premise of the fixture, from R: no event in PRP in any model, R warns of (or
    # drops) every PRP coefficient, and the likelihood still rises from −10 to −30.
    for model in MODEL_IDS:
        events = "weighted.events.prp" if model == "weighted" else f"{model}.events.prp"
        assert R_VALUES[events] == 0
        assert R_VALUES[f"prp.{model}.flagged"] == 1
    assert R_VALUES["prp.cs_crude.loglik_at_minus_30"] > R_VALUES["prp.cs_crude.loglik_at_minus_10"]


@pytest.mark.parametrize("model", MODEL_IDS)
def test_the_hazard_ratio_without_events_is_zero_without_interval(
    results: dict[str, Result], model: str
) -> None:
    row = _row(results, "PRP", model)
    assert row["HR"] == 0.0
    for column in ("HR_low", "HR_high", "p", "E-value", "E-value, CI"):
        assert math.isnan(row[column]), column
    values = results["arms_models"].values
    assert values[f"prp.{model}.hr"] == 0.0
    assert math.isnan(values[f"prp.{model}.p"])
    assert math.isnan(values[f"prp.{model}.hr_low"])


def test_a_note_says_which_hazard_ratios_have_no_estimate(results: dict[str, Result]) -> None:
    note = next(n for n in results["arms_models"].notes if "no finite estimate" in n)
    assert note.count("PRP vs control") == len(MODEL_IDS)
    assert "MenSC" not in note


@pytest.mark.parametrize("model", MODEL_IDS)
def test_the_other_arm_matches_r(results: dict[str, Result], model: str) -> None:
    row = _row(results, "MenSC", model)
    tolerance = WEIGHTED if model == "weighted" else FIT
    np.testing.assert_allclose(row["coef"], R_VALUES[f"mensc.{model}.coef"], **tolerance)
    np.testing.assert_allclose(row["se"], R_VALUES[f"mensc.{model}.se"], **tolerance)
    assert np.isfinite([row["HR_low"], row["HR_high"], row["p"], row["E-value"]]).all()


def test_a_reference_without_pregnancies_gives_infinite_hazard_ratios() -> None:
    # The same women with PRP's and control's names swapped: the reference (control) now
    # has no pregnancy (R's event counts above), so every arm's hazard ratio is ∞.
    times = _times()
    swap = {"PRP": "control", "control": "PRP", "MenSC": "MenSC"}
    times["arm"] = times["arm"].map(swap).astype("string")
    table = compare_arms(times)["arms_models"].table
    assert len(table) == 2 * len(MODEL_IDS)
    assert np.isposinf(table["HR"].to_numpy(dtype=float)).all()
    assert table[["HR_low", "HR_high", "p", "E-value", "E-value, CI"]].isna().all().all()


def test_the_forest_plot_says_which_rows_are_not_estimable(results: dict[str, Result]) -> None:
    # A hazard ratio of 0 has no point on a log axis: its row is labelled, not left empty.
    from follicle.analysis.arms.figures import plot_forest

    figure = plot_forest(results["figure_arms_forest"])
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["not estimable (no pregnancy on one side)"] * len(MODEL_IDS)
