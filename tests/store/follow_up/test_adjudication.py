"""Two-specialist review in the registry: queue, blind judgments, decisions, audit.

The small workbook's North women (007, 008) report a condition (007's ovarian cyst), two
pregnancies (G1 live birth, G2 miscarriage) and an infant (B1); South's report G3, G4, B2,
B3 and B2's thyroid disorder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, insert, select

from follicle.errors import Conflict, NotFound, PermissionDenied
from follicle.store import records
from follicle.store.access.accounts import User
from follicle.store.audit_log.chain import verify_chain
from follicle.store.follow_up import adjudication
from follicle.store.follow_up.adjudication import InvalidJudgment
from follicle.store.tables import audit_log, judgments, user_sites, users

CYST = "007|ovarian_cyst|2019-08-01"
DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def team(engine: Engine, people: dict[str, User]) -> dict[str, User]:
    """``people`` plus a second North reviewer (``rex``), a South reviewer (``sue``) and a
    North reviewer designated adjudicator (``ida``)."""
    with engine.begin() as connection:
        more = {
            name: _reviewer(connection, name, site)
            for name, site in (("rex", "North"), ("sue", "South"), ("ida", "North"))
        }
        adjudication.set_adjudicator(connection, "ida", True, actor="ada")
    return {**people, **more}


def _reviewer(connection, name: str, site: str) -> User:
    """A reviewer of ``site`` who never signs in (no Argon2 hashing: these tests are slow
    enough on a shared machine)."""
    user_id = connection.execute(
        insert(users).returning(users.c.id),
        {"username": name, "password_hash": "-", "role": "reviewer", "created_at": NOW},
    ).scalar_one()
    connection.execute(insert(user_sites), {"user_id": user_id, "site_code": site})
    return User(user_id, name, "reviewer", frozenset({site}))


def _judge(engine: Engine, who: User, kind: str, key: str, recorded: str, verdict: str, **kw):
    with engine.begin() as connection:
        return adjudication.judge(
            connection,
            who,
            event_type=kind,
            event_key=key,
            recorded_value=recorded,
            verdict=verdict,
            today=DAY,
            **kw,
        )


def _reclassify_the_cyst(engine: Engine, who: User):
    """``who`` judges 007's ovarian cyst an endometrioma, with her reason."""
    return _judge(
        engine,
        who,
        "condition",
        CYST,
        "ovarian_cyst",
        "reclassify",
        corrected_value="endometrioma",
        reason="ultrasound report says endometrioma",
    )


def _queue(engine: Engine, who: User, **kw):
    with engine.connect() as connection:
        return adjudication.review_queue(connection, who, **kw)


def test_every_reported_event_of_her_sites_is_in_the_queue_to_review(engine, team):
    frame, counts = _queue(engine, team["reviewer"])
    assert sorted(zip(frame["event_type"], frame["event_key"], strict=True)) == [
        ("condition", CYST),
        ("infant", "B1"),
        ("pregnancy", "G1"),
        ("pregnancy", "G2"),
    ]
    assert counts["to_review"] == 4
    assert counts["all"] == 4
    assert counts["mine"] == 4
    everything, _ = _queue(engine, team["admin"])
    assert len(everything) == 9  # both sites: 4 + G3, G4, B2, B3, B2's thyroid disorder


def test_two_agreeing_reviews_settle_the_event_and_each_is_audited(engine, team):
    assert _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "confirm").status == (
        "one_judgment"
    )
    done = _judge(engine, team["rex"], "pregnancy", "G2", "miscarriage", "confirm")
    assert done.status == "settled"
    with engine.connect() as connection:
        entries = connection.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.record_key).where(
                audit_log.c.table_name == "judgments"
            )
        ).all()
        assert verify_chain(connection).ok
    assert [(e.actor, e.action) for e in entries] == [("rita", "review"), ("rex", "review")]
    assert entries[1].record_key == f"007/{done.judgment_id}"


