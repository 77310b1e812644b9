"""The API's authorization matrix as data: every route × every role × own site / other site.

:data:`API_ROUTES` maps each (method, path) of ``/api/v1`` to a request builder and the
expected status per role, as ``tests/web/test_authorization.py`` does for the pages (whose
``test_every_route_is_in_the_matrix`` requires every API route to be here too). "own"
names the woman (or row) of site A — the site of every test user who has one — and "other"
the same thing at site B. The anonymous caller sends no token: 401 everywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from sqlalchemy import select

from follicle.store import records
from follicle.store.tables import ROW_ID, VERSION, workbook_table
from follicle.web.api.models import cell_values
from follicle.workbook import schema

from ..conftest import engine_of
from ..registry_seed import Seeded, condition_event, dispute

ROLES = ("admin", "coordinator", "reviewer", "analyst", "anonymous")
SITE_CODE = {"own": "A", "other": "B"}

#: Each woman gets a contact on this day (her follow-up then reaches it) …
FOLLOW_UP_END = "2026-06-01"
#: … and a pregnancy of many fetuses, whose infants the matrix adds and deletes.
MANY = {"conception_date": "2022-01-01", "outcome_date": "2022-02-01", "fetuses": "60"}

_numbers = itertools.count(1)


def _day(start: str, days: int) -> str:
    return (date.fromisoformat(start) + timedelta(days=days)).isoformat()


@dataclass
class ApiRequest:
    """One request of the matrix: method, path below /api/v1, JSON body."""

    method: str
    path: str
    body: Any = None


@dataclass
class Context:
    """What a builder needs: the registry, its seed, and counters for fresh dates."""

    app: FastAPI
    seeded: Seeded
    cursors: dict[str, itertools.count[int]] = field(default_factory=dict)

    def pid(self, site: str) -> str:
        return self.seeded.women[SITE_CODE[site]].participant_id

    def key(self, site: str, table: str) -> str:
        return self.seeded.women[SITE_CODE[site]].keys[table]

    def next(self, name: str) -> int:
        return next(self.cursors.setdefault(name, itertools.count(0)))

    def version(self, table: str, key: str) -> int:
        t = workbook_table(table)
        keyed = schema.TABLES_BY_NAME[table].key
        column = t.c[keyed or ROW_ID]
        with engine_of(self.app).connect() as connection:
            found = connection.execute(
                select(t.c[VERSION]).where(column == (key if keyed else int(key)))
            ).scalar()
        return int(found or 0)

    def fresh(self, site: str, table: str) -> str:
        """A new row of ``table`` for the site's woman (made by the admin), to change or
        delete."""
        values = cell_values(new_row(self, site, table))
        if "participant_id" in schema.TABLES_BY_NAME[table].column_names:
            values["participant_id"] = self.pid(site)
        with engine_of(self.app).begin() as connection:
            saved = records.create(connection, self.seeded.users["admin"], table, values)
        return saved.key


def prepare(app: FastAPI, seeded: Seeded) -> None:
    """Room for the matrix's rows: each woman's follow-up to :data:`FOLLOW_UP_END`, and a
    pregnancy (``<pid>-PM``) that may have many infants."""
    admin = seeded.users["admin"]
    with engine_of(app).begin() as connection:
        for woman in seeded.women.values():
            pid = woman.participant_id
            records.create(
                connection,
                admin,
                "contacts",
                {"participant_id": pid, "contact_date": FOLLOW_UP_END, "mode": "records"},
            )
            records.create(
                connection,
                admin,
                "pregnancies",
                {
                    "pregnancy_id": f"{pid}-PM",
                    "participant_id": pid,
                    "mode": "spontaneous",
                    "outcome": "live_birth",
                    **MANY,
                },
            )


def new_row(c: Context, site: str, table: str) -> dict[str, Any]:
    """A valid new row of ``table`` for the site's woman, as an API body."""
    pid = c.pid(site)
    n = c.next(f"{table}-{site}")
    if table == "injections":
        return {"injection_date": _day("2020-02-02", n), "product": "MenSC", "ovary": "left"}
    if table == "contacts":
        return {"contact_date": _day("2022-01-01", n), "mode": "phone", "menses": "regular"}
    if table == "conditions":
        return {"condition": "other", "diagnosis_date": "2020-11-01", "notes": f"matrix {n}"}
    if table == "ivf_cycles":
        return {"start_date": _day("2021-07-01", n), "oocytes_retrieved": 2}
    if table == "pregnancies":
        conception = _day("2022-03-01", 30 * n)
        return {
            "conception_date": conception,
            "mode": "spontaneous",
            "outcome": "miscarriage",
            "outcome_date": _day(conception, 10),
        }
    if table == "infants":
        return {"pregnancy_id": f"{pid}-PM", "birth_date": MANY["outcome_date"], "sex": "female"}
    if table == "infant_conditions":
        return {"infant_id": c.key(site, "infants"), "condition": "other", "notes": f"matrix {n}"}
    raise ValueError(table)


