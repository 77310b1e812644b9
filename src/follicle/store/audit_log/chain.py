"""The audit log's hash chain: appending entries and verifying them.

Every entry records when (``at``, UTC), who (``actor``: a user name or ``"cli"``, never a
patient identifier), what (``action``, ``table_name``, ``record_key``), the row(s) before and
after as JSON text, and the ``reason`` given for changing saved data. Entries are only ever
appended (:func:`append_entries`); nothing in follicle updates or deletes one. On
PostgreSQL a trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE of
``audit_log``; SQLite has the same refusal as triggers, which anyone holding the file can
drop — there the guarantee is the hash chain, which makes any edit *detectable*
(:func:`verify_chain`).

**The chain.** Each entry stores ``prev_hash`` (the ``entry_hash`` of the entry before it,
by ``id``; ``NULL`` for the first) and ``entry_hash`` = SHA-256 (hex) of a canonical
serialisation of (prev_hash, at, actor, action, table_name, record_key, before, after,
reason) — :func:`entry_hash`. Changing any field of an entry breaks its hash; recomputing
the hash breaks the next entry's ``prev_hash``; deleting an entry breaks the link of the
one after it. (Deleting the newest entries leaves a shorter chain that still verifies link by
link: the checkpoints of :mod:`follicle.store.audit_log.checkpoints`, which note the head from time
to time, are what catch it.)

**One chain, whatever the concurrency.** :func:`lock_chain` makes appends take turns —
a transaction-level advisory lock on PostgreSQL (released at commit or rollback), the
database's write lock on SQLite (which has one writer at a time anyway) — before the last
hash is read, so two writers can never chain onto the same entry.

**Batches.** An import appends one entry per woman, 100,000 at once for a large workbook.
The chain over a batch is computed in one pass (:func:`chain_hashes`): each hash needs the
previous one, a sequential dependency that no vectorisation removes, so this is a plain
loop of :mod:`hashlib` calls (a few microseconds per entry); the inserts are chunked
``executemany`` calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select, text

from follicle.store import writer_queue
from follicle.store.importing.bulk import BulkInsert
from follicle.store.tables import audit_log

#: Any constant: the same in every follicle process, so that appends to the chain take turns.
CHAIN_LOCK_ID = 0x0F011C1F

#: The fields of an entry that its hash covers, in the order they are serialised.
HASHED_FIELDS = (
    "prev_hash",
    "at",
    "actor",
    "action",
    "table_name",
    "record_key",
    "before",
    "after",
    "reason",
)

#: The columns an append writes (``id`` is the database's).
_INSERTED = ("at", *(f for f in HASHED_FIELDS if f != "at"), "entry_hash")
#: From this many entries an append goes to the driver as plain tuples
#: (:class:`~follicle.store.importing.bulk.BulkInsert`); a save's one or few entries take the plain
#: insert, whose cost there is nothing beside a round trip.
BULK_FROM = 64

#: Entries read per query when verifying the chain.
VERIFY_CHUNK = 20_000


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def utc(at: datetime) -> datetime:
    """``at`` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@lru_cache(maxsize=1024)
def _canonical_at(at: datetime | str) -> str:
    """The timestamp as hashed: UTC, ISO 8601 with microseconds (SQLite returns it naive,
    PostgreSQL in the session's time zone; both are the same instant). Cached: a batch
    shares one timestamp."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: A JSON string literal as :func:`json.dumps` (``ensure_ascii=False``) writes it: the
#: encoder's own function, so that the header below is that of ``json.dumps`` of the list.
_json_string = json.encoder.encode_basestring


def _literal(value: str | None) -> str:
    return "null" if value is None else _json_string(value)


def _hash(fields: str, before: str | None, after: str | None) -> str:
    """The hash of an entry whose short fields are already JSON literals joined by commas
    (prev_hash, at, actor, action, table_name, record_key, reason)."""
    before_bytes = b"" if before is None else before.encode()
    after_bytes = b"" if after is None else after.encode()
    lengths = (
        f"{'null' if before is None else len(before_bytes)},"
        f"{'null' if after is None else len(after_bytes)}]"
    )
    digest = hashlib.sha256(f"[{fields},{lengths}".encode())
    digest.update(b"\n" + before_bytes + b"\n" + after_bytes + b"\n")
    return digest.hexdigest()


def entry_hash(
    prev_hash: str | None,
    at: datetime | str,
    actor: str,
    action: str,
    table_name: str | None,
    record_key: str | None,
    before: str | None,
    after: str | None,
    reason: str | None,
) -> str:
    """SHA-256 (hex) of an entry's canonical serialisation.

    The serialisation is a compact JSON array of the short fields with the UTF-8 byte
    lengths of ``before`` and ``after`` (``null`` when absent), a newline, and then the raw
    bytes of ``before`` and ``after`` each followed by a newline. The lengths make it
    unambiguous without escaping the (long) JSON texts again.
    """
    fields = ",".join(
        _literal(v)
        for v in (prev_hash, _canonical_at(at), actor, action, table_name, record_key, reason)
    )
    return _hash(fields, before, after)


def chain_hashes(prev_hash: str | None, entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``entry_hash`` of each of ``entries`` appended, in order, after ``prev_hash``.

    One pass over the batch: each hash depends on the previous one (see the module
    docstring), so this is a loop; the literals of the fields a batch shares (when, who,
    what) are written once, not once per entry.
    """
    hashes: list[str] = []
    shared: dict[tuple[Any, ...], str] = {}
    for entry in entries:
        key = (entry["at"], entry["actor"], entry["action"], entry.get("table_name"))
        middle = shared.get(key)
        if middle is None:
            middle = shared[key] = ",".join(
                [_literal(_canonical_at(key[0])), *(_literal(v) for v in key[1:])]
            )
        fields = ",".join(
            (
                _literal(prev_hash),
                middle,
                _literal(entry.get("record_key")),
                _literal(entry.get("reason")),
            )
        )
        prev_hash = _hash(fields, entry.get("before"), entry.get("after"))
        hashes.append(prev_hash)
    return hashes


