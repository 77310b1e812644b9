"""``follicle serve --workers 2``: two server processes on one registry, SQLite and
PostgreSQL, each with its own listening socket (:mod:`follicle.web.workers`).

In the load test, both processes start on a registry whose append-only triggers were
removed, so both find them missing at once; then three clients save through the JSON API.
Every acknowledged save must be there, whole, the audit chain must verify (the two
processes' appends took turns), and the triggers were restored once, by one process, not
twice. The other tests here are of the supervisor: the kernel's sharing of connections, a
port already taken, a worker killed and replaced, SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.sharedctypes import RawArray
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from starlette.types import Message, Receive, Scope, Send

from follicle.store.engine import make_engine
from follicle.store.tables import audit_log
from follicle.web.workers import (
    MAX_RESTART_DELAY,
    PortInUse,
    Rebalance,
    can_share_port,
    check_port_free,
    listening_socket,
    restart_delay,
)
from live import free_port

from .faults import START_SECONDS, Load, Server, check_registry, prepare_registry

needs_shared_port = pytest.mark.skipif(
    not can_share_port(), reason="SO_REUSEPORT balancing is Linux's"
)


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


@pytest.mark.faults
@pytest.mark.slow
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


@needs_shared_port
def test_the_kernel_shares_connections_among_the_workers_sockets() -> None:
    port = free_port()
    sockets = [listening_socket("127.0.0.1", port) for _ in range(2)]
    clients = []
    try:
        for sock in sockets:
            sock.listen(128)
            sock.setblocking(False)
        for _ in range(64):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.2)
        accepted = []
        for sock in sockets:
            count = 0
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
            accepted.append(count)
    finally:
        for c in [*clients, *sockets]:
            c.close()
    # Each of 64 connections goes to either socket by a hash of its addresses: both get
    # some (all to one has a chance of 2^-63), and none is lost.
    assert sum(accepted) == 64
    assert min(accepted) > 0, accepted


@needs_shared_port
def test_a_port_taken_by_another_server_is_refused() -> None:
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        with pytest.raises(PortInUse, match="in use"):
            check_port_free("127.0.0.1", port)
        with pytest.raises(OSError, match="in use"):
            listening_socket("127.0.0.1", port)
    check_port_free("127.0.0.1", port)


def _workers_of(parent: int) -> set[int]:
    """The server processes the supervisor ``parent`` started (multiprocessing's spawned
    children, not its resource tracker)."""
    found = set()
    for task in Path(f"/proc/{parent}/task").iterdir():
        for child in (task / "children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"multiprocessing" in command and b"resource_tracker" not in command:
                found.add(int(child))
    return found


def _wait_for_log(log: Path, line: str, count: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while log.read_text().count(line) < count:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.1)


@needs_shared_port
@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    prepare_registry(url)
    log = tmp_path / "server.log"
    server = Server(url, log, workers=2)
    server.start()
    try:
        assert server.process is not None
        parent = server.process.pid
        _wait_for_log(log, "Application startup complete", 2)
        first = _workers_of(parent)
        assert len(first) == 2, log.read_text()
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            now = _workers_of(parent)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no worker replaced the one killed: {log.read_text()[-2000:]}")
        _wait_for_log(log, "Application startup complete", 3)
        for _ in range(10):
            assert httpx.get(f"{server.base}/login", timeout=10).status_code == 200
        workers = _workers_of(parent)
        server.process.terminate()
        assert server.process.wait(timeout=60) == 0
        for pid in workers:
            assert (
                not Path(f"/proc/{pid}").exists()
                or b"(Z)" in Path(f"/proc/{pid}/stat").read_bytes()
            ), "a worker outlived its supervisor"
    finally:
        server.kill()
    output = log.read_text()
    assert "died; starting another" in output, output
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 3, output


@needs_shared_port
@pytest.mark.slow
def test_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        done = subprocess.run(
            [sys.executable, "-m", "follicle", "serve", "--port", str(port), "--workers", "2"],
            env={**os.environ, "FOLLICLE_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stdout, done.stdout + done.stderr


def _answer(rebalance: Rebalance) -> tuple[list[tuple[bytes, bytes]], int]:
    """The headers ``rebalance`` sends for one GET, and its slot's count during the app."""
    seen: dict[str, int] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["during"] = rebalance.loads[rebalance.slot]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"a", b"b")]})
        await send({"type": "http.response.body", "body": b""})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    rebalance.app = app
    asyncio.run(rebalance({"type": "http", "headers": []}, receive, send))
    return list(sent[0]["headers"]), seen["during"]


@pytest.mark.parametrize(
    ("others", "closes"),
    [((3,), False), ((4, 3), False), ((9,), False), ((2,), True), ((0, 5), True), ((3, 2), True)],
)
def test_a_process_ahead_by_more_than_the_margin_asks_its_client_to_reconnect(
    others: tuple[int, ...], closes: bool
) -> None:
    # This process has four requests in hand besides the one answered: five in all.
    loads = RawArray("l", [4, *others])
    rebalance = Rebalance(lambda *_: None, loads, 0, margin=2)  # type: ignore[arg-type]
    headers, during = _answer(rebalance)
    assert during == 5
    assert ((b"connection", b"close") in headers) is closes
    assert (b"a", b"b") in headers
    assert loads[0] == 4, "the request is counted off when it is answered"


def test_a_lone_process_never_closes_and_an_error_is_counted_off() -> None:
    loads = RawArray("l", [40])
    headers, _ = _answer(Rebalance(lambda *_: None, loads, 0))  # type: ignore[arg-type]
    assert (b"connection", b"close") not in headers

    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    loads = RawArray("l", [0, 0])
    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(Rebalance(failing, loads, 1)({"type": "http"}, None, None))  # type: ignore[arg-type]
    assert list(loads) == [0, 0]


def test_lifespan_messages_pass_through_uncounted() -> None:
    loads = RawArray("l", [0, 0])
    scopes = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append((scope["type"], loads[0]))

    asyncio.run(Rebalance(app, loads, 0)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert scopes == [("lifespan", 0)]


def test_a_worker_failing_at_start_is_tried_again_ever_more_slowly() -> None:
    delays = [restart_delay(n) for n in range(8)]
    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert max(restart_delay(n) for n in range(100)) == MAX_RESTART_DELAY
