"""``follicle serve --workers N``: N server processes on one port, each listening on a
socket of its own (``SO_REUSEPORT``), so that the kernel shares new connections among them.

Why not uvicorn's own ``--workers``: its processes share one listening socket, and the
process whose event loop wakes first accepts every connection waiting at that moment (asyncio
accepts until the queue is empty). A registry's clients keep their keep-alive connection, so
one worker could serve most of them for as long as they stay: with 50 coordinators saving
back to back on two workers, the clients of the busier worker waited four times as long as
the others' (docs/performance.md, "Web registry under load"). With a socket per process,
Linux sends each new connection to one of them by a hash of its addresses, so the shares
are even up to chance.

The supervisor here is small on purpose: it checks once that the port is free, starts the
processes (spawned, as uvicorn's are), starts a new one when one dies, and on SIGINT or
SIGTERM asks each to finish its requests and waits for them. Each process is an ordinary
:class:`uvicorn.Server` given its socket (``Server.run(sockets=…)``, the entry uvicorn
keeps for process managers such as gunicorn).

Chance still leaves one process a few clients more than another (50 clients on two
processes: 28 and 22 as often as not), and each of them waits for the longer queue for as
long as it stays. So the processes also publish how many requests each has in hand, in
memory the supervisor shares with them, and a process holding more than the least busy
one by more than :data:`MARGIN` answers with ``Connection: close`` (:class:`Rebalance`):
that client's next request opens a new connection, which the kernel hands to either
process. Under light load no process is ever that far ahead and nothing closes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.sharedctypes import RawArray
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger("uvicorn.error")

#: Exit code of a uvicorn process that failed before it started serving: starting it again
#: would fail the same way. uvicorn's own constant is importable from ``uvicorn.config``
#: only since 0.50 (``uvicorn.main`` before), and follicle supports 0.29 on.
STARTUP_FAILURE = 3

#: Requests in hand by which a process may lead the least busy one before it asks clients
#: to reconnect (:class:`Rebalance`).
MARGIN = 2

#: Seconds after its start from which a process's death no longer counts as a failed start.
STABLE_SECONDS = 10.0

#: The longest wait before a process that keeps failing at start is started again, seconds.
MAX_RESTART_DELAY = 30.0


def restart_delay(quick_deaths: int) -> float:
    """Seconds to wait before replacing a process that died ``quick_deaths`` times in a row
    soon after its start: none after a death in service (0), then 1, 2, 4 … up to
    :data:`MAX_RESTART_DELAY`."""
    if quick_deaths <= 0:
        return 0.0
    return float(min(MAX_RESTART_DELAY, 2.0 ** (quick_deaths - 1)))


#: Seconds a process has to finish its requests after SIGTERM before it is killed.
STOP_SECONDS = 30.0


def can_share_port() -> bool:
    """Whether this system balances connections among sockets bound with ``SO_REUSEPORT``
    (Linux does; BSD and macOS accept the option without balancing)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, one per process."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class PortInUse(OSError):
    """Something listens on the address already."""


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`PortInUse` if something listens on ``host:port`` already.

    The probe binds without ``SO_REUSEPORT``, so it fails against any listener, and
    closes before the workers bind: the workers' sockets would otherwise join another
    ``SO_REUSEPORT`` group of this user's on the same port instead of failing.
    """
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as error:
        raise PortInUse(error.errno, error.strerror) from error
    finally:
        probe.close()


class Rebalance:
    """ASGI middleware: count this process's requests in hand in ``loads[slot]``, and close
    the connection after a response while this process has more than ``margin`` requests
    more than the least busy of the others (see the module's docstring).

    ``loads`` is memory shared by the processes, one integer each; only its own process
    writes a slot (from its event loop's thread), the others only read it, so no lock is
    needed: a reading a moment old only delays a close by one response.
    """

    def __init__(self, app: ASGIApp, loads: Sequence[int], slot: int, margin: int = MARGIN) -> None:
        self.app = app
        self.loads: Any = loads
        self.slot = slot
        self.margin = margin
        self.others = tuple(i for i in range(len(loads)) if i != slot)

    def crowded(self) -> bool:
        """Whether this process leads the least busy other one by more than the margin."""
        if not self.others:
            return False
        least = min(self.loads[i] for i in self.others)
        return bool(self.loads[self.slot] > least + self.margin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and self.crowded():
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        self.loads[self.slot] += 1
        try:
            await self.app(scope, receive, send_closing)
        finally:
            self.loads[self.slot] -= 1


def _worker(
    options: dict[str, Any], loads: Sequence[int], slot: int
) -> None:  # pragma: no cover - runs in a child process
    import uvicorn

    from follicle.web.app import create_app

    try:
        app = create_app()
    except Exception as error:  # noqa: BLE001 - any failure ends this process alike
        # The class only: a database error's text may quote a URL or the rows' values.
        _log.error("The application could not start: %s", type(error).__name__)
        sys.exit(1)
    config = uvicorn.Config(**{**options, "app": Rebalance(app, loads, slot)})
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as error:
        # Taken since the supervisor's check: starting again would fail the same way.
        _log.error("Cannot listen on %s:%s: %s", config.host, config.port, error)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(config).run(sockets=[sock])


def serve(options: dict[str, Any], workers: int) -> int:
    """Run ``workers`` processes serving the registry's application with ``options``
    (:class:`uvicorn.Config`'s keyword arguments but ``app``; ``host`` and ``port`` among
    them) until SIGINT or SIGTERM; the exit code."""
    check_port_free(options["host"], options["port"])
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    failed = False

    loads = RawArray("l", workers)
    options = {k: v for k, v in options.items() if k not in ("app", "factory")}

    def start(slot: int) -> multiprocessing.process.BaseProcess:
        loads[slot] = 0  # a killed process may have left requests counted
        process = spawn.Process(target=_worker, args=(options, loads, slot), name="follicle-web")
        process.start()
        return process

    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    _log.info("Started parent process [%d]", os.getpid())
    processes: list[multiprocessing.process.BaseProcess | None] = [
        start(slot) for slot in range(workers)
    ]
    started = [time.monotonic()] * workers
    quick_deaths = [0] * workers  # in a row, each within STABLE_SECONDS of its start
    due = [0.0] * workers  # when an empty slot's next process may start
    try:
        while not stop.wait(0.5):
            now = time.monotonic()
            for slot, process in enumerate(processes):
                if process is not None:
                    if process.is_alive():
                        continue
                    process.join()
                    if process.exitcode == STARTUP_FAILURE:
                        _log.error("Child process [%s] failed to start; stopping.", process.pid)
                        failed = True
                        stop.set()
                        break
                    quick = now - started[slot] < STABLE_SECONDS
                    quick_deaths[slot] = quick_deaths[slot] + 1 if quick else 0
                    # A process that keeps dying at start (the database down) is tried
                    # again ever more slowly, not twice a second.
                    delay = restart_delay(quick_deaths[slot])
                    _log.info(
                        "Child process [%s] died; starting another%s.",
                        process.pid,
                        f" in {delay:.0f} s" if delay else "",
                    )
                    processes[slot] = None
                    due[slot] = now + delay
                if now >= due[slot]:
                    processes[slot] = start(slot)
                    started[slot] = now
    finally:
        running = [p for p in processes if p is not None]
        for process in running:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process in running:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for number, handler in previous.items():
            signal.signal(number, handler)
        _log.info("Stopping parent process [%d]", os.getpid())
    return 1 if failed else 0