def test_a_reviewer_does_not_see_the_other_judgment_until_both_have_judged(engine, team):
    _reclassify_the_cyst(engine, team["reviewer"])
    frame, _ = _queue(engine, team["rex"])
    row = frame[frame["event_key"] == CYST].iloc[0]
    assert row["status"] == "one_judgment"
    assert row["verdict_1"] is None
    assert row["reviewer_1"] is None
    assert row["value_1"] is None
    with engine.connect() as connection:
        page = adjudication.event_page(connection, team["rex"], "condition", CYST)
    assert page.judgments.empty
    assert page.can_judge
    assert "endometrioma" not in page.event.values()
    # Her own judgment she sees; once both are in, both.
    _judge(engine, team["rex"], "condition", CYST, "ovarian_cyst", "confirm")
    with engine.connect() as connection:
        page = adjudication.event_page(connection, team["rex"], "condition", CYST)
    assert page.event["status"] == "disputed"
    assert sorted(page.judgments["reviewer"]) == ["rex", "rita"]
    assert not page.can_judge
    assert not page.can_decide


def test_her_audit_trail_does_not_show_the_first_judgment_before_both_are_in(engine, team):
    # The woman's audit trail lists every change of her rows, judgments included: it must
    # blind them as the review pages do, or the second reviewer reads the first's there.
    _reclassify_the_cyst(engine, team["reviewer"])

    def judgment_lines(who: User):
        with engine.connect() as connection:
            trail = records.audit_trail(connection, who, "007")
        return trail[trail["table"] == "judgments"]

    for who in (team["rex"], team["north"], team["ida"]):
        lines = judgment_lines(who)
        assert len(lines) == 1, who.username
        assert lines.iloc[0]["actor"] == records.BLINDED
        assert lines.iloc[0]["new"] == records.BLINDED
        shown = " ".join(str(v) for v in lines.to_numpy().ravel())
        for secret in ("rita", "reclassify", "endometrioma", "ultrasound"):
            assert secret not in shown, (who.username, secret)
    # Her own judgment she sees, and an admin every judgment.
    for who in (team["reviewer"], team["admin"]):
        lines = judgment_lines(who)
        assert set(lines["actor"]) == {"rita"}
        assert "endometrioma" in set(lines["new"])
    # Once both have judged, everyone who may read her trail sees both.
    _judge(engine, team["rex"], "condition", CYST, "ovarian_cyst", "confirm")
    for who in (team["rex"], team["north"], team["reviewer"]):
        lines = judgment_lines(who)
        assert set(lines["actor"]) == {"rita", "rex"}, who.username
        assert "endometrioma" in set(lines["new"])
        assert records.BLINDED not in set(lines["new"])


def test_her_audit_trail_keeps_a_judgment_blinded_when_its_condition_gets_a_new_key(engine, team):
    # A condition's key holds its date: corrected, the condition is a new event to review
    # and the first judgment names a key that exists no more. It was shown in full then,
    # so the second reviewer read it before judging the same condition afresh.
    _reclassify_the_cyst(engine, team["reviewer"])
    conditions = records.WORKBOOK_TABLES["conditions"]
    with engine.begin() as connection:
        row_id, version = connection.execute(
            select(conditions.c[records.ROW_ID], conditions.c.version).where(
                conditions.c.participant_id == "007", conditions.c.condition == "ovarian_cyst"
            )
        ).one()
        records.update(
            connection,
            team["north"],
            "conditions",
            str(row_id),
            {"diagnosis_date": "2019-08-02"},
            version=version,
            reason="date as on the letter",
        )
    for who in (team["rex"], team["north"]):
        with engine.connect() as connection:
            trail = records.audit_trail(connection, who, "007")
        lines = trail[trail["table"] == "judgments"]
        assert list(lines["actor"]) == [records.BLINDED], who.username
        shown = " ".join(str(v) for v in lines.to_numpy().ravel())
        for secret in ("rita", "reclassify", "endometrioma", "ultrasound"):
            assert secret not in shown, (who.username, secret)
    with engine.connect() as connection:
        own = records.audit_trail(connection, team["reviewer"], "007")
    assert set(own[own["table"] == "judgments"]["actor"]) == {"rita"}


