"""Write the inputs of the R fixtures for intervals, 2 × 2 tables and benchmarks.

For each cohort — the bundled seed cohort and the generated cohort of
``tests/analysis/cohorts.py`` — the raw rows R derives the variables from: women (birth and
end-of-follow-up dates, baseline menses), injection dates, pregnancies (mode, outcome,
conception date) and IVF cycle start dates. R (``fixtures.R``) derives ages, groups,
pregnancy flags, IVF treatment, live births and months to pregnancy itself, then the 2 × 2
tables, the rates and the means, and runs ``prop.test``, ``binom.test``, ``t.test``,
``fisher.test`` and ``chisq.test`` on them.

Besides, ``counts.csv`` lists the count items (n of N) of both cohorts' Part 1 results (as
the ``intervals`` result reads them) and edge cases; ``tables.csv`` edge 2 × 2 tables;
``vectors.csv`` edge vectors for ``t.test``; ``benchmarks.csv`` the published figures of
``prp_benchmarks.yaml``. Regenerate from the repository root::

    .venv/bin/python tests/analysis/r/proportions/make_inputs.py
    Rscript tests/analysis/r/proportions/fixtures.R
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
COHORTS = ("seed", "generated")

#: Edge counts: (n, N, p0) — p0 is the null value of binom.test's p-value.
EDGE_COUNTS: dict[str, tuple[int, int, float]] = {
    "zero_of_one": (0, 1, 0.5),
    "one_of_one": (1, 1, 0.5),
    "zero_of_ten": (0, 10, 0.1),
    "all_of_ten": (10, 10, 0.9),
    "one_of_two": (1, 2, 0.5),
    "one_of_three": (1, 3, 0.2),
    "zero_of_thousand": (0, 1000, 0.003),
    "all_of_thousand": (1000, 1000, 0.999),
    "three_of_100000": (3, 100_000, 0.00001),
    "half_of_million": (500_000, 1_000_000, 0.5),
    "rare_of_million": (17, 1_000_000, 0.00002),
    "tie_symmetric": (5, 10, 0.5),
    "near_tie": (13, 54, 0.254),
}

#: Edge 2 × 2 tables [[a, b], [c, d]] (rows = groups, columns = event, no event).
EDGE_TABLES: dict[str, tuple[int, int, int, int]] = {
    "published_age": (12, 11, 26, 56),
    "zero_a": (0, 5, 3, 4),
    "zero_b": (5, 0, 3, 4),
    "zero_c": (4, 3, 0, 5),
    "zero_d": (4, 3, 5, 0),
    "perfect_association": (10, 0, 0, 10),
    "all_events": (5, 0, 7, 0),
    "zero_row": (0, 0, 3, 4),
    "tiny": (1, 0, 0, 1),
    "small_counts": (1, 4, 3, 2),
    "symmetric": (5, 5, 5, 5),
    "unbalanced": (1, 99, 10, 90),
    "large": (1200, 800, 600, 1400),
    "very_large": (52_000, 448_000, 50_000, 450_000),
}

#: Edge vectors for t.test (values separated by ';').
EDGE_VECTORS: dict[str, tuple[float, ...]] = {
    "two": (30, 40),
    "three": (1.5, 2.25, 7.75),
    "skewed": (0.3, 0.5, 0.5, 0.7, 1.2, 3.9, 24.1),
    "large_spread": (1e-3, 1e3, 5e2, 2.5e2),
}

WOMEN = ("participant_id", "birth_date", "end_of_followup", "menses_baseline")
PREGNANCIES = ("pregnancy_id", "participant_id", "mode", "outcome", "conception_date")


def _workbook(cohort: str, scratch: Path):  # type: ignore[no-untyped-def]
    tests = str(HERE.parents[2])
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import follicle.workbook.seed as seed
    from analysis.cohorts import generated_workbook
    from follicle.workbook.validate import load_workbook

    if cohort == "seed":
        return load_workbook(seed.path())
    return generated_workbook(scratch / cohort)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


def cohort_inputs(cohort: str, scratch: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """One cohort's raw input frames by file name, and its Part 1 count items."""
    from follicle.analysis.cohort import PART1, Cohort
    from follicle.analysis.stats.intervals import NOT_PROPORTIONS, count_items

    c = Cohort(_workbook(cohort, scratch))
    ids = c.women["participant_id"]
    injections = c.workbook["injections"]
    injections = injections.loc[injections["participant_id"].isin(ids)]
    cycles = c.workbook["ivf_cycles"]
    cycles = cycles.loc[cycles["participant_id"].isin(ids), ["participant_id", "start_date"]]
    frames = {
        f"women_{cohort}.csv": _dates_as_text(c.women.loc[:, list(WOMEN)]),
        f"injections_{cohort}.csv": _dates_as_text(
            injections[["participant_id", "injection_date"]].sort_values(
                ["participant_id", "injection_date"], ignore_index=True
            )
        ),
        f"pregnancies_{cohort}.csv": _dates_as_text(c.pregnancies.loc[:, list(PREGNANCIES)]),
        f"ivf_cycles_{cohort}.csv": _dates_as_text(
            cycles.sort_values(["participant_id", "start_date"], ignore_index=True)
        ),
    }
    items = count_items({name: c.result(name) for name in PART1})
    key = items["result"] + "." + items["item"]
    items = items.loc[~key.isin(NOT_PROPORTIONS) & (items["total"] > 0)]
    counts = pd.DataFrame(
        {
            "case": cohort + "." + items["result"] + "." + items["item"],
            "n": items["n"].astype(int),
            "total": items["total"].astype(int),
            "p0": 0.5,
        }
    )
    return frames, counts


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    from follicle.analysis.benchmarks import load_benchmarks

    frames: dict[str, pd.DataFrame] = {}
    counts = [
        pd.DataFrame(
            [(case, n, total, p0) for case, (n, total, p0) in EDGE_COUNTS.items()],
            columns=["case", "n", "total", "p0"],
        )
    ]
    for cohort in COHORTS:
        cohort_frames, cohort_counts = cohort_inputs(cohort, scratch)
        frames |= cohort_frames
        counts.append(cohort_counts)
    frames["counts.csv"] = pd.concat(counts, ignore_index=True)
    frames["tables.csv"] = pd.DataFrame(
        [(case, *cells) for case, cells in EDGE_TABLES.items()],
        columns=["case", "a", "b", "c", "d"],
    )
    frames["vectors.csv"] = pd.DataFrame(
        {
            "case": list(EDGE_VECTORS),
            "values": [";".join(f"{v!r}" for v in values) for values in EDGE_VECTORS.values()],
        }
    )
    frames["benchmarks.csv"] = load_benchmarks().loc[:, ["measure", "id", "value"]]
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index, floats round-tripping)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.17g")


def main() -> None:
    """Write every input file into ``inputs/`` beside this script."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