def lock_chain(connection: Connection) -> None:
    """Take the lock that makes writers of the registry take turns, until the transaction ends.

    PostgreSQL: ``pg_advisory_xact_lock``. SQLite: the database's write lock, taken with a
    write that changes nothing (SQLite has no other way to ask for it inside a transaction
    begun with a plain ``BEGIN``), after a place in the writers' queue
    (:mod:`follicle.store.writer_queue`). Call it first in a write transaction: on SQLite a
    transaction that has already read may find the database moved on and fail with
    "database is locked" instead of waiting. Called again in the same transaction, it
    returns at once.
    """
    transaction = connection.get_transaction()
    if (
        transaction is not None
        and transaction.is_active
        and connection.info.get(_LOCKED_IN) is transaction
    ):
        return  # taken earlier in this transaction, and held until it ends
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_POSTGRESQL, {"id": CHAIN_LOCK_ID})
    else:
        # Queue with the other processes' writers first (store.writer_queue), then SQLite's
        # lock, free by then, or about to be.
        writer_queue.take(connection)
        connection.execute(_LOCK_SQLITE)
    # Remembered only outside a savepoint: PostgreSQL lets a lock go with the savepoint
    # that took it, should that one be rolled back.
    if connection.get_nested_transaction() is None:
        connection.info[_LOCKED_IN] = connection.get_transaction()


# Statements a save runs every time, built once (SQLAlchemy caches their compiled form, not
# their construction, which costs about as much as running them on SQLite).
_LOCK_POSTGRESQL = text("SELECT pg_advisory_xact_lock(:id)")
_LOCK_SQLITE = text("UPDATE sites SET code = code WHERE 0 = 1")
_LAST_HASH = select(audit_log.c.entry_hash).order_by(audit_log.c.id.desc()).limit(1)
#: Where a connection keeps the transaction in which it took the lock (its ``info``): a
#: save calls :func:`lock_chain` at each step that needs it, one round trip is enough.
_LOCKED_IN = "follicle_chain_locked_in"


def last_hash(connection: Connection) -> str | None:
    """The ``entry_hash`` of the newest entry (``None`` for an empty log)."""
    return connection.execute(_LAST_HASH).scalar_one_or_none()


def append_entries(
    connection: Connection,
    entries: Sequence[Mapping[str, Any]],
    *,
    rows_per_chunk: int = 2_000,
) -> list[str]:
    """Append ``entries`` to the chain, in order; return their hashes.

    Each entry maps ``at`` (datetime; stored as UTC), ``actor``, ``action`` and optionally
    ``table_name``, ``record_key``, ``before``, ``after`` (JSON text) and ``reason``. Takes
    :func:`lock_chain` first, so it must run inside the caller's transaction; the lock is
    held until that transaction ends.
    """
    if not entries:
        return []
    lock_chain(connection)
    rows = [
        {
            "at": utc(e["at"]),
            "actor": e["actor"],
            "action": e["action"],
            "table_name": e.get("table_name"),
            "record_key": e.get("record_key"),
            "before": e.get("before"),
            "after": e.get("after"),
            "reason": e.get("reason"),
        }
        for e in entries
    ]
    previous = last_hash(connection)
    hashes = chain_hashes(previous, rows)
    prevs = [previous, *hashes[:-1]]
    for row, prev, digest in zip(rows, prevs, hashes, strict=True):
        row["prev_hash"] = prev
        row["entry_hash"] = digest
    if len(rows) < BULK_FROM:
        for chunk in _chunks(rows, rows_per_chunk):
            connection.execute(insert(audit_log), list(chunk))
        return hashes
    # A batch (an import's entry per woman): plain tuples past SQLAlchemy's per-row work,
    # ``at`` stored as SQLAlchemy would store it (one timestamp per batch, so cached).
    bind = audit_log.c.at.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    stored: dict[datetime, Any] = {}
    statement = BulkInsert(audit_log, _INSERTED)
    for chunk in _chunks(rows, rows_per_chunk):
        tuples = []
        for row in chunk:
            at = row["at"]
            if at not in stored:
                stored[at] = at if bind is None else bind(at)
            tuples.append((stored[at], *(row[c] for c in _INSERTED[1:])))
        statement.run(connection, tuples)
    return hashes


