"""The eight tables through the API: the store's rules, versions, reasons and audit.

The module shares one seeded registry (SQLite and PostgreSQL): the woman of site A
(``WA001``) with one row in every table, and one user of each role. Tests that change a row
read its version first, so that they do not depend on each other's order.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from follicle.store.audit_log.chain import verify_chain
from follicle.store.follow_up.schedule import STATUSES
from follicle.store.tables import audit_log
from follicle.workbook import schema

from ..conftest import engine_of
from ..registry_seed import Seeded
from .conftest import Api

PID = "WA001"
_COUNT = itertools.count(1)

ENROLMENT = {
    "participant_id": "N0001",
    "site": "A",
    "arm": "MenSC",
    "birth_date": "1986-05-05",
    "consent_date": "2024-01-02",
    "menses_baseline": "regular",
    "amh_ng_ml": 0.4,
    "afc": 3,
    "prior_ivf_cycles": 2,
    "prior_cycle_cancelled": True,
}


@pytest.fixture(scope="module")
def api(seeded_app: tuple[FastAPI, Seeded]) -> tuple[FastAPI, Seeded, Api]:
    """The app, its seed and the coordinator of site A's API client."""
    app, seeded = seeded_app
    return app, seeded, Api(app, seeded.users["coord_a"])


def _version(client: Api, url: str) -> int:
    found: int = client.get(url).json()["version"]
    return found


def _new_condition(client: Api) -> str:
    body = {"condition": "other", "diagnosis_date": "2020-12-01", "notes": f"n{next(_COUNT)}"}
    answer = client.post(f"/participants/{PID}/conditions", body)
    assert answer.status_code == 201, answer.text
    key: str = answer.json()["key"]
    return key


def _audit(app: FastAPI) -> list[dict[str, Any]]:
    with engine_of(app).connect() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
        assert verify_chain(connection).ok
    return [dict(r) for r in rows]


def test_the_search_matches_study_ids_never_names(api) -> None:
    # Names are pages-only: a search that matched them told a token who is enrolled, and
    # one substring at a time spelt a woman's name out.
    _, _, client = api
    assert [w["participant_id"] for w in client.get("/participants?q=wa00").json()] == [PID]
    for q in ("test woman", "Test Woman WA001", "oman"):
        answer = client.get("/participants", params={"q": q})
        assert answer.status_code == 200
        assert answer.json() == [], q


def test_enrolment_takes_a_participants_row_and_returns_it_typed(api) -> None:
    app, _, client = api
    answer = client.post("/participants", ENROLMENT)
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == "/api/v1/participants/N0001"
    record = answer.json()
    assert record == {
        **ENROLMENT,
        "key": "N0001",
        "version": 1,
        "fsh_iu_l": None,
        **{"prior_max_oocytes": None},
    }
    assert set(record) == {*schema.PARTICIPANTS.column_names, "key", "version"}
    assert client.get("/participants/N0001").json() == record
    entry = _audit(app)[-1]
    assert (entry["actor"], entry["action"], entry["table_name"]) == (
        "coord_a",
        "create",
        "participants",
    )


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("birth_date", "2999-01-01", "future_date"),
        ("birth_date", "2021-02-30", "not_a_date"),
        ("amh_ng_ml", -3, None),
        ("prior_ivf_cycles", -2, None),
        ("afc", 10**19, None),
        ("afc", "4", None),
        ("afc", 3.5, None),
        ("afc", True, None),
        ("menses_baseline", "sometimes", None),
        ("participant_id", "", None),
    ],
)
def test_an_invalid_enrolment_value_is_a_located_problem_and_nothing_is_saved(
    api, field: str, value: Any, rule: str | None
) -> None:
    app, _, client = api
    before = len(_audit(app))
    answer = client.post("/participants", {**ENROLMENT, "participant_id": "N9999", field: value})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422
    assert problem["code"] == "invalid"
    assert problem["instance"] == "/api/v1/participants"
    assert [e["pointer"] for e in problem["errors"]] == [f"#/{field}"]
    if rule is not None:
        assert problem["errors"][0]["rule"] == rule
    assert len(_audit(app)) == before
    assert client.get("/participants/N9999").status_code == 404


