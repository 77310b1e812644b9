"""Write the inputs of the safety and ICMART R fixtures (``r/safety/inputs/*.csv``).

For each cohort — the bundled seed cohort and the generated cohort of
``tests/analysis/cohorts.py`` — the raw workbook rows of the treated women: injection and
contact dates, pregnancies (outcome, fetuses as entered, dates), infants and infant
conditions; and every woman's maternal conditions (untreated women's too, which R must
leave out). R (``fixtures.R``) derives from them on its own the first injection, the
end of follow-up, woman- and child-years, live-birth deliveries, infants born alive and
every condition count, and then runs ``binom.test``, ``prop.test`` and ``poisson.test``.
Plus hand-made cases for ``binom.test`` and ``poisson.test`` and the vocabularies (so that R
lists the zero rows too). Regenerate both steps from the repository root::

    .venv/bin/python tests/analysis/r/safety/make_inputs.py
    Rscript tests/analysis/r/safety/fixtures.R

A test rebuilds these inputs and compares them with the files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script, the tests package is not found
    sys.path.insert(0, str(HERE.parents[2]))
from analysis.r.make_inputs import cohort_workbook, dates_as_text  # noqa: E402

INPUTS = HERE / "inputs"
COHORTS = ("seed", "generated")

#: binom.test cases: (case, x, n, conf.level).
BINOM_CASES: tuple[tuple[str, int, int, float], ...] = (
    ("zero_of_one", 0, 1, 0.95),
    ("zero_of_105", 0, 105, 0.95),
    ("one_of_105", 1, 105, 0.95),
    ("deliveries_of_women", 31, 105, 0.95),
    ("miscarriages_of_pregnancies", 12, 43, 0.95),
    ("all_of_five", 5, 5, 0.95),
    ("zero_of_32_at_90", 0, 32, 0.90),
    ("zero_of_large", 0, 100000, 0.95),
    ("three_of_300_at_99", 3, 300, 0.99),
)
#: poisson.test cases: (case, x, T in person-years, conf.level).
POISSON_CASES: tuple[tuple[str, int, float, float], ...] = (
    ("zero_events", 0, 423.832991101985, 0.95),
    ("one_event", 1, 423.832991101985, 0.95),
    ("twelve_events_short_time", 12, 5.5, 0.95),
    ("zero_events_tiny_time", 0, 0.1, 0.95),
    ("many_events", 250, 1000.0, 0.95),
    ("two_events_at_90", 2, 79.4, 0.90),
)


def cohort_inputs(cohort: str, scratch: Path) -> dict[str, pd.DataFrame]:
    """The raw tables of one cohort's treated women, as written to CSV."""
    wb = cohort_workbook(cohort, scratch)
    treated = wb["injections"]["participant_id"].dropna().unique()

    def rows(table: str, columns: list[str], *, everyone: bool = False) -> pd.DataFrame:
        frame = wb[table]
        if not everyone:
            frame = frame.loc[frame["participant_id"].isin(treated)]
        return dates_as_text(frame.loc[:, columns].sort_values(columns[:2], ignore_index=True))

    pregnancies = rows(
        "pregnancies",
        ["pregnancy_id", "participant_id", "conception_date", "fetuses", "outcome"]
        + ["outcome_date"],
    )
    infants = wb["infants"].loc[wb["infants"]["pregnancy_id"].isin(pregnancies["pregnancy_id"])]
    infants = dates_as_text(
        infants.loc[:, ["infant_id", "pregnancy_id", "birth_date", "death_date"]].sort_values(
            "infant_id", ignore_index=True
        )
    )
    infant_conditions = (
        wb["infant_conditions"]
        .loc[
            wb["infant_conditions"]["infant_id"].isin(infants["infant_id"]),
            ["infant_id", "condition"],
        ]
        .sort_values(["infant_id", "condition"], ignore_index=True)
    )
    return {
        f"injections_{cohort}.csv": rows("injections", ["participant_id", "injection_date"]),
        f"contacts_{cohort}.csv": rows("contacts", ["participant_id", "contact_date"]),
        f"pregnancies_{cohort}.csv": pregnancies,
        f"infants_{cohort}.csv": infants,
        # Every woman's: R keeps the treated women's conditions itself.
        f"conditions_{cohort}.csv": rows(
            "conditions", ["participant_id", "condition", "diagnosis_date"], everyone=True
        ),
        f"infant_conditions_{cohort}.csv": infant_conditions,
    }


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

    frames: dict[str, pd.DataFrame] = {}
    for cohort in COHORTS:
        frames |= cohort_inputs(cohort, scratch)
    frames["vocabulary.csv"] = pd.DataFrame(
        [("maternal", c) for c in MATERNAL_CONDITIONS] + [("infant", c) for c in INFANT_CONDITIONS],
        columns=["section", "condition"],
    )
    frames["binom_cases.csv"] = pd.DataFrame(BINOM_CASES, columns=["case", "x", "n", "level"])
    frames["poisson_cases.csv"] = pd.DataFrame(
        POISSON_CASES, columns=["case", "x", "time", "level"]
    )
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index; floats round-trip)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``tests/analysis/r/safety/inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
