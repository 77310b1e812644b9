"""Enrolment and record forms under hostile or mistaken input: field errors, never a 500.

Each case here once answered "Internal Server Error" and lost what was typed, or let an ID
through that broke links, or told a coordinator that an ID exists at another site.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from follicle.store.records import ID_TAKEN
from follicle.store.tables import WORKBOOK_TABLES

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded

ENROLMENT = {
    "participant_id": "NEW10",
    "site": "A",
    "birth_date": "1984-02-03",
    "consent_date": "2024-05-06",
    "menses_baseline": "regular",
    "full_name": "Kept Name",
}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("birth_date", "2090-01-01", "in the future"),
        ("amh_ng_ml", "-3", "0 or more"),
        ("prior_ivf_cycles", "-2", "0 or more"),
        ("afc", "12345678901234567890", "2,147,483,647 or less"),
        ("afc", "3000000000", "2,147,483,647 or less"),
        ("afc", "4.5", "whole number"),
        ("amh_ng_ml", "0,17", "decimal comma"),
        ("birth_date", "29534", "Excel date serial"),
        ("participant_id", "N905/../P001", "letter (A–Z, a–z), a digit"),
        ("participant_id", '">x<img src=x>', "letter (A–Z, a–z), a digit"),
        ("participant_id", "\u202eP001", "letter (A–Z, a–z), a digit"),
        ("participant_id", "P" * 65, "1–64 characters"),
        ("phone", "12", "6 to 15 digits"),  # as the identity import requires
        ("phone", "call me <b>maybe</b>", "6 to 15 digits"),
    ],
)
def test_an_invalid_enrolment_value_is_a_field_error_and_everything_is_kept(
    app_and_seed: tuple[FastAPI, Seeded], field: str, value: str, words: str
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.post("/participants", {**ENROLMENT, field: value})
    assert answer.status_code == 422
    page = answer.text
    assert f'id="f-{field}-error"' in page
    error = page[page.index(f'id="f-{field}-error"') :][:600]
    assert words in error
    assert 'value="Kept Name"' in page  # what was typed is kept
    assert 'value="1984-02-03"' in page or field == "birth_date"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "2090-01-01"),
        ("birth_date", "1984-02-30"),
        ("amh_ng_ml", "-3"),
        ("prior_ivf_cycles", "-2"),
        ("afc", "12345678901234567890"),
        ("prior_max_oocytes", "1e400"),
        ("injection_date", "not a date"),
    ],
)
def test_the_live_assessment_leaves_an_invalid_value_out(
    app_and_seed: tuple[FastAPI, Seeded], field: str, value: str
) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants/assess", {**ENROLMENT, "afc": "3", field: value}
    )
    assert answer.status_code == 200
    if field != "injection_date":
        assert "Left out" in answer.text


def test_a_taken_id_is_refused_alike_whatever_site_holds_it(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    own = browser.post("/participants", {**ENROLMENT, "participant_id": "WA001"})
    other = browser.post("/participants", {**ENROLMENT, "participant_id": "WB001"})
    assert own.status_code == other.status_code == 422
    for answer in (own, other):
        assert "exists already" not in answer.text
        assert "Someone else saved" not in answer.text
    assert ID_TAKEN.split(":")[0] in own.text
    # The two answers differ only by the ID typed back into the form.
    assert own.text.replace("WA001", "X") == other.text.replace("WB001", "X")


def test_a_cycle_id_of_another_site_is_not_revealed(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    taken = seeded.women["B"].keys["ivf_cycles"]
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants/WA001/records/ivf_cycles",
        {"cycle_id": taken, "start_date": "2024-06-01"},
    )
    assert answer.status_code == 422
    assert "exists already" not in answer.text
    assert "Someone else saved" not in answer.text
    assert ID_TAKEN.split(":")[0] in answer.text


def test_links_encode_every_character_of_an_id(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    # A woman imported before IDs had a pattern: her link must not lead to another woman.
    app, seeded = app_and_seed
    with engine_of(app).begin() as connection:
        connection.execute(
            insert(WORKBOOK_TABLES["participants"]),
            {
                "participant_id": "N905/../WA001",
                "site": "A",
                "birth_date": date(1980, 1, 1),
                "menses_baseline": "regular",
            },
        )
    page = Browser(app, seeded.users["coord_a"]).get("/participants").text
    assert 'href="/participants/N905%2F..%2FWA001"' in page
    assert 'href="/participants/N905/../WA001"' not in page