def test_a_whole_number_written_with_a_fraction_of_zero_is_a_whole_number(api) -> None:
    # JSON Schema counts 3.0 an integer; so does the API (3.5 and "3" are refused above).
    _, _, client = api
    body = {**ENROLMENT, "participant_id": "N0002", "afc": 3.0, "prior_ivf_cycles": 1e0}
    answer = client.post("/participants", body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["afc"], answer.json()["prior_ivf_cycles"]) == (3, 1)


def test_an_unknown_field_is_refused_not_dropped(api) -> None:
    _, _, client = api
    answer = client.post("/participants", {**ENROLMENT, "birthdate": "1986-05-05"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["pointer"] == "#/birthdate"


def test_a_site_of_someone_else_is_refused_at_the_site_field(api) -> None:
    _, _, client = api
    answer = client.post("/participants", {**ENROLMENT, "site": "B"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["pointer"] == "#/site"


def test_an_id_taken_is_refused_naming_the_field_and_rule(api) -> None:
    _, _, client = api
    answer = client.post("/participants", {**ENROLMENT, "participant_id": PID})
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert (error["pointer"], error["rule"], error["value"]) == (
        "#/participant_id",
        "duplicate_id",
        PID,
    )


def test_a_change_needs_the_version_read_and_a_reason_and_is_audited_with_it(api) -> None:
    app, _, client = api
    url = f"/participants/{PID}/conditions/{_new_condition(client)}"
    assert client.patch(url, {"resolved": True}).status_code == 422
    missing = client.patch(url, {"resolved": True, "version": 1}).json()
    assert [e["pointer"] for e in missing["errors"]] == ["#/reason"]
    answer = client.patch(url, {"resolved": True, "version": 1, "reason": "seen at clinic"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["resolved"], answer.json()["version"]) == (True, 2)
    entry = _audit(app)[-1]
    assert (entry["action"], entry["reason"]) == ("update", "seen at clinic")
    assert json.loads(entry["after"])["resolved"] is True


def test_a_stale_version_is_409_with_what_the_other_person_changed(api) -> None:
    app, seeded, client = api
    url = f"/participants/{PID}/conditions/{_new_condition(client)}"
    admin = Api(app, seeded.users["admin"])
    assert admin.patch(url, {"resolved": True, "version": 1, "reason": "r1"}).status_code == 200
    before = len(_audit(app))
    answer = client.patch(url, {"resolved": False, "notes": "mine", "version": 1, "reason": "r2"})
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["code"] == "version_conflict"
    assert problem["version"] == 2
    assert problem["changed"] == [{"column": "resolved", "theirs": "yes", "yours": "no"}]
    assert len(_audit(app)) == before
    assert client.get(url).json()["notes"] != "mine"


def test_null_empties_a_column_and_absent_leaves_it(api) -> None:
    _, seeded, client = api
    key = seeded.women["A"].keys["pregnancies"]
    url = f"/participants/{PID}/pregnancies/{key}"
    version = _version(client, url)
    answer = client.patch(url, {"gestational_weeks": None, "version": version, "reason": "?"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["gestational_weeks"] is None
    assert answer.json()["outcome"] == "live_birth"


def test_a_change_that_breaks_a_rule_across_tables_is_located(api) -> None:
    _, seeded, client = api
    key = seeded.women["A"].keys["pregnancies"]
    url = f"/participants/{PID}/pregnancies/{key}"
    version = _version(client, url)
    answer = client.patch(url, {"outcome": "miscarriage", "version": version, "reason": "fix"})
    assert answer.status_code == 422
    assert "infant_of_non_live_birth" in {e["rule"] for e in answer.json()["errors"]}


def test_a_child_row_gets_its_key_and_its_woman_from_the_url(api) -> None:
    _, _, client = api
    answer = client.post(
        f"/participants/{PID}/ivf_cycles", {"start_date": "2021-03-01", "oocytes_retrieved": 2}
    )
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert (record["key"], record["cycle_id"], record["participant_id"]) == (
        f"{PID}-C2",
        f"{PID}-C2",
        PID,
    )
    assert answer.headers["location"] == f"/api/v1/participants/{PID}/ivf_cycles/{PID}-C2"
    listed = client.get(f"/participants/{PID}/ivf_cycles").json()
    assert [r["key"] for r in listed] == [f"{PID}-C1", f"{PID}-C2"]


def test_a_row_without_a_key_is_named_by_its_number(api) -> None:
    _, seeded, client = api
    key = seeded.women["A"].keys["injections"]
    record = client.get(f"/participants/{PID}/injections/{key}").json()
    assert record["key"] == key
    assert record["injection_date"] == "2020-02-01"
    assert "row_id" not in record


def test_delete_needs_version_and_reason_and_refuses_a_referenced_row(api) -> None:
    app, seeded, client = api
    keys = seeded.women["A"].keys
    infant = f"/participants/{PID}/infants/{keys['infants']}"
    referenced = client.delete(infant, {"version": 1, "reason": "entered twice"})
    assert referenced.status_code == 409
    condition = f"/participants/{PID}/infant_conditions/{keys['infant_conditions']}"
    assert client.delete(condition, {"version": 1}).status_code == 422
    assert client.delete(condition, {"version": 1, "reason": "entered twice"}).status_code == 204
    assert client.get(condition).status_code == 404
    entry = _audit(app)[-1]
    assert (entry["action"], entry["reason"], entry["after"]) == ("delete", "entered twice", None)


def test_the_audit_trail_shows_the_change_and_its_reason(api) -> None:
    _, seeded, client = api
    key = seeded.women["A"].keys["contacts"]
    url = f"/participants/{PID}/contacts/{key}"
    version = _version(client, url)
    client.patch(url, {"menses": "amenorrhea", "version": version, "reason": "phoned back"})
    trail = client.get(f"/participants/{PID}/audit").json()
    last = trail[0]  # newest first
    assert [line["id"] for line in trail] == sorted((line["id"] for line in trail), reverse=True)
    assert (last["table"], last["key"], last["column"]) == ("contacts", key, "menses")
    assert (last["new"], last["reason"]) == ("amenorrhea", "phoned back")
    assert last["actor"] == "coord_a"


def test_the_worklist_lists_her_milestones_with_counts(api) -> None:
    _, _, client = api
    answer = client.get("/worklist", params={"status": "missed", "sort": "due_date"})
    assert answer.status_code == 200
    body = answer.json()
    assert {item["participant_id"] for item in body["items"]} == {PID}
    assert {item["status"] for item in body["items"]} == {"missed"}
    assert body["counts"]["missed"] == len(body["items"]) > 0
    assert body["counts"]["all"] == sum(body["counts"][s] for s in STATUSES)
    due = [item["due_date"] for item in body["items"]]
    assert due == sorted(due)
    assert client.get("/worklist", params={"status": "late"}).status_code == 422


def test_an_analyst_exports_the_deidentified_workbook_only(api) -> None:
    import io
    import zipfile

    app, seeded, _ = api
    analyst = Api(app, seeded.users["analyst"])
    answer = analyst.post("/export", {"kind": "deidentified", "format": "csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert sorted(names) == sorted(t.filename for t in schema.TABLES)
    text = zipfile.ZipFile(io.BytesIO(answer.content)).read("participants.csv").decode()
    assert PID not in text
    assert analyst.post("/export", {"kind": "full"}).status_code == 403
