"""Cohorts for the analysis tests: the small fixture, the seed cohort and a generated one."""

from __future__ import annotations

from pathlib import Path

import pytest

import follicle.workbook.seed as seed
from analysis.cohorts import generated_workbook
from follicle.analysis.cohort import Cohort
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"


@pytest.fixture(scope="session")
def small_workbook() -> Workbook:
    """tests/fixtures/workbooks/small: four women, four pregnancies, three infants."""
    return load_workbook(SMALL)


@pytest.fixture(scope="session")
def small(small_workbook: Workbook) -> Cohort:
    """The small fixture as a cohort."""
    return Cohort(small_workbook)


@pytest.fixture(scope="session")
def seed_cohort() -> Cohort:
    """The bundled 105-woman reconstruction of the seed paper."""
    return Cohort(load_workbook(seed.path()))


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The deterministic generated cohort (300 treated and 15 untreated women)."""
    return Cohort(generated_workbook(tmp_path_factory.mktemp("generated")))


@pytest.fixture(scope="session")
def arms_cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """A synthetic cohort of 400 women in three arms (MenSC, PRP, control; true HR 1.5)."""
    from follicle.workbook.synthetic import write_synthetic
    from follicle.workbook.synthetic_arms import parse_arms, parse_hazard_ratios

    shares = parse_arms("MenSC:0.5,PRP:0.25,control:0.25")
    folder = write_synthetic(
        tmp_path_factory.mktemp("arms"),
        400,
        seed=15,
        arms=shares,
        hazard_ratios=parse_hazard_ratios("1.5", shares),
    )
    return Cohort(load_workbook(folder))


@pytest.fixture(scope="session")
def cohorts(seed_cohort: Cohort, generated: Cohort) -> dict[str, Cohort]:
    """The two cohorts the R fixtures were computed on, by name."""
    return {"seed": seed_cohort, "generated": generated}
