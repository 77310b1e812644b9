"""The web server's watch over the audit log: checked at start, and again on audit pages.

At start (:meth:`AuditWatch.start`) the append-only triggers that are missing are put back
(and the restoration is itself an audit entry), the whole chain and its checkpoints are
verified, and — when they hold — the head is noted as a ``start`` checkpoint. Each audit
page then checks incrementally (:meth:`AuditWatch.check`): the entries appended since the
last check (chained on from the last hash verified), the checkpoints, and the entries the
page shows against their neighbours — so an entry edited while the server runs is caught
on the page that would show it.

Once the log fails, :attr:`AuditWatch.broken` says why until the server restarts, and
every page shows it as a banner (``base.html``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from follicle.store.audit_log.chain import append_entry, lock_chain, verify_chain
from follicle.store.audit_log.checkpoints import (
    check_checkpoints,
    restore_append_only,
    verify_entries,
    verify_registry,
    write_checkpoint,
)

_log = logging.getLogger("follicle.web")


@dataclass
class AuditWatch:
    """What the server knows of the audit log: how far it verified, and whether it broke."""

    last_id: int | None = None
    last_hash: str | None = None
    broken: str | None = None
    restored: tuple[str, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self, engine: Engine) -> None:
        """Restore missing triggers, verify the whole log, anchor its head if it holds."""
        with engine.begin() as connection:
            # Server processes started together (``serve --workers``) take turns: only the
            # first finds the triggers missing and records that it restored them.
            lock_chain(connection)
            restored = restore_append_only(connection)
            if restored:
                _log.warning("restored the audit log's append-only triggers: %s", restored)
                append_entry(
                    connection,
                    actor="server",
                    action="restore_triggers",
                    reason="the append-only triggers "
                    + ", ".join(restored)
                    + " were missing at start and were created again",
                )
        self.restored = tuple(restored)
        with engine.connect() as connection:  # read only: other servers go on writing
            result = verify_registry(connection)
        if not result.ok:
            self._fail(result.reason or "the audit log does not verify")
            return
        self.last_id, self.last_hash = result.last_id, result.last_hash
        with engine.begin() as connection:
            write_checkpoint(connection, "start", result)

    def check(self, connection: Connection, shown: Sequence[int] = ()) -> str | None:
        """Verify what was appended since the last check, the checkpoints and the entries
        ``shown`` (ids); return why the log is broken, or ``None``."""
        if self.broken is not None:
            return self.broken
        with self._lock:
            result = verify_chain(connection, after_id=self.last_id, previous=self.last_hash)
            if not result.ok:
                return self._fail(result.reason or "the audit log does not verify")
            self.last_id, self.last_hash = result.last_id, result.last_hash
        anchored = check_checkpoints(connection)
        if anchored is not None:
            return self._fail(anchored[1])
        shown_broken = verify_entries(connection, shown)
        if shown_broken is not None:
            return self._fail(shown_broken)
        return None

    def _fail(self, reason: str) -> str:
        if self.broken is None:
            _log.error("the audit log does not verify: %s", reason)
        self.broken = reason
        return reason
