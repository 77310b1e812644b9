"""Two-specialist review of reported events: the queue, judgments and decisions.

Events are not stored: they are the rows of the registry that report something
(:func:`follicle.workbook.events.reported_events`), so an event saved by a checklist, on a
woman's page, through an API or by an import is in the queue at once, and goes back to
"to review" when its defining field changes (the earlier judgments stay, as history). Only
the **judgments** are stored (table ``judgments``, the workbook's optional table of the
same name), each one audited in the hash-chained log.

**Who.** A *review* is by a ``reviewer`` of the woman's site; two different reviewers judge
each event. A *decision* on a disputed event is by an admin or by a reviewer designated as
adjudicator (:func:`set_adjudicator`) who was not one of its two reviewers; it is final.

**Blind.** Until both reviews are in, a reviewer sees her own judgment only: the queue and
the event page are built here, in the store, with the other reviewer's verdict, value,
reason and name removed (:func:`_blind`), whatever the page does. Admins see everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from follicle.errors import Conflict, FollicleError, NotFound, PermissionDenied
from follicle.store.access.accounts import User
from follicle.store.audit_log.chain import append_entry, lock_chain, row_json
from follicle.store.tables import (
    ROW_ID,
    WORKBOOK_TABLES,
    adjudicators,
    audit_log,
    judgments,
    users,
)
from follicle.workbook.events import (
    DEFINING_COLUMNS,
    EVENT_COLUMNS,
    FINAL,
    KEY_SEPARATOR,
    RECLASSIFY_VOCABULARY,
    STATUSES,
    reported_events,
    review_status,
)
from follicle.workbook.frames import coerce
from follicle.workbook.schema import EVENT_TYPES, JUDGMENTS, TABLES_BY_NAME, VERDICTS

#: The workbook table each event type's rows live in.
EVENT_TABLES = {
    "condition": "conditions",
    "pregnancy": "pregnancies",
    "infant": "infants",
    "infant_condition": "infant_conditions",
    "death": "contacts",
}
#: The tables :func:`reported_events` reads.
_SOURCE_TABLES = ("conditions", "pregnancies", "infants", "infant_conditions", "contacts")

#: The columns :func:`reported_events` needs of each table (a queue reads no more).
_EVENT_COLUMNS = {
    "conditions": ("participant_id", "condition", "diagnosis_date"),
    "pregnancies": ("pregnancy_id", "participant_id", "conception_date", "outcome", "outcome_date"),
    "infants": ("infant_id", "pregnancy_id", "birth_date", "death_date"),
    "infant_conditions": ("infant_id", "condition", "diagnosis_date"),
    "contacts": ("participant_id", "contact_date", "vital_status"),
}

#: Columns of another reviewer's judgment, hidden from a reviewer until both have judged.
_OTHERS = ("reviewer", "verdict", "value")

#: What a reviewer may do with an event, by status.
OPEN = ("to_review", "one_judgment")


class InvalidJudgment(FollicleError):
    """A judgment or decision that cannot be recorded as given (nothing was saved)."""

    code = "invalid_judgment"
    http_status = 422

    def __init__(self, message: str, field: str) -> None:
        self.field = field  # the judgment's field to change: verdict, corrected_value, reason
        super().__init__(message)


@dataclass(frozen=True)
class Judged:
    """A recorded judgment: its ID, and the event's status afterwards."""

    judgment_id: str
    status: str


# -- reading -----------------------------------------------------------------------------


def _require_judge_reader(actor: User) -> None:
    if actor.role not in ("admin", "reviewer"):
        raise PermissionDenied("only reviewers and admins see the review of events")


def _frame(connection: Connection, statement: Any, names: list[str]) -> pd.DataFrame:
    rows = [tuple(r) for r in connection.execute(statement)]
    return pd.DataFrame(rows, columns=names)


def _narrow(statement: Any, actor: User, site: str | None) -> Any:
    participants = WORKBOOK_TABLES["participants"]
    if actor.role != "admin":
        statement = statement.where(participants.c.site.in_(sorted(actor.sites)))
    if site is not None:
        statement = statement.where(participants.c.site == site)
    return statement