def test_a_disagreement_goes_to_the_adjudicator_whose_decision_is_final(engine, team):
    _judge(engine, team["reviewer"], "pregnancy", "G1", "live_birth", "confirm")
    _judge(engine, team["rex"], "pregnancy", "G1", "live_birth", "reject", reason="duplicate")
    with engine.connect() as connection:
        found = adjudication.disputes(connection, team["ida"])
        assert list(found["event_key"]) == ["G1"]
        assert set(found[["verdict_1", "verdict_2"]].iloc[0]) == {"confirm", "reject"}
        with pytest.raises(PermissionDenied):
            adjudication.disputes(connection, team["rex"])  # not designated
    with engine.begin() as connection:
        with pytest.raises(InvalidJudgment, match="needs a reason"):
            adjudication.decide(
                connection,
                team["ida"],
                event_type="pregnancy",
                event_key="G1",
                recorded_value="live_birth",
                verdict="confirm",
            )
    with engine.begin() as connection:
        decided = adjudication.decide(
            connection,
            team["ida"],
            event_type="pregnancy",
            event_key="G1",
            recorded_value="live_birth",
            verdict="confirm",
            reason="discharge letter seen",
        )
    assert decided.status == "decided"
    frame, _ = _queue(engine, team["admin"])
    row = frame[frame["event_key"] == "G1"].iloc[0]
    assert (row["status"], row["final_verdict"], row["decided_by"]) == ("decided", "confirm", "ida")
    with engine.begin() as connection, pytest.raises(Conflict, match="not disputed"):
        adjudication.decide(
            connection,
            team["admin"],
            event_type="pregnancy",
            event_key="G1",
            recorded_value="live_birth",
            verdict="reject",
            reason="again",
        )


def test_one_of_the_two_reviewers_cannot_decide_their_dispute(engine, team):
    with engine.begin() as connection:
        adjudication.set_adjudicator(connection, "rex", True)
    _judge(engine, team["reviewer"], "infant", "B1", "alive", "confirm")
    _judge(engine, team["rex"], "infant", "B1", "alive", "reject", reason="stillborn")
    with engine.begin() as connection, pytest.raises(PermissionDenied, match="you reviewed"):
        adjudication.decide(
            connection,
            team["rex"],
            event_type="infant",
            event_key="B1",
            recorded_value="alive",
            verdict="reject",
            reason="mine",
        )


def test_no_third_review_no_second_by_the_same_reviewer_nothing_written(engine, team):
    _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "confirm")
    with pytest.raises(Conflict, match="already"):
        _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "reject", reason="x")
    _judge(engine, team["rex"], "pregnancy", "G2", "miscarriage", "confirm")
    with pytest.raises(Conflict, match="two reviewers"):
        _judge(engine, team["ida"], "pregnancy", "G2", "miscarriage", "confirm")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(judgments)).scalar() == 2


@pytest.mark.parametrize(
    ("kind", "key", "recorded", "verdict", "kw", "message"),
    [
        ("pregnancy", "G2", "miscarriage", "reject", {}, "reject needs a reason"),
        ("pregnancy", "G2", "miscarriage", "reclassify", {"reason": "r"}, "corrected value"),
        (
            "pregnancy",
            "G2",
            "miscarriage",
            "reclassify",
            {"reason": "r", "corrected_value": "miscarriage"},
            "confirm the event instead",
        ),
        (
            "infant",
            "B1",
            "alive",
            "reclassify",
            {"reason": "r", "corrected_value": "died"},
            "not reclassified",
        ),
        ("pregnancy", "G2", "miscarriage", "maybe", {}, "one of confirm, reclassify, reject"),
        (
            "pregnancy",
            "G2",
            "miscarriage",
            "confirm",
            {"corrected_value": "ectopic"},
            "reclassify only",
        ),
    ],
)
def test_a_judgment_that_cannot_be_recorded_says_why(
    engine, team, kind, key, recorded, verdict, kw, message
):
    with pytest.raises(InvalidJudgment, match=message):
        _judge(engine, team["reviewer"], kind, key, recorded, verdict, **kw)


def test_roles_and_sites_are_enforced(engine, team):
    with pytest.raises(NotFound):  # South's pregnancy, to a North reviewer: as if absent
        _judge(engine, team["reviewer"], "pregnancy", "G3", "live_birth", "confirm")
    with pytest.raises(NotFound):
        _judge(engine, team["reviewer"], "pregnancy", "G99", "live_birth", "confirm")
    with pytest.raises(PermissionDenied):
        _judge(engine, team["north"], "pregnancy", "G2", "miscarriage", "confirm")
    with pytest.raises(PermissionDenied):
        _judge(engine, team["admin"], "pregnancy", "G2", "miscarriage", "confirm")
    for who in ("north", "analyst"):
        with pytest.raises(PermissionDenied):
            _queue(engine, team[who])
    frame, _ = _queue(engine, team["reviewer"], site="South")
    assert frame.empty