#: A change to one column of each table: (column, two values it alternates between).
CHANGES: dict[str, tuple[str, tuple[Any, Any]]] = {
    "participants": ("arm", ("PRP", "MenSC")),
    "injections": ("route", ("laparoscopic", "transvaginal")),
    "contacts": ("menses", ("irregular", "regular")),
    "conditions": ("resolved", (True, False)),
    "ivf_cycles": ("oocytes_retrieved", (4, 3)),
    "pregnancies": ("gestational_weeks", (38.5, 39)),
    "infants": ("sex", ("unknown", "female")),
    "infant_conditions": ("diagnosis_date", ("2021-05-02", "2021-05-01")),
}


def _change(c: Context, table: str, key: str) -> dict[str, Any]:
    column, values = CHANGES[table]
    return {
        column: values[next(_numbers) % 2],
        "version": c.version(table, key),
        "reason": "matrix",
    }


def _grid(
    admin: int | tuple[int, int],
    coordinator: int | tuple[int, int],
    reviewer: int | tuple[int, int],
    analyst: int | tuple[int, int],
    anonymous: int | tuple[int, int] = 401,
) -> dict[str, tuple[int, int]]:
    """Expected (own, other) answers per role; a single number means both."""
    cells = dict(zip(ROLES, (admin, coordinator, reviewer, analyst, anonymous), strict=True))
    return {role: v if isinstance(v, tuple) else (v, v) for role, v in cells.items()}


Builder = Callable[[Context, str], ApiRequest]

READ = _grid(200, (200, 404), (200, 404), 403)
CREATE = _grid(201, (201, 404), 403, 403)
WRITE = _grid(200, (200, 404), 403, 403)
REMOVE = _grid(204, (204, 404), 403, 403)

P = "/participants/{participant_id}"


def _table_routes(table: str) -> dict[tuple[str, str], tuple[Builder, dict[str, tuple[int, int]]]]:
    base = f"{P}/{table}"

    def url(c: Context, site: str, key: str = "") -> str:
        return f"/participants/{c.pid(site)}/{table}" + (f"/{key}" if key else "")

    def edit(c: Context, site: str) -> ApiRequest:
        key = c.key(site, table)
        return ApiRequest("PATCH", url(c, site, key), _change(c, table, key))

    def remove(c: Context, site: str) -> ApiRequest:
        key = c.fresh(site, table)
        return ApiRequest(
            "DELETE", url(c, site, key), {"version": c.version(table, key), "reason": "matrix"}
        )

    return {
        ("GET", base): (lambda c, s: ApiRequest("GET", url(c, s)), READ),
        ("POST", base): (lambda c, s: ApiRequest("POST", url(c, s), new_row(c, s, table)), CREATE),
        ("GET", base + "/{key}"): (
            lambda c, s: ApiRequest("GET", url(c, s, c.key(s, table))),
            READ,
        ),
        ("PATCH", base + "/{key}"): (edit, WRITE),
        ("DELETE", base + "/{key}"): (remove, REMOVE),
    }


def _enrol(c: Context, site: str) -> ApiRequest:
    body = {
        "participant_id": f"AM{next(_numbers):04d}",
        "site": SITE_CODE[site],
        "birth_date": "1986-05-05",
        "consent_date": "2024-01-02",
        "menses_baseline": "regular",
    }
    return ApiRequest("POST", "/participants", body)


