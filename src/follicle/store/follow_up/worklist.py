"""The coordinators' worklist: the schedule's milestones of a user's sites, a page at a time.

:func:`worklist_page` opens on **today's calls** (milestones due or overdue whose window is
still open, :data:`~follicle.store.follow_up.schedule.CALLS`), the window closing soonest
first, with the count of every status at the user's sites; any status, sort and page can be
asked for.
Each row carries the woman's ``site`` and ``last_contact`` (her latest contact of any kind);
:func:`identities` adds name and phone for the page's women, to the roles that may see them.

**Kept milestones.** Computing the schedule means reading every injection and contact (about
three seconds for 100,000 women); the web application keeps the result in a
:class:`ScheduleCache`. Every change to the registry's rows is audited, so the newest audit
entry's number tells whether anything changed: when it moved, the entries since name the
women whose participants, injections or contacts changed, and only their milestones are
computed again (a whole new computation after a large change or a new day). A request then
costs one ``max(id)`` query, a filter of the kept frame and a sort of what passed it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from follicle.errors import PermissionDenied
from follicle.store.access.accounts import User
from follicle.store.follow_up.schedule import CALLS, COLUMNS, STATUSES, milestones
from follicle.store.tables import WORKBOOK_TABLES, audit_log, participant_identity

#: The tables whose rows the schedule reads (a change elsewhere leaves it as it was).
SCHEDULE_TABLES = ("participants", "injections", "contacts")

#: More changed women than this since the last request: compute everything again.
MAX_CHANGED_WOMEN = 2_000


def _read(
    connection: Connection,
    actor: User | None,
    site: str | None,
    only: list[str] | None = None,
) -> tuple[pd.DataFrame, ...]:
    """The sites, injections and contacts of the women of the actor's sites (every site
    for ``None``; only the women ``only`` when given), one query each."""
    p = WORKBOOK_TABLES["participants"]
    inj = WORKBOOK_TABLES["injections"]
    con = WORKBOOK_TABLES["contacts"]

    def narrowed(statement: Any) -> Any:
        if actor is not None and actor.role != "admin":
            statement = statement.where(p.c.site.in_(sorted(actor.sites)))
        if site is not None:
            statement = statement.where(p.c.site == site)
        if only is not None:
            statement = statement.where(p.c.participant_id.in_(only))
        return statement

    def frame(statement: Any, columns: list[str]) -> pd.DataFrame:
        rows = [tuple(r) for r in connection.execute(statement)]
        return pd.DataFrame(rows, columns=columns)

    women = frame(narrowed(select(p.c.participant_id, p.c.site)), ["participant_id", "site"])
    injections = frame(
        narrowed(
            select(inj.c.participant_id, inj.c.injection_date).join(
                p, p.c.participant_id == inj.c.participant_id
            )
        ),
        ["participant_id", "injection_date"],
    )
    contacts = frame(
        narrowed(
            select(
                con.c.participant_id, con.c.contact_date, con.c.milestone, con.c.vital_status
            ).join(p, p.c.participant_id == con.c.participant_id)
        ),
        ["participant_id", "contact_date", "milestone", "vital_status"],
    )
    return women, injections, contacts


def _registry_milestones(
    connection: Connection,
    actor: User | None,
    site: str | None,
    today: date,
    women: list[str] | None = None,
) -> pd.DataFrame:
    """:func:`milestones` of the actor's women (everyone's for ``None``; only ``women``
    when given) with their ``site`` and ``last_contact`` (her latest contact, ``NaT`` if
    none)."""
    sites_of, injections, contacts = _read(connection, actor, site, women)
    frame = milestones(injections, contacts, today=today)
    sites = sites_of.set_index("participant_id")["site"].astype(object)
    frame.insert(1, "site", pd.Categorical(sites.reindex(frame["participant_id"]).to_numpy()))
    dated = contacts.dropna(subset=["participant_id", "contact_date"])
    last = pd.to_datetime(dated["contact_date"]).groupby(dated["participant_id"]).max()
    frame["last_contact"] = (
        last.reindex(frame["participant_id"].astype(object)).to_numpy(dtype="datetime64[ns]")
        if len(last)
        else np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    )
    return frame


def _change_stamp(connection: Connection) -> int:
    """The newest audit entry's number: every change to the registry's rows is audited,
    so the registry has not changed while this stays the same."""
    return int(connection.execute(select(func.max(audit_log.c.id))).scalar() or 0)


def _changed_women(connection: Connection, after: int, upto: int) -> list[str] | None:
    """The women whose schedule rows changed in the audit entries ``after`` < id ≤ ``upto``
    (``None``: too many to patch, compute everything again)."""
    # The range of ids alone, so that the primary key answers (a filter on table_name
    # could lead SQLite to the (table_name, record_key) index and every entry of a table).
    rows = connection.execute(
        select(audit_log.c.table_name, audit_log.c.record_key)
        .where(audit_log.c.id > after, audit_log.c.id <= upto)
        .limit(MAX_CHANGED_WOMEN + 1)
    ).all()
    if len(rows) > MAX_CHANGED_WOMEN:
        return None
    # A participants entry is keyed by her ID, the others by "<her ID>/<row key>".
    women = {
        key if table == "participants" else key.rpartition("/")[0]
        for table, key in rows
        if key and table in SCHEDULE_TABLES
    }
    return sorted(women)


def _milestone_rank(code: str) -> tuple[int, int, str]:
    """Schedule order of a milestone code: the injections' (``inj2-6m``) by injection and
    kind, then the yearly ones (``yearly-3``) by year."""
    kind, _, number = code.partition("-")
    if kind == "yearly":
        return (1, int(number), "")
    order = {"3m": "a", "6m": "b", "12m": "c"}
    return (0, int(kind.removeprefix("inj")), order.get(number, number))


def _joined(old: pd.Series, new: pd.Series, name: str) -> pd.Categorical:
    """The categorical ``old`` followed by the values of ``new``, on ``old``'s categories
    plus any new ones (in the order :func:`_order` relies on). Works on the codes: a patch
    costs a pass over the kept rows, not a sort of them."""
    categories = old.cat.categories
    values = np.asarray(new.astype(object), dtype=object)
    known = pd.notna(values)
    extra = pd.Index(pd.unique(values[known])).difference(categories)
    old_codes = old.cat.codes.to_numpy()
    if len(extra):
        union = [*categories, *extra]
        if name == "milestone":
            union.sort(key=_milestone_rank)
        elif name in ("participant_id", "site"):
            union.sort()
        widened = pd.Index(union)
        moved = widened.get_indexer(categories)
        old_codes = np.where(old_codes < 0, -1, moved[old_codes])
        categories = widened
    new_codes = np.where(known, categories.get_indexer(values), -1)
    return pd.Categorical.from_codes(np.concatenate([old_codes, new_codes]), categories=categories)


def _patched(kept: pd.DataFrame, women: list[str], fresh: pd.DataFrame) -> pd.DataFrame:
    """``kept`` with the rows of ``women`` replaced by ``fresh`` (their new milestones)."""
    woman_codes = kept["participant_id"].cat.categories.get_indexer(women)
    keep = ~np.isin(kept["participant_id"].cat.codes.to_numpy(), woman_codes[woman_codes >= 0])
    rest = kept[keep]
    columns: dict[str, Any] = {}
    for name in kept.columns:
        old, new = rest[name], fresh[name]
        if isinstance(old.dtype, pd.CategoricalDtype):
            columns[name] = _joined(old, new, name)
        else:
            columns[name] = pd.concat([old, new], ignore_index=True)
    return pd.DataFrame(columns)


class ScheduleCache:
    """Every site's milestones for one day, kept until the registry changes.

    See the module docstring. Its sorted orders are kept beside it, one per sort column
    asked for, until it changes. Thread-safe (the application answers on a thread pool).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp = -1
        self._day: date | None = None
        self._frame = pd.DataFrame()
        self._orders: dict[str, np.ndarray] = {}

    def frame(self, connection: Connection, today: date) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The registry's milestones on ``today`` and the cache of their sorted orders."""
        stamp = _change_stamp(connection)
        with self._lock:
            if self._day != today or stamp < self._stamp or self._stamp < 0:
                self._frame = _registry_milestones(connection, None, None, today)
                self._orders = {}
            elif stamp > self._stamp:
                women = _changed_women(connection, self._stamp, stamp)
                if women is None:
                    self._frame = _registry_milestones(connection, None, None, today)
                    self._orders = {}
                elif women:
                    fresh = _registry_milestones(connection, None, None, today, women)
                    self._frame = _patched(self._frame, women, fresh)
                    self._orders = {}
            self._stamp, self._day = stamp, today
            return self._frame, self._orders

    def clear(self) -> None:
        """Forget the kept frame (the next request computes it again)."""
        with self._lock:
            self._stamp, self._day, self._frame, self._orders = -1, None, pd.DataFrame(), {}


