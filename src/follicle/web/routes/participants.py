"""Participants: the list, enrolment (with the live POR assessment) and her page.

Her page shows the timeline and every record of her tables; coordinators of her site
(and admins) can add and edit records there. Edits carry the version the form was built
from and a required reason; a conflicting save shows what the other person changed and
keeps what this user typed.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from follicle.errors import Conflict, NotFound, PermissionDenied, Problem, WorkbookInvalid
from follicle.store import records
from follicle.store.access.accounts import User
from follicle.store.follow_up import adjudication
from follicle.web.assessment import assess
from follicle.web.deps import ENROLLERS, ClinicalReader, Enroller, FormDep, RegistryDep
from follicle.web.forms import (
    REASON_FIELD,
    VERSION_FIELD,
    errors_by_field,
    frame_text,
    table_values,
    text_fields,
)
from follicle.web.her_rows import (
    IDENTITY,
    RECORD_TABLES,
    check_parent_is_hers,
    enrolment_sites,
    field_problem,
    key_column,
    owned_keys,
)
from follicle.web.pages import label, render
from follicle.web.registry import Registry
from follicle.web.timeline import timeline
from follicle.workbook import schema

router = APIRouter()

#: The reason asked for every change to saved data (kept in the audit trail).
REASON = schema.Column("reason", "text", "why the saved data change", required=True)

#: Columns a form never offers: her own ID (taken from the URL) and the keys.
FIXED = ("participant_id",)


@router.get("/participants")
def participant_list(
    request: Request, user: ClinicalReader, reg: RegistryDep, site: str = "", q: str = ""
) -> Response:
    """The women of the user's sites, searchable by study ID."""
    with reg.read() as connection:
        frame = records.list_participants(connection, user, site=site or None, search=q or None)
        sites = enrolment_sites(connection, user)
    return render(
        request,
        "participants.html",
        {"nav": "participants", "rows": frame_text(frame), "site": site, "q": q, "sites": sites},
    )


def _enrol_page(
    request: Request,
    sites: list[tuple[str, str]],
    fields: dict[str, str],
    errors: dict[str, list[str]],
    *,
    status: int = 200,
) -> Response:
    return render(
        request,
        "enrol.html",
        {
            "nav": "enrol",
            "table": schema.PARTICIPANTS,
            "identity": IDENTITY,
            "sites": sites,
            "values": fields,
            "errors": errors,
            "assessment": assess(fields, today=date.today()),
        },
        status_code=status,
    )


@router.get("/participants/new")
def enrol_form(request: Request, user: Enroller, reg: RegistryDep) -> Response:
    """The enrolment form."""
    with reg.read() as connection:
        sites = enrolment_sites(connection, user)
    first = {"site": sites[0][0]} if len(sites) == 1 else {}
    return _enrol_page(request, sites, first, {})


@router.post("/participants/assess")
def enrol_assessment(request: Request, user: Enroller, form: FormDep) -> Response:
    """The POR assessment of the values typed so far (an HTMX fragment)."""
    return render(
        request, "_assessment.html", {"assessment": assess(text_fields(form), today=date.today())}
    )


@router.post("/participants")
def enrol(request: Request, user: Enroller, reg: RegistryDep, form: FormDep) -> Response:
    """Create the woman (baseline and identity) in one transaction, then show her page."""
    fields = text_fields(form)
    values = table_values(fields, schema.PARTICIPANTS)
    identity = table_values(fields, IDENTITY)
    sites: list[tuple[str, str]] = []
    try:
        with reg.write() as connection:
            sites = enrolment_sites(connection, user)
            if values.get("site") not in {code for code, _ in sites}:
                raise WorkbookInvalid(
                    [
                        field_problem(
                            "participants", "site", values.get("site"), "choose one of your sites"
                        )
                    ]
                )
            saved = records.create(connection, user, "participants", values)
            if any(identity.values()):
                records.create(
                    connection, user, IDENTITY.name, {"participant_id": saved.key, **identity}
                )
    except WorkbookInvalid as exc:
        return _enrol_page(request, sites, fields, errors_by_field(exc.problems), status=422)
    except Conflict as exc:
        return _enrol_page(request, sites, fields, {"participant_id": [str(exc)]}, status=409)
    return RedirectResponse(f"/participants/{quote(saved.key, safe='')}", status_code=303)


# --------------------------------------------------------------------------- her page


