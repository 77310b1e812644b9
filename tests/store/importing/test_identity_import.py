"""Identity import: every problem located and nothing written; names and phones never in
the problems or the audit log; an empty cell keeps the registry's value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from follicle.errors import WorkbookInvalid
from follicle.store.importing.identity_import import import_identities
from follicle.store.records import REDACTED, REDACTED_CHANGED
from follicle.store.tables import audit_log, participant_identity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "identity"
SECRETS = ("Nahid", "Karimi", "Shirin", "Zahra", "Mina", "555", "sister", "12345")


def _identities(engine) -> dict[str, tuple]:
    with engine.connect() as connection:
        rows = connection.execute(select(participant_identity)).all()
    return {r.participant_id: (r.full_name, r.phone, r.version) for r in rows}


def _audit(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(
            select(audit_log)
            .where(audit_log.c.table_name == "participant_identity")
            .order_by(audit_log.c.id)
        ).all()


def test_a_good_file_is_written_and_audited_without_the_values(engine, people):
    summary = import_identities(engine, FIXTURES / "good.csv", actor="ada")
    assert (summary.added, summary.changed, summary.unchanged) == (4, 0, 0)
    assert _identities(engine) == {
        "007": ("Nahid Karimi", "+98 21 5550 1007", 1),
        "008": ("Shirin Ahmadi", "(021) 555-01008", 1),
        "009": ("Leila Moradi", None, 1),
        "010": (None, "0912.555.0110", 1),
    }
    entries = _audit(engine)
    assert len(entries) == 4
    assert {e.actor for e in entries} == {"ada"}
    text = " ".join(f"{e.before} {e.after} {e.reason}" for e in entries)
    for secret in SECRETS:
        assert secret not in text
    by_key = {e.record_key: json.loads(e.after) for e in entries}
    assert by_key["009"] == {
        "participant_id": "009",
        "full_name": REDACTED,
        "phone": None,
        "version": 1,
    }
    # Again: nothing changes, nothing is audited.
    again = import_identities(engine, FIXTURES / "good.csv")
    assert (again.added, again.changed, again.unchanged) == (0, 0, 4)
    assert len(_audit(engine)) == 4


def test_a_change_replaces_the_value_raises_the_version_and_empty_cells_keep_it(
    engine, people, tmp_path
):
    import_identities(engine, FIXTURES / "good.csv")
    update = tmp_path / "phones.csv"
    update.write_text("participant_id,name,phone\n007,,+98 912 000 0007\n008,,(021) 555-01008\n")
    summary = import_identities(engine, update)
    assert (summary.added, summary.changed, summary.unchanged) == (0, 1, 1)
    assert _identities(engine)["007"] == ("Nahid Karimi", "+98 912 000 0007", 2)
    last = _audit(engine)[-1]
    assert (last.action, last.record_key) == ("update", "007")
    assert json.loads(last.after)["phone"] == REDACTED_CHANGED
    assert json.loads(last.after)["full_name"] == REDACTED


def test_a_bad_file_lists_every_problem_without_names_or_phones_and_writes_nothing(engine, people):
    with pytest.raises(WorkbookInvalid) as raised:
        import_identities(engine, FIXTURES / "bad.csv")
    got = [(p.row, p.column, p.value, p.rule) for p in raised.value.problems]
    assert got == [
        (3, "participant_id", None, "required"),
        (4, "participant_id", "999", "unknown_reference"),
        (5, "participant_id", "007", "duplicate_id"),
        (6, "phone", None, "not_a_phone_number"),
        (7, "phone", None, "required"),
        (8, "phone", None, "not_a_phone_number"),
    ]
    assert {p.file for p in raised.value.problems} == {"bad.csv"}
    shown = " ".join(str(p) for p in raised.value.problems)
    for secret in SECRETS:
        assert secret not in shown
    assert _identities(engine) == {}
    assert _audit(engine) == []


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"participant_id,phone\n007,0912 555 0007\n", "missing_column"),
        (b"", "empty_file"),
        (b"participant_id,name,phone\n007,Nah\xefd,\n", "not_utf8"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_problem(engine, people, tmp_path, content, rule):
    path = tmp_path / "ids.csv"
    path.write_bytes(content)
    with pytest.raises(WorkbookInvalid) as raised:
        import_identities(engine, path)
    assert [p.rule for p in raised.value.problems] == [rule]
    assert _identities(engine) == {}


@pytest.mark.parametrize(
    "line", ["007,Ahmadi, Maryam,0912 555 0007", "007,Maryam Ahmadi,0912 555 0007,"]
)
def test_a_row_with_a_cell_too_many_is_refused_without_its_values(engine, people, tmp_path, line):
    # An unquoted comma in a name: pandas took the first cell for an index, and the name
    # became the study ID, printed in the problem.
    path = tmp_path / "ids.csv"
    path.write_text(f"participant_id,name,phone\n{line}\n")
    with pytest.raises(WorkbookInvalid) as raised:
        import_identities(engine, path)
    (problem,) = raised.value.problems
    assert (problem.row, problem.value, problem.rule) == (2, None, "not_csv")
    assert "row 2 has 4 cells but the header has 3" in problem.message
    for secret in ("Ahmadi", "Maryam", "0912"):
        assert secret not in str(problem)
    assert _identities(engine) == {}


def test_identities_are_never_exported(engine, people, tmp_path):
    from follicle.store.exporting.exporter import read_registry, write_workbook

    import_identities(engine, FIXTURES / "good.csv")
    out = write_workbook(read_registry(engine), tmp_path / "export", format="csv")
    text = " ".join(p.read_text() for p in Path(out).glob("*.csv"))
    for secret in ("Nahid", "Karimi", "5550 1007"):
        assert secret not in text
