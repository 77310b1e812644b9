"""A small two-site registry for the web tests: sites, one user per role, two women.

Site A and site B each have one woman with an injection, a contact, an IVF cycle, a
pregnancy ending in a live birth, an infant and a condition, so that every kind of ID has
an "own site" and an "other site" value to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, insert

from follicle.store import records
from follicle.store.access import accounts
from follicle.store.access.accounts import User
from follicle.store.tables import judgments

PASSWORD = "correct horse battery staple"
SITES = {"A": "Alpha fertility clinic", "B": "Beta women's hospital"}

#: username → (role, sites). The matrix's users are all of site A ("own" = A).
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()),
    "coord_a": ("coordinator", ("A",)),
    "reviewer_a": ("reviewer", ("A",)),
    "analyst": ("analyst", ()),
    "coord_b": ("coordinator", ("B",)),
    "spare": ("reviewer", ("A",)),
}
#: The user who stands for each role in the authorization matrix.
ROLE_USERS = {
    "admin": "admin",
    "coordinator": "coord_a",
    "reviewer": "reviewer_a",
    "analyst": "analyst",
}
WOMEN = {"A": "WA001", "B": "WB001"}


@dataclass
class Woman:
    """One seeded woman and the keys of her rows."""

    participant_id: str
    site: str
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Seeded:
    """What :func:`seed` created."""

    users: dict[str, User]
    women: dict[str, Woman]


def woman(connection: Connection, actor: User, pid: str, site: str) -> Woman:
    """Enrol ``pid`` at ``site`` with one row in every table (values as cell text)."""
    w = Woman(pid, site)
    records.create(
        connection,
        actor,
        "participants",
        {
            "participant_id": pid,
            "site": site,
            "arm": "MenSC",
            "birth_date": "1985-04-02",
            "consent_date": "2020-01-10",
            "menses_baseline": "irregular",
            "amh_ng_ml": "0.6",
            "afc": "4",
            "prior_ivf_cycles": "2",
            "prior_max_oocytes": "2",
            "prior_cycle_cancelled": "no",
        },
    )
    records.create(
        connection,
        actor,
        "participant_identity",
        {"participant_id": pid, "full_name": f"Test Woman {pid}", "phone": "+98 21 555 0100"},
    )
    made = {
        "injections": records.create(
            connection,
            actor,
            "injections",
            {
                "participant_id": pid,
                "injection_date": "2020-02-01",
                "product": "MenSC",
                "ovary": "both",
                "route": "transvaginal",
            },
        ),
        "contacts": records.create(
            connection,
            actor,
            "contacts",
            {
                "participant_id": pid,
                "contact_date": "2021-06-01",
                "mode": "phone",
                "milestone": "12m",
                "menses": "regular",
                "checklist_complete": "yes",
                "vital_status": "alive",
            },
        ),
        "ivf_cycles": records.create(
            connection,
            actor,
            "ivf_cycles",
            {
                "cycle_id": f"{pid}-C1",
                "participant_id": pid,
                "start_date": "2020-05-01",
                "oocytes_retrieved": "3",
                "embryos_transferred": "1",
                "cancelled": "no",
            },
        ),
    }
    made["pregnancies"] = records.create(
        connection,
        actor,
        "pregnancies",
        {
            "pregnancy_id": f"{pid}-P1",
            "participant_id": pid,
            "conception_date": "2020-05-20",
            "mode": "ivf",
            "ivf_cycle_id": f"{pid}-C1",
            "fetuses": "1",
            "outcome": "live_birth",
            "outcome_date": "2021-02-20",
            "gestational_weeks": "39",
        },
    )
    made["infants"] = records.create(
        connection,
        actor,
        "infants",
        {
            "infant_id": f"{pid}-I1",
            "pregnancy_id": f"{pid}-P1",
            "birth_date": "2021-02-20",
            "sex": "female",
            "birth_weight_g": "3100",
            "gestational_weeks": "39",
        },
    )
    made["conditions"] = records.create(
        connection,
        actor,
        "conditions",
        {"participant_id": pid, "condition": "ovarian_cyst", "diagnosis_date": "2020-09-01"},
    )
    made["infant_conditions"] = records.create(
        connection,
        actor,
        "infant_conditions",
        {"infant_id": f"{pid}-I1", "condition": "thyroid_disorder", "diagnosis_date": "2021-05-01"},
    )
    w.keys = {table: saved.key for table, saved in made.items()}
    w.keys["participants"] = pid
    w.keys["participant_identity"] = pid
    return w


def seed(engine: Engine) -> Seeded:
    """Sites, users and the two women, in one transaction."""
    with engine.begin() as connection:
        for code, name in SITES.items():
            accounts.create_site(connection, code, name, actor="test")
        users = {
            username: accounts.create_user(
                connection, username, PASSWORD, role, sites, actor="test"
            )
            for username, (role, sites) in USERS.items()
        }
        women = {site: woman(connection, users["admin"], pid, site) for site, pid in WOMEN.items()}
    return Seeded(users, women)


def session_for(engine: Engine, user: User) -> tuple[str, str]:
    """A fresh session of ``user`` (token, CSRF token), without the cost of a login."""
    with engine.begin() as connection:
        return accounts.create_session(
            connection, user.id, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )


def condition_event(engine: Engine, admin: User, pid: str, day: str) -> str:
    """A new condition "other" of ``pid`` diagnosed on ``day``: an event to review, whose
    key is returned (its own day gives it its own key)."""
    with engine.begin() as connection:
        records.create(
            connection,
            admin,
            "conditions",
            {"participant_id": pid, "condition": "other", "diagnosis_date": day},
        )
    return f"{pid}|other|{day}"


def dispute(engine: Engine, pid: str, key: str, ids: tuple[str, str]) -> None:
    """Two reviews of the condition event ``key`` that disagree (judgment IDs ``ids``),
    written straight into the table: a disputed event for an adjudicator."""
    with engine.begin() as connection:
        for judgment_id, who, verdict in zip(
            ids, ("first", "second"), ("confirm", "reject"), strict=True
        ):
            connection.execute(
                insert(judgments),
                {
                    "judgment_id": judgment_id,
                    "participant_id": pid,
                    "event_type": "condition",
                    "event_key": key,
                    "recorded_value": "other",
                    "stage": "review",
                    "reviewer": who,
                    "verdict": verdict,
                    "reason": "matrix",
                    "judged_on": date(2026, 1, 1),
                },
            )
