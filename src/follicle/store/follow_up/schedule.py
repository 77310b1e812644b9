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
one ``searchsorted`` per milestone kind): no loop over women. The worklist of a user's
sites is :mod:`follicle.store.follow_up.worklist`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from follicle.store.access.accounts import User


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
    """Every milestone of the women of the actor's sites, and the counts: one page of
    everything (:func:`follicle.store.follow_up.worklist.worklist_page`, but ``status`` defaults to
    every status here)."""
    from follicle.store.follow_up.worklist import worklist_page

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
