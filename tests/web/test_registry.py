"""The registry of the web application: the worklist's cache warmed when the server starts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from follicle.store import worklist
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
