"""Load test of the web registry: concurrent coordinators saving telephone checklists.

Usage: python bench/bench_web.py [--clients 50] [--seconds 30] [--women 1000]
                                 [--workers N] [--postgres URL] [--rate R]
                                 [--sign-in-together]

What it does, all on loopback with a temporary embedded SQLite registry (or, with
``--postgres URL``, a new schema of that PostgreSQL database, dropped afterwards):

1. imports a synthetic workbook (``--women``, one site) and creates one coordinator per
   client;
2. measures the raw SQLite commit rate on this disk: a loop of tiny committed INSERTs into
   a scratch database with the registry's settings (WAL), for ``--commit-seconds``;
3. starts ``follicle serve --workers N`` (default one uvicorn process) on a free port;
4. runs ``--clients`` concurrent clients (``aiohttp.ClientSession``: the clients share this
   machine's cores with the server, and aiohttp's C parser costs them a quarter of what
   httpx did, 0.4 ms of CPU a save against 1.5 ms): each signs in (one after
   another, as coordinators arrive, on a keep-alive connection it keeps; with
   ``--sign-in-together`` all at once, which lets one worker accept most of the
   connections in one go: asyncio accepts every waiting connection at each wake-up), then saves
   telephone checklists (the contact and the eleven maternal conditions answered "no")
   for its own women, back to back, for ``--seconds`` (a closed loop); with ``--rate R``
   an open loop instead: a save is due every 1/R s for ``--seconds``, sent by the clients
   in turn whether or not the earlier ones were answered, its latency counted from when
   it was due;
5. stops the server and checks every acknowledged save (a 303 to its confirmation): its
   contact must be in the database, with its audit entry.

Prints p50/p95/p99 save latency (seen by the client), saves per second, the CPU time the
server (``follicle serve`` and its workers, from /proc) and the clients (this process) spent
in the timed window, the raw commit rate, and the failed and lost saves. Not a pytest test:
figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import httpx
import numpy as np
import pandas as pd
from sqlalchemy import select

from follicle.store.access import accounts
from follicle.store.engine import ensure_schema, make_engine, scratch_schema
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import audit_log, checklist_submissions, workbook_table
from follicle.workbook.schema import MATERNAL_CONDITIONS
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import load_workbook

PASSWORD = "load test password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ClientLog:
    """What one client saw."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # form tokens of 303 answers
    failed: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def commit_rate(folder: Path, seconds: float) -> float:
    """Tiny committed INSERTs per second into a scratch SQLite file (WAL, as the registry)."""
    connection = sqlite3.connect(folder / "scratch.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        connection.execute("BEGIN")
        connection.execute("INSERT INTO t (v) VALUES ('x')")
        connection.execute("COMMIT")
        done += 1
    elapsed = time.perf_counter() - start
    connection.close()
    return done / elapsed


@contextmanager
def registry_url(folder: Path, postgres: str | None) -> Iterator[str]:
    """A SQLite file in ``folder``, or a new schema of the PostgreSQL database ``postgres``
    (dropped at the end)."""
    if postgres is None:
        yield f"sqlite:///{folder / 'registry.db'}"
        return
    with scratch_schema(postgres, prefix="bench") as url:
        yield url


def prepare(folder: Path, url: str, women: int, clients: int) -> dict[str, list[str]]:
    """Registry with ``women`` synthetic women and one coordinator per client.

    Returns each client's user name → the women it follows up (disjoint sets).
    """
    book = load_workbook(write_synthetic(folder / "workbook", women, seed=7, sites=1))
    engine = make_engine(url)
    ensure_schema(engine)
    import_workbook(engine, book, actor="bench")
    pids = book["participants"]["participant_id"].tolist()
    sites = sorted(set(book["participants"]["site"]))
    owned: dict[str, list[str]] = {}
    with engine.begin() as connection:
        for code in sites:
            accounts.create_site(connection, code, f"Site {code}", actor="bench")
        for k in range(clients):
            name = f"coord{k:03d}"
            accounts.create_user(connection, name, PASSWORD, "coordinator", sites, actor="bench")
            owned[name] = pids[k::clients]
    engine.dispose()
    return owned


def checklist_form(pid: str, contact_date: date, csrf: str, token: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "form_token": token,
        "contact_date": contact_date.isoformat(),
        "mode": "phone",
        "milestone": "annual",
        "menses": "regular",
        "vital_status": "alive",
    }
    for word in MATERNAL_CONDITIONS:
        form[f"conditions.{word}.answer"] = "no"
    return form


@dataclass
class Window:
    """The timed window: it opens when every client has signed in (``on_open`` is called
    then)."""

    seconds: float
    barrier: asyncio.Barrier
    on_open: Callable[[], None]
    start: float = 0.0

    async def open(self) -> float:
        """Wait for the other clients; the deadline of the window."""
        if await self.barrier.wait() == 0:
            self.on_open()
            self.start = time.perf_counter()
        await asyncio.sleep(0)
        return self.start + self.seconds


@dataclass
class CpuSplit:
    """CPU seconds spent in the timed window by the server (``follicle serve`` and its
    workers), by the clients (this process) and by the processes named ``postgres`` on this
    machine (a local PostgreSQL's backends: the database's share of a save), taken at the
    window's start and end."""

    server_pid: int
    server: float = 0.0
    clients: float = 0.0
    database: float = 0.0

    def start(self) -> None:
        processes = _proc_stats()  # one reading of /proc for both
        self.server = -tree_cpu(self.server_pid, processes)
        self.database = -named_cpu("postgres", processes)
        self.clients = -time.process_time()

    def stop(self) -> None:
        processes = _proc_stats()
        self.server += tree_cpu(self.server_pid, processes)
        self.database += named_cpu("postgres", processes)
        self.clients += time.process_time()


def _proc_stats() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the fields after it) of every process in /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:  # gone meanwhile
            continue
        found.append((int(entry.name), head.split("(", 1)[1], tail.split()))
    return found


