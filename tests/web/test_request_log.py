"""The request log: one line per request with the route template, never an identifier."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI

from follicle.cli import _server_logging

from .api.conftest import Api
from .conftest import Browser
from .registry_seed import Seeded

LINE = re.compile(r"^(GET|POST) (\S+) (\d{3}) \d+\.\dms user=(\d+|-)$")


def test_one_line_per_request_without_ids_names_or_query_values(
    app_and_seed: tuple[FastAPI, Seeded], caplog: pytest.LogCaptureFixture
) -> None:
    app, seeded = app_and_seed
    coordinator = seeded.users["coord_a"]
    browser = Browser(app, coordinator)
    with caplog.at_level(logging.INFO, logger="follicle.web.requests"):
        browser.get("/participants/WA001")
        browser.get("/participants?q=Test+Woman")
        browser.get("/participants/WA001/checklist?milestone=3m")
        Browser(app, None).get("/worklist?site=A")
        browser.get("/no/such/page/WA001")
        browser.get("/static/registry.css")
        api = Api(app, coordinator)
        api.get("/participants/WA001/conditions")
        api.get("/participants/WB001")
        Api(app, None).get("/worklist")
    lines = [r.getMessage() for r in caplog.records if r.name == "follicle.web.requests"]
    assert len(lines) == 9
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in parsed if m] == [
        ("GET", "/participants/{participant_id}", "200", str(coordinator.id)),
        ("GET", "/participants", "200", str(coordinator.id)),
        ("GET", "/participants/{participant_id}/checklist", "200", str(coordinator.id)),
        ("GET", "/worklist", "303", "-"),
        ("GET", "(unmatched)", "404", "-"),
        ("GET", "/static", "200", "-"),
        # The API's routes under their prefix; a token's user as a session's.
        ("GET", "/api/v1/participants/{participant_id}/conditions", "200", str(coordinator.id)),
        ("GET", "/api/v1/participants/{participant_id}", "404", str(coordinator.id)),
        ("GET", "/api/v1/worklist", "401", "-"),
    ]
    # The durations aside ("13.3ms" holds "3m"): nothing of the requests' values.
    text = re.sub(r" \d+\.\dms ", " ", "\n".join(lines))
    for secret in ("WA001", "WB001", "Test", "Woman", "coord_a", "3m", "site=A"):
        assert secret not in text


def test_follicle_serve_writes_the_request_log_to_standard_error() -> None:
    config = _server_logging({"formatters": {}, "handlers": {}, "loggers": {}})
    logger = config["loggers"]["follicle.web.requests"]
    assert logger["level"] == "INFO"
    assert config["handlers"][logger["handlers"][0]]["stream"] == "ext://sys.stderr"
    assert "%(asctime)s" in config["formatters"]["requests"]["format"]
