"""Administration pages: sites and people."""

from __future__ import annotations

from fastapi import FastAPI

from ..conftest import Browser
from ..registry_seed import Seeded


def test_an_admin_adds_a_site_and_a_coordinator_who_can_sign_in(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    assert admin.post("/admin/sites", {"code": "C", "name": "Gamma clinic"}).status_code == 303
    answer = admin.post(
        "/admin/users",
        {
            "username": "newcoord",
            "password": "long enough password",
            "role": "coordinator",
            "sites": "C",
        },
    )
    assert answer.status_code == 303
    page = admin.get("/admin/users").text
    assert "Gamma clinic" in page
    assert "newcoord" in page


def test_a_short_password_is_refused(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["admin"]).post(
        "/admin/users", {"username": "x", "password": "short", "role": "analyst"}
    )
    assert answer.status_code == 422
    assert "12 characters" in answer.text


def test_a_common_password_is_refused(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["admin"]).post(
        "/admin/users", {"username": "y", "password": "Password1234", "role": "analyst"}
    )
    assert answer.status_code == 422
    assert "most common passwords" in answer.text
    assert "y</td>" not in answer.text


def test_changing_a_coordinators_sites_changes_what_she_sees(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    coord = seeded.users["coord_a"]
    admin = Browser(app, seeded.users["admin"])
    assert admin.post(f"/admin/users/{coord.id}/sites", {"sites": "B"}).status_code == 303
    browser = Browser(app, coord)  # a new session reads her sites afresh
    assert browser.get("/participants/WA001").status_code == 404
    assert browser.get("/participants/WB001").status_code == 200
