"""A bound on failed sign-ins per client, applied before the password is checked.

Every sign-in runs Argon2 (about 0.1 s of CPU), whether the account exists or not, so that
the answer's timing tells nothing. The account lockout (:mod:`follicle.store.access.accounts`)
protects each account's password, but not the server: wrong passwords for ever new user
names from one client would each cost Argon2, without limit. :class:`SignInThrottle`
counts failed sign-ins per client and refuses a client past its bound *before* Argon2 runs.

**The count** is a leaky bucket: each failed sign-in adds one, and the count drains
steadily, by ``failures`` per ``window``. A client may fail ``failures`` times in a row;
then one more attempt each ``window / failures`` (45 s by default), and a client that stops
is back to its full allowance after ``window``. An attempt is counted when it starts, so
that a client sending many at once gets no more through than one sending them in turn,
and given back when it succeeds: a successful sign-in costs a client nothing, and a client
that is refused never reaches the password, whoever it is.

**The client** is the address the server gives the request (:func:`client_key`): the TCP
peer, or — when the peer is a proxy uvicorn trusts (``FORWARDED_ALLOW_IPS``, by default the
loopback addresses) — the address the proxy wrote in ``X-Forwarded-For``. follicle reads no
proxy header itself. An IPv6 client is its /64 network, since one host commonly holds a
whole /64 and could otherwise take a new address for each attempt.

**Memory** is bounded: at most :data:`MAX_CLIENTS` clients are remembered; one whose count
has drained is forgotten; and when the table is full the client that failed least recently
is forgotten first, so that an attacker rotating addresses costs a fixed amount of memory
(and gets, per address, no more than any client would).

Each server process counts on its own: with ``--workers N`` a client can fail up to N
times the bound before every process refuses it (the kernel spreads its connections over
the processes).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

#: Clients remembered at once. An entry is a few hundred bytes: 10,000 are a few MiB, and
#: an attacker must present more than that many addresses (IPv6 /64 networks) within one
#: window before a client she has throttled is forgotten early.
MAX_CLIENTS = 10_000


@dataclass
class _Count:
    """A client's failed sign-ins not yet drained, as of ``at`` (the clock's seconds)."""

    level: float
    at: float


class SignInThrottle:
    """Failed sign-ins per client: ``failures`` in a row, then one per ``window / failures``.

    Parameters
    ----------
    failures
        Failed sign-ins a client may make in a row.
    window
        Seconds in which the count of ``failures`` drains (a full allowance again).
    max_clients
        Clients remembered at once (:data:`MAX_CLIENTS`).
    clock
        Seconds of a monotonic clock (tests pass a fake one).
    """

    def __init__(
        self,
        failures: int,
        window: float,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1 or window <= 0 or max_clients < 1:
            raise ValueError("the throttle needs failures >= 1, window > 0 and max_clients >= 1")
        self.failures = failures
        self.window = window
        self.max_clients = max_clients
        self.clock = clock
        self._rate = failures / window  # drained per second
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        # The route calls it on the event loop, but a lock costs nothing next to a sign-in
        # and keeps the table whole should it ever be called from the threads too.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._counts)

    def _level(self, count: _Count, now: float) -> float:
        return max(0.0, count.level - (now - count.at) * self._rate)

    def _forget_drained(self, now: float) -> None:
        # Oldest first: a count drains within one window of its last change (it never
        # exceeds ``failures``), so the entries at the front are the ones to drop.
        while self._counts:
            oldest = next(iter(self._counts.values()))
            if now - oldest.at < self.window:
                break
            self._counts.popitem(last=False)

    def attempt(self, client: str) -> int | None:
        """Count an attempt of ``client``: ``None`` if it may go on (it is counted),
        else the whole seconds it must wait (nothing is counted)."""
        with self._lock:
            now = self.clock()
            self._forget_drained(now)
            count = self._counts.get(client)
            level = 0.0 if count is None else self._level(count, now)
            if level + 1 > self.failures:
                return max(1, math.ceil((level + 1 - self.failures) / self._rate))
            if count is None:
                while len(self._counts) >= self.max_clients:
                    self._counts.popitem(last=False)  # the least recently counted
                self._counts[client] = _Count(level + 1, now)
            else:
                count.level, count.at = level + 1, now
                self._counts.move_to_end(client)
            return None

    def succeeded(self, client: str) -> None:
        """Give back the attempt :meth:`attempt` counted: it was no failure."""
        with self._lock:
            count = self._counts.get(client)
            if count is None:
                return
            if self._level(count, self.clock()) <= 1:
                del self._counts[client]
            else:
                # One less from the same moment on (the count drains linearly): its time and
                # its place in the table stay those of its last failure.
                count.level -= 1


def client_key(request: Request) -> str:
    """Whom a sign-in is counted against: the client's address, an IPv6 one as its /64.

    The address is the one uvicorn gives the request (its own proxy-header handling
    included); nothing here reads a header. Without one (a Unix socket) every client is one.
    """
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address (a test client's name): as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
