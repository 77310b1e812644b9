"""The telephone checklist: one save writes it all; errors keep every value."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import func, select

from follicle.store.tables import workbook_table
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded


def _form(browser: Browser, pid: str) -> dict[str, str]:
    page = browser.get(f"/participants/{pid}/checklist")
    assert page.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    return {"form_token": token.group(1)}


def _checklist(token: dict[str, str], outcome_date: str) -> dict[str, str]:
    form = {
        **token,
        "contact_date": "2022-03-01",
        "mode": "phone",
        "milestone": "annual",
        "menses": "irregular",
        "vital_status": "alive",
        "conditions.endometriosis.answer": "yes",
        "conditions.endometriosis.diagnosis_date": "2021-09-01",
        "conditions.endometriosis.during_pregnancy": "no",
        "conditions.endometriosis.resolved": "no",
        "pregnancies[0].conception_date": "2021-07-01",
        "pregnancies[0].mode": "spontaneous",
        "pregnancies[0].fetuses": "1",
        "pregnancies[0].outcome": "live_birth",
        "pregnancies[0].outcome_date": outcome_date,
        "pregnancies[0].gestational_weeks": "20",
        "pregnancies[0].infants[0].birth_date": "2021-11-20",
        "pregnancies[0].infants[0].sex": "male",
        "pregnancies[0].infants[0].birth_weight_g": "900",
        "pregnancies[0].infants[0].conditions.congenital_anomaly.answer": "no",
    }
    for word in MATERNAL_CONDITIONS:
        form.setdefault(f"conditions.{word}.answer", "no")
    for word in INFANT_CONDITIONS:
        form.setdefault(f"pregnancies[0].infants[0].conditions.{word}.answer", "no")
    return form


def _count(app: FastAPI, table: str) -> int:
    with engine_of(app).connect() as connection:
        t = workbook_table(table)
        return int(connection.execute(select(func.count()).select_from(t)).scalar() or 0)


def test_the_form_asks_every_condition_of_the_vocabulary(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/participants/WA001/checklist").text
    for word in MATERNAL_CONDITIONS:
        for answer in ("yes", "no", "unknown"):
            assert f'name="conditions.{word}.answer" value="{answer}"' in page


def test_a_checklist_with_a_pregnancy_its_birth_and_the_infant_is_saved_whole(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    before = {t: _count(app, t) for t in ("contacts", "pregnancies", "infants", "conditions")}
    token = _form(browser, "WA001")
    answer = browser.post("/participants/WA001/checklist", _checklist(token, "2021-11-20"))
    assert answer.status_code == 303, answer.text[:2000]
    after = {t: _count(app, t) for t in before}
    assert after == {
        "contacts": before["contacts"] + 1,
        "pregnancies": before["pregnancies"] + 1,
        "infants": before["infants"] + 1,
        "conditions": before["conditions"] + 1,
    }
    # The same form sent twice (a double click, a reload) writes once.
    again = browser.post("/participants/WA001/checklist", _checklist(token, "2021-11-20"))
    assert again.status_code == 303
    assert _count(app, "contacts") == after["contacts"]
    page = browser.get("/participants/WA001").text
    assert "2022-03-01" in page
    assert "2021-11-20" in page


def test_an_error_is_shown_beside_its_field_and_every_value_is_kept(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    before = _count(app, "contacts")
    form = _checklist(_form(browser, "WA001"), "2021-06-01")  # before conception
    answer = browser.post("/participants/WA001/checklist", form)
    assert answer.status_code == 422
    page = answer.text
    assert 'id="f-pregnancies-0-outcome_date-error"' in page
    for name, value in form.items():
        if name.endswith(".answer"):
            assert f'name="{name}" value="{value}" checked' in page, name
        elif name.endswith(
            (
                "mode",
                "outcome",
                "sex",
                "menses",
                "milestone",
                "vital_status",
                "during_pregnancy",
                "resolved",
            )
        ):
            block = page[page.index(f'name="{name}"') :][:1500]
            assert f'value="{value}" selected' in block, name
        else:
            assert f'name="{name}"' in page, name
            assert f'value="{value}"' in page[page.index(f'name="{name}"') :][:300], name
    assert _count(app, "contacts") == before


def test_htmx_blocks_carry_their_indices_and_the_next_add_button(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    block = browser.get("/checklist/blocks/pregnancy?index=2").text
    assert 'name="pregnancies[2].conception_date"' in block
    assert 'id="add-pregnancy"' in block
    assert "index=3" in block
    assert 'hx-swap-oob="true"' in block
    infant = browser.get("/checklist/blocks/infant?pregnancy=1&index=0").text
    assert 'name="pregnancies[1].infants[0].birth_date"' in infant
    assert "pregnancy=1&amp;index=1" in infant
    for word in INFANT_CONDITIONS:
        assert f'name="pregnancies[1].infants[0].conditions.{word}.answer"' in infant


def test_the_page_shows_her_name_and_phone_at_the_top(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/participants/WA001/checklist").text
    top = page[page.index("<main") : page.index('class="checklist"')]
    assert "Test Woman WA001" in top
    assert 'href="tel:+98215550100"' in top


def test_a_refused_form_for_another_sites_woman_shows_nothing_of_her(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # A form refused before any check of her site (too many blocks) was shown again with
    # her name and phone at the top: a coordinator of A could read any woman's phone.
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.post(
        "/participants/WB001/checklist", {"form_token": "t", "pregnancies[99].outcome": "x"}
    )
    assert answer.status_code == 404
    assert "Test Woman WB001" not in answer.text
    assert "555 0100" not in answer.text


def test_a_save_is_confirmed_with_what_was_recorded_and_the_next_call(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    token = _form(browser, "WA001")
    answer = browser.post("/participants/WA001/checklist", _checklist(token, "2021-11-20"))
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/participants/WA001/checklist/saved?token=")
    page = browser.get(location).text
    assert "Contact saved." in page
    for recorded in ("2022-03-01", "Endometriosis", "Live birth", "2021-11-20", "Irregular"):
        assert recorded in page, recorded
    assert "Next call" in page
    # Browser Back, save again: acknowledged, not a second contact.
    contacts = _count(app, "contacts")
    again = browser.post("/participants/WA001/checklist", _checklist(token, "2021-11-20"))
    assert again.status_code == 303
    assert again.headers["location"].endswith("&again=1")
    assert "This checklist was already saved" in browser.get(again.headers["location"]).text
    assert _count(app, "contacts") == contacts
    # The same form with other answers: a conflict shown, nothing written.
    changed = {**_checklist(token, "2021-11-20"), "menses": "regular"}
    conflict = browser.post("/participants/WA001/checklist", changed)
    assert conflict.status_code == 409
    assert "saved already" in conflict.text
    assert "with other answers" in conflict.text
    assert _count(app, "contacts") == contacts


def test_the_confirmation_is_only_for_her_sites_and_a_real_save(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    assert browser.get("/participants/WA001/checklist/saved?token=nope").status_code == 404
    token = _form(browser, "WA001")
    location = browser.post(
        "/participants/WA001/checklist", _checklist(token, "2021-11-20")
    ).headers["location"]
    other = Browser(app, seeded.users["coord_b"])
    assert other.get(location).status_code == 404
    assert browser.get(location.replace("WA001", "WB001")).status_code == 404


def test_unanswered_questions_are_listed_and_nothing_is_saved(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    before = _count(app, "contacts")
    form = _checklist(_form(browser, "WA001"), "2021-11-20")
    for word in MATERNAL_CONDITIONS[1:]:
        del form[f"conditions.{word}.answer"]
    answer = browser.post("/participants/WA001/checklist", form)
    assert answer.status_code == 422
    assert (
        f"{len(MATERNAL_CONDITIONS) - 1} question(s) not answered: ovarian torsion" in answer.text
    )
    assert _count(app, "contacts") == before
