"""The review of reported events through the API: the same rules as the review pages.

Two reviewers judge an event, each blind to the other until both are in; a disputed event
is decided by an admin; every judgment is audited; a request that breaks a rule is
refused with the problem located and nothing saved.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from sqlalchemy import func, select

from follicle.store.tables import audit_log, judgments

from ..conftest import engine_of
from ..registry_seed import Seeded, condition_event
from .conftest import Api

PID = "WA001"


def _counts(app: FastAPI) -> tuple[int, int]:
    with engine_of(app).connect() as connection:
        return (
            int(connection.execute(select(func.count()).select_from(judgments)).scalar() or 0),
            int(connection.execute(select(func.count()).select_from(audit_log)).scalar() or 0),
        )


def _event(app: FastAPI, seeded: Seeded) -> str:
    key = condition_event(engine_of(app), seeded.users["admin"], PID, "2021-04-05")
    return f"/reviews/condition/{quote(key, safe='')}"


def test_two_reviews_blind_then_a_decision(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    path = _event(app, seeded)
    first, second = Api(app, seeded.users["reviewer_a"]), Api(app, seeded.users["spare"])
    admin = Api(app, seeded.users["admin"])

    queue = first.get("/reviews?mine=true&event_type=condition")
    assert queue.status_code == 200, queue.text
    keys = [item["event_key"] for item in queue.json()["items"]]
    assert f"{PID}|other|2021-04-05" in keys
    assert queue.headers["x-total-count"] == str(len(keys))

    judged = first.post(f"{path}/judgments", {"recorded_value": "other", "verdict": "confirm"})
    assert judged.status_code == 201, judged.text
    assert judged.json()["status"] == "one_judgment"

    # The second reviewer sees that one review is in, not whose or which.
    seen = second.get(path).json()
    assert seen["event"]["status"] == "one_judgment"
    assert seen["event"]["reviewer_1"] is None
    assert seen["event"]["verdict_1"] is None
    assert seen["judgments"] == []
    assert seen["can_judge"] is True

    body = {"recorded_value": "other", "verdict": "reclassify", "corrected_value": "endometriosis"}
    refused = second.post(f"{path}/judgments", body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "#/reason"

    judged = second.post(f"{path}/judgments", {**body, "reason": "the scan says so"})
    assert judged.json()["status"] == "disputed"
    both = first.get(path).json()
    assert {both["event"]["verdict_1"], both["event"]["verdict_2"]} == {"confirm", "reclassify"}
    assert [j["reviewer"] for j in both["judgments"]] == ["spare", "reviewer_a"]

    disputes = admin.get("/reviews/disputes").json()
    assert [d["event_key"] for d in disputes] == [f"{PID}|other|2021-04-05"]
    assert admin.get(path).json()["can_decide"] is True
    decided = admin.post(
        f"{path}/decision",
        {"recorded_value": "other", "verdict": "confirm", "reason": "panel"},
    )
    assert decided.status_code == 201, decided.text
    event = admin.get(path).json()["event"]
    assert (event["status"], event["decided_by"], event["final_verdict"]) == (
        "decided",
        "admin",
        "confirm",
    )


def test_what_cannot_be_judged_is_refused_and_nothing_is_saved(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    path = _event(app, seeded)
    reviewer, admin = Api(app, seeded.users["reviewer_a"]), Api(app, seeded.users["admin"])
    before = _counts(app)

    # The event was changed since she read it: a conflict, as on the page.
    stale = reviewer.post(
        f"{path}/judgments", {"recorded_value": "endometriosis", "verdict": "confirm"}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    # A corrected value without reclassify; an unknown verdict; an unknown field.
    wrong = reviewer.post(
        f"{path}/judgments",
        {"recorded_value": "other", "verdict": "confirm", "corrected_value": "endometriosis"},
    )
    assert wrong.json()["errors"][0]["pointer"] == "#/corrected_value"
    assert (
        reviewer.post(
            f"{path}/judgments", {"recorded_value": "other", "verdict": "maybe"}
        ).status_code
        == 422
    )
    extra = {"recorded_value": "other", "verdict": "confirm", "reviewer": "admin"}
    assert reviewer.post(f"{path}/judgments", extra).status_code == 422
    # Nothing to decide yet, and an admin does not judge.
    not_disputed = admin.post(
        f"{path}/decision", {"recorded_value": "other", "verdict": "confirm", "reason": "x"}
    )
    assert not_disputed.status_code == 409
    admin_judges = admin.post(
        f"{path}/judgments", {"recorded_value": "other", "verdict": "confirm"}
    )
    assert admin_judges.status_code == 403
    assert _counts(app) == before

    assert (
        reviewer.post(
            f"{path}/judgments", {"recorded_value": "other", "verdict": "confirm"}
        ).status_code
        == 201
    )
    twice = reviewer.post(f"{path}/judgments", {"recorded_value": "other", "verdict": "confirm"})
    assert twice.status_code == 409
    assert _counts(app) == (before[0] + 1, before[1] + 1)  # one judgment, one audit entry


def test_an_unknown_event_and_another_sites_event_give_the_same_answer(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    reviewer = Api(app, seeded.users["reviewer_a"])
    other = reviewer.get(f"/reviews/pregnancy/{seeded.women['B'].keys['pregnancies']}")
    unknown = reviewer.get("/reviews/pregnancy/NO-SUCH-PREGNANCY")
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]
    listed = reviewer.get("/reviews?site=B").json()
    assert listed["items"] == []
    assert listed["counts"]["all"] == 0
