"""Fisher's exact test of r × c tables against R's ``fisher.test`` (exact, FEXACT).

Fixtures: tests/analysis/r/fisher/ (``inputs/tables.csv``; ``fixtures.R`` writes
``expected/fisher.csv`` under a header naming R's version and the script's SHA-256).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.rfixtures import R_DIR
from follicle.analysis.stats.fisher import (
    SIMULATED_TABLES,
    _unique_rows,
    fisher_exact_2x2,
    fisher_exact_rxc,
)

HERE = R_DIR / "fisher"
CELLS = pd.read_csv(HERE / "inputs" / "tables.csv")
EXPECTED = pd.read_csv(HERE / "expected" / "fisher.csv", comment="#")


def _table(case: str) -> np.ndarray:
    cells = CELLS.loc[CELLS["case"] == case]
    return cells.pivot(index="row", columns="column", values="count").to_numpy()


@pytest.mark.parametrize(("case", "p"), list(EXPECTED.itertuples(index=False, name=None)))
def test_fisher_exact_rxc_matches_r_fisher_test(case: str, p: float) -> None:
    found = fisher_exact_rxc(_table(case))
    assert found.method == "exact"
    assert found.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("case", ["three_by_three", "injections_by_menses"])
def test_the_same_p_whichever_way_the_table_is_turned(case: str) -> None:
    table = _table(case)
    assert fisher_exact_rxc(table.T).p_value == pytest.approx(
        fisher_exact_rxc(table).p_value, rel=1e-12
    )


def test_a_table_too_large_to_enumerate_is_simulated_near_rs_exact_p() -> None:
    p = float(EXPECTED.set_index("case").at["three_by_four_zeros", "p"])
    found = fisher_exact_rxc(_table("three_by_four_zeros"), max_nodes=5)
    assert found.method == "simulated"
    assert found.tables == SIMULATED_TABLES
    assert abs(found.p_value - p) <= 4 * np.sqrt(p * (1 - p) / SIMULATED_TABLES)
    again = fisher_exact_rxc(_table("three_by_four_zeros"), max_nodes=5)
    assert again.p_value == found.p_value  # fixed seed: the same every time


def test_empty_rows_and_columns_are_dropped_as_r_drops_them() -> None:
    table = np.array([[3, 0, 1, 2], [0, 0, 0, 0], [1, 0, 5, 0]])
    assert fisher_exact_rxc(table).p_value == pytest.approx(
        float(EXPECTED.set_index("case").at["two_by_three", "p"]), rel=1e-9
    )
    assert fisher_exact_rxc(np.array([[4, 5]])).p_value == 1.0


# The 2 × 2 tables of R's fixtures: the edge tables of r/proportions (zeros, empty margins,
# one-sided supports) and the r × c fixtures that are 2 × 2.
PROPORTIONS = pd.read_csv(R_DIR / "proportions" / "expected" / "tables.csv", skiprows=1)


@pytest.mark.parametrize(
    "row",
    [pytest.param(r, id=r.case) for r in PROPORTIONS.itertuples(index=False)],
)
def test_fisher_exact_2x2_matches_r_fisher_test(row: object) -> None:
    cells = np.array([[row.a, row.b], [row.c, row.d]])  # type: ignore[attr-defined]
    expected = row.fisher_p  # type: ignore[attr-defined]
    assert fisher_exact_2x2(cells) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_fisher_exact_2x2_agrees_with_the_rxc_fixtures_that_are_2x2() -> None:
    cases = [c for c, p in EXPECTED.itertuples(index=False) if _table(c).shape == (2, 2)]
    assert cases  # the fixtures hold at least one
    for case in cases:
        p = float(EXPECTED.set_index("case").loc[case].iloc[0])
        assert fisher_exact_2x2(_table(case)) == pytest.approx(p, rel=1e-9, abs=1e-300)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(min_value=0, max_value=60).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(min_value=-3, max_value=3), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    )
)
def test_the_distinct_rows_are_numpys_with_the_same_inverse(rows: list[list[int]]) -> None:
    array = np.array(rows, dtype=np.int64).reshape(-1, 3)
    unique, inverse = _unique_rows(array)
    expected = np.unique(array, axis=0) if len(array) else array
    np.testing.assert_array_equal(unique, expected)  # numerically sorted, each once
    np.testing.assert_array_equal(unique[inverse], array)
