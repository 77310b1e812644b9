"""The follow-up schedule: which contacts are due when, and the coordinators' worklist.

**Milestones.** After each injection a woman is seen at 3, 6 and 12 months; after her last
injection, yearly (year 2, 3, … — year 1 is the 12-month contact of that injection). Due
dates count days from the injection (months are 30.4375 days, years 365.25, rounded to
whole days):

============  ===================  =============  ================================
milestone     due (days)           window         counts a contact recorded as
============  ===================  =============  ================================
3 months      injection + 91       −14 to +28 d   ``3m`` (or no milestone recorded)
6 months      injection + 183      −28 to +42 d   ``6m`` (or none)
12 months     injection + 365      −42 to +56 d   ``12m`` (or none)
year *k*      last injection +     −60 to +90 d   ``annual`` or ``final`` (or none)
              round(365.25 *k*)
============  ===================  =============  ================================

A milestone is **done** when the woman has a contact of its kind dated inside its window
(the earliest such contact is shown); otherwise, on ``today``, it is **upcoming** before
its window opens, **due** from the day it opens up to and including its due date,
**overdue** after the due date while the window is still open (the last day included) and
**missed** once the window has closed without a contact: a missed milestone can no longer
be done, so it is not a call to make (the next milestone is). Due and overdue together are
**today's calls**, the worklist's default view. Yearly milestones are listed up to and
including the first whose due date is after ``today`` (the next one to come). No milestone
falls due after a contact that recorded the woman as deceased.

Everything is computed at once for all injections and contacts (numpy day arithmetic and
one ``merge_asof`` per milestone kind): no loop over women. :func:`worklist` narrows to the
user's sites in SQL first.
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
from follicle.store.accounts import User
from follicle.store.tables import WORKBOOK_TABLES, audit_log, participant_identity


@dataclass(frozen=True)
class Window:
    """One kind of milestone: due ``due_days`` after its injection (per year for
    ``annual``), open from ``before`` days before to ``after`` days after the due date;
    ``counts`` are the contact milestones that fulfil it (empty = none recorded)."""

    kind: str
    due_days: int
    before: int
    after: int
    counts: tuple[str, ...]


#: The windows of the schedule (see the module docstring and docs/registry.md).
WINDOWS: dict[str, Window] = {
    "3m": Window("3m", 91, 14, 28, ("3m", "")),
    "6m": Window("6m", 183, 28, 42, ("6m", "")),
    "12m": Window("12m", 365, 42, 56, ("12m", "")),
    "annual": Window("annual", 365, 60, 90, ("annual", "final", "")),
}

#: Days in a year, for yearly due dates.
YEAR_DAYS = 365.25

#: The statuses of a milestone.
STATUSES = ("upcoming", "due", "overdue", "missed", "done")

#: The statuses of the calls to make today (the worklist's default view).
CALLS = ("due", "overdue")

#: The columns of :func:`milestones` (and of :func:`worklist`, which adds ``site``).
COLUMNS = (
    "participant_id",
    "milestone",
    "kind",
    "label",
    "injection",
    "due_date",
    "window_start",
    "window_end",
    "status",
    "contact_date",
)

_KINDS = ("3m", "6m", "12m", "annual")
_LABELS = {"3m": "3 months", "6m": "6 months", "12m": "12 months"}

#: Days are packed beside the woman's number in one sortable integer: woman << 20 | day.
_DAY_BITS = 20
_EPOCH = np.datetime64("1900-01-01", "D")


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as days since 1900-01-01 (int64; unknown dates are dropped by the caller)."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    return (days - _EPOCH).astype(np.int64)


def _slot_names(
    slots: np.ndarray, n_injection_slots: int
) -> tuple[list[str], list[str], list[str]]:
    """Code, kind and label of each milestone slot (slot = 3 × (injection − 1) + kind for
    the injections' milestones, ``n_injection_slots`` + year for the yearly ones)."""
    codes, kinds, labels = [], [], []
    for slot in slots.tolist():
        if slot < n_injection_slots:
            number, kind = slot // 3 + 1, _KINDS[slot % 3]
            codes.append(f"inj{number}-{kind}")
            kinds.append(kind)
            labels.append(f"{_LABELS[kind]} after injection {number}")
        else:
            year = slot - n_injection_slots
            codes.append(f"yearly-{year}")
            kinds.append("annual")
            labels.append(f"year {year} after the last injection")
    return codes, kinds, labels


def _first_contact_in_window(
    woman: np.ndarray,
    kind: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    contact_woman: np.ndarray,
    contact_day: np.ndarray,
    contact_kind: np.ndarray,
) -> np.ndarray:
    """Per milestone, the day of the earliest contact of a kind that counts inside its
    window, or −1: one ``searchsorted`` per kind over (woman, day) packed in one integer."""
    found = np.full(len(woman), -1, dtype=np.int64)
    for code, name in enumerate(_KINDS):
        rows = np.flatnonzero(kind == code)
        if not len(rows):
            continue
        counts = np.isin(contact_kind, WINDOWS[name].counts)
        keys = np.sort((contact_woman[counts] << _DAY_BITS) | contact_day[counts])
        if not len(keys):
            continue
        wanted = (woman[rows] << _DAY_BITS) | start[rows]
        at = np.minimum(np.searchsorted(keys, wanted, side="left"), len(keys) - 1)
        hit = keys[at]
        inside = ((hit >> _DAY_BITS) == woman[rows]) & (hit >= wanted)
        day = hit & ((1 << _DAY_BITS) - 1)
        inside &= day <= end[rows]
        found[rows[inside]] = day[inside]
    return found


def milestones(injections: pd.DataFrame, contacts: pd.DataFrame, *, today: date) -> pd.DataFrame:
    """Every milestone of every woman with its window and status on ``today``.

    Parameters
    ----------
    injections
        ``participant_id``, ``injection_date`` (one row per injection).
    contacts
        ``participant_id``, ``contact_date``, ``milestone`` and optionally ``vital_status``.
    today
        The day the statuses are for.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`: ``milestone`` is a code unique within the woman (``inj1-3m``,
        ``yearly-2``), ``kind`` the contacts' milestone word it needs (``3m``, ``6m``,
        ``12m``, ``annual``), ``label`` the words to show (these three and
        ``participant_id`` are categoricals); ``injection`` the injection's number (``<NA>``
        for yearly ones); dates are ``datetime64``; ``contact_date`` is the contact that
        fulfilled it (``NaT`` if none). Sorted by woman, due date and milestone.
    """
    now = int((np.datetime64(today, "D") - _EPOCH).astype(np.int64))
    injections = injections.dropna(subset=["participant_id", "injection_date"])
    woman_codes, women = pd.factorize(injections["participant_id"].astype("str"), sort=True)
    woman_codes = woman_codes.astype(np.int64)
    day = _day_numbers(injections["injection_date"])

    # Each woman's injections numbered by date (1, 2, …) and her last injection.
    order = np.lexsort((day, woman_codes))
    w_sorted, d_sorted = woman_codes[order], day[order]
    first_of_woman = np.r_[True, w_sorted[1:] != w_sorted[:-1]][: len(w_sorted)]
    starts = np.flatnonzero(first_of_woman)
    number = np.arange(len(w_sorted)) - np.repeat(starts, np.diff(np.r_[starts, len(w_sorted)]))
    last_day = d_sorted[np.r_[starts[1:] - 1, len(w_sorted) - 1]] if len(starts) else d_sorted

    # 3, 6 and 12 months after each injection.
    n_injection_slots = 3 * (int(number.max()) + 1 if len(number) else 0)
    kind_code = np.repeat(np.arange(3), len(w_sorted))
    m_woman = np.tile(w_sorted, 3)
    m_due = np.tile(d_sorted, 3) + np.array([WINDOWS[k].due_days for k in _KINDS[:3]])[kind_code]
    m_slot = np.tile(number, 3) * 3 + kind_code
    m_injection = np.tile(number + 1, 3)

    # Year 2, 3, … after the last injection, up to the first due after today.
    elapsed = now - last_day
    top = np.maximum(np.floor(elapsed / YEAR_DAYS).astype(np.int64) + 1, 2)
    top = np.where(np.round(top * YEAR_DAYS) <= elapsed, top + 1, top)
    per_woman = top - 1
    y_woman = np.repeat(np.arange(len(last_day), dtype=np.int64), per_woman)
    y_first = np.repeat(np.cumsum(per_woman) - per_woman, per_woman)
    year = np.arange(len(y_woman)) - y_first + 2
    y_due = last_day[y_woman] + np.round(year * YEAR_DAYS).astype(np.int64)

    woman = np.r_[m_woman, y_woman]
    due = np.r_[m_due, y_due]
    slot = np.r_[m_slot, n_injection_slots + year]
    kind = np.r_[kind_code, np.full(len(y_woman), 3)]
    injection = np.r_[m_injection, np.zeros(len(y_woman), dtype=np.int64)]

    contacts = contacts.dropna(subset=["participant_id", "contact_date"])
    c_woman = women.get_indexer(contacts["participant_id"].astype("str")).astype(np.int64)
    known = c_woman >= 0
    c_woman = c_woman[known]
    c_day = _day_numbers(contacts["contact_date"])[known]
    c_kind = contacts["milestone"].astype("string").fillna("").to_numpy(dtype=object)[known]

    if "vital_status" in contacts.columns:
        dead = (contacts["vital_status"].astype("string") == "deceased").fillna(False)
        dead = dead.to_numpy(dtype=bool)[known]
        death = np.full(len(women), np.iinfo(np.int64).max)
        np.minimum.at(death, c_woman[dead], c_day[dead])
        alive = due <= death[woman]
        woman, due, slot, kind, injection = (a[alive] for a in (woman, due, slot, kind, injection))

    before = np.array([WINDOWS[k].before for k in _KINDS])[kind]
    after = np.array([WINDOWS[k].after for k in _KINDS])[kind]
    start, end = due - before, due + after
    contact = _first_contact_in_window(woman, kind, start, end, c_woman, c_day, c_kind)
    status = np.select(
        [contact >= 0, start > now, due >= now, end >= now], [4, 0, 1, 2], default=3
    )  # indexes of STATUSES

    order = np.lexsort((slot, due, woman))
    woman, due, slot, kind, injection, start, end, contact, status = (
        a[order] for a in (woman, due, slot, kind, injection, start, end, contact, status)
    )
    slots, slot_index = np.unique(slot, return_inverse=True)
    codes, kinds, labels = _slot_names(slots, n_injection_slots)

    def dates(days: np.ndarray) -> np.ndarray:
        out = (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]")
        out[days < 0] = np.datetime64("NaT")
        return out

    return pd.DataFrame(
        {
            "participant_id": pd.Categorical.from_codes(woman, categories=women),
            "milestone": pd.Categorical.from_codes(slot_index, categories=pd.Index(codes)),
            "kind": pd.Categorical(np.array(kinds, dtype=object)[slot_index], categories=_KINDS),
            "label": pd.Categorical.from_codes(slot_index, categories=pd.Index(labels)),
            "injection": pd.arrays.IntegerArray(injection, injection == 0),
            "due_date": dates(due),
            "window_start": dates(start),
            "window_end": dates(end),
            "status": pd.Categorical.from_codes(status, categories=STATUSES),
            "contact_date": dates(contact),
        }
    )


def _read(connection: Connection, actor: User | None, site: str | None) -> tuple[pd.DataFrame, ...]:
    """The injections, contacts and sites of the women of the actor's sites (every site
    for ``None``), one query each."""
    p = WORKBOOK_TABLES["participants"]
    inj = WORKBOOK_TABLES["injections"]
    con = WORKBOOK_TABLES["contacts"]

    def narrowed(statement: Any) -> Any:
        if actor is not None and actor.role != "admin":
            statement = statement.where(p.c.site.in_(sorted(actor.sites)))
        if site is not None:
            statement = statement.where(p.c.site == site)
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
    connection: Connection, actor: User | None, site: str | None, today: date
) -> pd.DataFrame:
    """:func:`milestones` of the actor's women (everyone's for ``None``) with their
    ``site`` and ``last_contact`` (her latest contact of any kind, ``NaT`` if none)."""
    women, injections, contacts = _read(connection, actor, site)
    frame = milestones(injections, contacts, today=today)
    sites = women.set_index("participant_id")["site"].astype(object)
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


