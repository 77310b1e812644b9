"""Write the input of the R fixtures of an arm without a pregnancy (``inputs/arms.csv``).

A synthetic cohort of 60 women in three arms (MenSC, PRP, control) drawn by ``follicle
synth``'s generator with a true hazard ratio of 0.02 for PRP, so that none of PRP's 19
analysed women becomes pregnant (seed 5150, two sites), reduced by
:func:`follicle.analysis.arms.data.arm_times` to one row per analysed woman. R
(``fixtures.R``) fits every hazard model on it: PRP's coefficient has no finite maximum,
MenSC's is estimated as usual. Regenerate from the repository root::

    .venv/bin/python tests/analysis/r/arms_zero_events/make_inputs.py
    Rscript tests/analysis/r/arms_zero_events/fixtures.R

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
ARMS = "MenSC:0.5,PRP:0.3,control:0.2"
HAZARD_RATIO = "MenSC:1.2,PRP:0.02"
WOMEN = 60
SITES = 2
SEED = 5150


def arms_input(scratch: Path) -> pd.DataFrame:
    """The analysed women of the fixture cohort, as written to CSV."""
    shares = parse_arms(ARMS)
    folder = write_synthetic(
        scratch / "arms",
        WOMEN,
        seed=SEED,
        sites=SITES,
        arms=shares,
        hazard_ratios=parse_hazard_ratios(HAZARD_RATIO, shares),
    )
    times = arm_times(load_workbook(folder))
    times = times.loc[times["excluded"].isna()].reset_index(drop=True)
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
