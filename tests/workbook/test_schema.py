"""The schema is the single source: everything else is held to it."""

from __future__ import annotations

from follicle.workbook.rules import implemented_rules
from follicle.workbook.schema import RULES, TABLES, TABLES_BY_NAME


def test_there_are_the_eight_tables_of_the_format() -> None:
    assert [t.name for t in TABLES] == [
        "participants",
        "injections",
        "contacts",
        "conditions",
        "ivf_cycles",
        "pregnancies",
        "infants",
        "infant_conditions",
    ]


def test_every_consistency_rule_is_implemented_and_nothing_else() -> None:
    assert implemented_rules() == {r.code for r in RULES}


def test_every_reference_points_at_a_keyed_column_of_an_earlier_table() -> None:
    order = [t.name for t in TABLES]
    for table in TABLES:
        for column in table.columns:
            if column.references is None:
                continue
            target, key = column.references.split(".")
            assert TABLES_BY_NAME[target].key == key
            assert order.index(target) <= order.index(table.name)


def test_vocabularies_have_no_duplicates_and_defaults_are_allowed_values() -> None:
    for table in TABLES:
        for column in table.columns:
            if column.vocabulary is not None:
                assert len(set(column.vocabulary)) == len(column.vocabulary)
                if column.default is not None:
                    assert column.default in column.vocabulary


def test_a_problem_with_an_undocumented_code_cannot_be_made() -> None:
    import pytest

    from follicle.errors import Problem

    with pytest.raises(ValueError, match="undocumented"):
        Problem("participants.csv", 2, "afc", "x", "no_such_code", "message")
