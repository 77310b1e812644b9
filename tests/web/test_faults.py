"""Faults as tests: the server killed under load, and PostgreSQL restarted under load.

``follicle serve`` runs as a real subprocess on a free port; three client threads enrol
women and save a telephone checklist for each through the JSON API and note what was
acknowledged (2xx). Then:

* the server is killed with SIGKILL mid-load and started again, twice; every acknowledged
  save must be there, whole (each acknowledged checklist's contact with its conditions, no
  row without its woman), and ``follicle audit-log verify`` must pass;
* (PostgreSQL) the database — a private cluster of the test's own, never the shared one —
  is stopped and started mid-load; clients get 503 with Retry-After (problem+json from the
  API, the error page from the pages), never a 500, and the server reconnects by itself.

Select them with ``-m faults``; each database's test is bounded to about a minute.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from follicle.web.outage import RETRY_AFTER_SECONDS
from follicle.web.security import SESSION_COOKIE
from live import serving

from .faults import (
    TIMEOUT,
    Load,
    PrivateCluster,
    Server,
    check_registry,
    prepare_registry,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def test_acknowledged_saves_survive_kill_9_under_load(db_url: str, tmp_path: Path) -> None:
    credentials = prepare_registry(db_url)
    acknowledged: set[tuple[str, str]] = set()
    server = Server(db_url, tmp_path / "server.log")
    try:
        server.start()
        for round_ in range(2):
            with Load(server.base, credentials.token, prefix=f"K{round_}") as load:
                load.wait_for(24)
                server.kill()  # mid-load: the clients are still sending
                time.sleep(0.3)
            acknowledged |= load.acknowledged
            # Answers before the kill were 2xx; after it, no answer at all (never a 500).
            assert set(load.statuses) <= {0, 200, 201}, [a.text for a in load.answers][:3]
            server.start()  # on the registry as the kill left it: nothing repaired
            check_registry(db_url, acknowledged)
    finally:
        server.kill()
    assert len(acknowledged) >= 48


def _page(base: str, session: str) -> httpx.Response:
    cookies = {SESSION_COOKIE: session}
    return httpx.get(base + "/worklist", cookies=cookies, timeout=TIMEOUT)


def test_a_postgresql_restart_answers_503_and_the_server_reconnects(tmp_path: Path) -> None:
    folder = tmp_path / "pg"
    folder.mkdir()
    cluster = PrivateCluster(folder)
    try:
        cluster.init()
        credentials = prepare_registry(cluster.url)
        with serving(cluster.url, tmp_path / "server.log") as base:
            assert _page(base, credentials.session).status_code == 200
            with Load(base, credentials.token, prefix="R") as load:
                load.wait_for(20)
                cluster.stop()
                load_during = len(load.statuses)
                time.sleep(1.0)  # requests meet a database that is not there
                page = _page(base, credentials.session)
                cluster.start()
                before = len(load.acknowledged)
                load.wait_for(before + 20)  # reconnected by itself
            assert len(load.statuses) > load_during
            refused = [a for a in load.answers if a.status_code == 503]
            assert refused, "no request met the outage"
            assert {a.status_code for a in load.answers} == {503}, [a.text for a in load.answers]
            assert set(load.statuses) <= {200, 201, 503}
            for answer in refused:
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
                assert answer.json()["code"] == "database_unavailable"
            assert page.status_code == 503
            assert page.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
            assert "text/html" in page.headers["content-type"]
            assert "cannot be reached" in page.text
            assert _page(base, credentials.session).status_code == 200
        check_registry(cluster.url, load.acknowledged)
    finally:
        cluster.close()