def _records(rows: dict[str, pd.DataFrame]) -> dict[str, list[dict[str, str]]]:
    """Each table's rows as text, with ``_key`` (the row's key) for links and forms."""
    out: dict[str, list[dict[str, str]]] = {}
    for name, table in RECORD_TABLES.items():
        frame = rows.get("identity" if name == IDENTITY.name else name)
        if frame is None:
            continue
        text = frame_text(frame)
        key = key_column(table)
        for row in text:
            row["_key"] = row.get(key, "")
        out[name] = text
    return out


def _review_of(
    connection: Connection,
    participant_id: str,
    rows: dict[str, pd.DataFrame],
    editing: dict[str, Any],
) -> adjudication.RowReview | None:
    """The review of the event reported by the row being edited, once it has begun: a
    change of what defines the event, or its deletion, starts the review again."""
    name, key = str(editing.get("table", "")), str(editing.get("key", ""))
    if not key or name not in adjudication.EVENT_TABLES.values():
        return None
    frame = rows[name]
    found = frame[key_column(RECORD_TABLES[name])].astype("string") == key
    labels = frame.index[found.fillna(False).to_numpy(dtype=bool)]
    if not len(labels):
        return None
    return adjudication.row_review(connection, participant_id, rows, name, labels[0])


def _page(
    request: Request,
    user: User,
    participant_id: str,
    rows: dict[str, pd.DataFrame],
    *,
    editing: dict[str, Any] | None = None,
    reviewed: adjudication.RowReview | None = None,
    status: int = 200,
) -> Response:
    tables = _records(rows)
    baseline = tables.get("participants", [{}])[0]
    first_injection = (
        rows["injections"]["injection_date"].min() if len(rows["injections"]) else None
    )
    planned = {} if first_injection is None else {"injection_date": str(first_injection)[:10]}
    return render(
        request,
        "participant.html",
        {
            "nav": "participants",
            "pid": participant_id,
            "baseline": baseline,
            "tables": tables,
            "schema_tables": RECORD_TABLES,
            "timeline": timeline(rows),
            "assessment": assess({**baseline, **planned}, today=date.today()),
            "can_edit": user.role in ENROLLERS,
            "editing": editing or {},
            "reviewed": reviewed,
            "reason_column": REASON,
        },
        status_code=status,
    )


@router.get("/participants/{participant_id}")
def participant_page(
    request: Request,
    participant_id: str,
    user: ClinicalReader,
    reg: RegistryDep,
    edit: str = "",
) -> Response:
    """Her timeline and records (404 for an unknown ID or a woman of another site).

    ``?edit=TABLE/KEY`` opens the edit form of one of her rows.
    """
    editing: dict[str, Any] = {}
    name, _, key = edit.partition("/")
    with reg.read() as connection:
        rows = records.participant(connection, user, participant_id)
        if edit and user.role in ENROLLERS and name in RECORD_TABLES:
            current = _current(rows, RECORD_TABLES[name], key)
            if current:
                editing = {"table": name, "key": key, "values": current, "errors": {}}
        reviewed = _review_of(connection, participant_id, rows, editing)
    return _page(request, user, participant_id, rows, editing=editing, reviewed=reviewed)


def _table(name: str) -> schema.Table:
    if name not in RECORD_TABLES:
        raise NotFound(f"no table {name!r}")
    return RECORD_TABLES[name]


@router.post("/participants/{participant_id}/records/{table_name}")
def add_record(
    request: Request,
    participant_id: str,
    table_name: str,
    user: Enroller,
    reg: RegistryDep,
    form: FormDep,
) -> Response:
    """Add a row to one of her tables (e.g. record an injection)."""
    table = _table(table_name)
    if table.name == "participants":
        raise NotFound("a woman is enrolled, not added as a record")
    fields = text_fields(form)
    values = table_values(fields, table, skip=FIXED)
    # Her rows are hers by participant_id: a column of most tables, the key of her identity.
    if "participant_id" in table.column_names or table.key == "participant_id":
        values["participant_id"] = participant_id
    try:
        with reg.write() as connection:
            rows = records.participant(connection, user, participant_id)
            if table.name == IDENTITY.name and "identity" not in rows:
                raise PermissionDenied("only her site's coordinators see her identity")
            check_parent_is_hers(rows, table, values)
            records.create(connection, user, table.name, values)
    except (WorkbookInvalid, Conflict) as exc:
        with reg.read() as connection:
            rows = records.participant(connection, user, participant_id)
        problems = exc.problems if isinstance(exc, WorkbookInvalid) else []
        editing = {
            "table": table.name,
            "key": "",
            "values": fields,
            "errors": _form_errors(problems, table),
            "conflict": "" if isinstance(exc, WorkbookInvalid) else str(exc),
        }
        return _page(request, user, participant_id, rows, editing=editing, status=422)
    return RedirectResponse(
        f"/participants/{quote(participant_id, safe='')}#{table.name}", status_code=303
    )