def _cpu(fields: list[str]) -> float:
    """CPU seconds (user + system) of a process from the fields after its name in stat."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def named_cpu(name: str, processes: list[tuple[int, str, list[str]]]) -> float:
    """CPU seconds of every process of ``processes`` (:func:`_proc_stats`) whose command
    name is ``name`` (0 if none)."""
    return sum(_cpu(fields) for _, command, fields in processes if command == name)


def tree_cpu(pid: int, processes: list[tuple[int, str, list[str]]]) -> float:
    """CPU seconds (user + system) of process ``pid`` and every process below it, from
    ``processes`` (:func:`_proc_stats`)."""
    children: dict[int, list[int]] = {}
    spent: dict[int, float] = {}
    for found, _, fields in processes:
        children.setdefault(int(fields[1]), []).append(found)
        spent[found] = _cpu(fields)
    total, todo = 0.0, [pid]
    while todo:
        found = todo.pop()
        total += spent.get(found, 0.0)
        todo.extend(children.get(found, []))
    return total


async def sign_in(http: aiohttp.ClientSession, username: str) -> str:
    """Sign ``http`` in as ``username``; the CSRF token of its forms."""
    async with http.get("/login") as page:
        token = CSRF.search(await page.text())
    assert token is not None
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    async with http.post("/login", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, (await answer.text())[:300]
    async with http.get("/participants/new") as page:
        csrf = CSRF.search(await page.text())
    assert csrf is not None
    return csrf.group(1)


async def save_one(
    http: aiohttp.ClientSession, csrf: str, pid: str, day: date, log: ClientLog, since: float
) -> None:
    """Save one checklist for ``pid``; its latency counted from ``since``."""
    form_token = secrets.token_urlsafe(16)
    async with http.post(
        f"/participants/{pid}/checklist",
        data=checklist_form(pid, day, csrf, form_token),
        allow_redirects=False,
    ) as answer:
        body = await answer.read()
        elapsed = time.perf_counter() - since
        if answer.status == 303 and "/checklist/saved?" in answer.headers["location"]:
            log.latencies.append(elapsed)
            log.acknowledged.append(form_token)
        else:
            log.failed.append(f"{answer.status}: {body[:200]!r}")


def contact_day(n: int, women: list[str]) -> date:
    """The date of a client's ``n``-th save: a new day for each of her contacts (identical
    contacts would be duplicates)."""
    return date.today() - timedelta(days=1 + n // len(women))


#: Seconds after which the clients drop a connection left idle: under uvicorn's 5 s, after
#: which the server closes it, so that no save is sent on a connection being closed (it
#: would fail with a ReadError).
KEEPALIVE_SECONDS = 4.0


def http_client(base: str) -> aiohttp.ClientSession:
    """A client of the server at ``base`` (idle connections kept :data:`KEEPALIVE_SECONDS`;
    the session cookie kept although the host is an IP address)."""
    return aiohttp.ClientSession(
        base_url=base,
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=300),
    )


async def keep_warm(http: aiohttp.ClientSession, waiting: asyncio.Future[float]) -> float:
    """What ``waiting`` gives, meanwhile keeping the client's connection in use (a small
    static file every second): the connection a client signed in on stays the one it
    saves on, whichever worker accepted it, rather than being dropped while the others
    sign in and opened again by every client at once when the window opens."""
    while True:
        done, _ = await asyncio.wait({waiting}, timeout=1.0)
        if done:
            return waiting.result()
        async with http.get("/static/favicon.svg") as answer:
            await answer.read()


async def client(
    base: str, username: str, women: list[str], window: Window, arrivals: asyncio.Lock | None
) -> ClientLog:
    """Closed loop: save after save for the client's women until the window ends."""
    log = ClientLog()
    async with http_client(base) as http:
        async with arrivals or contextlib.nullcontext():
            csrf = await sign_in(http, username)
        n = 0
        deadline = await keep_warm(http, asyncio.ensure_future(window.open()))
        while time.perf_counter() < deadline:
            day = contact_day(n, women)
            await save_one(http, csrf, women[n % len(women)], day, log, time.perf_counter())
            n += 1
    return log


