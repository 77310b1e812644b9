"""The audit's arithmetic against R: exact χ² vs ``chisq.test``, p-values vs ``pchisq`` & co.

Fixtures: tests/analysis/r/audit/ (``make_inputs.py`` writes the inputs from the seed and
generated cohorts, ``fixtures.R`` the expected values at 17 digits under a header naming R's
version and the script's SHA-256).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from follicle.analysis.claims.arithmetic import chisq_exact, p_value

HERE = Path(__file__).parent / "r" / "audit"
TABLES = pd.read_csv(HERE / "inputs" / "tables.csv").set_index("case")
STATISTICS = pd.read_csv(HERE / "inputs" / "statistics.csv").set_index("case")
CHISQ = pd.read_csv(HERE / "expected" / "chisq.csv", comment="#")
P_VALUES = pd.read_csv(HERE / "expected" / "p_values.csv", comment="#")


@pytest.mark.parametrize(
    "row", CHISQ.to_dict("records"), ids=lambda r: f"{r['case']}-{r['correct']}"
)
def test_exact_chisq_matches_r_chisq_test(row: dict[str, object]) -> None:
    t = TABLES.loc[str(row["case"])]
    exact = chisq_exact(
        (int(t["n1"]), int(t["n2"])),
        (int(t["total1"]), int(t["total2"])),
        correct=bool(row["correct"]),
    )
    expected = float(row["statistic"])  # type: ignore[arg-type]
    if exact.statistic == 0:
        # R's floating-point noise for an exactly zero statistic (the seed's 6.0062e-31)
        assert abs(expected) < 1e-25
    else:
        assert float(exact.statistic) == pytest.approx(expected, rel=1e-12, abs=1e-14)
    assert float(exact.min_expected) == pytest.approx(float(row["min_expected"]), rel=1e-14)  # type: ignore[arg-type]
    assert float(exact.statistic) >= 0
    assert isinstance(exact.statistic, Fraction)


@pytest.mark.parametrize("row", P_VALUES.to_dict("records"), ids=lambda r: str(r["case"]))
def test_p_from_statistic_matches_r(row: dict[str, object]) -> None:
    s = STATISTICS.loc[str(row["case"])]
    df = None if pd.isna(s["df"]) else float(s["df"])
    df2 = None if pd.isna(s["df2"]) else float(s["df2"])
    got = p_value(str(s["test"]), float(s["statistic"]), df, df2)
    assert got == pytest.approx(float(row["p_value"]), rel=1e-10, abs=1e-300)  # type: ignore[arg-type]
