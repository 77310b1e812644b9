"""The telephone checklist through the API: one JSON document, saved all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from follicle.store.tables import workbook_table
from follicle.web.api.checklist import MAX_PREGNANCIES, flat_fields
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

from ..conftest import engine_of
from ..registry_seed import Seeded
from .conftest import Api

PID = "WA001"


def _checklist(token: str, outcome_date: str) -> dict[str, Any]:
    infant_conditions = {word: {"answer": "no"} for word in INFANT_CONDITIONS}
    return {
        "form_token": token,
        "contact_date": "2022-03-01",
        "mode": "phone",
        "milestone": "annual",
        "menses": "irregular",
        "vital_status": "alive",
        "conditions": {
            **{word: {"answer": "no"} for word in MATERNAL_CONDITIONS},
            "endometriosis": {
                "answer": "yes",
                "diagnosis_date": "2021-09-01",
                "during_pregnancy": False,
                "resolved": False,
            },
        },
        "pregnancies": [
            {
                "conception_date": "2021-07-01",
                "mode": "spontaneous",
                "fetuses": 1,
                "outcome": "live_birth",
                "outcome_date": outcome_date,
                "gestational_weeks": 20,
                "infants": [
                    {
                        "birth_date": "2021-11-20",
                        "sex": "male",
                        "birth_weight_g": 900,
                        "conditions": infant_conditions,
                    }
                ],
            }
        ],
    }


def _count(app: FastAPI, table: str) -> int:
    with engine_of(app).connect() as connection:
        t = workbook_table(table)
        return int(connection.execute(select(func.count()).select_from(t)).scalar() or 0)


TABLES = ("contacts", "conditions", "pregnancies", "infants")


def test_a_checklist_writes_the_contact_and_everything_in_it_once(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    client = Api(app, seeded.users["coord_a"])
    before = {t: _count(app, t) for t in TABLES}
    answer = client.post(f"/participants/{PID}/checklist", _checklist("api-1", "2021-11-20"))
    assert answer.status_code == 201, answer.text
    saved = answer.json()
    assert saved["participant_id"] == PID
    contact = client.get(f"/participants/{PID}/contacts/{saved['contact_key']}").json()
    assert (contact["contact_date"], contact["checklist_complete"]) == ("2022-03-01", True)
    assert {t: _count(app, t) - before[t] for t in TABLES} == dict.fromkeys(TABLES, 1)
    again = client.post(f"/participants/{PID}/checklist", _checklist("api-1", "2021-11-20"))
    assert again.json()["contact_key"] == saved["contact_key"]
    assert {t: _count(app, t) - before[t] for t in TABLES} == dict.fromkeys(TABLES, 1)


def test_a_checklist_problem_points_at_its_field_and_nothing_is_written(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    client = Api(app, seeded.users["coord_a"])
    before = {t: _count(app, t) for t in TABLES}
    # The infant's birth is not at the pregnancy's outcome: a rule across two blocks.
    answer = client.post(f"/participants/{PID}/checklist", _checklist("api-2", "2021-12-20"))
    assert answer.status_code == 422
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert "#/pregnancies/0/infants/0/birth_date" in pointers
    assert {t: _count(app, t) for t in TABLES} == before


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (
            {"conditions": {"no_such_condition": {"answer": "yes"}}},
            "#/conditions/no_such_condition",
        ),
        ({"mode": "pigeon"}, "#/mode"),
        ({"pregnancies": [{"fetuses": "one"}]}, "#/pregnancies/0/fetuses"),
        ({"pregnancies": [{}] * (MAX_PREGNANCIES + 1)}, "#/pregnancies"),
        (  # an infant's condition keeps no such detail: refused, not dropped
            {
                "pregnancies": [
                    {
                        "infants": [
                            {"conditions": {"leukemia": {"answer": "yes", "resolved": "yes"}}}
                        ]
                    }
                ]
            },
            "#/pregnancies/0/infants/0/conditions/leukemia/resolved",
        ),
    ],
)
def test_a_malformed_checklist_is_refused_before_the_store(
    seeded_app: tuple[FastAPI, Seeded], change: dict[str, Any], pointer: str
) -> None:
    app, seeded = seeded_app
    client = Api(app, seeded.users["coord_a"])
    answer = client.post(
        f"/participants/{PID}/checklist", {**_checklist("x", "2021-11-20"), **change}
    )
    assert answer.status_code == 422
    assert pointer in {e["pointer"] for e in answer.json()["errors"]}


def test_the_body_flattens_to_the_forms_field_names() -> None:
    body = {
        "mode": "phone",
        "conditions": {"endometriosis": {"answer": "yes", "resolved": False}},
        "pregnancies": [{"fetuses": 2, "infants": [{"sex": "male"}, {"birth_weight_g": 900}]}],
    }
    assert flat_fields(body) == {
        "mode": "phone",
        "conditions.endometriosis.answer": "yes",
        "conditions.endometriosis.resolved": "no",
        "pregnancies[0].fetuses": "2",
        "pregnancies[0].infants[0].sex": "male",
        "pregnancies[0].infants[1].birth_weight_g": "900",
    }