class ScheduleCache:
    """Every site's milestones for one day, kept until the registry changes.

    The web application holds one: a worklist request then costs one ``max(id)`` query
    and a filter over the kept frame, not a read of every injection and contact. It is
    computed again when the day changes or an audit entry was added (any save, import or
    deletion), and its sorted orders are kept beside it, one per sort column asked for.
    Thread-safe (the application answers requests on a thread pool).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, date] | None = None
        self._frame = pd.DataFrame()
        self._orders: dict[str, np.ndarray] = {}

    def frame(self, connection: Connection, today: date) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The registry's milestones on ``today`` and the cache of their sorted orders."""
        key = (_change_stamp(connection), today)
        with self._lock:
            if self._key != key:
                self._frame = _registry_milestones(connection, None, None, today)
                self._orders = {}
                self._key = key
            return self._frame, self._orders

    def clear(self) -> None:
        """Forget the kept frame (the next request computes it again)."""
        with self._lock:
            self._key, self._frame, self._orders = None, pd.DataFrame(), {}


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
    if sort not in orders:
        orders[sort] = _order(frame, sort)
    order = orders[sort]
    positions = order[mine[order]]
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


def worklist(
    connection: Connection,
    actor: User,
    *,
    today: date,
    site: str | None = None,
    status: str | None = None,
    sort: str = "due_date",
    descending: bool = False,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every milestone of the women of the actor's sites (one page of everything, see
    :func:`worklist_page`; here ``status`` defaults to every status), and the counts."""
    found = worklist_page(
        connection,
        actor,
        today=today,
        site=site,
        status=status,
        sort=sort,
        descending=descending,
        per_page=None,
    )
    return found.rows, found.counts


def identities(
    connection: Connection, actor: User, participant_ids: list[str]
) -> dict[str, tuple[str, str]]:
    """Name and phone of each of these women, for the roles that may see them (others get
    an empty mapping). One query; the caller passes a page's worth of IDs."""
    if not actor.sees_identity or not participant_ids:
        return {}
    rows = connection.execute(
        select(
            participant_identity.c.participant_id,
            participant_identity.c.full_name,
            participant_identity.c.phone,
        ).where(participant_identity.c.participant_id.in_(sorted(set(participant_ids))))
    )
    return {r.participant_id: (r.full_name or "", r.phone or "") for r in rows}
