"""Synthetic cohorts with arms (follicle synth --arms): valid, confounded, a known effect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from follicle.cli import app
from follicle.workbook.schema import TABLES
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.synthetic_arms import (
    draw_women,
    parse_arms,
    parse_hazard_ratios,
    reference_arm,
)
from follicle.workbook.validate import validate_path

ARMS = "MenSC:0.5,PRP:0.25,control:0.25"


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        t.name: pd.read_csv(folder / t.filename, dtype=str, keep_default_na=False) for t in TABLES
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shares = parse_arms(ARMS)
    return write_synthetic(
        tmp_path_factory.mktemp("arms") / "wb",
        1500,
        seed=11,
        arms=shares,
        hazard_ratios=parse_hazard_ratios("1.5", shares),
    )


def test_a_cohort_with_arms_is_valid_without_warnings(cohort: Path) -> None:
    result = validate_path(cohort)
    assert result.ok, result.problems[:5]
    assert not result.warnings, result.warnings[:5]


def test_controls_have_no_injection_and_are_followed_from_consent(cohort: Path) -> None:
    d = _read(cohort)
    p = d["participants"].set_index("participant_id")
    injected = set(d["injections"]["participant_id"])
    controls = set(p.index[p["arm"] == "control"])
    assert controls
    assert not controls & injected
    assert set(p.index[p["arm"] != "control"]) == injected
    pregnant_controls = set(d["pregnancies"]["participant_id"]) & controls
    assert pregnant_controls  # the comparison has events in the control arm
    products = d["injections"].set_index("participant_id")["product"]
    assert (products == p.loc[products.index, "arm"]).all()


def test_the_shares_are_near_the_ones_asked_for(cohort: Path) -> None:
    share = _read(cohort)["participants"]["arm"].value_counts(normalize=True)
    assert 0.4 < share["MenSC"] < 0.6
    assert 0.15 < share["PRP"] < 0.35
    assert 0.15 < share["control"] < 0.35


def test_assignment_is_confounded_by_age_and_amh() -> None:
    shares = parse_arms(ARMS)
    drawn = draw_women(np.random.default_rng(1), 20_000, shares, parse_hazard_ratios("1", shares))
    control = drawn.arm == "control"
    assert drawn.age[control].mean() > drawn.age[~control].mean() + 1
    assert drawn.amh[control].mean() < drawn.amh[~control].mean()


def test_the_same_seed_writes_the_same_cohort(tmp_path: Path, cohort: Path) -> None:
    shares = parse_arms(ARMS)
    again = write_synthetic(
        tmp_path / "again",
        1500,
        seed=11,
        arms=shares,
        hazard_ratios=parse_hazard_ratios("1.5", shares),
    )
    for t in TABLES:
        assert (again / t.filename).read_bytes() == (cohort / t.filename).read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MenSC", "is not ARM:SHARE"),
        ("MenSC:0.5", "at least two arms"),
        ("MenSC:x,control:1", "is not a number"),
        ("MenSC:-1,control:1", "must be positive"),
        ("MenSC:1,MenSC:1", "given twice"),
    ],
)
def test_bad_arms_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_arms(text)


def test_hazard_ratios_one_for_all_or_per_arm() -> None:
    shares = parse_arms("MenSC:1,PRP:1,control:2")
    assert shares == {"MenSC": 0.25, "PRP": 0.25, "control": 0.5}
    assert reference_arm(shares) == "control"
    assert parse_hazard_ratios("2", shares) == {"MenSC": 2.0, "PRP": 2.0, "control": 1.0}
    assert parse_hazard_ratios("PRP:1.2", shares) == {"MenSC": 1.0, "PRP": 1.2, "control": 1.0}
    assert reference_arm(parse_arms("PRP:1,MenSC:1")) == "MenSC"
    with pytest.raises(ValueError, match="for an arm of --arms"):
        parse_hazard_ratios("BMDSC:2", shares)
    with pytest.raises(ValueError, match="must be positive"):
        parse_hazard_ratios("0", shares)


def test_follicle_synth_with_arms(tmp_path: Path) -> None:
    out = tmp_path / "arms"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            "--women",
            "300",
            "--arms",
            "MenSC:0.5,control:0.5",
            "--hazard-ratio",
            "2",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert validate_path(out).ok
    assert set(_read(out)["participants"]["arm"]) == {"MenSC", "control"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arms", "MenSC"], "is not ARM:SHARE"),
        (["--hazard-ratio", "2"], "--hazard-ratio needs --arms"),
        (["--arms", "MenSC:1,control:1", "--hazard-ratio", "x"], "not ARM:HR"),
    ],
)
def test_follicle_synth_refuses_bad_arms(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["synth", "--women", "10", *args, str(tmp_path / "x")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x").exists()
