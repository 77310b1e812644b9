"""Rendering pages: the Jinja2 environment, its filters, and :func:`render`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from follicle.web.security import CSRF_FIELD, CSRF_HEADER, MAX_UPLOAD_BYTES

TEMPLATES = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=TEMPLATES)


#: Column and table names whose plain reading would be wrong or unclear.
LABELS: dict[str, str] = {
    "participant_id": "Study ID",
    "amh_ng_ml": "AMH",
    "afc": "AFC",
    "fsh_iu_l": "FSH",
    "menses_baseline": "Menses at baseline",
    "prior_ivf_cycles": "Prior IVF cycles",
    "prior_max_oocytes": "Most oocytes in a prior cycle",
    "prior_cycle_cancelled": "A prior cycle cancelled",
    "dose_million_cells": "Dose",
    "ivf_cycles": "IVF cycles",
    "ivf_cycle_id": "IVF cycle",
    "ivf": "IVF",
    "iui": "IUI",
    "cycle_id": "Cycle ID",
    "pregnancy_id": "Pregnancy ID",
    "infant_id": "Infant ID",
    "birth_weight_g": "Birth weight",
    "gestational_weeks": "Gestational age",
    "checklist_complete": "Full checklist",
    "MenSC": "MenSC",
    "PRP": "PRP",
    "BMDSC": "BMDSC",
    "por": "POR",
    "not_por": "Not POR",
    "expected_poor_responder": "Expected POR",
    "not_poseidon": "Not POSEIDON",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
}


def label(value: object) -> str:
    """A name or vocabulary word as a person reads it: ``live_birth`` → ``Live birth``."""
    if value is None or value != value:  # None, NaN, NA
        return ""
    text = str(value)
    if text in LABELS:
        return LABELS[text]
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def url_part(value: object) -> str:
    """``value`` percent-encoded as one part of a URL path or query: every character but
    letters, digits and ``-._~`` is escaped, the slash included.

    Replaces Jinja's own ``urlencode``, which leaves ``/`` as it is: a study ID such as
    ``N905/../P001`` would then make a link that the browser resolves to ``/participants/P001``
    — another woman's page.
    """
    if value is None:
        return ""
    return quote(str(value), safe="")


templates.env.filters["label"] = label
templates.env.filters["urlencode"] = url_part
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
templates.env.globals["CSRF_HEADER"] = CSRF_HEADER


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render template ``name`` with the signed-in user and CSRF token in its context."""
    auth = request.state._state.get("auth")
    registry = getattr(request.app.state, "registry", None)
    full: dict[str, Any] = {
        "user": auth.user if auth else None,
        "csrf_token": auth.csrf_token if auth else "",
        # Every page says so once the audit log has failed a check (until a restart).
        "audit_alert": registry.audit.broken if registry is not None else None,
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)


def _size(limit: int) -> str:
    """``limit`` bytes as a person reads it: ``1 MiB``, ``256 KiB``."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= factor:
            return f"{limit / factor:,.4g} {unit}"
    return f"{limit:,} bytes"


def too_large_message(limit: int | None) -> str:
    """What a page says of a request whose body was past ``limit`` bytes (``None``: not
    known)."""
    bound = "" if limit is None else f" (at most {_size(limit)})"
    message = f"What was sent is larger than this page accepts{bound}. Nothing was saved."
    if limit is not None and limit >= MAX_UPLOAD_BYTES:
        message += " A registry this large is imported from the command line: follicle import."
    return message


def too_large_page(request: Request, limit: int | None) -> HTMLResponse:
    """A page's answer to a body past its bound (``limit`` bytes): the error page, as every
    error of a page (:class:`~follicle.web.security.TooLargeAnswer` sends it)."""
    return render(
        request,
        "error.html",
        {"status": 413, "message": too_large_message(limit)},
        status_code=413,
    )