@router.post("/participants/{participant_id}/records/{table_name}/{key}")
def edit_record(
    request: Request,
    participant_id: str,
    table_name: str,
    key: str,
    user: Enroller,
    reg: RegistryDep,
    form: FormDep,
) -> Response:
    """Change one of her rows: the version it was read at and a reason are required."""
    table = _table(table_name)
    fields = text_fields(form)
    changes = table_values(
        fields, table, skip=(*FIXED, *(() if table.key is None else (table.key,)))
    )
    return _write_existing(
        request, participant_id, table, key, user, reg, fields, changes, delete=False
    )


@router.post("/participants/{participant_id}/records/{table_name}/{key}/delete")
def delete_record(
    request: Request,
    participant_id: str,
    table_name: str,
    key: str,
    user: Enroller,
    reg: RegistryDep,
    form: FormDep,
) -> Response:
    """Delete one of her rows (version and reason required, as for an edit)."""
    table = _table(table_name)
    if table.name == "participants":
        raise NotFound("a woman's enrolment cannot be deleted from the web")
    fields = text_fields(form)
    return _write_existing(request, participant_id, table, key, user, reg, fields, {}, delete=True)


def _write_existing(
    request: Request,
    participant_id: str,
    table: schema.Table,
    key: str,
    user: User,
    reg: Registry,
    fields: dict[str, str],
    changes: dict[str, str],
    *,
    delete: bool,
) -> Response:
    reason = fields.get(REASON_FIELD, "")
    try:
        version = int(fields.get(VERSION_FIELD, ""))
    except ValueError:
        version = 0
    try:
        # Checked in this process's turn, before the write lock, so that the lock is held
        # for the write alone (Registry.checking); a row is hers for good (its woman cannot
        # change), and update() validates again if any row of hers moved meanwhile.
        checked = None
        with reg.checking() as connection:
            rows = records.participant(connection, user, participant_id)
            if key not in owned_keys(rows, table):
                raise NotFound(f"{table.name} {key}")
            if not reason:
                raise WorkbookInvalid(
                    [
                        field_problem(
                            table.name, REASON_FIELD, "", "give a reason for changing saved data"
                        )
                    ]
                )
            if not delete:
                check_parent_is_hers(rows, table, {**_current(rows, table, key), **changes})
                checked = records.check_update(
                    connection, user, table.name, key, changes, version=version, reason=reason
                )
        with reg.write() as connection:
            if delete:
                records.delete(connection, user, table.name, key, version=version, reason=reason)
            else:
                records.update(
                    connection,
                    user,
                    table.name,
                    key,
                    changes,
                    version=version,
                    reason=reason,
                    checked=checked,
                )
    except (WorkbookInvalid, Conflict) as exc:
        conflict = isinstance(exc, Conflict)
        editing = {
            "table": table.name,
            "key": key,
            "values": fields,
            "errors": _form_errors(exc.problems, table),
            "conflict": str(exc) if conflict else "",
            "changed": list(getattr(exc, "changed", []) or []),
        }
        with reg.read() as connection:
            rows = records.participant(connection, user, participant_id)
            reviewed = _review_of(connection, participant_id, rows, editing)
        return _page(
            request,
            user,
            participant_id,
            rows,
            editing=editing,
            reviewed=reviewed,
            status=409 if conflict else 422,
        )
    return RedirectResponse(
        f"/participants/{quote(participant_id, safe='')}#{table.name}", status_code=303
    )


def _form_errors(problems: list[Problem], table: schema.Table) -> dict[str, list[str]]:
    """The problems of a record form, keyed by its fields. A problem of another table's
    row (a rule across her tables: her consent after an injection's new date) has no field
    here to be shown beside, so it goes to the top of the form, naming that row's column:
    otherwise the form came back refused with nothing said."""
    own = {c.name for c in table.columns} | {REASON_FIELD, ""}
    shown = []
    for problem in problems:
        of = (problem.file or "").removesuffix(".csv")
        other = of not in ("", table.name)
        if problem.column is None or (problem.column in own and not other):
            shown.append(problem)
            continue
        where = label(problem.column)
        if other:
            where = f"{label(of)}, {where.lower()}"
        shown.append(dataclasses.replace(problem, column="", message=f"{where}: {problem.message}"))
    return errors_by_field(shown)


def _current(rows: dict[str, pd.DataFrame], table: schema.Table, key: str) -> dict[str, str]:
    for row in _records(rows).get(table.name, []):
        if row["_key"] == key:
            return row
    return {}
