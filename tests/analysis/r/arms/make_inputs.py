"""Write the input of the arms R fixtures (``r/arms/inputs/arms.csv``).

A synthetic cohort of 400 women in three arms (MenSC, PRP, control; assignment confounded
by age and AMH, true hazard ratio 1.5), drawn by ``follicle synth``'s generator and
validated, then reduced by :func:`follicle.analysis.arms.data.arm_times` to one row per
analysed woman: arm, months, status and the five covariates. Some covariates are blanked
so that the complete-case rule is exercised. R (``fixtures.R``) fits every model on it.
Regenerate from the repository root::

    .venv/bin/python tests/analysis/r/arms/make_inputs.py
    Rscript tests/analysis/r/arms/fixtures.R

A test rebuilds this input and compares it with the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from follicle.analysis.arms.data import COVARIATES, arm_times
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.synthetic_arms import parse_arms, parse_hazard_ratios
from follicle.workbook.validate import load_workbook

HERE = Path(__file__).resolve().parent
INPUT = HERE / "inputs" / "arms.csv"
ARMS = "MenSC:0.5,PRP:0.25,control:0.25"
HAZARD_RATIO = "1.5"
WOMEN = 400
SEED = 15
#: Every this-many-th woman loses a covariate (in turn), for the complete-case rule.
BLANK_EVERY = 23


def arms_input(scratch: Path) -> pd.DataFrame:
    """The analysed women of the fixture cohort, as written to CSV."""
    shares = parse_arms(ARMS)
    folder = write_synthetic(
        scratch / "arms",
        WOMEN,
        seed=SEED,
        arms=shares,
        hazard_ratios=parse_hazard_ratios(HAZARD_RATIO, shares),
    )
    times = arm_times(load_workbook(folder))
    times = times.loc[times["excluded"].isna()].reset_index(drop=True)
    for i, c in enumerate(COVARIATES):
        times.loc[times.index[i :: BLANK_EVERY * len(COVARIATES)], c] = pd.NA
    columns = ["participant_id", "arm", "months", "status", *COVARIATES]
    return times.loc[:, columns]


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text (full precision, LF line ends, empty cells for missing)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")


def main() -> None:
    """Write ``inputs/arms.csv``."""
    INPUT.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        INPUT.write_text(csv_text(arms_input(Path(scratch))), encoding="utf-8")


if __name__ == "__main__":
    main()
