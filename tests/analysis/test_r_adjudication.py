"""Review agreement agrees with R: fixtures written by r/adjudication/fixtures.R.

R takes, from the raw judgments (``r/adjudication/inputs``), the judgments of each event's
current recorded value and its first two reviews, decides each event's status, and computes
percent agreement, Cohen's kappa and its Fleiss–Cohen–Everitt (1969) Wald interval by hand in
base R. Regenerate with::

    .venv/bin/python tests/analysis/r/adjudication/make_inputs.py
    Rscript tests/analysis/r/adjudication/fixtures.R
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.r.adjudication import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.agreement import cohen_kappa, review_summary
from follicle.workbook.events import review_status

R_DIR = Path(__file__).parent / "r" / "adjudication"
EXPECTED = R_DIR / "expected"
INPUTS = R_DIR / "inputs"
TOL = {"rtol": 1e-9, "atol": 1e-12}
COHORTS = ("seed", "generated")
MEASURES = ("percent", "kappa", "se", "low", "high")


def _expected(name: str) -> pd.DataFrame:
    return read_expected(EXPECTED / name)


def _input(name: str) -> pd.DataFrame:
    return pd.read_csv(INPUTS / name, dtype=str, keep_default_na=False)


def test_the_fixture_files_are_all_there() -> None:
    names = {p.name for p in EXPECTED.glob("*.csv")}
    assert names == {"pairs.csv", *(f"review_{c}.csv" for c in COHORTS)}


def test_the_r_inputs_are_what_the_workbooks_hold_now(tmp_path: Path) -> None:
    for name, frame in make_inputs.all_inputs(tmp_path).items():
        stored = (INPUTS / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run r/adjudication/make_inputs.py, then fixtures.R"
        )


@pytest.mark.parametrize("case", _expected("pairs.csv")["case"].tolist())
def test_kappa_matches_r_fleiss_cohen_everitt_by_hand(case: str) -> None:
    pairs = _input("pairs.csv")
    part = pairs[pairs["case"] == case]
    got = cohen_kappa(part["first"], part["second"])
    want = _expected("pairs.csv").set_index("case").loc[case]
    assert got.n == want["n"]
    assert got.agree == want["agree"]
    for measure in MEASURES:
        value = getattr(got, measure)
        if np.isnan(want[measure]):
            assert value is None, measure
        else:
            assert value is not None, measure
            np.testing.assert_allclose(value, want[measure], **TOL, err_msg=measure)


@pytest.mark.parametrize("cohort", COHORTS)
def test_review_summary_matches_r_per_event_type(cohort: str) -> None:
    events = _input(f"events_{cohort}.csv")
    judgments = _input(f"judgments_{cohort}.csv")
    result = review_summary(review_status(events, judgments))
    want = _expected(f"review_{cohort}.csv").set_index("event_type")
    got = result.table.set_index("event_type")
    assert list(got.index) == list(want.index)
    for column in want.columns:
        expected = want[column].to_numpy(dtype=float)
        actual = got[column].to_numpy(dtype=float)  # None → NaN: undefined in both
        np.testing.assert_allclose(actual, expected, **TOL, equal_nan=True, err_msg=column)
    assert result.values["all.kappa"] == pytest.approx(want.loc["all", "kappa"], rel=1e-9)
