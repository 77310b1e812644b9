"""Write the inputs of the R reference fixtures (``tests/analysis/r/inputs/*.csv``).

The inputs are the exact frames the Python tests compare on: per-woman dates, injection
dates and pregnancies (conception dates, modes) of two cohorts — the bundled seed cohort
and the deterministic generated cohort of ``tests/analysis/cohorts.py`` — plus hand-made
2 × 2 tables and vectors for the edge cases of ``chisq.test`` and ``boxplot.stats``.
R (``make_fixtures.R``) derives the variables (ages, follow-up, injections, pregnant, the
injection each pregnancy is timed from, months) and the statistics from them on its own.

Regenerate both steps from the repository root::

    .venv/bin/python tests/analysis/r/make_inputs.py
    Rscript tests/analysis/r/make_fixtures.R

A test rebuilds these inputs and compares them with the files, so inputs that drift from
what the Python code derives fail until the fixtures are regenerated.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
COHORTS = ("seed", "generated")

#: Hand-made 2 × 2 tables [[a, b], [c, d]] for the edge cases of Yates' correction.
TABLES_2X2: dict[str, tuple[int, int, int, int]] = {
    "published_age": (12, 11, 26, 56),  # the paper's < 35 vs >= 35 (chi2 2.4321)
    "noise_abs_dev_below_half": (33, 58, 5, 9),  # |O - E| <= 0.5: exactly 0, R prints 6e-31
    "abs_dev_exactly_half": (2, 3, 3, 2),  # E = 2.5, |O - E| = 0.5: exactly 0
    "observed_equals_expected": (5, 5, 5, 5),  # Y = 0: R drops "with Yates'..."
    "small_counts": (1, 4, 3, 2),
    "zero_cell": (0, 5, 3, 4),
    "perfect_association": (10, 0, 0, 10),
    "large_counts": (120, 80, 60, 140),
    "unbalanced": (1, 99, 10, 90),
    "zero_row_margin": (0, 0, 3, 4),  # undefined: R gives NaN
    "zero_column_margin": (0, 3, 0, 4),
}

#: Vectors for fivenum, quantile and boxplot.stats edge cases.
VECTORS: dict[str, tuple[float, ...]] = {
    "odd_n": (3, 1, 4, 1, 5, 9, 2, 6, 5),
    "even_n": (24, 28, 31, 32, 35, 36, 36, 38, 39, 43),
    "outliers_both_sides": (1, 20, 21, 22, 23, 24, 25, 26, 60),
    "single": (36,),
    "two": (30, 40),
    "ties": (35, 35, 35, 35, 36),
    "published_whiskers_case": (24, 30, 32, 34, 35, 36, 36, 37, 38, 39, 40, 42, 43),
}

WOMEN_COLUMNS = ("participant_id", "birth_date", "end_of_followup", "menses_baseline")
PREGNANCY_COLUMNS = ("pregnancy_id", "participant_id", "mode", "conception_date")


def cohort_workbook(cohort: str, scratch: Path):  # type: ignore[no-untyped-def]
    """The bundled seed cohort (``"seed"``) or the tests' generated cohort, validated."""
    tests = str(HERE.parents[1])
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import follicle.workbook.seed as seed
    from analysis.cohorts import generated_workbook
    from follicle.workbook.validate import load_workbook

    if cohort == "seed":
        return load_workbook(seed.path())
    return generated_workbook(scratch / cohort)


def dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its date columns as ``YYYY-MM-DD`` text, as the R scripts read them."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


def cohort_inputs(cohort: str, scratch: Path) -> dict[str, pd.DataFrame]:
    """The per-woman and per-pregnancy input frames of one cohort, as written to CSV."""
    from follicle.analysis import frame

    workbook = cohort_workbook(cohort, scratch)
    women = frame.women(workbook)
    treated = workbook["injections"]["participant_id"].isin(women["participant_id"])
    injections = workbook["injections"].loc[treated, ["participant_id", "injection_date"]]
    pregnancies = frame.pregnancies(workbook).loc[:, list(PREGNANCY_COLUMNS)]
    return {
        f"women_{cohort}.csv": dates_as_text(women.loc[:, list(WOMEN_COLUMNS)]),
        f"injections_{cohort}.csv": dates_as_text(
            injections.sort_values(["participant_id", "injection_date"], ignore_index=True)
        ),
        f"pregnancies_{cohort}.csv": dates_as_text(pregnancies),
    }


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    frames: dict[str, pd.DataFrame] = {}
    for cohort in COHORTS:
        frames |= cohort_inputs(cohort, scratch)
    frames["tables_2x2.csv"] = pd.DataFrame(
        [(case, *cells) for case, cells in TABLES_2X2.items()],
        columns=["case", "a", "b", "c", "d"],
    )
    frames["vectors.csv"] = pd.DataFrame(
        {
            "case": list(VECTORS),
            "values": [";".join(f"{v:g}" for v in values) for values in VECTORS.values()],
        }
    )
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``tests/analysis/r/inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
