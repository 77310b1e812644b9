"""A woman of a control arm has no injection and is followed from her consent date."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from follicle.workbook.rules import is_control_arm
from follicle.workbook.schema import TABLES
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.synthetic_arms import parse_arms, parse_hazard_ratios
from follicle.workbook.validate import validate_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shares = parse_arms("MenSC:0.5,control:0.5")
    return write_synthetic(
        tmp_path / "wb", 120, seed=2, arms=shares, hazard_ratios=parse_hazard_ratios("2", shares)
    )


def _frame(folder: Path, name: str) -> pd.DataFrame:
    table = next(t for t in TABLES if t.name == name)
    return pd.read_csv(folder / table.filename, dtype=str, keep_default_na=False)


def _write(folder: Path, name: str, frame: pd.DataFrame) -> None:
    table = next(t for t in TABLES if t.name == name)
    frame.to_csv(folder / table.filename, index=False, lineterminator="\n")


def _a_pregnant_control(folder: Path) -> tuple[str, int]:
    """A control woman with a pregnancy, and the pregnancy's spreadsheet row."""
    p = _frame(folder, "participants")
    controls = set(p.loc[p["arm"] == "control", "participant_id"])
    preg = _frame(folder, "pregnancies")
    index = preg.index[preg["participant_id"].isin(controls)][0]
    return str(preg.loc[index, "participant_id"]), int(index) + 2


def test_the_pregnancies_of_controls_after_consent_are_valid(folder: Path) -> None:
    result = validate_path(folder)
    assert result.ok
    assert not [w for w in result.warnings if w.rule == "no_injection"]


def test_a_controls_pregnancy_before_her_consent_is_an_error(folder: Path) -> None:
    woman, row = _a_pregnant_control(folder)
    p = _frame(folder, "participants")
    p.loc[p["participant_id"] == woman, "consent_date"] = "2025-06-01"
    _write(folder, "participants", p)
    problems = [x for x in validate_path(folder).problems if x.rule == "before_first_injection"]
    assert [(x.file, x.row) for x in problems] == [("pregnancies.csv", row)]
    assert "before her consent date" in problems[0].message
    assert "2025-06-01" in problems[0].message


def test_a_controls_pregnancy_without_a_consent_date_is_an_error(folder: Path) -> None:
    woman, row = _a_pregnant_control(folder)
    p = _frame(folder, "participants")
    p.loc[p["participant_id"] == woman, "consent_date"] = ""
    _write(folder, "participants", p)
    problems = [x for x in validate_path(folder).problems if x.rule == "before_first_injection"]
    assert [(x.file, x.row) for x in problems] == [("pregnancies.csv", row)]
    assert "none is recorded" in problems[0].message


def test_a_treatment_arm_still_needs_an_injection(folder: Path) -> None:
    woman, row = _a_pregnant_control(folder)
    p = _frame(folder, "participants")
    p.loc[p["participant_id"] == woman, "arm"] = "MenSC"
    _write(folder, "participants", p)
    result = validate_path(folder)
    problems = [x for x in result.problems if x.rule == "before_first_injection"]
    assert [(x.file, x.row) for x in problems] == [("pregnancies.csv", row)]
    assert problems[0].message.endswith("but she has no injection recorded")
    assert [w.rule for w in result.warnings] == ["no_injection"]


def test_which_arms_are_control_arms() -> None:
    arms = pd.Series(["control", "Declined", "MenSC", "prp", " BMDSC ", "", None, "other"])
    assert is_control_arm(arms).tolist() == [True, True, False, False, False, False, False, False]