def append_entry(
    connection: Connection,
    *,
    actor: str,
    action: str,
    table_name: str | None = None,
    record_key: str | None = None,
    before: str | None = None,
    after: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> str:
    """Append one entry (see :func:`append_entries`); return its hash."""
    entry = {
        "at": at or datetime.now(UTC),
        "actor": actor,
        "action": action,
        "table_name": table_name,
        "record_key": record_key,
        "before": before,
        "after": after,
        "reason": reason,
    }
    return append_entries(connection, [entry])[0]


def row_json(row: Mapping[str, Any] | None) -> str | None:
    """One row as compact JSON (dates ISO, unknown ``null``), keys in the row's order."""
    if row is None:
        return None
    return json.dumps(
        {k: _plain(v) for k, v in row.items()}, ensure_ascii=False, separators=(",", ":")
    )


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


# -- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_chain` found.

    ``entries`` is how many entries were checked (all of them when the chain holds, up to
    and including the broken one otherwise); ``first_broken_id`` the ``id`` of the first
    entry that does not verify and ``reason`` why, both ``None`` when the chain holds.
    ``last_id`` and ``last_hash`` are the newest entry verified (where a later check may
    go on from; ``None`` when there was none).
    """

    entries: int
    first_broken_id: int | None = None
    reason: str | None = None
    # Where a later check may go on from; not part of what was found (equality ignores it).
    last_id: int | None = field(default=None, compare=False)
    last_hash: str | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """Whether every entry verified."""
        return self.first_broken_id is None


def _batches(connection: Connection, chunk: int, after: int | None = None) -> Iterable[list[Any]]:
    """The log in ``id`` order after entry ``after``, ``chunk`` entries per query (keyset
    pagination)."""
    columns = [audit_log.c.id, *(audit_log.c[f] for f in HASHED_FIELDS), audit_log.c.entry_hash]
    while True:
        statement = select(*columns).order_by(audit_log.c.id).limit(chunk)
        if after is not None:
            statement = statement.where(audit_log.c.id > after)
        rows = [tuple(r) for r in connection.execute(statement)]
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def verify_chain(
    connection: Connection,
    *,
    chunk: int = VERIFY_CHUNK,
    after_id: int | None = None,
    previous: str | None = None,
) -> VerifyResult:
    """Check every entry's hash and its link to the entry before it.

    Streams the log ``chunk`` entries at a time, so memory stays bounded on millions of
    entries. Each entry's hash is recomputed from its stored fields (including its stored
    ``prev_hash``) and compared with its ``entry_hash``; its ``prev_hash`` must equal the
    ``entry_hash`` of the entry before it (``NULL`` for the first).

    ``after_id`` and ``previous`` continue an earlier check (its ``last_id`` and
    ``last_hash``): only the entries after ``after_id`` are read, the first of them
    chained to ``previous``. The server checks the new entries this way on every audit
    page.
    """
    checked = 0
    last_id = after_id
    for rows in _batches(connection, chunk, after_id):
        stored_hash = np.array([r[-1] for r in rows], dtype=object)
        recomputed = np.array([entry_hash(*r[1:-1]) for r in rows], dtype=object)
        stored_prev = np.array([r[1] for r in rows], dtype=object)
        expected_prev = np.array([previous, *stored_hash[:-1]], dtype=object)
        unlinked = stored_prev != expected_prev
        altered = stored_hash != recomputed
        broken = np.flatnonzero(unlinked | altered)
        if len(broken):
            i = int(broken[0])
            entry_id = int(rows[i][0])
            reason = (
                f"entry {entry_id} does not follow the entry before it: an earlier entry "
                "was deleted or altered"
                if unlinked[i]
                else f"entry {entry_id} was altered: its contents do not match its hash"
            )
            return VerifyResult(checked + i + 1, entry_id, reason)
        checked += len(rows)
        previous = stored_hash[-1]
        last_id = int(rows[-1][0])
    return VerifyResult(checked, last_id=last_id, last_hash=previous)
