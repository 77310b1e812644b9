"""Write the inputs of the R fixtures for Table 1 by a group (``fixtures.R`` beside this).

Four cohorts, each as one CSV of its women with every variable Table 1 can show or group by
(continuous ones as numbers, categorical ones as the labels follicle shows: injections
``1``/``2``/``3_plus``, booleans ``yes``/``no``; empty = unknown):

* ``seed``: the bundled 105-woman reconstruction of the seed paper;
* ``generated``: the deterministic generated cohort of ``tests/analysis/cohorts.py`` (two
  sites, some unknown follow-up menses);
* ``synthetic``: 600 women over four sites from :mod:`follicle.workbook.synthetic` (three
  or more groups: Welch's ANOVA, r × c χ², pairwise SMDs);
* ``edge``: 16 hand-made women with unknown values, an unknown group, a group of one, a
  level absent from a group and small 2 × 2 tables (Fisher).

``levels.csv`` gives each vocabulary's order, ``cases.csv`` the tables to compute (cohort,
``by`` and the variables). Regenerate from the repository root::

    .venv/bin/python tests/analysis/r/table1/make_inputs.py
    Rscript tests/analysis/r/table1/fixtures.R
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
TESTS = HERE.parents[2]

#: (case, cohort, by, variables or "" for the default rows).
CASES = (
    ("seed_age_group", "seed", "age_group", ""),
    ("seed_injections", "seed", "injections", "age;menses_baseline;menses_followup;pregnant"),
    ("seed_menses_baseline", "seed", "menses_baseline", ""),
    ("seed_one_site", "seed", "site", "age;pregnant"),
    ("generated_site", "generated", "site", ""),
    ("generated_menses_baseline", "generated", "menses_baseline", "age;followup_years;site"),
    ("generated_injections", "generated", "injections", "age;menses_followup;ivf_treated"),
    ("synthetic_site", "synthetic", "site", ""),
    ("synthetic_age_group", "synthetic", "age_group", "age_followup;site;pregnant;poseidon"),
    ("edge_arm", "edge", "arm", "age;followup_years;menses_baseline;menses_followup;pregnant"),
    ("edge_pregnant", "edge", "pregnant", "age;arm;menses_baseline"),
)


def _frames(scratch: Path) -> dict[str, pd.DataFrame]:
    """Each cohort's per-woman frame as ``Cohort.table1`` stratifies it."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import follicle.workbook.seed as seed
    from analysis.cohorts import generated_workbook
    from follicle.analysis.cohort import Cohort
    from follicle.workbook.synthetic import write_synthetic
    from follicle.workbook.validate import load_workbook

    write_synthetic(scratch / "synthetic", 600, seed=11, sites=4)
    cohorts = {
        "seed": Cohort(load_workbook(seed.path())),
        "generated": Cohort(generated_workbook(scratch / "generated")),
        "synthetic": Cohort(load_workbook(scratch / "synthetic")),
    }
    frames = {name: c.stratification_frame for name, c in cohorts.items()}
    frames["edge"] = edge_frame()
    return frames


def edge_frame() -> pd.DataFrame:
    """16 women with the awkward cases: unknowns, a group of one, empty levels."""
    arm = ["A"] * 7 + ["B"] * 6 + ["C"] + [None] * 2
    age = [30, 31, None, 35, 40, 41, 29, 33, 38, 44, 39, 36, None, 42, 37, 25]
    years = [2.5, 3.0, 3.5, None, 4.25, 5.0, 2.75, 3.1, 3.3, 2.9, 6.0, 4.4, 3.8, 3.05, 2.6, 3.3]
    baseline = ["regular"] * 5 + ["irregular", None] + ["regular"] * 4 + ["amenorrhea"] * 2
    baseline += ["regular", "irregular", "regular"]
    followup = ["regular", "menopause", None, "regular", "irregular", "regular", "regular"]
    followup += ["regular", None, "regular", "regular", "regular", "regular", "irregular"]
    followup += ["regular", None]
    pregnant = [True, False, False, True, None, False, True, False, False, False, True]
    pregnant += [False, False, True, False, True]
    return pd.DataFrame(
        {
            "participant_id": [f"E-{i:02d}" for i in range(1, 17)],
            "arm": pd.array(arm, dtype="string"),
            "age": pd.array(age, dtype="Int64"),
            "followup_years": pd.array(years, dtype="Float64"),
            "menses_baseline": pd.array(baseline, dtype="string"),
            "menses_followup": pd.array(followup, dtype="string"),
            "pregnant": pd.array(pregnant, dtype="boolean"),
        }
    )


def _as_input(frame: pd.DataFrame) -> pd.DataFrame:
    """The variables as R reads them: numbers, or the labels Table 1 shows."""
    from follicle.analysis.stratified import VARIABLES, categories

    out = {"participant_id": frame["participant_id"]}
    for name, variable in VARIABLES.items():
        if name not in frame.columns:
            continue
        if variable.kind == "continuous":
            out[name] = pd.to_numeric(frame[name]).astype("Float64")
        else:
            out[name] = categories(frame, name)
    return pd.DataFrame(out)


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    from follicle.analysis.stratified import VARIABLES

    files = {f"women_{name}.csv": _as_input(f) for name, f in _frames(scratch).items()}
    files["levels.csv"] = pd.DataFrame(
        [(v.name, i, level) for v in VARIABLES.values() for i, level in enumerate(v.levels or ())],
        columns=["variable", "order", "level"],
    )
    files["kinds.csv"] = pd.DataFrame(
        [(v.name, v.kind) for v in VARIABLES.values()], columns=["variable", "kind"]
    )
    files["cases.csv"] = pd.DataFrame(CASES, columns=["case", "cohort", "by", "variables"])
    return files


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index, floats round-tripping)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")


def main() -> None:
    """Write every input file into ``inputs/`` beside this script."""
    INPUTS.mkdir(exist_ok=True)
    np.seterr(all="ignore")
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
