"""Write the inputs of the adjudication R fixtures (``r/adjudication/inputs/*.csv``).

* ``events_<cohort>.csv``: every reported event of the bundled seed cohort and of the
  tests' generated cohort (:func:`follicle.workbook.events.reported_events`): type, key,
  recorded value;
* ``judgments_<cohort>.csv``: a simulated review of those events (fixed seed): most events
  judged twice with mostly agreeing verdicts, some once, some not at all, some disputed and
  decided, and some judgments of an older recorded value (which no longer count);
* ``pairs.csv``: hand-made pairs of verdicts for kappa's edge cases (perfect agreement,
  agreement below chance, an unused category, every verdict alike: kappa undefined).

R (``fixtures.R``) takes the first two current reviews of each event by itself and computes
percent agreement, Cohen's kappa and its Fleiss–Cohen–Everitt interval by hand in base R.
Regenerate both steps from the repository root::

    .venv/bin/python tests/analysis/r/adjudication/make_inputs.py
    Rscript tests/analysis/r/adjudication/fixtures.R

A test rebuilds these inputs and compares them with the files.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script, the tests package is not found
    sys.path.insert(0, str(HERE.parents[2]))

INPUTS = HERE / "inputs"
COHORTS = ("seed", "generated")
SEED = 20261205

#: Hand-made pairs: (case, first reviewer's verdicts, second's), verdicts by initial.
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("perfect", "ccccrrjjx", "ccccrrjjx"),
    ("below_chance", "ccccjjjj", "jjjjcccc"),
    ("unused_category", "cccccccjjjcj", "ccccccjjjjcc"),
    ("one_disagreement", "cccccccccj", "cccccccccc"),
    ("all_alike", "ccccc", "ccccc"),
    (
        "textbook",
        "c" * 20 + "j" * 15 + "r" * 15,
        "c" * 16 + "j" * 4 + "j" * 10 + "c" * 5 + "r" * 12 + "c" * 3,
    ),
)
_VERDICT = {"c": "confirm", "r": "reclassify", "j": "reject", "x": "reject"}


def cohort_events(cohort: str, scratch: Path) -> pd.DataFrame:
    """A cohort's reported events, sorted by type and key."""
    from analysis.r.make_inputs import cohort_workbook
    from follicle.workbook.events import reported_events

    events = reported_events(cohort_workbook(cohort, scratch))
    events = events.sort_values(["event_type", "event_key"], ignore_index=True)
    return events.loc[:, ["event_type", "event_key", "participant_id", "recorded_value"]]


def _alternative(kind: str, value: str, draw: float) -> str:
    from follicle.workbook.events import RECLASSIFY_VOCABULARY

    words = [w for w in RECLASSIFY_VOCABULARY[kind] if w != value]
    return words[int(draw * len(words))]


def simulated_judgments(events: pd.DataFrame) -> pd.DataFrame:
    """A reproducible review of ``events`` (one row per judgment, the workbook's columns)."""
    from follicle.workbook.events import RECLASSIFY_VOCABULARY

    rng = np.random.default_rng(SEED)
    rows: list[dict[str, str]] = []
    day = pd.Timestamp("2026-01-05")

    def add(event: pd.Series, stage: str, who: str, verdict: str, value: str, n: int) -> None:
        rows.append(
            {
                "judgment_id": f"J{len(rows) + 1:05d}",
                "participant_id": event.participant_id,
                "event_type": event.event_type,
                "event_key": event.event_key,
                "recorded_value": value,
                "stage": stage,
                "reviewer": who,
                "verdict": verdict,
                "corrected_value": "",
                "reason": "" if verdict == "confirm" else "simulated",
                "judged_on": (day + pd.Timedelta(days=n)).strftime("%Y-%m-%d"),
            }
        )

    def verdict(kind: str) -> str:
        choices = (
            ("confirm", "reclassify", "reject")
            if kind in RECLASSIFY_VOCABULARY
            else (
                "confirm",
                "reject",
            )
        )
        weights = (0.7, 0.15, 0.15) if len(choices) == 3 else (0.8, 0.2)
        return str(rng.choice(choices, p=weights))

    for i, event in enumerate(events.itertuples(index=False)):
        u = rng.random()
        if u < 0.08:
            continue  # not reviewed yet
        if u < 0.12:  # a judgment of a value since corrected: no longer counts
            add(pd.Series(event._asdict()), "review", "rev_a", "confirm", "superseded", i)
        first = verdict(event.event_type)
        # The second reviewer agrees four times in five, else judges afresh.
        second = first if rng.random() < 0.8 else verdict(event.event_type)
        e = pd.Series(event._asdict())
        add(e, "review", "rev_a", first, event.recorded_value, i)
        if first == "reclassify":
            rows[-1]["corrected_value"] = _alternative(
                event.event_type, event.recorded_value, rng.random()
            )
        if u < 0.2:
            continue  # one judgment only
        add(e, "review", "rev_b", second, event.recorded_value, i + 1)
        if second == "reclassify":
            same = first == "reclassify" and rng.random() < 0.75
            rows[-1]["corrected_value"] = (
                rows[-2]["corrected_value"]
                if same
                else _alternative(event.event_type, event.recorded_value, rng.random())
            )
        agreed = first == second and rows[-1]["corrected_value"] == rows[-2]["corrected_value"]
        if not agreed and rng.random() < 0.7:
            add(
                e, "decision", "adjudicator", verdict(event.event_type), event.recorded_value, i + 2
            )
            if rows[-1]["verdict"] == "reclassify":
                rows[-1]["corrected_value"] = _alternative(
                    event.event_type, event.recorded_value, rng.random()
                )
    return pd.DataFrame(rows)


def pairs() -> pd.DataFrame:
    """The hand-made pairs, one row per rated item."""
    out = [
        (case, i + 1, _VERDICT[a], _VERDICT[b])
        for case, first, second in PAIRS
        for i, (a, b) in enumerate(zip(first, second, strict=True))
    ]
    return pd.DataFrame(out, columns=["case", "item", "first", "second"])


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    frames = {"pairs.csv": pairs()}
    for cohort in COHORTS:
        events = cohort_events(cohort, scratch)
        frames[f"events_{cohort}.csv"] = events
        frames[f"judgments_{cohort}.csv"] = simulated_judgments(events)
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``tests/analysis/r/adjudication/inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