def _site_rows(
    connection: Connection, actor: User, site: str | None, participant_id: str | None = None
) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    """The source tables of the women of the actor's sites (or of one woman), typed, and
    each woman's site."""
    participants = WORKBOOK_TABLES["participants"]
    frames: dict[str, pd.DataFrame] = {}
    for name in _SOURCE_TABLES:
        table = TABLES_BY_NAME[name]
        sql = WORKBOOK_TABLES[name]
        joined: Any = sql
        column, parent = table.owner
        owner = sql.c[column]
        while parent != "participants":  # infants and their conditions: up the owner chain
            parent_sql = WORKBOOK_TABLES[parent]
            parent_key = TABLES_BY_NAME[parent].key
            assert parent_key is not None, parent
            joined = joined.join(parent_sql, owner == parent_sql.c[parent_key])
            column, parent = TABLES_BY_NAME[parent].owner
            owner = parent_sql.c[column]
        joined = joined.join(participants, owner == participants.c.participant_id)
        # A site's queue reads only what defines its events (and of the contacts only the
        # deceased): on 10,000 women the rest would be most of the time spent.
        names = table.column_names if participant_id is not None else _EVENT_COLUMNS[name]
        columns = [sql.c[c] for c in names]
        if table.key is None:
            columns.append(sql.c[ROW_ID])
        statement = _narrow(select(*columns).select_from(joined), actor, site)
        if participant_id is not None:
            statement = statement.where(participants.c.participant_id == participant_id)
        elif name == "contacts":
            statement = statement.where(sql.c.vital_status == "deceased")
        raw = _frame(connection, statement, [c.key for c in columns])
        typed = coerce(table, raw)
        if table.key is None:
            typed[ROW_ID] = raw[ROW_ID].astype("Int64")
        frames[name] = typed
    statement = _narrow(select(participants.c.participant_id, participants.c.site), actor, site)
    if participant_id is not None:
        statement = statement.where(participants.c.participant_id == participant_id)
    women = _frame(connection, statement, ["participant_id", "site"])
    return frames, women.set_index("participant_id")["site"]


def _judgments_of(connection: Connection, women: pd.Index) -> pd.DataFrame:
    """The judgments of ``women`` (every stage and recorded value)."""
    names = list(JUDGMENTS.column_names)
    statement = select(*[judgments.c[c] for c in names])
    if len(women) <= 1:  # one woman's page, or none: a plain equality
        statement = statement.where(judgments.c.participant_id.in_(list(women)))
        raw = _frame(connection, statement, names)
    else:  # a site's queue: read all and keep the site's in pandas (no huge IN list)
        raw = _frame(connection, statement, names)
        raw = raw[raw["participant_id"].isin(women)]
    out = raw.astype(object).where(raw.notna(), None)
    out["corrected_value"] = out["corrected_value"].fillna("")
    return out.reset_index(drop=True)


def _blind(status: pd.DataFrame, actor: User) -> pd.DataFrame:
    """``status`` as ``actor`` may see it: her own judgment as ``my_verdict``/``my_value``;
    the reviewers' judgments only once both are in (always, for admins)."""
    out = status.copy()
    mine_1 = (out["reviewer_1"] == actor.username).to_numpy()
    mine_2 = (out["reviewer_2"] == actor.username).to_numpy()
    out["my_verdict"] = out["verdict_1"].where(mine_1, out["verdict_2"].where(mine_2))
    out["my_value"] = out["value_1"].where(mine_1, out["value_2"].where(mine_2))
    out["judged_by_me"] = mine_1 | mine_2
    if actor.role != "admin":
        hidden = out["status"].isin(OPEN).to_numpy()
        for n in ("1", "2"):
            for column in _OTHERS:
                out[f"{column}_{n}"] = out[f"{column}_{n}"].astype(object).where(~hidden, None)
    return out


def _status(
    connection: Connection, actor: User, site: str | None, participant_id: str | None = None
) -> pd.DataFrame:
    frames, sites = _site_rows(connection, actor, site, participant_id)
    events = reported_events(frames)
    status = review_status(events, _judgments_of(connection, sites.index))
    status.insert(3, "site", sites.reindex(status["participant_id"]).to_numpy())
    return status


