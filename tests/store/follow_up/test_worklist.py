"""The worklist: today's calls first, pages, the kept milestones patched after each change
(always equal to a fresh computation), names and phones for those who may see them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from follicle.store import records
from follicle.store.follow_up.schedule import worklist
from follicle.store.follow_up.worklist import ScheduleCache, identities, worklist_page


def test_worklist_page_opens_on_todays_calls_window_closing_soonest_first(engine, people):
    today = date(2026, 11, 26)
    with engine.connect() as connection:
        calls = worklist_page(connection, people["admin"], today=today)
        every, counts = worklist(connection, people["admin"], today=today)
    due_now = every[every["status"].isin(["due", "overdue"])]
    assert calls.total == len(due_now) == counts["calls"] == calls.counts["calls"]
    assert calls.counts == counts
    assert set(calls.rows["status"]) <= {"due", "overdue"}
    assert calls.rows["window_end"].is_monotonic_increasing
    # Missed milestones are their own status: the window closed before today.
    missed = every[every["status"] == "missed"]
    assert len(missed) == counts["missed"] > 0
    assert (missed["window_end"] < pd.Timestamp(today)).all()
    assert missed["contact_date"].isna().all()


def test_worklist_pages_and_last_contact(engine, people):
    today = date(2026, 11, 26)
    with engine.connect() as connection:
        every, _ = worklist(connection, people["admin"], today=today, sort="window_end")
        pages = [
            worklist_page(connection, people["admin"], today=today, status=None, page=n, per_page=7)
            for n in range(1, 30)
        ]
        contacts = pd.read_sql("SELECT participant_id, contact_date FROM contacts", connection)
    first = pages[0]
    assert first.pages == -(-len(every) // 7)
    assert first.total == len(every)
    joined = pd.concat([p.rows for p in pages[: first.pages]], ignore_index=True)
    key = ["participant_id", "milestone"]
    assert joined[key].astype(str).values.tolist() == every[key].astype(str).values.tolist()
    # Past the last page: the last page.
    assert pages[-1].page == first.pages
    last = pd.to_datetime(contacts["contact_date"]).groupby(contacts["participant_id"]).max()
    for pid, day in joined.groupby("participant_id", observed=True)["last_contact"].first().items():
        assert day == last[pid]


def test_the_cached_worklist_equals_the_read_one_and_follows_changes(engine, people):
    today = date(2026, 11, 26)
    cache = ScheduleCache()
    for user in ("admin", "north", "south", "reviewer"):
        for status in (None, "calls", "missed", "done"):
            with engine.connect() as connection:
                read = worklist_page(connection, people[user], today=today, status=status)
                kept = worklist_page(
                    connection, people[user], today=today, status=status, cache=cache
                )
            assert kept.counts == read.counts
            pd.testing.assert_frame_equal(kept.rows, read.rows, check_categorical=False)
    with engine.connect() as connection:
        before = worklist_page(connection, people["north"], today=today, cache=cache)
    call = before.rows.iloc[0]
    with engine.begin() as connection:
        records.create(
            connection,
            people["north"],
            "contacts",
            {
                "participant_id": str(call["participant_id"]),
                "contact_date": today.isoformat(),
                "mode": "phone",
                "milestone": str(call["kind"]),
            },
        )
    with engine.connect() as connection:
        after = worklist_page(connection, people["north"], today=today, cache=cache)
    assert after.counts["done"] == before.counts["done"] + 1
    assert after.counts["calls"] == before.counts["calls"] - 1


def test_identities_only_for_the_roles_that_may_see_them(engine, people):
    with engine.begin() as connection:
        records.create(
            connection,
            people["north"],
            "participant_identity",
            {"participant_id": "007", "full_name": "Nahid K", "phone": "+98 21 555 0101"},
        )
        seen = identities(connection, people["north"], ["007", "008"])
        hidden = identities(connection, people["reviewer"], ["007"])
        other_site = identities(connection, people["south"], ["007"])
        admin = identities(connection, people["admin"], ["007"])
    assert seen == {"007": ("Nahid K", "+98 21 555 0101")}
    assert hidden == {}
    assert other_site == {}  # 007 is North's: South's coordinator gets nothing of her
    assert admin == seen


def _same(kept, read) -> None:
    assert kept.counts == read.counts
    assert kept.total == read.total
    pd.testing.assert_frame_equal(kept.rows, read.rows, check_categorical=False)


def _all_views_equal(engine, people, cache, today) -> None:
    with engine.connect() as connection:
        for user in ("admin", "north"):
            for status in (None, "calls", "missed"):
                for sort in ("window_end", "milestone", "participant_id", "last_contact"):
                    args = {"today": today, "status": status, "sort": sort, "per_page": None}
                    _same(
                        worklist_page(connection, people[user], cache=cache, **args),
                        worklist_page(connection, people[user], **args),
                    )


def test_the_kept_milestones_are_patched_woman_by_woman_after_each_change(
    engine, people, monkeypatch
):
    import follicle.store.follow_up.worklist as module

    today = date(2026, 11, 26)
    cache = ScheduleCache()
    _all_views_equal(engine, people, cache, today)
    computed = []  # the women whose milestones the cache computed (None: everyone)
    real = module._registry_milestones

    def spy(connection, actor, site, day, women=None):
        if actor is None:
            computed.append(women)
        return real(connection, actor, site, day, women)

    monkeypatch.setattr(module, "_registry_milestones", spy)
    with engine.begin() as connection:  # a new woman at North with two injections
        records.create(
            connection,
            people["north"],
            "participants",
            {
                "participant_id": "N99",
                "site": "North",
                "birth_date": "1986-01-01",
                "menses_baseline": "regular",
            },
        )
        for day in ("2025-01-10", "2025-08-01"):
            records.create(
                connection,
                people["north"],
                "injections",
                {"participant_id": "N99", "injection_date": day},
            )
    _all_views_equal(engine, people, cache, today)
    assert computed[-1] == ["N99"]  # only her milestones were computed
    with engine.begin() as connection:  # a contact of another woman, then a site change
        saved = records.create(
            connection,
            people["admin"],
            "contacts",
            {"participant_id": "009", "contact_date": "2026-11-20", "mode": "phone"},
        )
        records.update(
            connection,
            people["admin"],
            "participants",
            "N99",
            {"site": "South"},
            version=1,
            reason="moved",
        )
    _all_views_equal(engine, people, cache, today)
    assert computed[-1] == ["009", "N99"]
    with engine.begin() as connection:
        records.delete(
            connection, people["admin"], "contacts", saved.key, version=1, reason="mistake"
        )
    _all_views_equal(engine, people, cache, today)
    # A change too large to patch, or a new day: everything computed again.
    monkeypatch.setattr(module, "MAX_CHANGED_WOMEN", 0)
    with engine.begin() as connection:
        records.create(
            connection,
            people["admin"],
            "contacts",
            {"participant_id": "010", "contact_date": "2026-11-21", "mode": "phone"},
        )
    _all_views_equal(engine, people, cache, today)
    assert computed[-1] is None
    _all_views_equal(engine, people, cache, date(2026, 11, 27))
