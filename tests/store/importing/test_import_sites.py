"""Sites at import: refused naming the site, created on request, unseen ones named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from editing import copy_workbook, read_rows, set_cell, to_xlsx, write_rows
from follicle.errors import WorkbookInvalid
from follicle.store.access.accounts import (
    InvalidName,
    checked_name,
    create_site,
    create_user,
    list_sites,
)
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES, audit_log
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook, validate_path

from ..helpers import edited


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
        ("participants.csv", 2, "site", "North", "site_not_registered"),
        ("participants.csv", 4, "site", "South", "site_not_registered"),
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


def _with_blank_rows(tmp_path: Path, kind: str) -> Workbook:
    """The small workbook with a blank row above its first participant: each woman's row
    is one further down than her place in the table says."""
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "participants")
    write_rows(folder, "participants", [rows[0], [""] * len(rows[0]), *rows[1:]])
    source = folder if kind == "csv" else to_xlsx(folder, tmp_path / "cohort.xlsx")
    return load_workbook(source)


@pytest.mark.parametrize(
    ("kind", "label"), [("csv", "participants.csv"), ("xlsx", "cohort.xlsx, sheet participants")]
)
def test_an_unregistered_site_below_a_blank_row_names_its_file_and_row(
    engine, tmp_path: Path, kind: str, label: str
):
    with pytest.raises(WorkbookInvalid) as raised:
        import_workbook(engine, _with_blank_rows(tmp_path, kind), unknown_sites="refuse")
    assert [(p.file, p.row, p.column, p.value) for p in raised.value.problems] == [
        (label, 3, "site", "North"),
        (label, 5, "site", "South"),
    ]


@pytest.mark.parametrize(
    ("code", "shown"), [("N" * 101, "N" * 101), ("Nor\u200bth", "Nor\\u200bth")]
)
def test_a_site_code_the_registry_cannot_hold_is_refused_where_it_is(
    engine, small, code: str, shown: str
):
    # Validation refuses such a code already; a workbook built in code is told too.
    participants = small["participants"].copy()
    participants.loc[2, "site"] = code
    with pytest.raises(WorkbookInvalid) as raised:
        import_workbook(engine, edited(small, participants=participants), unknown_sites="create")
    (problem,) = raised.value.problems
    assert (problem.file, problem.row, problem.column, problem.value, problem.rule) == (
        "participants.csv",
        4,
        "site",
        shown,
        "not_a_site_code",
    )
    assert "cannot be registered" in problem.message
    with engine.connect() as connection:
        assert list_sites(connection).empty
    assert _women(engine) == 0


@pytest.mark.parametrize(
    "code",
    ["North", "Nordé", "N" * 100, "N" * 101, "Ex\x7f", "No\x85rth", "Nor\u200bth", "\u202eX"],
)
def test_validation_and_the_registry_agree_on_what_a_site_code_is(tmp_path: Path, code: str):
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "site", code)
    try:
        checked_name(code, "a site's code")
    except InvalidName:
        registered = False
    else:
        registered = True
    assert validate_path(folder).ok is registered
