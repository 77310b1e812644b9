"""The participant pages: list, enrolment with the POR assessment, her page, edits."""

from __future__ import annotations

import re

from fastapi import FastAPI

from ..conftest import Browser
from ..registry_seed import Seeded


def _version(page: str, action: str) -> str:
    """The version carried by the form posting to ``action``."""
    form = page[page.index(f'action="{action}"') :]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found is not None
    return found.group(1)


def test_a_coordinator_lists_only_her_sites_women(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/participants").text
    assert "WA001" in page
    assert "WB001" not in page
    assert "<caption>1 woman</caption>" in page
    everyone = Browser(app, seeded.users["admin"]).get("/participants").text
    assert "WA001" in everyone
    assert "WB001" in everyone
    assert "<caption>2 women</caption>" in everyone


def test_enrolment_shows_her_page_with_her_identity(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.post(
        "/participants",
        {
            "participant_id": "NEW01",
            "site": "A",
            "arm": "MenSC",
            "birth_date": "1984-02-03",
            "consent_date": "2024-05-06",
            "menses_baseline": "irregular",
            "amh_ng_ml": "0.7",
            "full_name": "Leila Example",
            "phone": "0912 000 0000",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/participants/NEW01"
    page = browser.get("/participants/NEW01").text
    assert "Leila Example" in page
    reviewer = Browser(app, seeded.users["reviewer_a"]).get("/participants/NEW01")
    assert reviewer.status_code == 200
    assert "Leila Example" not in reviewer.text  # identity: her site's coordinators only
    assert "Edit" not in reviewer.text


def test_a_name_and_phone_are_added_on_her_page_when_enrolment_had_none(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    enrolled = browser.post(
        "/participants",
        {
            "participant_id": "NEW03",
            "site": "A",
            "birth_date": "1984-02-03",
            "consent_date": "2024-05-06",
            "menses_baseline": "regular",
        },
    )
    assert enrolled.status_code == 303
    added = browser.post(
        "/participants/NEW03/records/participant_identity",
        {"full_name": "Added Later", "phone": "0912 000 0001"},
    )
    assert added.status_code == 303
    assert "Added Later" in browser.get("/participants/NEW03").text


def test_an_invalid_enrolment_keeps_every_value_and_marks_the_field(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.post(
        "/participants",
        {
            "participant_id": "NEW02",
            "site": "A",
            "birth_date": "1984-02-30",
            "consent_date": "2024-05-06",
            "menses_baseline": "regular",
            "afc": "5",
            "full_name": "Kept Name",
        },
    )
    assert answer.status_code == 422
    page = answer.text
    assert 'value="NEW02"' in page
    assert 'value="1984-02-30"' in page
    assert 'value="5"' in page
    assert 'value="Kept Name"' in page
    field = page[page.index('for="f-birth_date"') - 200 : page.index('for="f-birth_date"')]
    assert "invalid" in field
    assert 'id="f-birth_date-error"' in page
    assert Browser(app, seeded.users["coord_a"]).get("/participants/NEW02").status_code == 404


def test_a_coordinator_cannot_enrol_at_another_site(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants",
        {
            "participant_id": "NEW03",
            "site": "B",
            "birth_date": "1984-02-03",
            "menses_baseline": "regular",
        },
    )
    assert answer.status_code == 422
    assert Browser(app, seeded.users["admin"]).get("/participants/NEW03").status_code == 404


def test_the_assessment_fragment_classifies_the_typed_values(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants/assess",
        {
            "birth_date": "1980-01-01",
            "amh_ng_ml": "0.4",
            "afc": "3",
            "prior_ivf_cycles": "1",
            "prior_max_oocytes": "1",
        },
    )
    assert answer.status_code == 200
    assert "Bologna criteria met" in answer.text
    assert "Group 4" in answer.text


def test_her_page_shows_the_timeline(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/participants/WA001").text
    timeline = page[page.index('class="timeline"') :]
    order = [timeline.index(d) for d in ("2020-02-01", "2020-05-20", "2021-02-20", "2021-06-01")]
    assert order == sorted(order)
    for kind in ("Injection", "Pregnancy conceived", "Infant born", "Follow-up contact"):
        assert kind in timeline


def test_recording_an_injection(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.post(
        "/participants/WA001/records/injections",
        {
            "injection_date": "2020-08-01",
            "product": "MenSC",
            "ovary": "left",
            "route": "transvaginal",
        },
    )
    assert answer.status_code == 303
    assert "2020-08-01" in browser.get("/participants/WA001").text


def test_changing_saved_data_needs_a_reason(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["pregnancies"]
    action = f"/participants/WA001/records/pregnancies/{key}"
    version = _version(browser.get(f"/participants/WA001?edit=pregnancies/{key}").text, action)
    answer = browser.post(action, {"gestational_weeks": "38.5", "version": version, "reason": ""})
    assert answer.status_code == 422
    assert 'value="38.5"' in answer.text
    assert 'id="f-reason-error"' in answer.text
    answer = browser.post(
        action, {"gestational_weeks": "38.5", "version": version, "reason": "hospital letter"}
    )
    assert answer.status_code == 303


def test_a_conflicting_save_shows_what_changed_and_keeps_ones_values(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    first = Browser(app, seeded.users["coord_a"])
    second = Browser(app, seeded.users["admin"])
    key = seeded.women["A"].keys["pregnancies"]
    action = f"/participants/WA001/records/pregnancies/{key}"
    version = _version(first.get(f"/participants/WA001?edit=pregnancies/{key}").text, action)
    assert (
        _version(second.get(f"/participants/WA001?edit=pregnancies/{key}").text, action) == version
    )
    saved = first.post(action, {"gestational_weeks": "38", "version": version, "reason": "letter"})
    assert saved.status_code == 303
    late = second.post(
        action, {"gestational_weeks": "40", "version": version, "reason": "phone call"}
    )
    assert late.status_code == 409
    assert "Someone else saved this record" in late.text
    assert "Gestational age" in late.text  # what the other person changed
    assert 'value="40"' in late.text  # the user's own value is kept
    assert 'value="phone call"' in late.text
    page = first.get("/participants/WA001").text
    assert ">38<" in page  # the first save stands; nothing was overwritten


def test_an_edit_form_opens_with_the_rows_version(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    key = seeded.women["A"].keys["injections"]
    page = Browser(app, seeded.users["coord_a"]).get(f"/participants/WA001?edit=injections/{key}")
    assert _version(page.text, f"/participants/WA001/records/injections/{key}") == "1"


def test_a_problem_of_another_of_her_rows_is_said_at_the_top_of_the_form(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # An injection moved before her consent breaks a rule of her participants row: the
    # injection's form has no field for it, so it must be said above the fields.
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["injections"]
    action = f"/participants/WA001/records/injections/{key}"
    version = _version(browser.get(f"/participants/WA001?edit=injections/{key}").text, action)
    answer = browser.post(
        action, {"injection_date": "2019-12-01", "version": version, "reason": "letter"}
    )
    assert answer.status_code == 422
    form = answer.text[answer.text.index(f'action="{action}"') :]
    alert = re.search(r'<div class="alert error" role="alert">(.*?)</div>', form, re.S)
    assert alert is not None, "the refusal says nothing"
    assert "Participants, consent date: consent must be on or before" in alert.group(1)
    assert 'value="2019-12-01"' in form  # the value typed is kept


def _note(page: str) -> str:
    """The review notice of an open edit form ("" when there is none)."""
    found = re.search(r'<div class="alert warn" role="note">(.*?)</div>', page, re.S)
    return "" if found is None else re.sub(r"<[^>]+>", "", found.group(1))


def test_editing_a_judged_event_says_that_its_review_starts_again(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    coordinator = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["conditions"]
    edit = f"/participants/WA001?edit=conditions/{key}"
    assert _note(coordinator.get(edit).text) == ""  # not judged yet
    event = "/review/condition/WA001|ovarian_cyst|2020-09-01"
    judged = Browser(app, seeded.users["reviewer_a"]).post(
        event, {"recorded_value": "ovarian_cyst", "verdict": "confirm"}
    )
    assert judged.status_code == 303
    note = _note(coordinator.get(edit).text)
    assert "This condition is being reviewed (One judgment, 1 judgment)" in note
    assert "Changing its “Condition” or “Diagnosis date” sends it back to review" in note
    assert "confirm" not in note.lower()  # the verdict stays on the review pages
    second = Browser(app, seeded.users["spare"])
    confirmed = second.post(event, {"recorded_value": "ovarian_cyst", "verdict": "confirm"})
    assert confirmed.status_code == 303
    assert "has been reviewed (Settled, 2 judgments)" in _note(coordinator.get(edit).text)
    # Other rows of hers say nothing: an injection is no event, her pregnancy is not judged.
    for table in ("injections", "pregnancies"):
        other = seeded.women["A"].keys[table]
        assert _note(coordinator.get(f"/participants/WA001?edit={table}/{other}").text) == ""
    # Re-dated, the condition is another event, to review: no judgment of it to lose.
    action = f"/participants/WA001/records/conditions/{key}"
    version = _version(coordinator.get(edit).text, action)
    moved = coordinator.post(
        action, {"diagnosis_date": "2020-09-02", "version": version, "reason": "typo"}
    )
    assert moved.status_code == 303
    assert _note(coordinator.get(edit).text) == ""


def test_a_refused_edit_of_a_judged_event_keeps_the_notice(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    coordinator = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["pregnancies"]
    judged = Browser(app, seeded.users["reviewer_a"]).post(
        "/review/pregnancy/WA001-P1", {"recorded_value": "live_birth", "verdict": "confirm"}
    )
    assert judged.status_code == 303
    action = f"/participants/WA001/records/pregnancies/{key}"
    version = _version(coordinator.get(f"/participants/WA001?edit=pregnancies/{key}").text, action)
    refused = coordinator.post(action, {"outcome": "miscarriage", "version": version, "reason": ""})
    assert refused.status_code == 422
    assert "Changing its “Outcome” sends it back to review" in _note(refused.text)