#: What the worklist can be sorted by.
SORTS = ("window_end", "due_date", "participant_id", "site", "milestone", "status", "last_contact")

#: The ``status`` filter of the worklist: a status, or ``calls`` (due and overdue).
FILTERS = (*STATUSES, "calls")


@dataclass(frozen=True)
class WorklistPage:
    """One page of the worklist.

    Attributes
    ----------
    rows
        The page's milestones: :data:`COLUMNS`, ``site`` and ``last_contact``.
    counts
        Milestones per status at the user's (chosen) sites, before the status filter, with
        ``calls`` (due + overdue) and ``all``.
    total
        Milestones that pass the filter (over all pages).
    page, pages
        This page's number (from 1) and how many there are (at least 1).
    """

    rows: pd.DataFrame
    counts: dict[str, int]
    total: int
    page: int
    pages: int


def _order(frame: pd.DataFrame, sort: str) -> np.ndarray:
    """Positions of ``frame`` sorted by ``sort``, then study ID, then due date.

    Categorical columns sort by their categories' order: study IDs and sites are sorted
    categories, milestones are in schedule order and statuses in :data:`STATUSES` order.
    Dates sort as integers (unknown first).
    """

    def key(column: str) -> np.ndarray:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return values.cat.codes.to_numpy()
        return values.to_numpy(dtype="datetime64[ns]").astype(np.int64)

    keys = [key("due_date"), key("participant_id")]
    if sort != "participant_id":
        keys.append(key(sort))
    return np.lexsort(keys)  # the last key is the primary one


