"""The registry of the web application: the worklist's cache warmed when the server starts."""

from __future__ import annotations

import re
import threading
import time

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import text

from follicle.store import records
from follicle.store.follow_up import checklist, worklist
from follicle.web.app import create_app
from follicle.web.registry import FairLock
from follicle.web.settings import WebSettings
from follicle.workbook.schema import MATERNAL_CONDITIONS
from web.api.conftest import Api
from web.conftest import Browser


def test_the_worklist_cache_is_warm_after_start_and_the_first_request_uses_it(
    app_and_seed, monkeypatch
) -> None:
    app, seeded = app_and_seed
    computed: list[object] = []
    real = worklist._registry_milestones

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        computed.append(args[1:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(worklist, "_registry_milestones", counting)
    with TestClient(app):  # runs the lifespan: start-up returns before the warm-up ends
        app.state.worklist_warm_up.join(timeout=30)
        assert not app.state.worklist_warm_up.is_alive()
        assert len(computed) == 1  # every site's milestones, once, in the background
        browser = Browser(app, seeded.users["admin"])
        page = browser.get("/worklist?status=all")
        assert page.status_code == 200
        assert len(computed) == 1  # the first request found them computed
        for w in seeded.women.values():
            assert w.participant_id in page.text


def test_a_request_before_the_warm_up_ends_answers_correctly(app_and_seed) -> None:
    app, seeded = app_and_seed
    cold = Browser(app, seeded.users["admin"]).get("/worklist?status=all")
    with TestClient(app):
        racing = Browser(app, seeded.users["admin"]).get("/worklist?status=all")
        app.state.worklist_warm_up.join(timeout=30)
    assert racing.status_code == cold.status_code == 200
    assert racing.text.count("<tr") == cold.text.count("<tr")


def test_a_page_view_of_a_recent_session_takes_no_write_transaction(
    app_and_seed, monkeypatch
) -> None:
    # On SQLite a write transaction queues behind the one writer (every worker's saves):
    # the session is read, and written only when its expiry is due to slide.
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["admin"])
    registry = app.state.registry
    writes: list[str] = []
    real_session, real_write = registry.session, registry.write

    def session():  # type: ignore[no-untyped-def]
        writes.append("session")
        return real_session()

    def write():  # type: ignore[no-untyped-def]
        writes.append("write")
        return real_write()

    monkeypatch.setattr(registry, "session", session)
    monkeypatch.setattr(registry, "write", write)
    assert browser.get("/participants").status_code == 200
    assert browser.get("/worklist").status_code == 200
    assert writes == []


def test_checks_before_a_save_take_turns_in_a_process(app_and_seed) -> None:
    # Validation is Python at work: two at once only slow each other and the writer.
    app, _ = app_and_seed
    registry = app.state.registry
    inside, leave = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with registry.checking():
            order.append("first in")
            inside.set()
            leave.wait(10)
            order.append("first out")

    def second() -> None:
        inside.wait(10)
        with registry.checking():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    time.sleep(0.2)  # time enough for the second to enter, were it let in
    leave.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]
    with registry.checking() as connection:  # let go after an error as well
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    with pytest.raises(RuntimeError), registry.checking():
        raise RuntimeError("a failed check")
    assert not registry._check_turn.locked()


def test_a_checklist_is_checked_in_the_process_s_turn(app_and_seed, monkeypatch) -> None:
    app, seeded = app_and_seed
    registry = app.state.registry
    turns: list[bool] = []
    real = checklist.check_checklist

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        turns.append(registry._check_turn.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(checklist, "check_checklist", watched)
    browser = Browser(app, seeded.users["coord_a"])
    page = browser.get("/participants/WA001/checklist")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {
        "form_token": token.group(1),
        "contact_date": "2022-03-01",
        "mode": "phone",
        "milestone": "annual",
        "menses": "regular",
        "vital_status": "alive",
        **{f"conditions.{word}.answer": "no" for word in MATERNAL_CONDITIONS},
    }
    answer = browser.post("/participants/WA001/checklist", form)
    assert answer.status_code == 303, answer.text
    api = Api(app, seeded.users["coord_a"]).post(
        "/participants/WA001/checklist",
        {
            **{k: v for k, v in form.items() if "." not in k},
            "form_token": "api-turn",
            "contact_date": "2022-04-01",
            "conditions": {word: {"answer": "no"} for word in MATERNAL_CONDITIONS},
        },
    )
    assert api.status_code == 201, api.text
    assert turns == [True, True]


def _waiting(lock: FairLock, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(lock._waiters) < count:
        assert time.monotonic() < deadline, "a thread never queued"
        time.sleep(0.001)


def test_the_fair_lock_is_taken_in_the_order_asked_for() -> None:
    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for number in range(6):

        def take(number: int = number) -> None:
            with lock:
                order.append(number)

        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        _waiting(lock, number + 1)  # each queues before the next one asks
    lock.release()
    for thread in threads:
        thread.join(10)
    assert order == list(range(6))
    assert not lock.locked()


def test_the_fair_lock_goes_to_its_waiter_not_to_a_thread_passing_by() -> None:
    # threading.Lock would let the main thread take it back at once, before the waiter.
    lock = FairLock()
    got: list[str] = []
    lock.acquire()

    def waiter() -> None:
        with lock:
            got.append("waiter")

    thread = threading.Thread(target=waiter)
    thread.start()
    _waiting(lock, 1)
    lock.release()
    with lock:
        got.append("passer-by")
    thread.join(10)
    assert got == ["waiter", "passer-by"]
    with pytest.raises(RuntimeError, match="not held"):
        lock.release()


def test_both_registry_locks_are_fair(app_and_seed) -> None:
    app, _seeded = app_and_seed
    registry = app.state.registry
    assert isinstance(registry._check_turn, FairLock)
    assert isinstance(registry._write_lock, FairLock)


def test_a_record_change_is_checked_in_the_turn_before_the_write_lock(
    app_and_seed, monkeypatch
) -> None:
    app, seeded = app_and_seed
    registry = app.state.registry
    seen: list[tuple[bool, bool]] = []
    real = records.check_update

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((registry._check_turn.locked(), registry._write_lock.locked()))
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "check_update", watched)
    key = seeded.women["A"].keys["pregnancies"]
    action = f"/participants/WA001/records/pregnancies/{key}"
    browser = Browser(app, seeded.users["coord_a"])
    page = browser.get(f"/participants/WA001?edit=pregnancies/{key}").text
    form = page[page.index(f'action="{action}"') :]
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    answer = browser.post(
        action, {"gestational_weeks": "38.5", "version": version.group(1), "reason": "letter"}
    )
    assert answer.status_code == 303, answer.text
    api = Api(app, seeded.users["coord_a"]).patch(
        f"/participants/WA001/pregnancies/{key}",
        {"gestational_weeks": 39, "version": int(version.group(1)) + 1, "reason": "scan"},
    )
    assert api.status_code == 200, api.text
    # In the process's turn, and not holding the writer's lock (SQLite: the test's registry).
    assert seen == [(True, False), (True, False)]


def test_a_process_runs_its_routes_on_as_many_threads_as_set(tmp_path, monkeypatch) -> None:
    assert WebSettings().threads == 6
    with pytest.raises(ValidationError):
        WebSettings(threads=0)
    monkeypatch.setenv("FOLLICLE_THREADS", "3")
    app = create_app(f"sqlite:///{tmp_path / 'registry.db'}")
    with TestClient(app) as client:  # the limit is set at start-up, on the server's loop
        assert client.portal is not None
        limit = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
        assert limit == 3
        assert client.get("/login").status_code == 200
    app.state.registry.engine.dispose()
