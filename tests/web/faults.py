"""The machinery of the fault tests: a real ``follicle serve``, clients saving through the
JSON API from several threads, a private PostgreSQL cluster that can be stopped.

Every wait is bounded (``TIMEOUT`` per request, ``START_SECONDS`` for a server) and every
process started here is killed by whoever started it, in a ``finally``.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from follicle.store.access.accounts import create_session, create_site, create_user, user_id_of
from follicle.store.access.tokens import create_token
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.tables import audit_log, workbook_table
from follicle.workbook.schema import MATERNAL_CONDITIONS
from live import free_port, start_server

#: Seconds any one request may take.
TIMEOUT = 10.0
#: Seconds a server (or a PostgreSQL cluster) may take to start.
START_SECONDS = 30.0
FOLLICLE = Path(sys.executable).with_name("follicle")
PASSWORD = "correct horse battery staple 42"


@dataclass(frozen=True)
class Credentials:
    """The coordinator of site A: an API token and a page session (cookie value)."""

    token: str
    session: str


def prepare_registry(url: str) -> Credentials:
    """An empty registry at ``url`` with site A and its coordinator."""
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:
            create_site(connection, "A", "Site A", actor="test")
            create_user(connection, "coord", PASSWORD, "coordinator", ["A"], actor="test")
            now = datetime.now(UTC)
            token = create_token(connection, "coord", now=now, actor="test").token
            session, _csrf = create_session(connection, user_id_of(connection, "coord"), now=now)
    finally:
        engine.dispose()
    return Credentials(token, session)


class Server:
    """``follicle serve`` on a free port, as a subprocess (its output in ``log``)."""

    def __init__(self, url: str, log: Path, workers: int = 1) -> None:
        self.url = url
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (again, on the same port) and wait until it answers."""
        self.process = start_server(
            self.url,
            self.log,
            port=self.port,
            seconds=START_SECONDS,
            args=("--workers", str(self.workers)),
        )

    def kill(self) -> None:
        """SIGKILL to the server and its worker processes: no shutdown, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=TIMEOUT)
        self.process = None

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it: the workers finish and exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def checklist(form_token: str) -> dict[str, Any]:
    """A telephone checklist: one contact, endometriosis yes, every other condition no."""
    return {
        "form_token": form_token,
        "contact_date": "2025-03-01",
        "mode": "phone",
        "milestone": "annual",
        "menses": "irregular",
        "vital_status": "alive",
        "conditions": {
            **{word: {"answer": "no"} for word in MATERNAL_CONDITIONS},
            "endometriosis": {"answer": "yes", "diagnosis_date": "2024-09-01"},
        },
    }


def enrolment(pid: str) -> dict[str, Any]:
    """A ``participants`` row of site A."""
    return {
        "participant_id": pid,
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


@dataclass
class Load:
    """Clients that enrol women, add an injection and save a checklist for each, until
    stopped.

    ``acknowledged`` holds what the server answered 2xx to: ``("participant", pid)``,
    ``("injection", pid)`` and ``("checklist", pid)``;
    ``statuses`` every status seen (0: no answer at all).
    """

    base: str
    token: str
    prefix: str
    threads: int = 3
    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    answers: list[httpx.Response] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for number in range(self.threads):
            worker = threading.Thread(target=self._run, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=TIMEOUT + 5)
        assert not any(w.is_alive() for w in self._workers), "a client thread hung"

    def wait_for(self, count: int, seconds: float = 30.0) -> None:
        """Until ``count`` saves were acknowledged (bounded)."""
        deadline = time.monotonic() + seconds
        while len(self.acknowledged) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= count, (
            f"only {len(self.acknowledged)} saves in {seconds} s"
        )

    def _post(self, client: httpx.Client, path: str, body: dict[str, Any]) -> int:
        try:
            answer = client.post(self.base + "/api/v1" + path, json=body)
        except httpx.TransportError:
            status = 0
        else:
            status = answer.status_code
            if status >= 300:
                with self._lock:
                    self.answers.append(answer)
        with self._lock:
            self.statuses.append(status)
        return status

    def _run(self, number: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(headers=headers, timeout=TIMEOUT) as client:
            serial = 0
            while not self._stop.is_set():
                serial += 1
                pid = f"{self.prefix}{number}-{serial:04d}"
                if not 200 <= self._post(client, "/participants", enrolment(pid)) < 300:
                    time.sleep(0.05)  # the server is down: do not spin
                    continue
                with self._lock:
                    self.acknowledged.add(("participant", pid))
                injection = {"injection_date": "2024-02-01", "ovary": "both"}
                if (
                    not 200
                    <= self._post(client, f"/participants/{pid}/injections", injection)
                    < 300
                ):
                    continue
                with self._lock:
                    self.acknowledged.add(("injection", pid))
                token = f"{pid}-form"
                body = checklist(token)
                path = f"/participants/{pid}/checklist"
                # Like a real client: a save not acknowledged is sent again (same form_token).
                for _attempt in range(3):
                    status = self._post(client, path, body)
                    if 200 <= status < 300:
                        with self._lock:
                            self.acknowledged.add(("checklist", pid))
                        break
                    if self._stop.is_set():
                        break
                    time.sleep(0.2)


def check_registry(url: str, acknowledged: set[tuple[str, str]]) -> None:
    """Every acknowledged save there, whole; no row without its woman; the chain verifies."""
    contacts = workbook_table("contacts")
    conditions = workbook_table("conditions")
    injections = workbook_table("injections")
    participants = workbook_table("participants")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            women = set(connection.scalars(select(participants.c.participant_id)))
            contacted = dict(
                connection.execute(
                    select(contacts.c.participant_id, func.count()).group_by(
                        contacts.c.participant_id
                    )
                ).all()
            )
            injected = set(connection.scalars(select(injections.c.participant_id)))
            rows = {
                name: connection.scalar(select(func.count()).select_from(workbook_table(name)))
                for name in ("participants", "injections", "contacts", "conditions")
            }
            created = dict(
                connection.execute(
                    select(audit_log.c.table_name, func.count())
                    .where(audit_log.c.action == "create")
                    .group_by(audit_log.c.table_name)
                ).all()
            )
            diagnosed = dict(
                connection.execute(
                    select(conditions.c.participant_id, func.count()).group_by(
                        conditions.c.participant_id
                    )
                ).all()
            )
    finally:
        engine.dispose()
    enrolled = {pid for kind, pid in acknowledged if kind == "participant"}
    checked = {pid for kind, pid in acknowledged if kind == "checklist"}
    assert enrolled - women == set(), "acknowledged enrolments lost"
    assert {pid for kind, pid in acknowledged if kind == "injection"} - injected == set()
    assert checked - set(contacted) == set(), "acknowledged checklists lost"
    # All or nothing: a contact saved (acknowledged or not) came with its one condition
    # (endometriosis; the answers "no" are not rows), and a checklist saved once.
    assert set(contacted.values()) <= {1}
    assert contacted.keys() == diagnosed.keys()
    assert set(diagnosed.values()) <= {1}
    assert set(contacted) | injected <= women, "rows without their woman"
    # Every row saved came with its audit entry (same transaction), and no entry without it.
    assert {name: created.get(name, 0) for name in rows} == rows
    verified = audit_log_verifies(url)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def audit_log_verifies(url: str) -> subprocess.CompletedProcess[str]:
    """``follicle audit-log verify`` on ``url`` (bounded)."""
    return subprocess.run(
        [str(FOLLICLE), "audit-log", "verify"],
        env={**os.environ, "FOLLICLE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs; skipped without them (failed in CI)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    reason = "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {reason}", pytrace=False)
    pytest.skip(reason)


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, on a free port (trust authentication).

    When the tests run as root (CI) it runs as the ``postgres`` user, since initdb refuses
    root; its folder is then a new one under the system's temporary folder, owned by
    ``postgres``, because pytest's ``tmp_path`` lies in a folder only root may enter.
    :meth:`close` stops it and removes the folder.
    """

    def __init__(self, folder: Path) -> None:
        self.bin = postgres_bin()
        self._as: list[str] = []
        if os.geteuid() == 0:
            folder = Path(tempfile.mkdtemp(prefix="follicle-pg-"))
            shutil.chown(folder, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as, *args],
            capture_output=True,
            text=True,
            timeout=START_SECONDS + 30,
            check=False,
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    def init(self) -> None:
        """initdb, then start."""
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        )
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            str(int(START_SECONDS)),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop it if it runs (never raises: called from ``finally``)."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._as,
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        if self._as:
            shutil.rmtree(self.folder, ignore_errors=True)
