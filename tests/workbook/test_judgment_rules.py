"""The rules of the judgments table (issue 11): each damaged fixture breaks exactly one.

The fixtures under ``tests/fixtures/workbooks/judgments_*`` are the valid ``judged`` workbook
with one judgment damaged; each must be refused with the file, row, column, value and rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from editing import FIXTURES, SMALL, append_row, copy_workbook
from follicle.workbook.validate import load_workbook, validate_path

JUDGED = FIXTURES / "judged"

#: fixture → the one problem it must raise: (row, column, value, rule).
DAMAGED = {
    "judgments_reason_missing": (4, "reason", "", "judgment_reason_missing"),
    "judgments_unknown_event": (8, "event_key", "B9", "judgment_unknown_event"),
    "judgments_other_woman": (8, "event_key", "B2", "judgment_unknown_event"),
    "judgments_corrected_value": (7, "corrected_value", "diabetes", "judgment_corrected_value"),
    "judgments_same_reviewer": (3, "reviewer", "reviewer_a", "judgment_same_reviewer"),
    "judgments_too_many": (11, "stage", "review", "judgment_too_many"),
    "judgments_decision_without_dispute": (
        6,
        "stage",
        "decision",
        "judgment_decision_without_dispute",
    ),
}


def _found(folder: Path) -> list[tuple[str, int | None, str | None, str | None, str]]:
    return [(p.file, p.row, p.column, p.value, p.rule) for p in validate_path(folder).problems]


def test_a_workbook_with_consistent_judgments_is_valid() -> None:
    result = validate_path(JUDGED)
    assert result.ok, result.problems
    assert len(load_workbook(JUDGED).frames["judgments"]) == 9


def test_a_workbook_without_the_judgments_table_stays_valid() -> None:
    assert not (SMALL / "judgments.csv").exists()
    assert validate_path(SMALL).ok


@pytest.mark.parametrize(("fixture", "expected"), sorted(DAMAGED.items()))
def test_each_damaged_judgments_fixture_is_refused_with_its_located_problem(
    fixture: str, expected: tuple[int, str, str, str]
) -> None:
    assert _found(FIXTURES / fixture) == [("judgments.csv", *expected)]


def test_a_condition_key_with_its_date_is_a_valid_event_key() -> None:
    # 007|ovarian_cyst|2019-08-01 is no ID: the column is text since migration 0007.
    assert validate_path(JUDGED).ok


def test_the_messages_say_what_is_wrong_in_the_coordinators_words() -> None:
    messages = {
        p.rule: p.message
        for name in DAMAGED
        for p in validate_path(FIXTURES / name).problems
        if name != "judgments_other_woman"
    }
    assert (
        messages["judgment_reason_missing"] == "a reclassify needs a reason (why it was judged so)"
    )
    assert "there is no infant B9 in this workbook" in messages["judgment_unknown_event"]
    assert "one of ovarian_cyst" in messages["judgment_corrected_value"]
    assert messages["judgment_same_reviewer"].startswith(
        "reviewer_a has judged pregnancy G1 already"
    )
    assert messages["judgment_too_many"].startswith("a third review of pregnancy G1")
    other = validate_path(FIXTURES / "judgments_other_woman").problems[0].message
    assert other.startswith("the infant B2 is of woman 009, not 010")


def test_a_confirm_needs_no_reason_but_a_decision_does(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb", JUDGED)
    row = append_row(
        folder,
        "judgments",
        {
            "judgment_id": "J10",
            "participant_id": "007",
            "event_type": "pregnancy",
            "event_key": "G1",
            "recorded_value": "ongoing",
            "stage": "review",
            "reviewer": "reviewer_b",
            "verdict": "reject",
            "judged_on": "2019-06-02",
        },
    )
    decision = append_row(
        folder,
        "judgments",
        {
            "judgment_id": "J11",
            "participant_id": "007",
            "event_type": "pregnancy",
            "event_key": "G1",
            "recorded_value": "ongoing",
            "stage": "decision",
            "reviewer": "adjudicator",
            "verdict": "confirm",
            "judged_on": "2019-06-03",
        },
    )
    # J9 (confirm, no reason) is fine; the reject and the decision are not; the decision
    # settles a real dispute (J9 confirm vs J10 reject), so it is otherwise allowed.
    assert {(r, c, rule) for _, r, c, _, rule in _found(folder)} == {
        (row, "reason", "judgment_reason_missing"),
        (decision, "reason", "judgment_reason_missing"),
    }


@pytest.mark.parametrize(
    ("event_type", "key", "recorded", "corrected", "message"),
    [
        ("infant", "B2", "alive", "died", "confirmed or rejected, not reclassified"),
        ("pregnancy", "G1", "live_birth", "live_birth", "the verdict is confirm"),
        ("pregnancy", "G1", "live_birth", "", "reclassify needs the corrected value"),
    ],
)
def test_a_reclassify_needs_a_valid_corrected_value_for_its_event_type(
    tmp_path: Path, event_type: str, key: str, recorded: str, corrected: str, message: str
) -> None:
    folder = copy_workbook(tmp_path / "wb", JUDGED)
    row = append_row(
        folder,
        "judgments",
        {
            "judgment_id": "J10",
            "participant_id": "009" if event_type == "infant" else "007",
            "event_type": event_type,
            "event_key": key,
            "recorded_value": recorded,
            "stage": "review",
            "reviewer": "reviewer_c",
            "verdict": "reclassify",
            "corrected_value": corrected,
            "reason": "seen in the file",
            "judged_on": "2023-06-09",
        },
    )
    problems = [p for p in validate_path(folder).problems if p.rule == "judgment_corrected_value"]
    assert [(p.row, p.column) for p in problems] == [(row, "corrected_value")]
    assert message in problems[0].message


def test_a_corrected_value_goes_with_reclassify_only(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb", JUDGED)
    rows = (
        (JUDGED / "judgments.csv")
        .read_text()
        .replace(
            "J7,009,infant,B2,alive,review,reviewer_a,confirm,,",
            "J7,009,infant,B2,alive,review,reviewer_a,confirm,died,",
        )
    )
    (folder / "judgments.csv").write_text(rows)
    assert [(r, c, rule) for _, r, c, _, rule in _found(folder)] == [
        (8, "corrected_value", "judgment_corrected_value")
    ]


def test_a_death_is_an_event_only_where_a_contact_says_deceased(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb", JUDGED)
    judged_death = {
        "judgment_id": "J10",
        "participant_id": "008",
        "event_type": "death",
        "event_key": "008",
        "recorded_value": "deceased",
        "stage": "review",
        "reviewer": "reviewer_a",
        "verdict": "confirm",
        "judged_on": "2023-06-09",
    }
    row = append_row(folder, "judgments", judged_death)
    assert [(r, c, rule) for _, r, c, _, rule in _found(folder)] == [
        (row, "event_key", "judgment_unknown_event")
    ]
