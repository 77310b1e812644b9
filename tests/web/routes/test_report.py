"""The live report: de-identified, kept until the registry changes, with its downloads.

The web tests compute reports in the request (``conftest.make_app``); the background
thread and the progress polling are exercised in Chromium (``test_report_browser.py``).
"""

from __future__ import annotations

import json
import re

from fastapi import FastAPI

from follicle.store import records

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded

FILES = re.compile(r'href="/report/files/([\w-]+)/index\.html"')


def _job_id(page: str) -> str:
    found = FILES.search(page)
    assert found, page[-2000:]
    return found.group(1)


def test_the_report_is_de_identified_and_offers_word_excel_and_json(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    analyst = Browser(app, seeded.users["analyst"])
    page = analyst.get("/report").text
    job = _job_id(page)
    html = analyst.get(f"/report/files/{job}/index.html")
    assert html.status_code == 200
    assert "unsafe-inline" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]
    for name in ("tables.docx", "tables.xlsx", "results.json"):
        answer = analyst.get(f"/report/files/{job}/{name}")
        assert answer.status_code == 200, name
        assert "attachment" in answer.headers["content-disposition"]
    results = json.loads(analyst.get(f"/report/files/{job}/results.json").text)
    assert results["results"]["table1"]["values"]["n_women"] == 2
    everything = html.text + json.dumps(results)
    for woman in seeded.women.values():  # no study ID, name, phone or note leaves the server
        assert woman.participant_id not in everything
    assert "Test Woman" not in everything
    assert "555 0100" not in everything
    assert "postgresql" not in everything
    assert "sqlite" not in everything


def test_a_second_visit_is_the_same_report_until_the_registry_changes(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    first = _job_id(admin.get("/report").text)
    assert _job_id(admin.get("/report").text) == first
    analyst = Browser(app, seeded.users["analyst"])
    assert _job_id(analyst.get("/report").text) == first  # the same report, whoever asks
    with engine_of(app).begin() as connection:
        records.create(
            connection,
            seeded.users["admin"],
            "conditions",
            {"participant_id": "WA001", "condition": "other", "diagnosis_date": "2020-10-02"},
        )
    second = _job_id(admin.get("/report").text)
    assert second != first
    assert admin.get(f"/report/files/{first}/results.json").status_code == 404  # replaced


def test_an_admin_narrows_the_report_to_a_site_an_analyst_cannot(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    job = _job_id(admin.get("/report?site=A").text)
    results = json.loads(admin.get(f"/report/files/{job}/results.json").text)
    assert results["results"]["table1"]["values"]["n_women"] == 1
    analyst = Browser(app, seeded.users["analyst"])
    assert analyst.get(f"/report/files/{job}/results.json").status_code == 404
    whole = _job_id(analyst.get("/report?site=A").text)  # the filter is ignored
    assert whole != job


def test_a_site_that_is_not_registered_starts_no_report(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # Each site's report stays on disk until replaced: made-up codes must not pile them up.
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    _job_id(admin.get("/report").text)
    root = app.state.report_jobs.root
    folders = sorted(root.iterdir())
    for path in ("/report?site=nowhere", "/report/progress?site=nowhere"):
        answer = admin.get(path)
        assert answer.status_code == 404, path
        assert FILES.search(answer.text) is None
    assert sorted(root.iterdir()) == folders


def test_the_adjudicated_report_states_the_review(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    analyst = Browser(app, seeded.users["analyst"])
    job = _job_id(analyst.get("/report?adjudicated=true").text)
    results = json.loads(analyst.get(f"/report/files/{job}/results.json").text)
    review = results["results"]["review"]
    assert review["values"]["all.events"] == 8
    assert review["values"]["all.awaiting"] == 8
    assert "Confirmed by review only" in analyst.get("/report?adjudicated=true").text


def test_progress_tells_the_page_to_reload_once_the_report_is_ready(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    analyst = Browser(app, seeded.users["analyst"])
    missing = analyst.get("/report/progress")
    assert missing.headers["HX-Refresh"] == "true"
    assert "Compute it" in missing.text
    analyst.get("/report")
    ready = analyst.get("/report/progress")
    assert ready.headers["HX-Refresh"] == "true"
    assert "Open the report" in ready.text
