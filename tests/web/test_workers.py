"""``follicle serve --workers 2``: two server processes on one registry, SQLite and
PostgreSQL.

Both processes start on a registry whose append-only triggers were removed, so both find
them missing at once; then three clients save through the JSON API. Every acknowledged save
must be there, whole, the audit chain must verify (the two processes' appends took turns),
and the triggers were restored once, by one process, not twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from follicle.store.engine import make_engine
from follicle.store.tables import audit_log

from .faults import Load, Server, check_registry, prepare_registry

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _remove_triggers(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            else:
                connection.execute(text("DROP TRIGGER audit_log_no_update"))
                connection.execute(text("DROP TRIGGER audit_log_no_delete"))
    finally:
        engine.dispose()


def _restores(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count())
                    .select_from(audit_log)
                    .where(audit_log.c.action == "restore_triggers")
                )
                or 0
            )
    finally:
        engine.dispose()


def test_two_workers_share_one_registry(db_url: str, tmp_path: Path) -> None:
    credentials = prepare_registry(db_url)
    _remove_triggers(db_url)
    log = tmp_path / "server.log"
    server = Server(db_url, log, workers=2)
    try:
        server.start()
        with Load(server.base, credentials.token, prefix="W", threads=4) as load:
            load.wait_for(40, seconds=60)
    finally:
        server.stop()
    output = log.read_text()
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output
    assert "Traceback" not in output, output
    assert set(load.statuses) <= {200, 201}, [a.text for a in load.answers][:3]
    check_registry(db_url, load.acknowledged)
    assert _restores(db_url) == 1
