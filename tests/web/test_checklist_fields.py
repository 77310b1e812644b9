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
