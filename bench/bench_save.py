"""CPU time of one save: a checklist, and a record change, through the store's functions.

Usage: python bench/bench_save.py [--saves 300] [--postgres URL] [--profile]

In one process, a fresh registry — an SQLite file in a temporary folder, or with
``--postgres URL`` a new schema of that database (dropped afterwards) — holding the bundled
seed cohort (105 women), and one coordinator. Then, as the web routes do it:

1. ``--saves`` telephone checklists (the contact and the eleven maternal conditions answered
   "no"), each validated by :func:`~follicle.store.follow_up.checklist.check_checklist` in a read
   transaction and written by :func:`~follicle.store.follow_up.checklist.save_checklist` in a write
   transaction (``checked`` passed on, as ``POST /participants/{id}/checklist`` does);
2. ``--saves`` record changes of one woman's AMH (``PATCH /api/v1/participants/{id}``):
   validated by :func:`~follicle.store.records.check_update` in a read transaction and
   written by :func:`~follicle.store.records.update` in a write transaction (``checked``
   passed on, as the routes do): all her rules that read the participants table run.

Each save is timed by ``time.process_time`` (this process's CPU: the database's own work
is in it on SQLite, not on PostgreSQL) after ``--warm-up`` untimed ones; prints the median,
p90 and p99 in milliseconds, and the same of the write transaction alone (what the write
lock is held for). ``--profile`` prints the top of a cProfile of the checklist
saves. Not a pytest test: figures go to docs/performance.md ("A save in milliseconds").
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, select

from follicle.store import records
from follicle.store.access import accounts
from follicle.store.audit_log.chain import lock_chain
from follicle.store.engine import ensure_schema, make_engine, scratch_schema
from follicle.store.follow_up import checklist
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES
from follicle.workbook import seed
from follicle.workbook.schema import MATERNAL_CONDITIONS
from follicle.workbook.validate import load_workbook


@contextmanager
def registry(postgres: str | None) -> Iterator[Engine]:
    """A migrated, empty registry: a temporary SQLite file or a scratch PostgreSQL schema."""
    with tempfile.TemporaryDirectory(prefix="follicle-bench-save-") as folder:
        if postgres is None:
            engine = make_engine(f"sqlite:///{Path(folder) / 'registry.db'}")
            ensure_schema(engine)
            yield engine
            engine.dispose()
            return
        with scratch_schema(postgres, prefix="bench") as url:
            engine = make_engine(url)
            ensure_schema(engine)
            yield engine
            engine.dispose()


#: CPU seconds of each write transaction, the write lock held (:func:`write` appends).
HELD: list[float] = []


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction as the web registry opens one (the write lock first); its CPU
    time is appended to :data:`HELD`."""
    start = time.process_time()
    with engine.begin() as connection:
        lock_chain(connection)
        yield connection
    HELD.append(time.process_time() - start)


def checklist_save(engine: Engine, user: accounts.User, pid: str, day: date) -> None:
    """One checklist, validated before the write lock and saved under it (as the route)."""
    fields = {
        "participant_id": pid,
        "form_token": checklist.ChecklistForm.new_token(),
        "contact_date": day.isoformat(),
        "mode": "phone",
        "milestone": "annual",
        "menses": "regular",
        "vital_status": "alive",
        **{f"conditions.{word}.answer": "no" for word in MATERNAL_CONDITIONS},
    }
    form = checklist.ChecklistForm.from_form(fields)
    with engine.connect() as connection, connection.begin():
        checked = checklist.check_checklist(connection, user, form)
    with write(engine) as connection:
        checklist.save_checklist(connection, user, form, checked=checked)


def timed(run: Callable[[int], None], n: int, warm_up: int) -> np.ndarray:
    """CPU milliseconds of each of ``n`` calls ``run(i)`` after ``warm_up`` untimed ones."""
    for i in range(warm_up):
        run(i)
    spent = []
    for i in range(warm_up, warm_up + n):
        start = time.process_time()
        run(i)
        spent.append(time.process_time() - start)
    return np.array(spent) * 1000


def summary(name: str, ms: np.ndarray) -> str:
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return f"{name}: median {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms CPU ({len(ms)} saves)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=10)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database (new schema)")
    parser.add_argument("--profile", action="store_true", help="cProfile the checklist saves")
    parser.add_argument("--top", type=int, default=30, help="lines of the profile printed")
    args = parser.parse_args()

    book = load_workbook(seed.path())
    with registry(args.postgres) as engine:
        import_workbook(engine, book, actor="bench")
        sites = sorted(set(book["participants"]["site"]))
        with engine.begin() as connection:
            for code in sites:
                accounts.create_site(connection, code, code, actor="bench")
            user = accounts.create_user(
                connection, "bench", "bench save password", "coordinator", sites, actor="bench"
            )
            participants = WORKBOOK_TABLES["participants"]
            versions = dict(
                connection.execute(
                    select(participants.c.participant_id, participants.c.version)
                ).all()
            )
        women = sorted(versions)

        def save(i: int) -> None:
            # A new day for each of her contacts: two equal contacts would be duplicates.
            day = date.today() - timedelta(days=1 + i // len(women))
            checklist_save(engine, user, women[i % len(women)], day)

        def change(i: int) -> None:
            # As the routes do it: checked before the write lock, written under it.
            pid = women[i % len(women)]
            amh = f"{0.1 + (i // len(women)) % 40 / 10:.1f}"  # another value each round
            row = ("participants", pid, {"amh_ng_ml": amh})
            read = {"version": versions[pid], "reason": "bench"}
            with engine.connect() as connection, connection.begin():
                checked = records.check_update(connection, user, *row, **read)
            with write(engine) as connection:
                saved = records.update(connection, user, *row, **read, checked=checked)
            versions[pid] = saved.version

        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        saves = timed(save, args.saves, args.warm_up)
        saves_held = np.array(HELD[-args.saves :]) * 1000
        if profile is not None:
            profile.disable()
        changes = timed(change, args.saves, args.warm_up)
        changes_held = np.array(HELD[-args.saves :]) * 1000

    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{database}; the seed cohort ({len(women)} women)")
    print(summary("checklist save", saves))
    print(summary("  of which the write, lock held", saves_held))
    print(summary("record change ", changes))
    print(summary("  of which the write, lock held", changes_held))
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
