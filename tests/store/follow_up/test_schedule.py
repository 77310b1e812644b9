"""The follow-up schedule: windows, statuses at their boundaries, yearly milestones, and the
vectorised computation checked against a plain per-woman reference on a generated cohort."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from analysis.cohorts import generated_frames
from follicle.errors import PermissionDenied
from follicle.store import records
from follicle.store.follow_up.schedule import COLUMNS, WINDOWS, YEAR_DAYS, milestones, worklist

INJECTED = date(2020, 1, 1)


def _injections(*rows: tuple[str, date]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": [r[0] for r in rows],
            "injection_date": pd.to_datetime([r[1] for r in rows]),
        }
    )


def _contacts(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": [r[0] for r in rows],
            "contact_date": pd.to_datetime([r[1] for r in rows]),
            "milestone": [r[2] for r in rows],
            "vital_status": [r[3] if len(r) > 3 else "alive" for r in rows],
        },
    )


def _one(frame: pd.DataFrame, code: str) -> pd.Series:
    (row,) = frame[frame["milestone"] == code].to_dict("records")
    return pd.Series(row)


NO_CONTACTS = _contacts().astype({"participant_id": "str", "milestone": "str"})


def test_the_windows_of_3_6_and_12_months():
    frame = milestones(_injections(("A", INJECTED)), NO_CONTACTS, today=date(2020, 2, 1))
    assert frame.columns.tolist() == list(COLUMNS)
    three = _one(frame, "inj1-3m")
    assert three["due_date"] == pd.Timestamp("2020-04-01")  # 91 days
    assert three["window_start"] == pd.Timestamp("2020-04-01") - pd.Timedelta(days=14)
    assert three["window_end"] == pd.Timestamp("2020-04-01") + pd.Timedelta(days=28)
    assert three["label"] == "3 months after injection 1"
    assert three["kind"] == "3m"
    assert _one(frame, "inj1-6m")["due_date"] == pd.Timestamp(INJECTED) + pd.Timedelta(days=183)
    twelve = _one(frame, "inj1-12m")
    assert twelve["due_date"] == pd.Timestamp(INJECTED) + pd.Timedelta(days=365)
    assert twelve["window_start"] == twelve["due_date"] - pd.Timedelta(days=WINDOWS["12m"].before)
    assert set(frame["status"]) == {"upcoming"}


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2020, 3, 17), "upcoming"),  # the day before the window opens
        (date(2020, 3, 18), "due"),  # the window's first day
        (date(2020, 4, 1), "due"),  # the due date
        (date(2020, 4, 2), "overdue"),  # the day after, the window still open
        (date(2020, 4, 29), "overdue"),  # the window's last day
        (date(2020, 4, 30), "missed"),  # the day after: closed without a contact
    ],
)
def test_statuses_at_the_window_boundaries(today, status):
    frame = milestones(_injections(("A", INJECTED)), NO_CONTACTS, today=today)
    assert _one(frame, "inj1-3m")["status"] == status


@pytest.mark.parametrize(
    ("contact", "kind", "done"),
    [
        (date(2020, 3, 18), "3m", True),  # first day of the window
        (date(2020, 4, 29), "3m", True),  # last day
        (date(2020, 4, 30), "3m", False),  # after the window
        (date(2020, 3, 17), "3m", False),  # before it
        (date(2020, 4, 1), "6m", False),  # another milestone's contact
        (date(2020, 4, 1), "", True),  # no milestone recorded: counts
    ],
)
def test_a_contact_of_its_kind_inside_the_window_marks_it_done(contact, kind, done):
    frame = milestones(
        _injections(("A", INJECTED)), _contacts(("A", contact, kind)), today=date(2021, 1, 1)
    )
    three = _one(frame, "inj1-3m")
    assert (three["status"] == "done") is done
    assert (three["contact_date"] == pd.Timestamp(contact)) is done


def test_yearly_milestones_follow_the_last_injection_up_to_the_next_one_due():
    last = date(2020, 7, 1)
    today = last + timedelta(days=1500)
    frame = milestones(_injections(("A", INJECTED), ("A", last)), NO_CONTACTS, today=today)
    yearly = frame[frame["kind"] == "annual"]
    assert yearly["milestone"].tolist() == ["yearly-2", "yearly-3", "yearly-4", "yearly-5"]
    expected = [pd.Timestamp(last) + pd.Timedelta(days=round(k * YEAR_DAYS)) for k in (2, 3, 4, 5)]
    assert yearly["due_date"].tolist() == expected
    assert yearly["due_date"].iloc[-1] > pd.Timestamp(today) >= yearly["due_date"].iloc[-2]
    assert yearly["label"].iloc[0] == "year 2 after the last injection"
    # Both injections have their 3, 6 and 12 months.
    assert frame["milestone"].astype(str).str.startswith("inj2-").sum() == 3
    annual = milestones(
        _injections(("A", INJECTED), ("A", last)),
        _contacts(("A", expected[0] + pd.Timedelta(days=30), "final")),
        today=today,
    )
    assert _one(annual, "yearly-2")["status"] == "done"


def test_nothing_falls_due_after_a_woman_was_reported_deceased():
    frame = milestones(
        _injections(("A", INJECTED)),
        _contacts(("A", date(2020, 5, 1), "", "deceased")),
        today=date(2024, 1, 1),
    )
    assert frame["milestone"].tolist() == ["inj1-3m"]


def _reference(injections: pd.DataFrame, contacts: pd.DataFrame, today: date) -> pd.DataFrame:
    """The schedule computed woman by woman and milestone by milestone, as written."""
    rows = []
    today_ts = pd.Timestamp(today)
    for woman, theirs in injections.groupby("participant_id"):
        dates = sorted(theirs["injection_date"])
        mine = contacts[contacts["participant_id"] == woman]
        dead = mine.loc[mine["vital_status"] == "deceased", "contact_date"]
        death = dead.min() if len(dead) else None
        plan = []
        for number, day in enumerate(dates, start=1):
            for kind in ("3m", "6m", "12m"):
                plan.append(
                    (f"inj{number}-{kind}", kind, day + pd.Timedelta(days=WINDOWS[kind].due_days))
                )
        year = 2
        while True:
            due = dates[-1] + pd.Timedelta(days=int(np.round(year * YEAR_DAYS)))
            plan.append((f"yearly-{year}", "annual", due))
            if due > today_ts:
                break
            year += 1
        for code, kind, due in plan:
            if death is not None and due > death:
                continue
            window = WINDOWS[kind]
            start, end = (
                due - pd.Timedelta(days=window.before),
                due + pd.Timedelta(days=window.after),
            )
            fits = mine[
                mine["milestone"].fillna("").isin(window.counts)
                & (mine["contact_date"] >= start)
                & (mine["contact_date"] <= end)
            ]
            contact = fits["contact_date"].min() if len(fits) else pd.NaT
            status = (
                "done"
                if len(fits)
                else "upcoming"
                if start > today_ts
                else "due"
                if due >= today_ts
                else "overdue"
                if end >= today_ts
                else "missed"
            )
            rows.append((woman, code, due, start, end, status, contact))
    return pd.DataFrame(
        rows,
        columns=[
            "participant_id",
            "milestone",
            "due_date",
            "window_start",
            "window_end",
            "status",
            "contact_date",
        ],
    )


def test_the_vectorised_schedule_equals_the_per_woman_reference_on_a_generated_cohort():
    frames = generated_frames()
    injections = frames["injections"].assign(
        injection_date=lambda f: pd.to_datetime(f["injection_date"])
    )
    contacts = frames["contacts"].assign(
        contact_date=lambda f: pd.to_datetime(f["contact_date"]),
        milestone=lambda f: f["milestone"].replace("", None),
    )
    if "vital_status" not in contacts:
        contacts["vital_status"] = "alive"
    today = date(2026, 11, 26)
    got = milestones(injections, contacts, today=today)
    want = _reference(injections, contacts, today)
    assert len(got) > 3 * len(injections)  # the yearly ones too
    assert set(got["status"]) >= {"done", "missed", "upcoming"}
    key = ["participant_id", "milestone"]
    got = got.astype({"participant_id": str, "milestone": str, "status": str}).sort_values(key)
    dates = ["due_date", "window_start", "window_end", "contact_date"]
    want = want.astype({"participant_id": str} | dict.fromkeys(dates, "datetime64[ns]"))
    want = want.sort_values(key)
    pd.testing.assert_frame_equal(
        got[want.columns].reset_index(drop=True),
        want.reset_index(drop=True),
        check_dtype=False,
    )


def test_worklist_is_the_users_sites_with_counts_filters_and_sorting(engine, people):
    today = date(2026, 11, 26)
    with engine.connect() as connection:
        every, counts = worklist(connection, people["admin"], today=today)
        north, north_counts = worklist(connection, people["north"], today=today)
        overdue, _ = worklist(
            connection,
            people["north"],
            today=today,
            status="overdue",
            sort="participant_id",
            descending=True,
        )
        narrowed, _ = worklist(connection, people["admin"], today=today, site="South")
        nothing, none = worklist(connection, people["north"], today=today, site="South")
        with pytest.raises(PermissionDenied):
            worklist(connection, people["analyst"], today=today)
        with pytest.raises(ValueError, match="unknown status"):
            worklist(connection, people["north"], today=today, status="late")
    assert set(every["site"]) == {"North", "South"}
    assert set(north["site"]) == {"North"}
    assert set(north["participant_id"]) == {"007", "008"}
    assert (
        north_counts["all"]
        == len(north)
        == sum(north_counts[s] for s in ("upcoming", "due", "overdue", "missed", "done"))
    )
    assert counts["all"] == len(every)
    assert north["due_date"].is_monotonic_increasing
    assert set(overdue["status"]) == {"overdue"}
    assert len(overdue) == north_counts["overdue"]
    assert overdue["participant_id"].astype(str).tolist() == sorted(
        overdue["participant_id"].astype(str), reverse=True
    )
    assert set(narrowed["participant_id"]) == {"009", "010"}
    assert nothing.empty
    assert none["all"] == 0
    # A contact saved for a due milestone turns it done.
    due = north[north["status"].isin(["due", "overdue"])].iloc[-1]
    with engine.begin() as connection:
        records.create(
            connection,
            people["north"],
            "contacts",
            {
                "participant_id": str(due["participant_id"]),
                "contact_date": min(due["window_end"].date(), today).isoformat(),
                "mode": "phone",
                "milestone": str(due["kind"]),
            },
        )
        after, _ = worklist(connection, people["north"], today=today)
    assert (
        _one(after[after["participant_id"] == due["participant_id"]], due["milestone"])["status"]
        == "done"
    )


def test_no_injections_no_milestones():
    empty = milestones(_injections(), NO_CONTACTS, today=date(2026, 1, 1))
    assert empty.empty
    assert empty.columns.tolist() == list(COLUMNS)


def test_worklist_of_an_empty_registry_and_of_women_without_injections(engine):
    from follicle.store.access.accounts import create_site, create_user

    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        nora = create_user(connection, "nora", "nora north password", "coordinator", ["North"])
        frame, counts = worklist(connection, nora, today=date(2026, 1, 1))
        assert frame.empty
        assert counts == {
            "upcoming": 0,
            "due": 0,
            "overdue": 0,
            "missed": 0,
            "done": 0,
            "calls": 0,
            "all": 0,
        }
        records.create(
            connection,
            nora,
            "participants",
            {
                "participant_id": "N1",
                "site": "North",
                "birth_date": "1985-01-01",
                "menses_baseline": "regular",
            },
        )
        frame, counts = worklist(connection, nora, today=date(2026, 1, 1))
    assert frame.empty
    assert counts["all"] == 0
