"""Flat checklist field names to nested values."""

from __future__ import annotations

from follicle.web.checklist_fields import count, nest


def test_nested_names_become_dicts_and_lists_with_gaps_closed() -> None:
    fields = {
        "contact_date": "2026-01-05",
        "conditions.breast_cancer.answer": "yes",
        "pregnancies[3].outcome": "live_birth",
        "pregnancies[0].outcome": "miscarriage",
        "pregnancies[3].infants[1].sex": "male",
        "pregnancies[3].infants[1].conditions.leukemia.answer": "no",
    }
    assert nest(fields) == {
        "contact_date": "2026-01-05",
        "conditions": {"breast_cancer": {"answer": "yes"}},
        "pregnancies": [
            {"outcome": "miscarriage"},
            {
                "outcome": "live_birth",
                "infants": [{"sex": "male", "conditions": {"leukemia": {"answer": "no"}}}],
            },
        ],
    }
    assert count(fields, "pregnancies") == 4


def test_malformed_names_are_ignored() -> None:
    assert nest({"a[": "1", "b[0]": "2", "c..d": "3", "ok": "4"}) == {"ok": "4"}


def test_a_name_deeper_than_any_field_of_the_form_is_ignored() -> None:
    # Thousands of parts in one posted name nested past Python's recursion limit: a 500.
    assert nest({"a." * 50_000 + "b": "x", "ok": "1"}) == {"ok": "1"}
    deepest = "pregnancies[0].infants[0].conditions.leukemia.answer"
    assert nest({deepest: "no"}) == {
        "pregnancies": [{"infants": [{"conditions": {"leukemia": {"answer": "no"}}}]}]
    }