def judged_events(
    connection: Connection, actor: User, participant_id: str
) -> frozenset[tuple[str, str]]:
    """Her events (``event_type``, ``event_key``) whose judgments ``actor`` may see: both
    reviewers have judged (settled, disputed or decided). Every judgment of any other event
    stays blinded to all but its own reviewer and admins — an event still open, and one
    that exists no more: a condition's key holds its condition and date, so correcting
    either makes it a new event, judged afresh, and the judgments of its old key must not
    show the second reviewer what the first one thought of it."""
    status = _status(connection, actor, None, participant_id)
    both = status[~status["status"].isin(OPEN)]
    return frozenset(zip(both["event_type"], both["event_key"], strict=True))


def is_adjudicator(connection: Connection, actor: User) -> bool:
    """Whether ``actor`` may decide disputed events: an admin, or a designated reviewer."""
    if actor.role == "admin":
        return True
    if actor.role != "reviewer":
        return False
    found = connection.execute(
        select(adjudicators.c.user_id).where(adjudicators.c.user_id == actor.id)
    )
    return found.first() is not None


def review_queue(
    connection: Connection,
    actor: User,
    *,
    site: str | None = None,
    status: str | None = None,
    event_type: str | None = None,
    mine: bool = False,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The events of the actor's sites with where their review stands, and counts.

    ``mine`` keeps the events waiting for the actor's own judgment (open, not judged by her
    yet). The counts — one per status, ``all``, and ``mine`` (waiting for her) — are before
    the filters. Rows are sorted by status, then the event's date (oldest first). Another
    reviewer's judgment is blank until both have judged (see the module docstring).

    Raises
    ------
    PermissionDenied
        Coordinators and analysts.
    ValueError
        Unknown status or event type.
    """
    _require_judge_reader(actor)
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}: one of {', '.join(EVENT_TYPES)}")
    if site is not None and not actor.can_see_site(site):
        site = ""  # a site she may not see is one without events (site is never empty)
    frame = _blind(_status(connection, actor, site), actor)
    waiting = (frame["status"].isin(OPEN) & ~frame["judged_by_me"]).to_numpy(copy=True)
    waiting &= actor.role == "reviewer"
    counts = {
        s: int(n) for s, n in frame["status"].value_counts().reindex(STATUSES, fill_value=0).items()
    }
    counts["all"] = len(frame)
    counts["mine"] = int(waiting.sum())
    keep = pd.Series(True, index=frame.index)
    if status is not None:
        keep &= frame["status"] == status
    if event_type is not None:
        keep &= frame["event_type"] == event_type
    if mine:
        keep &= waiting
    frame = frame[keep.to_numpy()].sort_values(
        ["status", "event_date", "event_type", "event_key"], kind="stable", na_position="last"
    )
    return frame.reset_index(drop=True), counts


def disputes(connection: Connection, actor: User, *, site: str | None = None) -> pd.DataFrame:
    """The disputed events the actor may decide: both reviews with their reasons.

    Raises
    ------
    PermissionDenied
        The actor is not an adjudicator.
    """
    if not is_adjudicator(connection, actor):
        raise PermissionDenied("only an admin or a designated adjudicator decides disputes")
    frame, _ = review_queue(connection, actor, site=site, status="disputed")
    frame = frame[(frame["reviewer_1"] != actor.username) & (frame["reviewer_2"] != actor.username)]
    return frame.reset_index(drop=True)


# -- one event ----------------------------------------------------------------------------


def owner_of(connection: Connection, event_type: str, event_key: str) -> str:
    """The participant_id of the woman an event belongs to (NotFound if none)."""
    if event_type not in EVENT_TYPES:
        raise NotFound(f"there is no event type {event_type!r}")
    head = event_key.split(KEY_SEPARATOR, 1)[0]
    found: str | None
    if event_type in ("condition", "death"):
        found = head
    elif event_type == "pregnancy":
        p = WORKBOOK_TABLES["pregnancies"]
        found = connection.execute(
            select(p.c.participant_id).where(p.c.pregnancy_id == head)
        ).scalar()
    else:  # infant, infant_condition: the infant's pregnancy's woman
        i, p = WORKBOOK_TABLES["infants"], WORKBOOK_TABLES["pregnancies"]
        found = connection.execute(
            select(p.c.participant_id)
            .select_from(i.join(p, i.c.pregnancy_id == p.c.pregnancy_id))
            .where(i.c.infant_id == head)
        ).scalar()
    if not found:
        raise NotFound(f"there is no {event_type} {event_key}")
    return found


@dataclass(frozen=True)
class EventPage:
    """One event as a reviewer sees it.

    ``event`` is its row of the queue (blinded); ``rows`` the registry rows that report it
    (with their notes); ``entered`` the audit entries of those rows (who entered or changed
    them, when, how); ``contacts`` the woman's follow-up contacts; ``others`` her other
    events with their status; ``judgments`` every judgment of the event the actor may see,
    newest first (those of earlier recorded values too, marked ``current`` False);
    ``can_judge`` and ``can_decide`` what the actor may do now.
    """

    event: dict[str, Any]
    rows: pd.DataFrame
    entered: pd.DataFrame
    contacts: pd.DataFrame
    others: pd.DataFrame
    judgments: pd.DataFrame
    can_judge: bool
    can_decide: bool
    vocabulary: tuple[str, ...]


def _source_rows(frames: dict[str, pd.DataFrame], event: dict[str, Any]) -> pd.DataFrame:
    kind, key, pid = event["event_type"], event["event_key"], event["participant_id"]
    table = frames[EVENT_TABLES[kind]]
    if kind in ("condition", "infant_condition"):
        from follicle.workbook.events import condition_keys

        owner = "participant_id" if kind == "condition" else "infant_id"
        return table[(condition_keys(table, owner) == key).to_numpy()]
    if kind == "death":
        return table[(table["participant_id"] == pid) & (table["vital_status"] == "deceased")]
    column = "pregnancy_id" if kind == "pregnancy" else "infant_id"
    return table[table[column] == key]


def event_page(connection: Connection, actor: User, event_type: str, event_key: str) -> EventPage:
    """One event with its source, the woman's other events, and the judgments ``actor`` may
    see (NotFound for an unknown event or a site she may not see)."""
    _require_judge_reader(actor)
    pid = owner_of(connection, event_type, event_key)
    frames, sites = _site_rows(connection, actor, None, pid)
    if pid not in sites.index:
        raise NotFound(f"there is no {event_type} {event_key} that you may see")
    events = reported_events(frames)
    every = _judgments_of(connection, sites.index)
    status = _blind(review_status(events, every), actor)
    status.insert(3, "site", sites.reindex(status["participant_id"]).to_numpy())
    hit = (status["event_type"] == event_type) & (status["event_key"] == event_key)
    if not hit.any():
        raise NotFound(f"there is no {event_type} {event_key} that you may see")
    event = status[hit.to_numpy()].iloc[0].to_dict()
    rows = _source_rows(frames, event)
    table = EVENT_TABLES[event_type]
    row_keys = (
        rows[ROW_ID].astype(str) if ROW_ID in rows else rows[TABLES_BY_NAME[table].key].astype(str)
    )
    record_keys = [f"{pid}/{k}" for k in row_keys]
    entered = _frame(
        connection,
        select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.reason)
        .where(
            ((audit_log.c.table_name == table) & audit_log.c.record_key.in_(record_keys))
            | (
                # An import writes one entry per woman, under participants.
                (audit_log.c.table_name == "participants")
                & (audit_log.c.record_key == pid)
                & audit_log.c.action.like("import%")
            )
        )
        .order_by(audit_log.c.id),
        ["at", "actor", "action", "reason"],
    )
    mine = every[(every["event_type"] == event_type) & (every["event_key"] == event_key)].copy()
    mine["current"] = mine["recorded_value"] == event["recorded_value"]
    both_in = event["status"] not in OPEN
    if actor.role != "admin" and not both_in:
        # Even the judgments of an earlier value would hint at the other reviewer's view:
        # until both have judged, she sees her own only.
        mine = mine[mine["reviewer"] == actor.username]
    mine = mine.sort_values(["judged_on", "judgment_id"], ascending=False, kind="stable")
    can_judge = (
        actor.role == "reviewer" and event["status"] in OPEN and not bool(event["judged_by_me"])
    )
    can_decide = (
        event["status"] == "disputed"
        and is_adjudicator(connection, actor)
        and actor.username not in (event["reviewer_1"], event["reviewer_2"])
    )
    others = status[~hit.to_numpy()][
        ["event_type", "event_key", "recorded_value", "event_date", "status"]
    ]
    contacts = frames["contacts"].sort_values("contact_date", kind="stable")
    return EventPage(
        event=event,
        rows=rows,
        entered=entered,
        contacts=contacts,
        others=others.reset_index(drop=True),
        judgments=mine.reset_index(drop=True),
        can_judge=can_judge,
        can_decide=can_decide,
        vocabulary=RECLASSIFY_VOCABULARY.get(event_type, ()),
    )


@dataclass(frozen=True)
class RowReview:
    """Where the review of the event one of her rows reports stands (:func:`row_review`).

    ``judgments`` counts the reviews and decisions of the event's current recorded value;
    ``defining`` is :data:`~follicle.workbook.events.DEFINING_COLUMNS` of its type.
    """

    event_type: str
    status: str
    judgments: int
    defining: tuple[str, ...]


def row_review(
    connection: Connection,
    participant_id: str,
    frames: Mapping[str, pd.DataFrame],
    table: str,
    row: Any,
) -> RowReview | None:
    """The review of the event reported by row ``row`` (an index label) of her ``table``,
    once it has begun; ``None`` when the row reports no event or none of its current value
    is judged yet.

    For her record page: before the row is changed or deleted, the coordinator is told
    that the review starts again. ``frames`` are her rows (:func:`records.participant`);
    the caller has checked that the actor may see her. Only the status and the count are
    returned: who judged what stays on the review pages, blind as they are.
    """
    kinds = [kind for kind, name in EVENT_TABLES.items() if name == table]
    if not kinds or row not in frames[table].index:
        return None
    reported = reported_events({**frames, table: frames[table].loc[[row]]})
    reported = reported[reported["event_type"].isin(kinds)]
    if reported.empty:
        return None
    kind, key = reported["event_type"].iloc[0], reported["event_key"].iloc[0]
    every = _judgments_of(connection, pd.Index([participant_id]))
    if every.empty:
        return None
    status = review_status(reported_events(frames), every)
    event = status[(status["event_type"] == kind) & (status["event_key"] == key)]
    if event.empty or event["status"].iloc[0] == "to_review":
        return None
    current = (
        (every["event_type"] == kind)
        & (every["event_key"] == key)
        & (every["recorded_value"] == event["recorded_value"].iloc[0])
    )
    return RowReview(
        event_type=kind,
        status=str(event["status"].iloc[0]),
        judgments=int(current.sum()),
        defining=DEFINING_COLUMNS[kind],
    )


# -- writing ------------------------------------------------------------------------------


def _check(
    event_type: str, recorded: str, verdict: str, corrected: str, reason: str, *, decision: bool
) -> None:
    """Refuse a verdict that cannot be recorded as given, saying what to change."""
    if verdict not in VERDICTS:
        raise InvalidJudgment(
            f"the verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}", "verdict"
        )
    if verdict == "reclassify":
        words = RECLASSIFY_VOCABULARY.get(event_type)
        if words is None:
            raise InvalidJudgment(
                f"an event of type {event_type.replace('_', ' ')} can be confirmed or rejected, "
                "not reclassified",
                "verdict",
            )
        if corrected not in words:
            raise InvalidJudgment(
                f"reclassify needs the corrected value, one of {', '.join(words)}"
                + (f" (not {corrected!r})" if corrected else ""),
                "corrected_value",
            )
        if corrected == recorded:
            raise InvalidJudgment(
                f"the corrected value is the recorded one ({recorded}): confirm the event instead",
                "corrected_value",
            )
    elif corrected:
        raise InvalidJudgment("a corrected value goes with reclassify only", "corrected_value")
    if (decision or verdict != "confirm") and not reason.strip():
        what = "a decision" if decision else f"{verdict}"
        raise InvalidJudgment(f"{what} needs a reason", "reason")


def _next_id(connection: Connection) -> str:
    """The next ``J<n>`` judgment ID (called under the registry's write lock)."""
    taken = connection.execute(
        select(judgments.c.judgment_id).where(func.substr(judgments.c.judgment_id, 1, 1) == "J")
    ).scalars()
    numbers = [int(k[1:]) for k in taken if re.fullmatch(r"J\d+", k)]
    return f"J{max(numbers, default=0) + 1:06d}"


def _record(
    connection: Connection,
    actor: User,
    event: dict[str, Any],
    *,
    stage: str,
    verdict: str,
    corrected: str,
    reason: str,
    today: date,
) -> str:
    judgment_id = _next_id(connection)
    row = {
        "judgment_id": judgment_id,
        "participant_id": event["participant_id"],
        "event_type": event["event_type"],
        "event_key": event["event_key"],
        "recorded_value": event["recorded_value"],
        "stage": stage,
        "reviewer": actor.username,
        "verdict": verdict,
        "corrected_value": corrected or None,
        "reason": reason.strip() or None,
        "judged_on": today,
        "version": 1,
    }
    connection.execute(insert(judgments), row)
    append_entry(
        connection,
        actor=actor.username,
        action="review" if stage == "review" else "decide",
        table_name="judgments",
        record_key=f"{event['participant_id']}/{judgment_id}",
        after=row_json(row),
        reason=reason.strip() or None,
    )
    return judgment_id


def _current(
    connection: Connection, actor: User, event_type: str, event_key: str, recorded: str
) -> dict[str, Any]:
    """The event's status as it stands (unblinded: for the checks), after the write lock."""
    lock_chain(connection)  # one writer at a time: no third review slips in between
    pid = owner_of(connection, event_type, event_key)
    frames, sites = _site_rows(connection, actor, None, pid)
    if pid not in sites.index:
        raise NotFound(f"there is no {event_type} {event_key} that you may see")
    events = reported_events(frames)
    status = review_status(events, _judgments_of(connection, sites.index))
    hit = status[(status["event_type"] == event_type) & (status["event_key"] == event_key)]
    if not len(hit):
        raise NotFound(f"there is no {event_type} {event_key} (it was changed or deleted)")
    event = hit.iloc[0].to_dict()
    if event["recorded_value"] != recorded:
        raise Conflict(
            f"this {event_type.replace('_', ' ')} was changed since you opened it: it now reads "
            f"{event['recorded_value']!r}, not {recorded!r}. Nothing was saved; reload it."
        )
    return event


def judge(
    connection: Connection,
    actor: User,
    *,
    event_type: str,
    event_key: str,
    recorded_value: str,
    verdict: str,
    corrected_value: str = "",
    reason: str = "",
    today: date | None = None,
) -> Judged:
    """Record a reviewer's independent judgment of an event; audited.

    ``recorded_value`` is the value she saw: if the event changed meanwhile, nothing is
    saved (:class:`~follicle.errors.Conflict`).

    Raises
    ------
    PermissionDenied
        She is not a reviewer.
    NotFound
        No such event, or not at her sites.
    Conflict
        The event changed, she judged it already, or two reviewers have.
    InvalidJudgment
        A reclassify without a valid corrected value, or a reclassify/reject without reason.
    """
    if actor.role != "reviewer":
        raise PermissionDenied("only reviewers judge events")
    _check(event_type, recorded_value, verdict, corrected_value.strip(), reason, decision=False)
    event = _current(connection, actor, event_type, event_key, recorded_value)
    if actor.username in (event["reviewer_1"], event["reviewer_2"]):
        raise Conflict("you have judged this event already; nothing was saved")
    if event["status"] not in OPEN:
        raise Conflict("two reviewers have judged this event already; nothing was saved")
    judgment_id = _record(
        connection,
        actor,
        event,
        stage="review",
        verdict=verdict,
        corrected=corrected_value.strip(),
        reason=reason,
        today=today or datetime.now(UTC).date(),
    )
    return Judged(judgment_id, _status_after(connection, actor, event_type, event_key))


def decide(
    connection: Connection,
    actor: User,
    *,
    event_type: str,
    event_key: str,
    recorded_value: str,
    verdict: str,
    corrected_value: str = "",
    reason: str = "",
    today: date | None = None,
) -> Judged:
    """Record the adjudicator's final decision on a disputed event; audited.

    Raises
    ------
    PermissionDenied
        She is not an admin or designated adjudicator, or she was one of its reviewers.
    NotFound
        No such event, or not at her sites.
    Conflict
        The event changed, or it is not disputed (not yet judged twice, agreed, or decided).
    InvalidJudgment
        No reason, or a reclassify without a valid corrected value.
    """
    if not is_adjudicator(connection, actor):
        raise PermissionDenied("only an admin or a designated adjudicator decides disputes")
    _check(event_type, recorded_value, verdict, corrected_value.strip(), reason, decision=True)
    event = _current(connection, actor, event_type, event_key, recorded_value)
    if actor.username in (event["reviewer_1"], event["reviewer_2"]):
        raise PermissionDenied("you reviewed this event: another adjudicator must decide it")
    if event["status"] != "disputed":
        raise Conflict(
            f"this event is {event['status'].replace('_', ' ')}, not disputed: there is nothing "
            "to decide; nothing was saved"
        )
    judgment_id = _record(
        connection,
        actor,
        event,
        stage="decision",
        verdict=verdict,
        corrected=corrected_value.strip(),
        reason=reason,
        today=today or datetime.now(UTC).date(),
    )
    return Judged(judgment_id, "decided")


def _status_after(connection: Connection, actor: User, event_type: str, event_key: str) -> str:
    pid = owner_of(connection, event_type, event_key)
    frames, sites = _site_rows(connection, actor, None, pid)
    status = review_status(reported_events(frames), _judgments_of(connection, sites.index))
    hit = status[(status["event_type"] == event_type) & (status["event_key"] == event_key)]
    return str(hit["status"].iloc[0])


def set_adjudicator(
    connection: Connection, username: str, designated: bool, actor: str = "cli"
) -> None:
    """Designate a reviewer as adjudicator (or withdraw it); audited.

    Raises
    ------
    NotFound
        No such user.
    Conflict
        She is not a reviewer (admins adjudicate anyway; others may not).
    """
    found = connection.execute(
        select(users.c.id, users.c.role).where(users.c.username == username)
    ).first()
    if found is None:
        raise NotFound(f"there is no user {username}")
    if found.role != "reviewer":
        raise Conflict(
            f"{username} is {'an' if found.role[0] in 'aeiou' else 'a'} {found.role}: only a "
            "reviewer can be designated adjudicator "
            "(admins decide disputes anyway)"
        )
    is_now = connection.execute(
        select(adjudicators.c.user_id).where(adjudicators.c.user_id == found.id)
    ).first()
    if designated == (is_now is not None):
        return
    if designated:
        connection.execute(
            insert(adjudicators), {"user_id": found.id, "designated_at": datetime.now(UTC)}
        )
    else:
        connection.execute(delete(adjudicators).where(adjudicators.c.user_id == found.id))
    append_entry(
        connection,
        actor=actor,
        action="designate adjudicator" if designated else "withdraw adjudicator",
        table_name="adjudicators",
        record_key=username,
    )


def all_judgments(connection: Connection) -> pd.DataFrame:
    """Every judgment of the registry, as the workbook's ``judgments`` table (typed)."""
    names = list(JUDGMENTS.column_names)
    raw = _frame(connection, select(*[judgments.c[c] for c in names]), names)
    return coerce(JUDGMENTS, raw).sort_values("judgment_id", kind="stable").reset_index(drop=True)


__all__ = [
    "EVENT_COLUMNS",
    "FINAL",
    "EventPage",
    "InvalidJudgment",
    "Judged",
    "all_judgments",
    "decide",
    "disputes",
    "event_page",
    "is_adjudicator",
    "judge",
    "owner_of",
    "review_queue",
    "set_adjudicator",
]
