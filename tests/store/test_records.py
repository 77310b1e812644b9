"""Records: audited writes with reasons, versions and conflicts, roles and sites; SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from follicle.errors import Conflict, NotFound, PermissionDenied, WorkbookInvalid
from follicle.store import records
from follicle.store.records import REDACTED, REDACTED_CHANGED, VersionConflict
from follicle.store.tables import WORKBOOK_TABLES, audit_log

from .helpers import snapshot

CONTACT = {
    "participant_id": "007",
    "contact_date": "2024-01-10",
    "mode": "phone",
    "menses": "regular",
}


def _last_entry(engine):
    with engine.connect() as connection:
        return connection.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(1)).one()


def _write(engine, function, *args, **kwargs):
    with engine.begin() as connection:
        return function(connection, *args, **kwargs)


def test_create_writes_the_validated_row_with_version_1_and_audits_it(engine, people):
    saved = _write(engine, records.create, people["north"], "contacts", CONTACT)
    assert saved.table == "contacts"
    assert saved.version == 1
    contacts = WORKBOOK_TABLES["contacts"]
    with engine.connect() as connection:
        row = connection.execute(select(contacts).where(contacts.c.row_id == int(saved.key))).one()
    assert str(row.contact_date) == "2024-01-10"
    assert row.version == 1
    entry = _last_entry(engine)
    assert (entry.actor, entry.action, entry.table_name) == ("nora", "create", "contacts")
    assert entry.record_key == f"007/{saved.key}"
    assert entry.before is None
    assert json.loads(entry.after)["contact_date"] == "2024-01-10"


def test_a_new_pregnancy_gets_a_key(engine, people):
    values = {
        "participant_id": "007",
        "conception_date": "2022-01-01",
        "mode": "spontaneous",
        "outcome": "ongoing",
    }
    assert _write(engine, records.create, people["north"], "pregnancies", values).key == "007-P1"
    assert (
        _write(
            engine,
            records.create,
            people["north"],
            "pregnancies",
            values
            | {
                "conception_date": "2021-09-01",
                "outcome": "miscarriage",
                "outcome_date": "2021-10-01",
            },
        ).key
        == "007-P2"
    )


def test_update_needs_a_reason_and_audits_old_and_new_with_it(engine, people):
    north = people["north"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    with pytest.raises(WorkbookInvalid) as raised:
        _write(
            engine,
            records.update,
            north,
            "contacts",
            saved.key,
            {"menses": "irregular"},
            version=1,
            reason=" ",
        )
    assert [(p.column, p.rule) for p in raised.value.problems] == [("reason", "required")]
    updated = _write(
        engine,
        records.update,
        north,
        "contacts",
        saved.key,
        {"menses": "irregular"},
        version=1,
        reason="misheard",
    )
    assert updated.version == 2
    entry = _last_entry(engine)
    assert (entry.action, entry.reason) == ("update", "misheard")
    assert (json.loads(entry.before)["menses"], json.loads(entry.after)["menses"]) == (
        "regular",
        "irregular",
    )
    with engine.connect() as connection:
        trail = records.audit_trail(connection, north, "007")
    line = trail[trail["action"] == "update"].iloc[0]
    assert (line["column"], line["old"], line["new"], line["reason"]) == (
        "menses",
        "regular",
        "irregular",
        "misheard",
    )


def test_delete_needs_a_reason_and_audits_the_row_it_removes(engine, people):
    north = people["north"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    with pytest.raises(WorkbookInvalid):
        _write(engine, records.delete, north, "contacts", saved.key, version=1, reason="")
    _write(engine, records.delete, north, "contacts", saved.key, version=1, reason="entered twice")
    entry = _last_entry(engine)
    assert (entry.action, entry.reason, entry.after) == ("delete", "entered twice", None)
    assert json.loads(entry.before)["contact_date"] == "2024-01-10"
    with engine.connect() as connection:
        assert len(records.participant(connection, north, "007")["contacts"]) == 3


def test_a_stale_version_is_a_conflict_listing_what_the_other_person_changed(engine, people):
    north = people["north"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    _write(
        engine,
        records.update,
        north,
        "contacts",
        saved.key,
        {"menses": "irregular"},
        version=1,
        reason="first",
    )
    with pytest.raises(VersionConflict) as raised:
        _write(
            engine,
            records.update,
            people["admin"],
            "contacts",
            saved.key,
            {"mode": "clinic"},
            version=1,
            reason="second",
        )
    conflict = raised.value
    assert isinstance(conflict, Conflict)
    assert conflict.version == 2
    assert [(c.column, c.theirs, c.yours) for c in conflict.changed] == [
        ("menses", "irregular", "regular")
    ]
    assert "menses: theirs 'irregular' vs yours 'regular'" in str(conflict)
    with pytest.raises(VersionConflict):
        _write(engine, records.delete, north, "contacts", saved.key, version=1, reason="x")
    with engine.connect() as connection:  # nothing was overwritten
        (contact,) = [
            r
            for r in records.participant(connection, north, "007")["contacts"].itertuples()
            if r.version == 2
        ]
    assert (contact.mode, contact.menses) == ("phone", "irregular")
    # A version the row never had is not someone else's save: it says so.
    for write, args in ((records.update, ({"mode": "clinic"},)), (records.delete, ())):
        with pytest.raises(VersionConflict) as raised:
            _write(engine, write, north, "contacts", saved.key, *args, version=7, reason="x")
        assert str(raised.value).startswith("this contact (contacts")
        assert "is at version 2, not 7" in str(raised.value)
        assert "someone else" not in str(raised.value)


def test_invalid_values_are_refused_with_the_column_named(engine, people):
    with pytest.raises(WorkbookInvalid) as raised:
        _write(
            engine,
            records.create,
            people["north"],
            "contacts",
            CONTACT | {"mode": "fax", "contact_date": "2019-01-01"},
        )
    found = {(p.file, p.column, p.rule) for p in raised.value.problems}
    assert ("contacts", "mode", "not_in_vocabulary") in found
    assert ("contacts", "contact_date", "contact_before_consent") in found


def test_a_change_that_breaks_a_rule_on_another_row_is_refused(engine, people):
    # 007's first injection is 2019-01-20; moving it after her pregnancy G1 (2019-05-01)
    # breaks "before_first_injection" on the pregnancy, a row that did not change.
    north = people["north"]
    with engine.connect() as connection:
        injection = records.participant(connection, north, "007")["injections"].iloc[0]
    with pytest.raises(WorkbookInvalid) as raised:
        _write(
            engine,
            records.update,
            north,
            "injections",
            str(injection.row_id),
            {"injection_date": "2019-06-01"},
            version=1,
            reason="x",
        )
    assert any(
        p.file == "pregnancies" and p.rule == "before_first_injection"
        for p in raised.value.problems
    )


@pytest.mark.parametrize("role", ["reviewer", "analyst"])
def test_reviewers_and_analysts_cannot_write(engine, people, role):
    with pytest.raises(PermissionDenied):
        _write(engine, records.create, people[role], "contacts", CONTACT)


def test_analysts_cannot_read_women_and_reviewers_read_without_identity(engine, people):
    _write(
        engine,
        records.create,
        people["north"],
        "participant_identity",
        {"participant_id": "007", "full_name": "Eva Example", "phone": "555 0101"},
    )
    with engine.connect() as connection:
        with pytest.raises(PermissionDenied):
            records.participant(connection, people["analyst"], "007")
        with pytest.raises(PermissionDenied):
            records.list_participants(connection, people["analyst"])
        seen = records.participant(connection, people["reviewer"], "007")
        assert "identity" not in seen
        assert records.participant(connection, people["north"], "007")["identity"][
            "full_name"
        ].tolist() == ["Eva Example"]
        assert "full_name" not in records.list_participants(connection, people["reviewer"]).columns


def test_a_coordinator_cannot_see_or_guess_another_sites_women(engine, people):
    north = people["north"]
    with engine.connect() as connection:
        assert records.list_participants(connection, north)["participant_id"].tolist() == [
            "007",
            "008",
        ]
        assert records.list_participants(connection, people["admin"])[
            "participant_id"
        ].tolist() == ["007", "008", "009", "010"]
        with pytest.raises(NotFound) as other_site:
            records.participant(connection, north, "009")
        with pytest.raises(NotFound) as unknown:
            records.participant(connection, north, "999")
        assert str(other_site.value).replace("009", "X") == str(unknown.value).replace("999", "X")
        with pytest.raises(NotFound):
            records.audit_trail(connection, north, "009")
    with pytest.raises(NotFound):
        _write(engine, records.create, north, "contacts", CONTACT | {"participant_id": "009"})
    with pytest.raises(NotFound):  # infants reach their woman through the pregnancy
        _write(
            engine,
            records.create,
            north,
            "infants",
            {"pregnancy_id": "G3", "birth_date": "2021-02-20"},
        )
    with engine.connect() as connection:
        g3 = records.participant(connection, people["south"], "009")["pregnancies"].iloc[0]
    with pytest.raises(NotFound):
        _write(
            engine,
            records.update,
            north,
            "pregnancies",
            "G3",
            {"fetuses": "3"},
            version=int(g3.version),
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        _write(
            engine,
            records.create,
            north,
            "participants",
            {
                "participant_id": "011",
                "site": "South",
                "birth_date": "1985-01-01",
                "menses_baseline": "regular",
            },
        )


def test_a_slice_of_the_participant_list_is_read_after_the_site_filter(engine, people):
    with engine.connect() as connection:

        def ids(user: str, **kwargs: int | None) -> list[str]:
            frame = records.list_participants(connection, people[user], **kwargs)
            return frame["participant_id"].tolist()

        assert ids("admin", limit=2) == ["007", "008"]
        assert ids("admin", limit=2, offset=2) == ["009", "010"]
        assert ids("admin", limit=3, offset=3) == ["010"]
        assert ids("admin", offset=1) == ["008", "009", "010"]
        assert ids("admin", limit=0) == []
        # The coordinator of north's second woman is 008, never the registry's second.
        assert ids("north", limit=1, offset=1) == ["008"]
        assert ids("north", limit=5, offset=2) == []


def test_a_search_matches_what_was_typed_literally(engine, people):
    with engine.connect() as connection:

        def found(search: str) -> list[str]:
            frame = records.list_participants(connection, people["admin"], search=search)
            return frame["participant_id"].tolist()

        assert found("08") == ["008"]
        assert found("0_8") == []  # not "any character"
        assert found("_") == []
        assert found("%") == []
        assert found("\\") == []


def test_enrolment_with_identity_and_the_identity_is_never_in_the_audit(engine, people):
    north = people["north"]
    with engine.begin() as connection:
        records.create(
            connection,
            north,
            "participants",
            {
                "participant_id": "011",
                "site": "North",
                "birth_date": "1985-01-01",
                "consent_date": "2024-01-02",
                "menses_baseline": "regular",
            },
        )
        records.create(
            connection,
            north,
            "participant_identity",
            {"participant_id": "011", "full_name": "Eva Example", "phone": "555 0101"},
        )
        records.update(
            connection,
            north,
            "participant_identity",
            "011",
            {"phone": "555 0202"},
            version=1,
            reason="new number",
        )
    with engine.connect() as connection:
        written = select(
            audit_log.c.record_key, audit_log.c.before, audit_log.c.after, audit_log.c.reason
        )
        log = " ".join(
            str(v) for row in connection.execute(written) for v in row
        )  # not the hex hashes
        trail = records.audit_trail(connection, north, "011")
    for secret in ("Eva", "Example", "555"):
        assert secret not in log
    phone = trail[(trail["table"] == "participant_identity") & (trail["action"] == "update")]
    assert phone[["column", "old", "new"]].values.tolist() == [
        ["phone", REDACTED, REDACTED_CHANGED]
    ]


def test_a_pregnancy_with_infants_cannot_be_deleted(engine, people):
    with engine.connect() as connection:
        g1 = records.participant(connection, people["north"], "007")["pregnancies"].iloc[0]
    with pytest.raises(Conflict, match="infants"):
        _write(
            engine,
            records.delete,
            people["north"],
            "pregnancies",
            "G1",
            version=int(g1.version),
            reason="x",
        )


def test_a_deleted_rows_number_is_never_given_to_a_new_row(engine, people):
    """An edit made from a page opened before the row was deleted (its key, version 1)
    must not land on a row added since: SQLite reused the number of a deleted last row."""
    north = people["north"]
    first = _write(engine, records.create, north, "contacts", CONTACT)
    _write(engine, records.delete, north, "contacts", first.key, version=1, reason="twice")
    second = _write(engine, records.create, north, "contacts", {**CONTACT, "menses": "irregular"})
    assert int(second.key) > int(first.key)
    with pytest.raises(NotFound):
        _write(
            engine,
            records.update,
            people["admin"],
            "contacts",
            first.key,
            {"menses": "amenorrhea"},
            version=1,
            reason="from a page opened before the deletion",
        )
    with engine.connect() as connection:
        kept = records.participant(connection, north, "007")["contacts"]
    assert kept.loc[kept["row_id"] == int(second.key), "menses"].tolist() == ["irregular"]


# -- a change checked before the write lock (check_update, then update(checked=…)) ------


def _check(engine, actor, key, changes, *, version=1, reason="fix"):
    with engine.connect() as connection:
        return records.check_update(
            connection, actor, "contacts", key, changes, version=version, reason=reason
        )


def _update_checked(engine, actor, key, changes, checked, *, version=1):
    return _write(
        engine,
        records.update,
        actor,
        "contacts",
        key,
        changes,
        version=version,
        reason="fix",
        checked=checked,
    )


def test_a_change_checked_before_the_lock_is_written_as_checked(engine, people, monkeypatch):
    north = people["north"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    checked = _check(engine, north, saved.key, {"menses": "irregular", "mode": "phone"})
    assert checked is not None
    assert dict(checked.differing) == {"menses": "irregular"}

    def again(*args, **kwargs):
        raise AssertionError("validated again although nothing of hers moved")

    monkeypatch.setattr(records, "validate_change", again)
    updated = _update_checked(engine, north, saved.key, {"menses": "irregular"}, checked)
    assert updated.version == 2
    contacts = WORKBOOK_TABLES["contacts"]
    with engine.connect() as connection:
        menses = connection.execute(
            select(contacts.c.menses).where(contacts.c.row_id == int(saved.key))
        ).scalar_one()
    assert menses == "irregular"
    assert json.loads(_last_entry(engine).after)["menses"] == "irregular"


def test_a_change_checked_before_another_write_of_hers_is_validated_again(engine, people):
    north = people["north"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    moved = {"contact_date": "2024-02-01"}
    checked = _check(engine, north, saved.key, moved)
    assert checked is not None
    # Meanwhile someone records the very contact that this change would make of it.
    _write(engine, records.create, north, "contacts", {**CONTACT, **moved})
    before = snapshot(engine)
    with pytest.raises(WorkbookInvalid) as raised:
        _update_checked(engine, north, saved.key, moved, checked)
    assert "duplicate_row" in {p.rule for p in raised.value.problems}
    assert snapshot(engine) == before


@pytest.mark.parametrize("other", ["actor", "values", "version"])
def test_a_check_is_used_only_for_the_same_actor_row_version_and_values(
    engine, people, monkeypatch, other
):
    north, admin = people["north"], people["admin"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    checked = _check(engine, north, saved.key, {"menses": "irregular"})
    calls = []
    real = records.validate_change

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "validate_change", counted)
    if other == "version":  # the row moved on: a conflict, as without the check
        _write(engine, records.update, north, "contacts", saved.key, {"mode": "clinic"},
               version=1, reason="fix")  # fmt: skip
        with pytest.raises(VersionConflict):
            _update_checked(engine, north, saved.key, {"menses": "irregular"}, checked)
        return
    actor = admin if other == "actor" else north
    changes = {"menses": "amenorrhea"} if other == "values" else {"menses": "irregular"}
    _update_checked(engine, actor, saved.key, changes, checked)
    assert calls, "a check of another actor or other values was used"


def test_check_update_leaves_to_update_what_it_reports_itself(engine, people):
    north, south = people["north"], people["south"]
    saved = _write(engine, records.create, north, "contacts", CONTACT)
    assert _check(engine, north, saved.key, {"menses": "regular"}) is None  # no change
    assert _check(engine, north, saved.key, {"menses": "irregular"}, version=5) is None
    assert _check(engine, north, "999999", {"menses": "irregular"}) is None
    with engine.connect() as connection:
        assert (
            records.check_update(
                connection,
                north,
                "participant_identity",
                "007",
                {"phone": "1"},
                version=1,
                reason="fix",
            )  # fmt: skip
            is None
        )
    with pytest.raises(NotFound):
        _check(engine, south, saved.key, {"menses": "irregular"})
    with pytest.raises(PermissionDenied):
        _check(engine, people["reviewer"], saved.key, {"menses": "irregular"})
    with pytest.raises(WorkbookInvalid) as raised:
        _check(engine, north, saved.key, {"menses": "irregular"}, reason=" ")
    assert [(p.column, p.rule) for p in raised.value.problems] == [("reason", "required")]
    with pytest.raises(WorkbookInvalid) as raised:
        _check(engine, north, saved.key, {"menses": "sometimes"})
    assert {p.column for p in raised.value.problems} == {"menses"}
