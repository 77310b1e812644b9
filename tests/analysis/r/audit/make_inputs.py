"""Write the inputs of fixtures.R: the 2 × 2 tables of Table 2 and test statistics.

``inputs/tables.csv``: each factor's two groups (pregnant n of total) on the seed cohort and
on the generated cohort of tests/analysis/cohorts.py, plus the seed paper's printed tables.
``inputs/statistics.csv``: test statistics whose p-values R computes (the seed cohort's χ² of
Table 2 among them). Run: ``.venv/bin/python tests/analysis/r/audit/make_inputs.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))  # tests/, for analysis.cohorts

import follicle.workbook.seed as seed  # noqa: E402
from analysis.cohorts import generated_workbook  # noqa: E402
from follicle.analysis.cohort import Cohort  # noqa: E402
from follicle.workbook.validate import load_workbook  # noqa: E402

GROUPS = {
    "age": ("under_35", "35_or_over"),
    "menses": ("regular", "irregular"),
    "injections": ("1", "2"),
}


def tables(name: str, cohort: Cohort) -> pd.DataFrame:
    values = cohort.result("table2").values
    rows = [
        {
            "case": f"{name}_{factor}",
            "n1": values[f"{factor}.{a}.n"],
            "total1": values[f"{factor}.{a}.total"],
            "n2": values[f"{factor}.{b}.n"],
            "total2": values[f"{factor}.{b}.total"],
        }
        for factor, (a, b) in GROUPS.items()
    ]
    return pd.DataFrame(rows)


def main() -> None:
    seed_cohort = Cohort(load_workbook(seed.path()))
    with tempfile.TemporaryDirectory() as folder:
        generated = Cohort(generated_workbook(Path(folder)))
        found = pd.concat(
            [
                tables("seed", seed_cohort),
                tables("generated", generated),
                pd.DataFrame(
                    [  # printed in the seed paper; and tables with small or zero cells
                        {"case": "printed_age", "n1": 12, "total1": 23, "n2": 26, "total2": 82},
                        {"case": "printed_menses", "n1": 33, "total1": 91, "n2": 5, "total2": 14},
                        {"case": "small", "n1": 1, "total1": 4, "n2": 6, "total2": 7},
                        {"case": "zero_cell", "n1": 0, "total1": 10, "n2": 5, "total2": 12},
                    ]
                ),
            ]
        )
    found.to_csv(HERE / "inputs" / "tables.csv", index=False)
    t2 = seed_cohort.result("table2").values
    statistics = pd.DataFrame(
        [
            {"case": "seed_age", "test": "chisq", "statistic": t2["age.chi2"], "df": 1, "df2": ""},
            {
                "case": "seed_menses",
                "test": "chisq",
                "statistic": t2["menses.chi2"],
                "df": 1,
                "df2": "",
            },
            {"case": "printed_age", "test": "chisq", "statistic": 2.4321, "df": 1, "df2": ""},
            {"case": "chisq_df3", "test": "chisq", "statistic": 7.815, "df": 3, "df2": ""},
            {"case": "z", "test": "z", "statistic": 1.96, "df": "", "df2": ""},
            {"case": "z_negative", "test": "z", "statistic": -2.5758, "df": "", "df2": ""},
            {"case": "z_large", "test": "z", "statistic": 6.2, "df": "", "df2": ""},
            {"case": "t", "test": "t", "statistic": 2.1, "df": 10, "df2": ""},
            {"case": "t_negative", "test": "t", "statistic": -3.3, "df": 27, "df2": ""},
            {"case": "f", "test": "f", "statistic": 4.0, "df": 1, "df2": 20},
            {"case": "f_wide", "test": "f", "statistic": 2.37, "df": 4, "df2": 95},
        ]
    )
    statistics.to_csv(HERE / "inputs" / "statistics.csv", index=False)


if __name__ == "__main__":
    main()
