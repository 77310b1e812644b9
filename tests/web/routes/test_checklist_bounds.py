"""The checklist form is bounded: block indices and body size; its cost is linear."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI

from follicle.store.follow_up.checklist import MAX_BLOCKS
from follicle.web.routes.checklist import MAX_FORM_BYTES

from ..conftest import Browser
from ..registry_seed import Seeded


@pytest.mark.parametrize(
    "field",
    [
        "pregnancies[100000].outcome",
        "ivf_cycles[100000].start_date",
        "pregnancies[0].infants[100000].sex",
    ],
)
def test_a_huge_block_index_is_refused_at_once(
    app_and_seed: tuple[FastAPI, Seeded], field: str
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    started = time.perf_counter()
    answer = browser.post(
        "/participants/WA001/checklist", {"contact_date": "2025-01-01", field: "x"}
    )
    assert time.perf_counter() - started < 5  # was 20 s at 10,000 and unbounded beyond
    assert answer.status_code == 422
    assert "one contact can record at most" in answer.text


def test_the_largest_allowed_index_is_still_a_form(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    last = MAX_BLOCKS["ivf_cycles"] - 1
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants/WA001/checklist",
        {"contact_date": "2025-01-01", "mode": "phone", f"ivf_cycles[{last}].start_date": "x"},
    )
    assert answer.status_code == 422
    assert "one contact can record at most" not in answer.text


def test_an_oversized_form_is_refused_with_the_security_headers(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["coord_a"]).post(
        "/participants/WA001/checklist",
        {"contact_date": "2025-01-01", "conditions.other.notes": "x" * (MAX_FORM_BYTES + 1)},
    )
    assert answer.status_code == 413
    assert "content-security-policy" in answer.headers
