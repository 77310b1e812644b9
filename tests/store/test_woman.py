"""One woman's validation: only the rules a change can affect, over only the tables they read,
finds exactly what all sixteen rules find over all her rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import astuple

import pandas as pd
import pytest
from sqlalchemy import select

from follicle.store.importing.audit import owner_condition
from follicle.store.tables import ROW_ID, VERSION, WORKBOOK_TABLES
from follicle.store.woman import (
    RULE_TABLES,
    Change,
    affected_rules,
    frame_versions,
    row_versions,
    tables_needed,
    text_frame,
    validate_change,
    woman_rows,
)
from follicle.workbook.frames import coerce
from follicle.workbook.problems import ProblemSink
from follicle.workbook.rules import check_rules, implemented_rules
from follicle.workbook.schema import RULES, RULES_BY_CODE, TABLES

WOMEN = ("007", "008", "009", "010")
LABELS = {t.name: t.name for t in TABLES}


def test_each_rule_reads_its_declared_tables_and_those_its_check_reads():
    assert set(RULE_TABLES) == {r.code for r in RULES} == implemented_rules()
    for rule in RULES:
        assert set(rule.tables) <= RULE_TABLES[rule.code]
    # Read by the checks though the schema does not list them.
    assert "contacts" in RULE_TABLES["after_end_of_followup"]
    assert "participants" in RULE_TABLES["before_first_injection"]
    # A contact can record a death, and whether a judged death is a real event reads
    # contacts; but the judgments are not a table of hers (the registry's review keeps and
    # checks them), so no judgment rule runs on her rows, nor are its tables read for it.
    assert "contacts" in RULE_TABLES["judgment_unknown_event"]
    assert affected_rules(["contacts"]) == [
        "contact_before_consent",
        "after_end_of_followup",
        "after_death",
        "contact_after_death",
    ]
    assert not any(
        code.startswith("judgment_") for t in TABLES for code in affected_rules([t.name])
    )
    # An infant condition names her infant (a reference), and its diagnosis cannot come
    # before that infant's pregnancy was conceived.
    assert tables_needed(["infant_conditions"]) == {"infant_conditions", "infants", "pregnancies"}
    assert affected_rules(["infant_conditions"]) == ["infant_condition_before_conception"]


@pytest.mark.parametrize("plain_constructor", [False, True])
def test_her_rows_are_typed_as_the_schema_casts_them(
    engine, people, monkeypatch, plain_constructor
):
    if plain_constructor:  # a pandas without DataFrame._from_arrays (store.woman._frame)
        monkeypatch.delattr(pd.DataFrame, "_from_arrays")
    with engine.connect() as connection:
        for pid in WOMEN:
            rows = woman_rows(connection, pid)
            for table in TABLES:
                result = connection.execute(
                    select(WORKBOOK_TABLES[table.name]).where(owner_condition(table.name)([pid]))
                )
                raw = pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))
                expected = coerce(table, raw)
                for column in [ROW_ID, VERSION] if table.key is None else [VERSION]:
                    expected[column] = raw[column].astype("Int64")
                pd.testing.assert_frame_equal(rows[table.name], expected)
            assert set(woman_rows(connection, pid, ["contacts"])) == {"contacts"}


def _donor_rows(connection, pid: str) -> list[Change]:
    """Changes of woman ``pid``: each row of every other woman added to her, one at a time,
    as cell text (other dates, other IDs: many break a rule, some a reference)."""
    changes = []
    for other in WOMEN:
        if other == pid:
            continue
        theirs = woman_rows(connection, other)
        for table in TABLES:
            text = text_frame(table.name, theirs[table.name])
            if "participant_id" in text.columns:
                text["participant_id"] = pid
            if table.key is not None and table.key != "participant_id":
                text[table.key] = text[table.key] + "-copy"
            changes += [Change(table.name, added=text.iloc[[i]]) for i in range(len(text))]
    return changes


def _all_rules(woman, validated, changed) -> list[tuple]:
    """What every rule finds over all her rows with the change applied (the reference)."""
    needed = tables_needed(changed)
    frames = {
        t.name: validated.frames[t.name]
        if t.name in needed
        else woman[t.name][list(t.column_names)].set_axis(woman[t.name].index + 2)
        for t in TABLES
    }
    found = ProblemSink()
    check_rules(frames, LABELS, found)
    return sorted(map(astuple, found.problems), key=repr)


def test_only_the_affected_rules_find_what_all_rules_find(engine, people):
    compared = found = 0
    with engine.connect() as connection:
        for pid in WOMEN:
            woman = woman_rows(connection, pid)
            for change in _donor_rows(connection, pid):
                needed = tables_needed([change.table])
                mine = {t: f for t, f in woman.items() if t in needed}
                validated = validate_change(mine, [change])
                ruled = sorted(
                    (astuple(p) for p in validated.problems if p.rule in RULES_BY_CODE), key=repr
                )
                assert ruled == _all_rules(woman, validated, [change.table])
                compared += 1
                found += len(ruled)
    assert compared > 50
    assert found > 10  # the comparison saw rules broken, not only clean rows


def test_a_removed_or_replaced_row_is_validated_as_before(engine, people):
    with engine.connect() as connection:
        woman = woman_rows(connection, "007")
    # Her first pregnancy moved before her first injection; her last contact removed.
    moved = validate_change(
        woman, [Change("pregnancies", replaced={0: {"conception_date": "2000-01-01"}})]
    )
    assert {(p.file, p.row, p.rule) for p in moved.problems} >= {
        ("pregnancies", 2, "before_first_injection")
    }
    last = int(woman["contacts"]["contact_date"].idxmax())
    removed = validate_change(woman, [Change("contacts", removed=(last,))])
    ruled = sorted((astuple(p) for p in removed.problems), key=repr)
    assert ruled == _all_rules(woman, removed, ["contacts"])


def test_a_row_she_does_not_have_cannot_be_removed_or_replaced(engine, people):
    with engine.connect() as connection:
        woman = woman_rows(connection, "007")
    beyond = len(woman["contacts"])  # one past her last contact: not the last one
    with pytest.raises(KeyError):
        validate_change(woman, [Change("contacts", removed=(beyond,))])
    with pytest.raises(KeyError):
        validate_change(woman, [Change("contacts", replaced={beyond: {"mode": "phone"}})])


def test_versions_move_with_every_write(engine, people):
    from follicle.store import records

    with engine.connect() as connection:
        woman = woman_rows(connection, "008", ["contacts", "pregnancies"])
        before = frame_versions(woman)
        assert row_versions(connection, "008", before) == before
        # The versions kept as her rows were read are those her frames hold.
        assert before == frame_versions(dict(woman))
        assert before["contacts"]
        assert not before["pregnancies"]
    with engine.begin() as connection:
        records.create(
            connection,
            people["north"],
            "contacts",
            {"participant_id": "008", "contact_date": "2024-08-02", "mode": "phone"},
        )
    with engine.connect() as connection:
        after = row_versions(connection, "008", before)
    assert after["pregnancies"] == before["pregnancies"]
    assert after["contacts"] > before["contacts"]


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_needed_tables_hold_every_table_an_affected_rule_reads(table):
    needed = tables_needed([table])
    for code in affected_rules([table]):
        assert RULE_TABLES[code] <= needed


def test_a_row_repeating_one_of_hers_is_a_duplicate_row(engine, people):
    with engine.connect() as connection:
        woman = woman_rows(connection, "007", tables_needed(["conditions", "contacts"]))
    same = text_frame("contacts", woman["contacts"]).iloc[[0]]
    other_day = same.assign(contact_date="2021-01-02")
    undated = same.assign(contact_date="")
    checked = validate_change(
        woman,
        [Change("contacts", added=pd.concat([same, other_day, undated, undated]))],
    )
    duplicates = [p.row for p in checked.problems if p.rule == "duplicate_row"]
    first_added = len(woman["contacts"]) + 2
    assert duplicates == [first_added, first_added + 2, first_added + 3]


def test_a_replaced_row_parses_only_the_changed_cells(engine, people):
    with engine.connect() as connection:
        woman = woman_rows(connection, "007")
    for table in TABLES:
        stored = woman[table.name]
        if not len(stored):
            continue
        # Each cell given again as its own text: the row comes back exactly as it was.
        again = text_frame(table.name, stored).iloc[0].to_dict()
        same = validate_change(woman, [Change(table.name, replaced={0: again})])
        assert not [p for p in same.problems if p.row == 2 and p.file == table.name]
        columns = list(table.column_names)
        pd.testing.assert_frame_equal(
            same.frames[table.name].loc[[2], columns],
            stored[columns].iloc[[0]].set_axis([2]),
        )
    # A changed cell that does not parse is found on its row and column; the cells not
    # named by the change keep the registry's values.
    bad = validate_change(woman, [Change("participants", replaced={0: {"amh_ng_ml": "0,17"}})])
    assert [(p.file, p.row, p.column, p.rule) for p in bad.problems] == [
        ("participants", 2, "amh_ng_ml", "not_a_number")
    ]
    kept = bad.frames["participants"].loc[2]
    assert kept["birth_date"] == woman["participants"].loc[0, "birth_date"]
