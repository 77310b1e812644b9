"""The telephone checklist: one transaction, validated by the workbook's rules with errors on
their form fields, idempotent, audited, and the milestone done; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from follicle.errors import Conflict, NotFound, PermissionDenied, WorkbookInvalid
from follicle.store.audit_log.chain import verify_chain
from follicle.store.follow_up import checklist as checklist_module
from follicle.store.follow_up.checklist import ChecklistForm, ConditionAnswer, save_checklist
from follicle.store.follow_up.schedule import worklist
from follicle.store.records import participant
from follicle.store.tables import WORKBOOK_TABLES, audit_log
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

from ..helpers import snapshot

FIELDS_ASKED = ("ovarian_cyst", "breast_cancer", "endometriosis")
FIELDS = {
    "participant_id": "008",
    "form_token": "token-1",
    "contact_date": "2024-08-01",  # in the window of her year-5 milestone
    "mode": "phone",
    "milestone": "annual",
    "menses": "regular",
    "vital_status": "alive",
    "conditions.ovarian_cyst.answer": "yes",
    "conditions.ovarian_cyst.diagnosis_date": "2023-05-01",
    "conditions.ovarian_cyst.resolved": "yes",
    "conditions.breast_cancer.answer": "no",
    "conditions.endometriosis.answer": "unknown",
    "ivf_cycles[0].start_date": "2022-01-10",
    "ivf_cycles[0].oocytes_retrieved": "3",
    "pregnancies[0].conception_date": "2022-01-25",
    "pregnancies[0].mode": "ivf",
    "pregnancies[0].ivf_cycle_id": "ivf_cycles[0]",
    "pregnancies[0].outcome": "live_birth",
    "pregnancies[0].outcome_date": "2022-10-10",
    "pregnancies[0].gestational_weeks": "38",
    "pregnancies[0].infants[0].birth_date": "2022-10-10",
    "pregnancies[0].infants[0].sex": "female",
    "pregnancies[0].infants[0].birth_weight_g": "3100",
    "pregnancies[0].infants[0].conditions.thyroid_disorder.answer": "yes",
    "pregnancies[0].infants[0].conditions.thyroid_disorder.diagnosis_date": "2023-01-01",
    "unrelated": "ignored",
}
# Every other question answered "no": a checklist is saved only when all are answered.
FIELDS.update(
    {f"conditions.{c}.answer": "no" for c in MATERNAL_CONDITIONS if c not in FIELDS_ASKED}
    | {
        f"pregnancies[0].infants[0].conditions.{c}.answer": "no"
        for c in INFANT_CONDITIONS
        if c != "thyroid_disorder"
    }
)


def _save(engine, actor, form):
    with engine.begin() as connection:
        return save_checklist(connection, actor, form)


def test_the_flat_form_becomes_the_nested_checklist():
    form = ChecklistForm.from_form(FIELDS)
    assert form.participant_id == "008"
    assert form.form_token == "token-1"
    assert form.conditions["ovarian_cyst"] == ConditionAnswer("yes", "2023-05-01", "", "yes", "")
    assert form.conditions["breast_cancer"].answer == "no"
    assert form.ivf_cycles[0].oocytes_retrieved == "3"
    assert form.pregnancies[0].ivf_cycle_id == "ivf_cycles[0]"
    infant = form.pregnancies[0].infants[0]
    assert (infant.birth_weight_g, infant.conditions["thyroid_disorder"].answer) == ("3100", "yes")
    assert ChecklistForm.new_token() != ChecklistForm.new_token()


def test_saving_writes_every_row_audited_and_marks_the_milestone_done(engine, people):
    north = people["north"]
    with engine.connect() as connection:
        entries_before = connection.execute(
            select(func.count()).select_from(audit_log)
        ).scalar_one()
    saved = _save(engine, north, ChecklistForm.from_form(FIELDS))
    assert (saved.table, saved.version) == ("contacts", 1)
    with engine.connect() as connection:
        rows = participant(connection, north, "008")
        entries = connection.execute(select(audit_log).where(audit_log.c.id > entries_before)).all()
        assert verify_chain(connection).ok
        milestones, _ = worklist(connection, north, today=date(2024, 8, 2))
    contact = rows["contacts"][rows["contacts"]["row_id"] == int(saved.key)].iloc[0]
    assert (contact["mode"], contact["milestone"], contact["checklist_complete"]) == (
        "phone",
        "annual",
        True,
    )
    assert rows["conditions"]["condition"].tolist() == ["ovarian_cyst"]  # only the yes
    (cycle,) = rows["ivf_cycles"].itertuples()
    (pregnancy,) = rows["pregnancies"].itertuples()
    assert (cycle.cycle_id, pregnancy.pregnancy_id, pregnancy.ivf_cycle_id) == (
        "008-C1",
        "008-P1",
        "008-C1",
    )
    assert rows["infants"]["infant_id"].tolist() == ["008-P1-I1"]
    assert rows["infant_conditions"]["condition"].tolist() == ["thyroid_disorder"]
    assert sorted(e.table_name for e in entries) == sorted(
        ["contacts", "conditions", "ivf_cycles", "pregnancies", "infants", "infant_conditions"]
    )
    assert {e.actor for e in entries} == {"nora"}
    done = milestones[(milestones["participant_id"] == "008") & (milestones["status"] == "done")]
    assert "2024-08-01" in pd_dates(done["contact_date"])


def pd_dates(values) -> set[str]:
    return {d.date().isoformat() for d in values}


def test_a_second_submit_of_the_same_form_writes_nothing(engine, people):
    form = ChecklistForm.from_form(FIELDS)
    first = _save(engine, people["north"], form)
    before = snapshot(engine)
    again = _save(engine, people["north"], form)
    assert (again.key, again.version, again.repeated) == (first.key, first.version, True)
    assert snapshot(engine) == before


def test_errors_name_their_form_fields_and_nothing_is_written(engine, people):
    before = snapshot(engine)
    bad = FIELDS | {
        "pregnancies[0].outcome_date": "",
        "pregnancies[0].infants[0].birth_weight_g": "-4",
        "conditions.ovarian_cyst.diagnosis_date": "2030-01-01",
        "conditions.made_up.answer": "yes",
        "conditions.breast_cancer.answer": "maybe",
        "mode": "fax",
    }
    with pytest.raises(WorkbookInvalid) as raised:
        _save(engine, people["north"], ChecklistForm.from_form(bad))
    fields = {(p.column, p.rule) for p in raised.value.problems}
    assert {
        ("mode", "not_in_vocabulary"),
        ("pregnancies[0].outcome_date", "outcome_date_missing"),
        ("pregnancies[0].infants[0].birth_weight_g", "below_minimum"),
        ("conditions.ovarian_cyst.diagnosis_date", "future_date"),
        ("conditions.made_up", "not_in_vocabulary"),
        ("conditions.breast_cancer.answer", "not_in_vocabulary"),
    } <= fields
    assert snapshot(engine) == before


def test_a_failure_midway_leaves_nothing(engine, people, monkeypatch):
    before = snapshot(engine)

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # Every row is inserted by then; the audit fails last.
    monkeypatch.setattr(checklist_module, "append_entries", fail)
    with pytest.raises(RuntimeError, match="disk"):
        _save(engine, people["north"], ChecklistForm.from_form(FIELDS))
    assert snapshot(engine) == before
    contacts = WORKBOOK_TABLES["contacts"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(contacts)).scalar_one() == 10


def test_only_coordinators_of_her_site_and_admins_save_checklists(engine, people):
    form = ChecklistForm(
        participant_id="008",
        contact_date="2024-03-01",
        mode="phone",
        conditions={c: ConditionAnswer("no") for c in MATERNAL_CONDITIONS},
    )
    with pytest.raises(PermissionDenied):
        _save(engine, people["reviewer"], form)
    with pytest.raises(NotFound):
        _save(engine, people["south"], form)
    assert _save(engine, people["admin"], form).table == "contacts"


def test_a_form_checked_before_the_lock_is_written_as_checked(engine, people, monkeypatch):
    north = people["north"]
    form = ChecklistForm.from_form(FIELDS)
    with engine.connect() as connection:
        checked = checklist_module.check_checklist(connection, north, form)

    def again(*args, **kwargs):
        raise AssertionError("validated again although nothing of hers moved")

    monkeypatch.setattr(checklist_module, "check_checklist", again)
    with engine.begin() as connection:
        saved = save_checklist(connection, north, form, checked=checked)
    with engine.connect() as connection:
        rows = participant(connection, north, "008")
    assert int(saved.key) in rows["contacts"]["row_id"].tolist()
    assert rows["pregnancies"]["pregnancy_id"].tolist() == ["008-P1"]


def test_a_form_checked_before_another_save_is_validated_again(engine, people):
    north = people["north"]
    form = ChecklistForm.from_form(FIELDS)
    with engine.connect() as connection:
        checked = checklist_module.check_checklist(connection, north, form)
    # Meanwhile someone records a pregnancy of hers that the form's pregnancy overlaps.
    other = FIELDS | {"form_token": "token-2", "pregnancies[0].outcome": "ongoing"}
    other = {k: v for k, v in other.items() if "infants" not in k and "outcome_date" not in k}
    _save(engine, north, ChecklistForm.from_form(other))
    before = snapshot(engine)
    with pytest.raises(WorkbookInvalid) as raised:
        _save_checked(engine, north, form, checked)
    assert "pregnancies_overlap" in {p.rule for p in raised.value.problems}
    assert snapshot(engine) == before


def test_a_form_checked_for_one_actor_is_not_saved_for_another(engine, people):
    form = ChecklistForm.from_form(FIELDS)
    with engine.connect() as connection:
        checked = checklist_module.check_checklist(connection, people["north"], form)
    before = snapshot(engine)
    with pytest.raises(NotFound):
        _save_checked(engine, people["south"], form, checked)
    assert snapshot(engine) == before


def test_a_woman_moved_to_another_site_after_the_check_is_not_saved(engine, people):
    form = ChecklistForm.from_form(FIELDS)
    with engine.connect() as connection:
        checked = checklist_module.check_checklist(connection, people["north"], form)
    participants = WORKBOOK_TABLES["participants"]
    with engine.begin() as connection:  # as every write of the registry, a new version
        connection.execute(
            participants.update()
            .where(participants.c.participant_id == "008")
            .values(site="South", version=participants.c.version + 1)
        )
    before = snapshot(engine)
    with pytest.raises(NotFound):
        _save_checked(engine, people["north"], form, checked)
    assert snapshot(engine) == before


def _save_checked(engine, actor, form, checked):
    with engine.begin() as connection:
        return save_checklist(connection, actor, form, checked=checked)


def _contacts(engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(WORKBOOK_TABLES["contacts"])
            ).scalar_one()
        )


def test_every_question_must_be_answered_or_nothing_is_saved(engine, people):
    fields = {
        k: v
        for k, v in FIELDS.items()
        if k not in ("conditions.breast_cancer.answer", "conditions.rheumatoid_arthritis.answer")
        and not k.startswith("pregnancies[0].infants[0].conditions.autism_spectrum")
    }
    before = _contacts(engine)
    with pytest.raises(WorkbookInvalid) as raised:
        _save(engine, people["north"], ChecklistForm.from_form(fields))
    missing = sorted(p.column for p in raised.value.problems if p.rule == "required")
    assert missing == [
        "conditions.breast_cancer.answer",
        "conditions.rheumatoid_arthritis.answer",
        "pregnancies[0].infants[0].conditions.autism_spectrum.answer",
    ]
    assert "not answered: breast cancer" in " ".join(p.message for p in raised.value.problems)
    assert _contacts(engine) == before


def test_the_same_form_sent_again_is_acknowledged_and_with_other_answers_is_a_conflict(
    engine, people
):
    north = people["north"]
    first = _save(engine, north, ChecklistForm.from_form(FIELDS))
    assert not first.repeated
    again = _save(engine, north, ChecklistForm.from_form(FIELDS))
    assert again.repeated
    assert again.key == first.key
    changed = {**FIELDS, "menses": "irregular"}
    with pytest.raises(Conflict, match="saved already .* with other answers"):
        _save(engine, north, ChecklistForm.from_form(changed))
    with engine.connect() as connection:
        rows = connection.execute(
            select(WORKBOOK_TABLES["contacts"].c.menses).where(
                WORKBOOK_TABLES["contacts"].c.participant_id == "008",
                WORKBOOK_TABLES["contacts"].c.contact_date == date(2024, 8, 1),
            )
        ).scalars()
        assert list(rows) == ["regular"]


def test_a_token_saved_for_another_woman_is_refused_without_telling_of_that_save(engine, people):
    # Tokens are unique across the registry and an API client may choose its own: another
    # site's save must neither be taken for hers nor described to her.
    first = _save(engine, people["north"], ChecklistForm.from_form(FIELDS))
    theirs = {"participant_id": "009", "form_token": FIELDS["form_token"], "mode": "phone"}
    before = snapshot(engine)
    with pytest.raises(Conflict) as raised:
        _save(engine, people["south"], ChecklistForm.from_form(theirs))
    said = str(raised.value)
    assert "used already, for another save" in said
    for secret in (first.key, "008", "2024", "UTC"):
        assert secret not in said
    assert snapshot(engine) == before


def test_the_content_hash_is_that_of_every_answer_but_the_token() -> None:
    # Saved hashes are compared with later sendings of the same form, across upgrades too:
    # the hash stays SHA-256 of the form as dataclasses.asdict writes it, token left out.
    import hashlib
    import json
    from dataclasses import asdict

    fields = {
        "participant_id": "P001",
        "form_token": "token",
        "contact_date": "2024-01-01",
        "mode": "phone",
        "menses": "regular",
        "vital_status": "alive",
        **{f"conditions.{word}.answer": "no" for word in MATERNAL_CONDITIONS},
        "pregnancies[0].conception_date": "2023-02-01",
        "pregnancies[0].mode": "spontaneous",
        "pregnancies[0].infants[0].sex": "female",
        "pregnancies[0].infants[0].conditions.jaundice.answer": "yes",
        "ivf_cycles[0].start_date": "2023-01-05",
    }
    form = ChecklistForm.from_form(fields)
    content = asdict(form)
    del content["form_token"]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert form.content_hash() == hashlib.sha256(text.encode()).hexdigest()
    assert ChecklistForm.from_form({**fields, "form_token": "other"}).content_hash() == (
        form.content_hash()
    )
    assert ChecklistForm.from_form({**fields, "menses": "none"}).content_hash() != (
        form.content_hash()
    )
