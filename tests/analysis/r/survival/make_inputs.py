"""Write the inputs of the time-to-pregnancy R fixtures (``r/survival/inputs/*.csv``).

For each cohort — the bundled seed cohort and the generated cohort of
``tests/analysis/cohorts.py`` — the raw workbook rows of the treated women: birth dates,
injection dates, contacts (date, menses) and pregnancies (conception dates). R
(``fixtures.R``) derives from them on its own the first injection, the age group, the end of
follow-up, the menopause date, the first pregnancy after the first injection, and each
woman's time and status; then it runs ``survfit``, ``survdiff`` and ``cmprsk::cuminc``.
A third, hand-made cohort of raw rows (``edges``) holds the derivation's edge cases: a
pregnancy after reported menopause or on its day, on the injection day or before it, no
contact, contacts before the injection, two injections. Plus hand-made (time, status,
group) cases for the edge cases of the estimators: ties of both causes, events at time 0,
everyone failing at the last time, three groups. Regenerate both steps from the repository
root::

    .venv/bin/python tests/analysis/r/survival/make_inputs.py
    Rscript tests/analysis/r/survival/fixtures.R

A test rebuilds these inputs and compares them with the files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from follicle.workbook.frames import Workbook

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
COHORTS = ("seed", "generated")
#: Cohorts whose derived times and status R checks: the two above and the edge cases below.
DERIVED = (*COHORTS, "edges")

#: A hand-made cohort of the derivation's edge cases, as raw workbook rows (not validated:
#: it holds a pregnancy and contacts dated before the first injection). Injections on
#: 2020-01-01 unless said otherwise.
EDGE_PARTICIPANTS = {  # participant_id: (birth date, why she is here)
    "E01": ("1990-05-01", "pregnant"),
    "E02": ("1980-05-01", "conceived after a contact reported menopause: menopause first"),
    "E03": ("1981-01-02", "conceived on the day menopause is reported: pregnancy"),
    "E04": ("1985-01-01", "conceived on the injection day: time 0"),
    "E05": ("1990-01-02", "a pregnancy before the injection only: censored"),
    "E06": ("1979-12-31", "a pregnancy before the injection and one after it"),
    "E07": ("1988-03-03", "no contact, no pregnancy: no follow-up"),
    "E08": ("1988-03-04", "no contact but a pregnancy: the event is known"),
    "E09": ("1984-07-07", "only contact before the injection: ends before it"),
    "E10": ("1976-02-29", "menopause reported before the injection"),
    "E11": ("1992-12-31", "only contact on the injection day: censored at 0"),
    "E12": ("1983-06-15", "two injections: timed from the first"),
    "E13": ("1978-11-11", "menopause reported, then regular again: menopause stays"),
    "E14": ("1990-01-01", "never injected: not in the analysis"),
}
EDGE_INJECTIONS = [(f"E{i:02d}", "2020-01-01") for i in range(1, 14)] + [("E12", "2020-06-01")]
EDGE_CONTACTS = [  # (participant_id, contact_date, menses)
    ("E01", "2021-01-01", "regular"),
    ("E02", "2020-06-01", "menopause"),
    ("E02", "2021-01-01", "menopause"),
    ("E03", "2020-06-01", "menopause"),
    ("E04", "2021-01-01", "regular"),
    ("E05", "2021-01-01", "irregular"),
    ("E06", "2021-01-01", ""),
    ("E09", "2019-12-01", "regular"),
    ("E10", "2019-12-15", "menopause"),
    ("E10", "2021-01-01", "menopause"),
    ("E11", "2020-01-01", "regular"),
    ("E12", "2021-06-01", "regular"),
    ("E13", "2020-03-01", "menopause"),
    ("E13", "2020-09-01", "regular"),
]
EDGE_PREGNANCIES = [  # (participant_id, conception_date)
    ("E01", "2020-05-01"),
    ("E02", "2020-09-01"),
    ("E03", "2020-06-01"),
    ("E04", "2020-01-01"),
    ("E05", "2019-10-01"),
    ("E06", "2019-10-01"),
    ("E06", "2020-03-01"),
    ("E08", "2020-04-01"),
    ("E12", "2020-08-01"),
]

#: Hand-made cases: name -> (times, statuses, groups). Status 0 censored, 1 event, 2 competing.
CASES: dict[str, tuple[tuple[float, ...], tuple[int, ...], tuple[str, ...]]] = {
    "ties_both_causes": (
        (0, 0, 1, 2, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8),
        (1, 0, 1, 1, 1, 2, 0, 2, 2, 1, 0, 1, 2, 1, 0, 0),
        ("a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b"),
    ),
    "all_fail_at_the_end": (
        (1, 2, 3, 3, 4, 4, 4),
        (1, 2, 0, 1, 1, 2, 1),
        ("a", "a", "b", "b", "a", "b", "b"),
    ),
    "no_competing": (
        (0.5, 1, 1, 2.5, 3, 4, 4, 6),
        (1, 0, 1, 1, 0, 1, 0, 0),
        ("a", "b", "a", "b", "a", "b", "a", "b"),
    ),
    "last_is_competing": (
        (1, 2, 2, 3, 5, 6, 6, 9),
        (0, 1, 2, 1, 1, 0, 2, 2),
        ("b", "a", "b", "a", "b", "a", "b", "a"),
    ),
    "three_groups": (
        (1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9, 10, 10),
        (1, 2, 1, 0, 1, 1, 2, 1, 0, 1, 1, 2, 0, 1, 0),
        ("a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c", "a", "b", "c"),
    ),
}
#: The months of the cases' estimates (the cohorts use 3, 6, 12, 24 and 36).
CASE_TIMES = (0, 1, 2, 3, 4, 5, 6, 8, 10)


def edge_workbook() -> Workbook:
    """The edge-case cohort as a (not validated) workbook."""
    frames = {
        "participants": pd.DataFrame(
            {
                "participant_id": list(EDGE_PARTICIPANTS),
                "birth_date": [b for b, _ in EDGE_PARTICIPANTS.values()],
                "menses_baseline": "regular",
            }
        ),
        "injections": pd.DataFrame(EDGE_INJECTIONS, columns=["participant_id", "injection_date"]),
        "contacts": pd.DataFrame(
            EDGE_CONTACTS, columns=["participant_id", "contact_date", "menses"]
        ),
        "pregnancies": pd.DataFrame(
            [(f"G{i:02d}", *row, "spontaneous") for i, row in enumerate(EDGE_PREGNANCIES, 1)],
            columns=["pregnancy_id", "participant_id", "conception_date", "mode"],
        ),
    }
    return Workbook.from_frames(frames)


def _workbook(cohort: str, scratch: Path) -> Workbook:
    tests = str(HERE.parents[2])
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import follicle.workbook.seed as seed
    from analysis.cohorts import generated_workbook
    from follicle.workbook.validate import load_workbook

    if cohort == "seed":
        return load_workbook(seed.path())
    if cohort == "edges":
        return edge_workbook()
    return generated_workbook(scratch / cohort)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


def _rows(frame: pd.DataFrame, treated: pd.Series, columns: list[str]) -> pd.DataFrame:
    chosen = frame.loc[frame["participant_id"].isin(treated), columns]
    return _dates_as_text(chosen.sort_values(columns, ignore_index=True))


def cohort_inputs(cohort: str, scratch: Path) -> dict[str, pd.DataFrame]:
    """The raw rows of one cohort's treated women, as written to CSV."""
    from follicle.analysis.frame import treated_ids

    workbook = _workbook(cohort, scratch)
    treated = treated_ids(workbook)
    return {
        f"participants_{cohort}.csv": _rows(
            workbook["participants"], treated, ["participant_id", "birth_date"]
        ),
        f"injections_{cohort}.csv": _rows(
            workbook["injections"], treated, ["participant_id", "injection_date"]
        ),
        f"contacts_{cohort}.csv": _rows(
            workbook["contacts"], treated, ["participant_id", "contact_date", "menses"]
        ),
        f"pregnancies_{cohort}.csv": _rows(
            workbook["pregnancies"], treated, ["participant_id", "conception_date"]
        ),
    }


def cases() -> pd.DataFrame:
    """The hand-made cases, one row per subject."""
    frames = [
        pd.DataFrame({"case": name, "time": times, "status": statuses, "group": groups})
        for name, (times, statuses, groups) in CASES.items()
    ]
    return pd.concat(frames, ignore_index=True)


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    frames: dict[str, pd.DataFrame] = {}
    for cohort in DERIVED:
        frames |= cohort_inputs(cohort, scratch)
    frames["cases.csv"] = cases()
    frames["case_times.csv"] = pd.DataFrame({"time": CASE_TIMES})
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``tests/analysis/r/survival/inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
