"""How fast the worklist answers on a large registry.

Usage: python bench/bench_worklist.py [--women 100000] [--db PATH] [--repeat 20]

1. Builds (once; reused when ``--db`` exists) an SQLite registry of ``--women`` synthetic
   women at 20 sites (``follicle synth`` + the importer), with an admin and a coordinator
   of one site.
2. Times ``GET /worklist`` through the application (in process, with the page rendered):
   the first request after start-up or after a change (cold: every injection and contact
   is read and the schedule computed) and the following ones (warm: the kept milestones
   are filtered, sorted and paged), for the admin and the coordinator, on today's calls,
   on every milestone and on the last page of every milestone;
3. times a freshly started application (its lifespan warms the cache in the background):
   how long start-up takes, and its first ``GET /worklist`` sent at once (racing the
   warm-up) and sent once the warm-up is done;
4. times the first request after each of ``--repeat`` saved contacts (the kept milestones
   patched for the one woman whose contact was saved).

Prints the median and the worst of ``--repeat`` warm requests and the cold time of each.
Not a pytest test: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from follicle.store import records
from follicle.store.access import accounts
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES, users
from follicle.web.app import create_app
from follicle.web.security import SESSION_COOKIE
from follicle.web.settings import WebSettings
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import load_workbook

PASSWORD = "worklist bench password"


def build(db: Path, women: int) -> None:
    """The registry at ``db``: ``women`` synthetic women at 20 sites, two users."""
    with tempfile.TemporaryDirectory() as folder:
        book = load_workbook(write_synthetic(Path(folder) / "workbook", women, seed=0, sites=20))
    engine = make_engine(f"sqlite:///{db}")
    ensure_schema(engine)
    import_workbook(engine, book, actor="bench")
    codes = sorted(set(book["participants"]["site"]))
    with engine.begin() as connection:
        for code in codes:
            accounts.create_site(connection, code, f"Site {code}", actor="bench")
        accounts.create_user(connection, "bench_admin", PASSWORD, "admin", actor="bench")
        accounts.create_user(
            connection, "bench_coord", PASSWORD, "coordinator", codes[:1], actor="bench"
        )
    engine.dispose()


def after_start(db: Path, token: str, *, wait: bool) -> tuple[float, float]:
    """A freshly started application: (seconds to start, seconds of its first worklist).

    Start-up runs the lifespan, which warms the worklist's cache in the background;
    ``wait`` lets the warm-up finish before the request (a request some seconds after
    start), else the request races it (a request at once).
    """
    from fastapi.testclient import TestClient

    start = time.perf_counter()
    app = create_app(f"sqlite:///{db}", settings=WebSettings(secure_cookies=False))
    with TestClient(app) as client:
        started = time.perf_counter() - start
        if wait:
            app.state.worklist_warm_up.join()
        client.cookies.set(SESSION_COOKIE, token)
        start = time.perf_counter()
        answer = client.get("/worklist")
        first = time.perf_counter() - start
        assert answer.status_code == 200, answer.text[:300]
    app.state.registry.engine.dispose()
    return started, first


def main() -> None:
    """Build or reuse the registry, then time the worklist."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("bench/.cache/worklist-registry.db"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(args.db, args.women)
        print(f"built {args.db} in {time.perf_counter() - start:.0f} s")

    from fastapi.testclient import TestClient

    app = create_app(f"sqlite:///{args.db}", settings=WebSettings(secure_cookies=False))
    engine = app.state.registry.engine
    with engine.connect() as connection:
        women = connection.execute(
            select(func.count()).select_from(WORKBOOK_TABLES["participants"])
        ).scalar()
    print(f"registry: {women:,} women")
    for username in ("bench_admin", "bench_coord"):
        with engine.begin() as connection:
            user_id = connection.execute(
                select(users.c.id).where(users.c.username == username)
            ).scalar_one()
            token, _ = accounts.create_session(connection, user_id, now=datetime.now(UTC))
            coordinator = accounts.get_user(connection, user_id)
            assert coordinator is not None
        client = TestClient(app)
        client.cookies.set(SESSION_COOKIE, token)
        for wait, when in ((False, "at once"), (True, "after warm-up")):
            started, first = after_start(args.db, token, wait=wait)
            print(
                f"{username:12s} {'first request':16s} {when:14s} start-up "
                f"{started * 1000:6.0f} ms, first /worklist {first * 1000:6.0f} ms"
            )
        for label, url in (
            ("today's calls", "/worklist"),
            ("every milestone", "/worklist?status=all"),
            ("last page", "/worklist?status=all&page=1000000"),
        ):
            app.state.registry.schedule.clear()
            start = time.perf_counter()
            answer = client.get(url)
            cold = time.perf_counter() - start
            assert answer.status_code == 200, answer.text[:300]
            rows = answer.text.count('<span class="badge ')
            warm = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.get(url)
                warm.append(time.perf_counter() - start)
            total = re.search(r": ([\d,]+) milestone", answer.text)
            print(
                f"{username:12s} {label:16s} cold {cold * 1000:7.0f} ms   "
                f"warm median {statistics.median(warm) * 1000:5.0f} ms, "
                f"max {max(warm) * 1000:5.0f} ms   ({rows} rows of "
                f"{total.group(1) if total else '?'})"
            )
        if username != "bench_coord":
            continue
        with engine.connect() as connection:
            women = [
                str(w)
                for w in connection.execute(
                    select(WORKBOOK_TABLES["participants"].c.participant_id)
                    .where(WORKBOOK_TABLES["participants"].c.site.in_(sorted(coordinator.sites)))
                    .limit(args.repeat)
                ).scalars()
            ]
        after = []
        women_runs = int(time.time() // 60)
        for n, pid in enumerate(women):
            with engine.begin() as connection:
                records.create(
                    connection,
                    coordinator,
                    "contacts",
                    {
                        "participant_id": pid,
                        # A day of its own in each run (the registry is reused).
                        "contact_date": (
                            date.today() - timedelta(days=n + 40 * (women_runs % 50))
                        ).isoformat(),
                        "mode": "phone",
                        "milestone": "unscheduled",
                    },
                )
            start = time.perf_counter()
            assert client.get("/worklist").status_code == 200
            after.append(time.perf_counter() - start)
        print(
            f"{username:12s} {'after a save':16s} "
            f"median {statistics.median(after) * 1000:5.0f} ms, "
            f"max {max(after) * 1000:5.0f} ms   ({len(after)} saves)"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
