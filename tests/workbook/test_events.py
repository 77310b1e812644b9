"""Reported events and where their review stands, from whole frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from follicle.workbook.events import DEFINING_COLUMNS, reported_events, review_status
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"


def _judgment(n: int, key: str, recorded: str, stage: str, who: str, verdict: str, value=""):
    return {
        "judgment_id": f"J{n}",
        "participant_id": "007",
        "event_type": "pregnancy",
        "event_key": key,
        "recorded_value": recorded,
        "stage": stage,
        "reviewer": who,
        "verdict": verdict,
        "corrected_value": value,
        "reason": "",
        "judged_on": f"2026-12-0{n}",
    }


def test_every_row_that_reports_something_is_one_event():
    events = reported_events(load_workbook(SMALL))
    assert sorted(events["event_type"].value_counts().items()) == [
        ("condition", 1),
        ("infant", 3),
        ("infant_condition", 1),
        ("pregnancy", 4),
    ]
    assert set(events.loc[events["event_type"] == "condition", "event_key"]) == {
        "007|ovarian_cyst|2019-08-01"
    }
    infant = events[events["event_key"] == "B2"].iloc[0]
    assert (infant["participant_id"], infant["recorded_value"]) == ("009", "alive")


def test_an_empty_workbook_has_no_events():
    events = reported_events(Workbook.from_frames({}))
    assert events.empty
    assert list(events.columns) == [
        "event_type",
        "event_key",
        "participant_id",
        "recorded_value",
        "event_date",
    ]


@pytest.mark.parametrize(
    ("rows", "status", "final", "value"),
    [
        ([], "to_review", None, None),
        ([(1, "G1", "live_birth", "review", "a", "confirm")], "one_judgment", None, None),
        (
            [
                (1, "G1", "live_birth", "review", "a", "reclassify", "stillbirth"),
                (2, "G1", "live_birth", "review", "b", "reclassify", "stillbirth"),
            ],
            "settled",
            "reclassify",
            "stillbirth",
        ),
        (
            [
                (1, "G1", "live_birth", "review", "a", "reclassify", "stillbirth"),
                (2, "G1", "live_birth", "review", "b", "reclassify", "miscarriage"),
            ],
            "disputed",
            None,
            None,
        ),
        (
            [
                (1, "G1", "live_birth", "review", "a", "confirm"),
                (2, "G1", "live_birth", "review", "b", "reject"),
                (3, "G1", "live_birth", "decision", "c", "confirm"),
            ],
            "decided",
            "confirm",
            "live_birth",
        ),
        # Judgments of an earlier value no longer count.
        (
            [
                (1, "G1", "ongoing", "review", "a", "confirm"),
                (2, "G1", "ongoing", "review", "b", "confirm"),
            ],
            "to_review",
            None,
            None,
        ),
    ],
    ids=["none", "one", "agreed reclassify", "same verdict other value", "decided", "stale"],
)
def test_the_status_follows_the_judgments_of_the_current_value(rows, status, final, value):
    events = reported_events(load_workbook(SMALL))
    judgments = pd.DataFrame(
        [_judgment(*r) for r in rows],
        columns=list(_judgment(1, "", "", "", "", "").keys()),
    )
    found = review_status(events, judgments).set_index("event_key").loc["G1"]
    assert found["status"] == status
    assert found["final_verdict"] == final
    assert found["final_value"] == value


def _another(column: pd.Series, table: str, name: str) -> object:
    """A valid value of ``column`` other than its first row's."""
    from follicle.workbook.schema import TABLES_BY_NAME

    spec = TABLES_BY_NAME[table].column(name)
    value = column.iloc[0]
    if spec.vocabulary is not None:
        return next(w for w in spec.vocabulary if w != value)
    if spec.dtype == "date":
        return pd.Timestamp("2021-03-04") if pd.isna(value) else value + pd.Timedelta(days=1)
    if spec.dtype == "boolean":
        return True if pd.isna(value) else not value
    if spec.dtype in ("integer", "number"):
        return 1 if pd.isna(value) else value + 1
    return "Z" if pd.isna(value) else f"{value}Z"


@pytest.mark.parametrize("kind", list(DEFINING_COLUMNS))
def test_the_defining_columns_are_those_whose_change_makes_another_event(kind: str) -> None:
    """A change of a column in DEFINING_COLUMNS changes the event's key or recorded value
    (its judgments stop counting); a change of any other column of its row does not."""
    from follicle.store.follow_up.adjudication import EVENT_TABLES
    from follicle.workbook.schema import TABLES, TABLES_BY_NAME

    workbook = load_workbook(SMALL)
    frames = {t.name: workbook[t.name].copy() for t in TABLES}
    frames["contacts"].loc[frames["contacts"].index[0], "vital_status"] = "deceased"
    table = EVENT_TABLES[kind]

    def events_of(tables: dict[str, pd.DataFrame]) -> set[tuple[str, str]]:
        found = reported_events(tables)
        found = found[found["event_type"] == kind]
        return set(zip(found["event_key"], found["recorded_value"], strict=True))

    before = events_of(frames)
    assert before
    for column in TABLES_BY_NAME[table].column_names:
        changed = frames[table].copy()
        changed.loc[changed.index[0], column] = _another(changed[column], table, column)
        moved = events_of({**frames, table: changed}) != before
        assert moved == (column in DEFINING_COLUMNS[kind]), column
