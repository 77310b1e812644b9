"""The synthetic cohort generator makes valid workbooks of any size."""

from __future__ import annotations

from pathlib import Path

from follicle.workbook.synthetic import synthetic_workbook, write_synthetic
from follicle.workbook.validate import validate_path


def test_a_synthetic_cohort_is_valid(tmp_path: Path) -> None:
    result = validate_path(write_synthetic(tmp_path / "wb", 2000, seed=3))
    assert result.ok, result.problems[:5]
    assert result.row_counts["participants"] == 2000
    assert result.row_counts["pregnancies"] > 0
    assert result.row_counts["infants"] > 0


def test_the_same_seed_draws_the_same_cohort() -> None:
    one, two = synthetic_workbook(300, seed=9), synthetic_workbook(300, seed=9)
    for name in one:
        assert one[name].equals(two[name])
