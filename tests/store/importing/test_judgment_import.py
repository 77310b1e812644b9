"""Judgments travel in the workbook: exported with the registry, validated, imported.

The small workbook's North pregnancy G2 (woman 007) is judged by two reviewers; the
registry is exported (CSV and .xlsx), read back, and imported into an empty registry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

from follicle.errors import Conflict
from follicle.store.access.accounts import User, create_site
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.exporting.exporter import read_registry, write_workbook
from follicle.store.follow_up import adjudication
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import audit_log, judgments, user_sites, users
from follicle.workbook.validate import load_workbook, validate_path

from ..helpers import SMALL


def _rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        names = [c for c in judgments.c if c.name != "version"]
        return sorted(tuple(r) for r in connection.execute(select(*names)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_judgments_go_out_with_the_registry_and_come_back_in(
    engine: Engine, tmp_path: Path, fmt: str
) -> None:
    _reviewed_with_site(engine)
    out = write_workbook(
        read_registry(engine), tmp_path / ("out.xlsx" if fmt == "xlsx" else "out"), format=fmt
    )
    workbook = load_workbook(out)
    assert workbook.judgments is not None
    assert list(workbook.judgments["verdict"]) == ["confirm", "reject"]
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(fresh)
    summary = import_workbook(fresh, workbook)
    assert summary.judgments_added == 2
    assert "judgments added: 2" in str(summary)
    assert _rows(fresh) == _rows(engine)
    with fresh.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action).where(audit_log.c.table_name == "judgments")
        ).scalars()
        assert list(actions) == ["import.judgment", "import.judgment"]
    again = import_workbook(fresh, workbook)  # identical: nothing added, nothing refused
    assert again.judgments_added == 0
    fresh.dispose()


def _reviewed_with_site(engine: Engine) -> None:
    import_workbook(engine, load_workbook(SMALL))
    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        for name, verdict, reason in (("rita", "confirm", ""), ("rex", "reject", "duplicate")):
            user_id = connection.execute(
                insert(users).returning(users.c.id),
                {
                    "username": name,
                    "password_hash": "-",
                    "role": "reviewer",
                    "created_at": datetime.now(UTC),
                },
            ).scalar_one()
            connection.execute(insert(user_sites), {"user_id": user_id, "site_code": "North"})
            adjudication.judge(
                connection,
                User(user_id, name, "reviewer", frozenset({"North"})),
                event_type="pregnancy",
                event_key="G2",
                recorded_value="miscarriage",
                verdict=verdict,
                reason=reason,
                today=date(2026, 12, 1),
            )


def test_a_judgment_that_differs_from_the_registrys_is_refused_naming_its_cell(
    engine: Engine, tmp_path: Path
) -> None:
    _reviewed_with_site(engine)
    out = write_workbook(read_registry(engine), tmp_path / "out")
    frame = pd.read_csv(out / "judgments.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "verdict"] = "confirm"
    frame.to_csv(out / "judgments.csv", index=False)
    before = _rows(engine)
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, load_workbook(out), update=True)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "judgments.csv",
        3,
        "verdict",
        "confirm",
    )
    assert "never changed" in problem.message
    assert _rows(engine) == before


def test_a_workbook_without_judgments_is_valid_and_bad_judgments_are_located(
    tmp_path: Path,
) -> None:
    assert validate_path(SMALL).ok
    assert load_workbook(SMALL).judgments is None
    folder = tmp_path / "wb"
    folder.mkdir()
    for path in SMALL.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "judgments.csv").write_text(
        "judgment_id,participant_id,event_type,event_key,recorded_value,stage,reviewer,"
        "verdict,corrected_value,reason,judged_on\n"
        "J1,007,pregnancy,G2,miscarriage,review,rita,maybe,,,2026-12-01\n"
        "J1,999,pregnancy,G2,miscarriage,review,rex,confirm,,,2026-12-01\n",
        encoding="utf-8",
    )
    result = validate_path(folder)
    found = {(p.file, p.row, p.column, p.rule) for p in result.problems}
    assert found == {
        ("judgments.csv", 2, "verdict", "not_in_vocabulary"),
        ("judgments.csv", 3, "judgment_id", "duplicate_id"),
        ("judgments.csv", 3, "participant_id", "unknown_reference"),
    }
