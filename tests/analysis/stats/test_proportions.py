"""n of N as percent, with empty groups shown and never a division warning."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from follicle.analysis.stats.proportions import Proportion, percent, proportion, proportions_by


def test_a_proportion_is_n_of_total_in_percent() -> None:
    p = Proportion(38, 105)
    assert p.pct == 100 * 38 / 105
    assert p.values("women") == {"women.n": 38, "women.total": 105, "women.pct": p.pct}
    assert math.isnan(Proportion(0, 0).pct)


def test_proportion_leaves_out_missing_flags() -> None:
    assert proportion(pd.Series([True, False, None, True], dtype="boolean")) == Proportion(2, 3)


def test_percent_is_nan_for_an_empty_denominator() -> None:
    np.testing.assert_array_equal(percent(np.array([1, 0]), np.array([4, 0])), [25.0, np.nan])


def test_proportions_by_shows_listed_and_unlisted_groups_in_order() -> None:
    frame = pd.DataFrame({"flag": [True, False, True, True], "group": ["b", "b", "c", None]})
    out = proportions_by(frame, "flag", "group", levels=["a", "b"])
    assert out["group"].tolist() == ["a", "b", "c"]
    assert out["n"].tolist() == [0, 1, 1]
    assert out["total"].tolist() == [0, 2, 1]
    assert math.isnan(out.loc[0, "pct"])
    overall = proportions_by(frame, "flag")
    assert overall.to_dict("records") == [{"group": "all", "n": 3, "total": 4, "pct": 75.0}]
