"""Import and export from the browser."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
from fastapi import FastAPI
from sqlalchemy import select

from follicle.store.tables import audit_log

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded

SMALL = Path(__file__).parents[2] / "fixtures" / "workbooks" / "small"


def _files(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("workbook", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.glob("*.csv"))
    ]


def test_an_admin_imports_a_workbook(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["admin"]).post(
        "/data/import", {"create_sites": "yes"}, files=_files(SMALL)
    )
    assert answer.status_code == 200
    assert "Imported" in answer.text
    assert "sites registered: North, South" in answer.text
    assert "site North (2 women) has no coordinator yet" in answer.text


def test_a_workbook_at_unregistered_sites_is_refused_naming_them(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    answer = admin.post("/data/import", files=_files(SMALL))
    assert answer.status_code == 422
    assert "Nothing was imported" in answer.text
    assert (
        "site &#39;North&#39; (2 women) is not a registered site; registered: A, B" in answer.text
    )
    assert admin.get("/participants/007").status_code == 404


def test_an_invalid_workbook_imports_nothing_and_lists_its_problems(
    app_and_seed: tuple[FastAPI, Seeded], tmp_path: Path
) -> None:
    app, seeded = app_and_seed
    for path in SMALL.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    participants = tmp_path / "participants.csv"
    participants.write_text(participants.read_text().replace("1982-05-14", "1982-13-14"))
    admin = Browser(app, seeded.users["admin"])
    answer = admin.post("/data/import", files=_files(tmp_path))
    assert answer.status_code == 422
    assert "Nothing was imported" in answer.text
    assert "1982-13-14" in answer.text
    assert admin.get("/participants/007").status_code == 404


def test_an_analysts_export_is_de_identified(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["analyst"]).post(
        "/data/export", {"kind": "deidentified", "format": "csv"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    participants = pd.read_csv(archive.open("participants.csv"), dtype=str)
    assert "birth_date" not in participants.columns
    assert "age_at_first_injection" in participants.columns
    assert not participants["participant_id"].isin(["WA001", "WB001"]).any()
    everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"Test Woman" not in everything
    assert b"555 0100" not in everything


def test_an_admins_full_export_is_the_workbook(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["admin"]).post(
        "/data/export", {"kind": "full", "format": "xlsx"}
    )
    assert answer.status_code == 200
    sheets = pd.read_excel(io.BytesIO(answer.content), sheet_name=None, dtype=str)
    assert set(sheets["participants"]["participant_id"]) == {"WA001", "WB001"}
    assert "Test Woman" not in answer.content.decode("latin-1")
    # Audited, as the de-identified export is: who, and how much, never what.
    with engine_of(app).connect() as connection:
        (entry,) = connection.execute(
            select(audit_log.c.actor, audit_log.c.after).where(audit_log.c.action == "export.full")
        ).all()
    assert entry.actor == "admin"
    assert json.loads(entry.after)["women"] == 2
    assert "WA001" not in entry.after


def test_a_changed_woman_is_refused_naming_the_forms_checkbox_then_updated_with_it(
    app_and_seed: tuple[FastAPI, Seeded], tmp_path: Path
) -> None:
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    first = admin.post("/data/import", {"create_sites": "yes"}, files=_files(SMALL))
    assert first.status_code == 200
    for path in SMALL.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    participants = tmp_path / "participants.csv"
    participants.write_text(participants.read_text().replace(",0.6,4,", ",0.7,4,"))

    refused = admin.post("/data/import", files=_files(tmp_path))
    assert refused.status_code == 422
    assert "1 woman already in the registry differs from the workbook (007)" in refused.text
    # The page's own words for the choice, not the command line's option.
    assert "tick \u201cApply changes to women already in the registry\u201d" in refused.text
    assert "--update" not in refused.text

    updated = admin.post("/data/import", {"update": "yes"}, files=_files(tmp_path))
    assert updated.status_code == 200, updated.text[:500]
    trail = admin.get("/participants/007/audit").text
    updated_line, inserted_line = (
        line for line in trail.split("<tr>") if ">Import." in line or ">import." in line
    )
    # An import entry holds all her rows: counted per table, not left blank.
    assert "<em>all her rows</em>" in updated_line
    assert "1 row: participants 1" in updated_line  # the update replaced her participants row
    assert "rows: participants 1, injections " in inserted_line