def worklist_page(
    connection: Connection,
    actor: User,
    *,
    today: date,
    site: str | None = None,
    status: str | None = "calls",
    sort: str = "window_end",
    descending: bool = False,
    page: int = 1,
    per_page: int | None = 50,
    cache: ScheduleCache | None = None,
) -> WorklistPage:
    """One page of the milestones of the women of the actor's sites.

    Parameters
    ----------
    site
        Narrow to one site (of hers; another site gives an empty page).
    status
        One of :data:`FILTERS` (default ``calls``: due or overdue, today's calls), or
        ``None`` for every milestone.
    sort, descending
        One of :data:`SORTS` (default: the window closing soonest first); ties by study ID
        and due date.
    page, per_page
        The page (from 1; past the last gives the last) of ``per_page`` rows (``None``:
        one page of everything).
    cache
        The application's :class:`ScheduleCache`; without one the actor's women are read.

    Raises
    ------
    PermissionDenied
        Analysts (who see reports only).
    ValueError
        Unknown status or sort column.
    """
    if actor.role == "analyst":
        raise PermissionDenied("analysts see reports and de-identified exports only")
    if status is not None and status not in FILTERS:
        raise ValueError(f"unknown status {status!r}: one of {', '.join(FILTERS)}")
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}: one of {', '.join(SORTS)}")
    empty_counts = {**dict.fromkeys(STATUSES, 0), "calls": 0, "all": 0}
    if site is not None and not actor.can_see_site(site):
        return WorklistPage(_empty(), empty_counts, 0, 1, 1)
    orders: dict[str, Any] = {}
    if cache is not None:
        frame, orders = cache.frame(connection, today)
        if frame.empty:
            return WorklistPage(_empty(), empty_counts, 0, 1, 1)
        mine = np.ones(len(frame), dtype=bool)
        if actor.role != "admin":
            mine &= frame["site"].isin(sorted(actor.sites)).to_numpy()
        if site is not None:
            mine &= (frame["site"] == site).to_numpy()
    else:
        frame = _registry_milestones(connection, actor, site, today)
        mine = np.ones(len(frame), dtype=bool)
    status_codes = frame["status"].cat.codes.to_numpy() if len(frame) else np.array([], int)
    per_status = np.bincount(status_codes[mine], minlength=len(STATUSES))
    counts = {s: int(n) for s, n in zip(STATUSES, per_status, strict=True)}
    counts["calls"] = sum(counts[s] for s in CALLS)
    counts["all"] = int(mine.sum())
    if status == "calls":
        mine &= np.isin(status_codes, [STATUSES.index(s) for s in CALLS])
    elif status is not None:
        mine &= status_codes == STATUSES.index(status)
    if sort in orders or mine.sum() * 4 > len(frame):
        # A large part of the frame: sort it all once and keep the order.
        if sort not in orders:
            orders[sort] = _order(frame, sort)
        order = orders[sort]
        positions = order[mine[order]]
    else:
        chosen = np.flatnonzero(mine)
        positions = chosen[_order(frame.take(chosen), sort)]
    if descending:
        positions = positions[::-1]
    total = len(positions)
    size = per_page or max(total, 1)
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    chosen = positions[(page - 1) * size : page * size]
    rows = frame.take(chosen).reset_index(drop=True)
    return WorklistPage(rows, counts, total, page, pages)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=[*COLUMNS[:1], "site", *COLUMNS[1:], "last_contact"])


def identities(
    connection: Connection, actor: User, participant_ids: list[str]
) -> dict[str, tuple[str, str]]:
    """Name and phone of each of these women, for the roles that may see them (others get
    an empty mapping), at the actor's sites only: a woman of another site is left out, as
    if she had none. One query; the caller passes a page's worth of IDs."""
    if not actor.sees_identity or not participant_ids:
        return {}
    p = WORKBOOK_TABLES["participants"]
    statement = (
        select(
            participant_identity.c.participant_id,
            participant_identity.c.full_name,
            participant_identity.c.phone,
        )
        .join(p, p.c.participant_id == participant_identity.c.participant_id)
        .where(participant_identity.c.participant_id.in_(sorted(set(participant_ids))))
    )
    if actor.role != "admin":
        # Checked here, not left to the caller: a page that names a woman before checking
        # her site (a form refused before the check) must not show another site's phone.
        statement = statement.where(p.c.site.in_(sorted(actor.sites)))
    rows = connection.execute(statement)
    return {r.participant_id: (r.full_name or "", r.phone or "") for r in rows}
