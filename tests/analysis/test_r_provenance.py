"""Every R fixture was written by the script beside it as it stands now (rfixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.rfixtures import R_DIR, provenance_problem

FIXTURES = sorted(R_DIR.glob("**/expected/*.csv"))


def test_every_topic_has_fixtures() -> None:
    topics = {p.parent.parent.name for p in FIXTURES}
    assert topics >= {"r", "adjudication", "arms", "audit", "edge_cases", "fisher"}
    assert topics >= {"proportions", "regression", "safety", "survival", "table1"}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: str(p.relative_to(R_DIR)))
def test_the_fixture_names_r_and_the_hash_of_its_script_and_common_r(fixture: Path) -> None:
    assert provenance_problem(fixture) is None, provenance_problem(fixture)


def test_editing_common_r_without_regenerating_is_caught(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import analysis.rfixtures as rfixtures

    edited = tmp_path / "common.R"
    edited.write_bytes(rfixtures.COMMON.read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(rfixtures, "COMMON", edited)
    problem = provenance_problem(FIXTURES[0])
    assert problem is not None
    assert "make r-fixtures" in problem