async def load(
    base: str, owned: dict[str, list[str]], seconds: float, cpu: CpuSplit, together: bool
) -> tuple[list[ClientLog], float]:
    """Run the clients; their logs and the length of the timed window (after sign-ins)."""
    # Sign-ins are slow on purpose (Argon2): the timed window opens after the last one.
    window = Window(seconds, asyncio.Barrier(len(owned)), cpu.start)
    arrivals = None if together else asyncio.Lock()
    logs = await asyncio.gather(*(client(base, u, w, window, arrivals) for u, w in owned.items()))
    cpu.stop()
    return list(logs), time.perf_counter() - window.start


async def open_load(
    base: str,
    owned: dict[str, list[str]],
    seconds: float,
    rate: float,
    cpu: CpuSplit,
    together: bool,
) -> tuple[list[ClientLog], float]:
    """Open loop: a save starts every ``1 / rate`` s for ``seconds``, whether or not the
    earlier ones were answered, from the clients in turn. Latency is counted from when the
    save was due, so that a server falling behind shows in it (no coordinated omission)."""
    names = list(owned)
    logs = [ClientLog() for _ in names]
    https = [http_client(base) for _ in names]
    try:
        pairs = zip(https, names, strict=True)
        if together:
            tokens = await asyncio.gather(*(sign_in(h, u) for h, u in pairs))
        else:
            tokens = [await sign_in(h, u) for h, u in pairs]
        cpu.start()
        start = time.perf_counter()
        pending = []
        for i in range(int(seconds * rate)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            k, n = i % len(names), i // len(names)
            women = owned[names[k]]
            pending.append(
                asyncio.create_task(
                    save_one(
                        https[k],
                        tokens[k],
                        women[n % len(women)],
                        contact_day(n, women),
                        logs[k],
                        due,
                    )
                )
            )
        await asyncio.gather(*pending)
        cpu.stop()
        return logs, time.perf_counter() - start
    finally:
        await asyncio.gather(*(h.close() for h in https))


def lost_saves(url: str, tokens: list[str]) -> tuple[int, int]:
    """(acknowledged saves without their contact, without their audit entry)."""
    engine = make_engine(url)
    contacts = workbook_table("contacts")
    with engine.connect() as connection:
        saved = pd.DataFrame(
            connection.execute(
                select(
                    checklist_submissions.c.token,
                    checklist_submissions.c.participant_id,
                    checklist_submissions.c.contact_row_id,
                )
            ).all(),
            columns=["token", "participant_id", "row_id"],
        )
        rows = set(connection.execute(select(contacts.c.row_id)).scalars())
        audited = set(
            connection.execute(
                select(audit_log.c.record_key).where(audit_log.c.table_name == "contacts")
            ).scalars()
        )
    engine.dispose()
    acknowledged = saved[saved["token"].isin(tokens)]
    missing = len(set(tokens) - set(acknowledged["token"]))
    no_contact = missing + int((~acknowledged["row_id"].isin(rows)).sum())
    # The audit log keys a woman's rows "<participant_id>/<row key>" (store.records).
    audit_keys = acknowledged["participant_id"] + "/" + acknowledged["row_id"].astype(str)
    no_audit = missing + int((~audit_keys.isin(audited)).sum())
    return no_contact, no_audit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--women", type=int, default=1000)
    parser.add_argument("--commit-seconds", type=float, default=3)
    parser.add_argument("--workers", type=int, default=1, help="follicle serve --workers")
    parser.add_argument(
        "--rate", type=float, help="open loop: this many saves per second (default: closed loop)"
    )
    parser.add_argument(
        "--sign-in-together",
        action="store_true",
        help="the clients sign in all at once (default: one after another)",
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="a PostgreSQL database (a new schema is used)"
    )
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="follicle-bench-web-") as tmp,
        registry_url(Path(tmp), args.postgres) as url,
    ):
        folder = Path(tmp)
        owned = prepare(folder, url, args.women, args.clients)
        commits = commit_rate(folder, args.commit_seconds)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                *("-m", "follicle", "serve", "--port", str(port)),
                *("--workers", str(args.workers)),
            ],
            env={**os.environ, "FOLLICLE_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        cpu = CpuSplit(server.pid)
        try:
            for _ in range(150):
                try:
                    if httpx.get(f"{base}/login").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            if args.rate:
                logs, elapsed = asyncio.run(
                    open_load(base, owned, args.seconds, args.rate, cpu, args.sign_in_together)
                )
            else:
                logs, elapsed = asyncio.run(
                    load(base, owned, args.seconds, cpu, args.sign_in_together)
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
        latencies = np.array([x for log in logs for x in log.latencies]) * 1000
        tokens = [t for log in logs for t in log.acknowledged]
        failed = [f for log in logs for f in log.failed]
        no_contact, no_audit = lost_saves(url, tokens)
        # Each client's median: a spread here is unfairness between clients (say, the
        # workers' unequal shares of the keep-alive connections), not a slow save.
        medians = np.array([np.median(log.latencies) for log in logs if log.latencies]) * 1000

    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if len(latencies) else (0, 0, 0)
    database = "PostgreSQL" if args.postgres else "SQLite"
    loop = f"open loop at {args.rate:g} saves/s" if args.rate else "closed loop"
    print(
        f"{database}; workers: {args.workers}; clients: {args.clients}; women: {args.women}; "
        + loop
    )
    print(f"timed window: {elapsed:.1f} s")
    print(f"saves acknowledged: {len(tokens):,}  ({len(tokens) / elapsed:,.1f} saves/s)")
    worst = latencies.max() if len(latencies) else 0.0
    print(f"save latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms")
    if len(medians):
        low, mid, high = np.percentile(medians, [0, 50, 100])
        print(
            f"clients' median latencies: lowest {low:.1f} ms, median {mid:.1f} ms, "
            f"highest {high:.1f} ms"
        )
    saves = max(len(tokens), 1)
    print(
        f"CPU in the window: server {cpu.server:.1f} s ({1000 * cpu.server / saves:.1f} ms a "
        f"save), clients {cpu.clients:.1f} s ({1000 * cpu.clients / saves:.1f} ms a save)"
        + (
            f", PostgreSQL {cpu.database:.1f} s ({1000 * cpu.database / saves:.1f} ms a save;"
            " its processes on this machine)"
            if args.postgres
            else ""
        )
    )
    print(f"raw SQLite commit rate (scratch file, WAL): {commits:,.0f} commits/s")
    print(f"failed saves: {len(failed)}")
    print(f"lost saves: {no_contact} without their contact, {no_audit} without their audit entry")
    for failure in failed[:5]:
        print("  e.g.", failure)


if __name__ == "__main__":
    main()
