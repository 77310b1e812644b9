"""Sites at import: refused naming the site, created on request, unseen ones named."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from follicle.errors import WorkbookInvalid
from follicle.store.accounts import create_site, create_user, list_sites
from follicle.store.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES, audit_log


def _women(engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(WORKBOOK_TABLES["participants"])
            ).scalar_one()
        )


def test_unregistered_sites_are_refused_one_problem_each_and_nothing_is_written(engine, small):
    with engine.begin() as connection:
        create_site(connection, "East", "East clinic")
    with pytest.raises(WorkbookInvalid) as raised:
        import_workbook(engine, small, unknown_sites="refuse")
    problems = raised.value.problems
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("participants", 2, "site", "North", "site_not_registered"),
        ("participants", 4, "site", "South", "site_not_registered"),
    ]
    assert "registered: East" in problems[0].message
    assert "(2 women)" in problems[0].message
    assert _women(engine) == 0


def test_sites_are_created_on_request_and_audited(engine, small):
    summary = import_workbook(engine, small, unknown_sites="create", actor="ada")
    assert summary.sites_created == ("North", "South")
    assert summary.unseen_sites == {"North": 2, "South": 2}
    assert "sites registered: North, South" in str(summary)
    assert "site South (2 women) has no coordinator yet" in str(summary)
    with engine.connect() as connection:
        assert list_sites(connection)["code"].tolist() == ["North", "South"]
        created = connection.execute(
            select(audit_log.c.record_key).where(
                audit_log.c.table_name == "sites", audit_log.c.actor == "ada"
            )
        ).scalars()
        assert sorted(created) == ["North", "South"]
    assert _women(engine) == 4


def test_registered_and_staffed_sites_import_without_a_word(engine, small):
    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        create_site(connection, "South", "South clinic")
        create_user(connection, "nora", "nora north password", "coordinator", ["North"])
    summary = import_workbook(engine, small, unknown_sites="refuse")
    assert summary.sites_created == ()
    assert summary.unseen_sites == {"South": 2}
    assert "North" not in str(summary)
