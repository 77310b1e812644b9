"""The review of events from the command line: adjudicators, and the adjudicated report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from editing import SMALL
from follicle.cli import app
from follicle.store.access.accounts import User
from follicle.store.engine import make_engine
from follicle.store.follow_up import adjudication
from follicle.store.tables import adjudicators, audit_log, user_sites, users

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The small workbook imported into a SQLite registry (FOLLICLE_DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    assert runner.invoke(app, ["import", str(SMALL), "--create-sites"]).exit_code == 0
    return url


def _reviewer(url: str, name: str, role: str = "reviewer") -> User:
    engine = make_engine(url)
    with engine.begin() as connection:
        user_id = connection.execute(
            insert(users).returning(users.c.id),
            {"username": name, "password_hash": "-", "role": role, "created_at": datetime.now(UTC)},
        ).scalar_one()
        connection.execute(insert(user_sites), {"user_id": user_id, "site_code": "North"})
    engine.dispose()
    return User(user_id, name, role, frozenset({"North"}))


def test_adjudicator_add_and_remove_are_audited_and_refuse_non_reviewers(registry: str) -> None:
    _reviewer(registry, "rita")
    _reviewer(registry, "nora", role="coordinator")
    assert runner.invoke(app, ["adjudicator", "add", "rita"]).exit_code == 0
    refused = runner.invoke(app, ["adjudicator", "add", "nora"])
    assert refused.exit_code == 1
    assert "only a reviewer" in refused.output
    unknown = runner.invoke(app, ["adjudicator", "add", "nobody"])
    assert unknown.exit_code == 1
    assert "no user nobody" in unknown.output
    engine = make_engine(registry)
    with engine.connect() as connection:
        assert len(connection.execute(select(adjudicators)).all()) == 1
    assert runner.invoke(app, ["adjudicator", "remove", "rita"]).exit_code == 0
    with engine.connect() as connection:
        assert connection.execute(select(adjudicators)).all() == []
        actions = connection.execute(
            select(audit_log.c.action).where(audit_log.c.table_name == "adjudicators")
        ).scalars()
        assert list(actions) == ["designate adjudicator", "withdraw adjudicator"]
    engine.dispose()


def test_report_adjudicated_counts_confirmed_events_and_states_the_review(
    tmp_path: Path, registry: str
) -> None:
    rita, rex = _reviewer(registry, "rita"), _reviewer(registry, "rex")
    engine = make_engine(registry)
    for who in (rita, rex):  # G2 (007's miscarriage) rejected by both; the rest unreviewed
        with engine.begin() as connection:
            adjudication.judge(
                connection,
                who,
                event_type="pregnancy",
                event_key="G2",
                recorded_value="miscarriage",
                verdict="reject",
                reason="entered twice",
            )
    engine.dispose()
    recorded = runner.invoke(app, ["report", "--out", str(tmp_path / "recorded")])
    assert recorded.exit_code == 0, recorded.output
    adjudicated = runner.invoke(app, ["report", "--adjudicated", "--out", str(tmp_path / "adj")])
    assert adjudicated.exit_code == 0, adjudicated.output
    plain = json.loads((tmp_path / "recorded" / "results.json").read_text())["results"]
    adj = json.loads((tmp_path / "adj" / "results.json").read_text())["results"]
    assert plain["review"]["values"]["all.events"] == 9
    assert plain["review"]["values"]["pregnancy.rejected"] == 1
    assert adj["review"]["values"]["all.awaiting"] == 8
    assert any("8 event(s) awaiting review were left out" in n for n in adj["review"]["notes"])
    assert plain["pregnancy"]["values"] != adj["pregnancy"]["values"]