def test_a_change_of_the_defining_field_sends_the_event_back_to_review(engine, team):
    _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "confirm")
    _judge(engine, team["rex"], "pregnancy", "G2", "miscarriage", "confirm")
    with engine.begin() as connection:
        version = connection.execute(
            select(records.WORKBOOK_TABLES["pregnancies"].c.version).where(
                records.WORKBOOK_TABLES["pregnancies"].c.pregnancy_id == "G2"
            )
        ).scalar_one()
        records.update(
            connection,
            team["north"],
            "pregnancies",
            "G2",
            {"outcome": "ectopic"},
            version=version,
            reason="scan report",
        )
    frame, _ = _queue(engine, team["reviewer"])
    row = frame[frame["event_key"] == "G2"].iloc[0]
    assert (row["recorded_value"], row["status"]) == ("ectopic", "to_review")
    # A judgment of the value she saw before the change is refused, nothing written.
    with pytest.raises(Conflict, match="changed since you opened it"):
        _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "confirm")
    with engine.connect() as connection:
        page = adjudication.event_page(connection, team["reviewer"], "pregnancy", "G2")
    assert list(page.judgments["current"]) == [False]  # her own, of the old value: history


def test_the_event_page_shows_where_the_event_came_from(engine, team):
    with engine.connect() as connection:
        page = adjudication.event_page(connection, team["reviewer"], "condition", CYST)
    assert list(page.rows["notes"]) == ["simple cyst, 3 cm; resolved after delivery"]
    assert len(page.contacts) == 3
    assert set(page.others["event_key"]) == {"G1", "G2", "B1"}
    assert page.vocabulary[0] == "ovarian_cyst"
    assert list(page.entered["action"]) == ["import.insert"]


def test_a_woman_whose_events_were_judged_is_not_deleted(engine, team):
    _judge(engine, team["reviewer"], "condition", CYST, "ovarian_cyst", "confirm")
    with engine.begin() as connection, pytest.raises(Conflict) as caught:
        records.delete(connection, team["admin"], "participants", "007", version=1, reason="x")
    assert "judgments" in str(caught.value)


@pytest.mark.parametrize("change", ["corrected date", "deleted"])
def test_judgments_of_a_changed_event_stay_as_history_and_the_export_still_validates(
    engine, team, tmp_path, change
):
    """A judged condition's date corrected (its key is the woman, the condition and the
    date) or the condition deleted: the event is back to review, its judgments stay in the
    registry, and the export leaves them out, so that it validates and imports again."""
    from follicle.store.engine import ensure_schema, make_engine
    from follicle.store.exporting.exporter import read_registry, write_workbook
    from follicle.store.importing.importer import import_workbook
    from follicle.store.tables import workbook_table
    from follicle.workbook.validate import load_workbook, validate_path

    _judge(engine, team["reviewer"], "condition", CYST, "ovarian_cyst", "confirm")
    _judge(engine, team["reviewer"], "pregnancy", "G2", "miscarriage", "confirm")
    conditions = workbook_table("conditions")
    with engine.begin() as connection:
        row_id, version = connection.execute(
            select(conditions.c.row_id, conditions.c.version).where(
                conditions.c.participant_id == "007"
            )
        ).one()
        if change == "deleted":
            records.delete(
                connection, team["admin"], "conditions", str(row_id), version=version, reason="x"
            )
        else:
            records.update(
                connection,
                team["admin"],
                "conditions",
                str(row_id),
                {"diagnosis_date": "2019-09-01"},
                version=version,
                reason="typo",
            )
    with engine.connect() as connection:
        kept = connection.execute(select(judgments.c.event_key)).scalars().all()
    assert sorted(kept) == sorted([CYST, "G2"])  # nothing of the registry's is lost
    frame, _ = _queue(engine, team["reviewer"])
    statuses = dict(zip(frame["event_key"], frame["status"], strict=True))
    assert CYST not in statuses
    if change != "deleted":
        assert statuses["007|ovarian_cyst|2019-09-01"] == "to_review"

    book = read_registry(engine)
    assert book["judgments"]["event_key"].tolist() == ["G2"]
    folder = write_workbook(book, tmp_path / "export")
    assert validate_path(folder).ok
    again = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    ensure_schema(again)
    assert import_workbook(again, load_workbook(folder), actor="test").judgments_added == 1
    again.dispose()