def _edit_participant(c: Context, site: str) -> ApiRequest:
    pid = c.pid(site)
    return ApiRequest("PATCH", f"/participants/{pid}", _change(c, "participants", pid))


def _checklist(c: Context, site: str) -> ApiRequest:
    body = {
        "form_token": f"matrix-{next(_numbers)}",
        "contact_date": _day("2023-06-01", c.next(f"checklist-{site}")),
        "mode": "phone",
        "milestone": "unscheduled",
        "menses": "regular",
        "vital_status": "alive",
        # The checklist asks every condition: each must be answered.
        "conditions": {word: {"answer": "no"} for word in schema.MATERNAL_CONDITIONS},
    }
    return ApiRequest("POST", f"/participants/{c.pid(site)}/checklist", body)


def _event(c: Context, site: str) -> str:
    """A new condition event of the site's woman, its path below /reviews."""
    day = _day("2022-03-01", next(_numbers) % 300)
    key = condition_event(engine_of(c.app), c.seeded.users["admin"], c.pid(site), day)
    return f"/reviews/condition/{quote(key, safe='')}"


def _judge(c: Context, site: str) -> ApiRequest:
    body = {"recorded_value": "other", "verdict": "confirm"}
    return ApiRequest("POST", _event(c, site) + "/judgments", body)


def _decide(c: Context, site: str) -> ApiRequest:
    path = _event(c, site)
    key = path.rsplit("/", 1)[1].replace("%7C", "|")
    dispute(
        engine_of(c.app), c.pid(site), key, (f"AM{next(_numbers):06d}", f"AM{next(_numbers):06d}")
    )
    body = {"recorded_value": "other", "verdict": "confirm", "reason": "matrix"}
    return ApiRequest("POST", path + "/decision", body)


#: (method, path below /api/v1) → (request builder, expected answers per role).
API_ROUTES: dict[tuple[str, str], tuple[Builder, dict[str, tuple[int, int]]]] = {
    ("GET", "/participants"): (
        lambda c, s: ApiRequest("GET", f"/participants?site={SITE_CODE[s]}"),
        _grid(200, 200, 200, 403),
    ),
    ("POST", "/participants"): (_enrol, _grid(201, (201, 422), 403, 403)),
    ("GET", P): (lambda c, s: ApiRequest("GET", f"/participants/{c.pid(s)}"), READ),
    ("PATCH", P): (_edit_participant, WRITE),
    **{r: v for t in schema.TABLES[1:] for r, v in _table_routes(t.name).items()},
    ("POST", f"{P}/checklist"): (_checklist, CREATE),
    ("GET", "/worklist"): (
        lambda c, s: ApiRequest("GET", f"/worklist?site={SITE_CODE[s]}"),
        _grid(200, 200, 403, 403),
    ),
    ("GET", "/reviews"): (
        lambda c, s: ApiRequest("GET", f"/reviews?site={SITE_CODE[s]}"),
        _grid(200, 403, 200, 403),
    ),
    ("GET", "/reviews/disputes"): (
        lambda c, s: ApiRequest("GET", f"/reviews/disputes?site={SITE_CODE[s]}"),
        _grid(200, 403, 403, 403),  # the matrix's reviewer is not a designated adjudicator
    ),
    ("GET", "/reviews/{event_type}/{event_key}"): (
        lambda c, s: ApiRequest("GET", f"/reviews/pregnancy/{c.key(s, 'pregnancies')}"),
        _grid(200, 403, (200, 404), 403),
    ),
    # Only reviewers judge (an admin decides); another site's event is as if absent.
    ("POST", "/reviews/{event_type}/{event_key}/judgments"): (
        _judge,
        _grid(403, 403, (201, 404), 403),
    ),
    ("POST", "/reviews/{event_type}/{event_key}/decision"): (
        _decide,
        _grid(201, 403, 403, 403),
    ),
    ("GET", f"{P}/audit"): (
        lambda c, s: ApiRequest("GET", f"/participants/{c.pid(s)}/audit"),
        READ,
    ),
    ("POST", "/export"): (
        lambda c, s: ApiRequest("POST", "/export", {"kind": "deidentified", "format": "csv"}),
        _grid(200, 403, 403, 200),
    ),
}
