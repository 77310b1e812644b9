"""The workbook's tables as resources: participants and everything recorded about a woman.

Generated from the schema, one set of operations per table (:func:`table_router`)::

    GET    /participants                      the women of the token's sites
    POST   /participants                      enrol: a participants row
    GET    /participants/{participant_id}     her participants row
    PATCH  /participants/{participant_id}     change it (version + reason)
    GET    /participants/{participant_id}/{table}          her rows of a table
    POST   /participants/{participant_id}/{table}          add one
    GET    /participants/{participant_id}/{table}/{key}    one row
    PATCH  /participants/{participant_id}/{table}/{key}    change it (version + reason)
    DELETE /participants/{participant_id}/{table}/{key}    delete it (version + reason)

Every write is the store's (:mod:`follicle.store.records`): the same role and site
checks, the same validation by the workbook's rules on her rows, the same versions,
reasons and audit entries as the pages. A row named under another woman's URL is not
found, as on the pages.
"""
# No ``from __future__ import annotations`` here: the routes are made in a loop, and
# FastAPI must see their body models as objects, not as names it cannot resolve.

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, Field, create_model
from sqlalchemy import Connection

from follicle.errors import NotFound, Problem, WorkbookInvalid
from follicle.store import records
from follicle.store.access.accounts import User
from follicle.web.api.auth import ClinicalReader, Enroller
from follicle.web.api.models import (
    INT_MAX,
    TEXT_MAX,
    Forbid,
    Text,
    cell_values,
    frame_records,
    json_type,
    path_owned,
    records_json,
    row_models,
    whole,
)
from follicle.web.api.paging import PageDep, page_responses, set_page_headers
from follicle.web.api.problems import responses
from follicle.web.deps import RegistryDep
from follicle.web.her_rows import check_parent_is_hers, enrolment_sites, key_column, owned_keys
from follicle.web.registry import Registry
from follicle.workbook import schema

#: A study ID or row key in a URL: anything printable (the store decides whether it exists).
KEY_PATTERN = r"^[^\x00-\x1f\x7f]+$"

ParticipantId = Annotated[
    str, Path(pattern=KEY_PATTERN, max_length=200, description="the woman's study ID")
]
#: A site (or an ID searched for) as a query parameter: one value, no control characters.
SiteQuery = Annotated[str | None, Query(pattern=KEY_PATTERN, max_length=200)]
RowKey = Annotated[
    str, Path(pattern=KEY_PATTERN, max_length=200, description="the row's key or number")
]


class Removal(Forbid):
    """What a delete needs, as on the pages: the version read and a reason."""

    version: whole(ge=1, le=INT_MAX)  # type: ignore[valid-type]
    reason: Annotated[Text, Field(min_length=1, max_length=TEXT_MAX)]


def _summary_model() -> type[BaseModel]:
    """A line of the participant list (:func:`follicle.store.records.list_participants`)."""
    p = schema.PARTICIPANTS
    date_or_none = json_type(p.column("birth_date")) | None
    return create_model(
        "ParticipantSummary",
        participant_id=(str, ...),
        site=(str, ...),
        arm=(str | None, None),
        birth_date=(date_or_none, None),
        consent_date=(date_or_none, None),
        injections=(int, 0),
        first_injection=(date_or_none, None),
        last_contact=(date_or_none, None),
    )


ParticipantSummary = _summary_model()


def location(participant_id: str, table: schema.Table | None = None, key: str = "") -> str:
    """The URL of a row (or of the woman), each part percent-encoded."""
    url = f"/api/v1/participants/{quote(participant_id, safe='')}"
    return url if table is None else f"{url}/{table.name}/{quote(key, safe='')}"


def _her_rows(connection: Connection, user: User, pid: str) -> dict[str, pd.DataFrame]:
    return records.participant(connection, user, pid)


@contextmanager
def _her_row(
    reg: Registry, user: User, participant_id: str, table: schema.Table, key: str
) -> Iterator[Connection]:
    """A write transaction on her row ``key`` of ``table``: a row of another woman (or of
    none) is not found, whether it exists or not, so that keys cannot be probed."""
    with reg.write() as connection:
        if key not in owned_keys(_her_rows(connection, user, participant_id), table):
            raise NotFound(f"{table.name} {key}")
        yield connection


def _update(
    reg: Registry,
    user: User,
    participant_id: str,
    table: schema.Table,
    key: str,
    body: BaseModel,
) -> dict[str, Any]:
    """Change her row ``key`` of ``table`` as ``body`` says (with the version read and the
    reason) and return it as saved.

    The change is validated in this process's turn before the write lock
    (:func:`records.check_update`), so that the lock is held for the write (and the read
    of the row as saved) alone; :func:`records.update` validates again if any row of hers
    moved meanwhile.
    """
    changes = _changes(body)
    version = body.version  # type: ignore[attr-defined]
    reason = body.reason  # type: ignore[attr-defined]
    with reg.checking() as connection:
        if key not in owned_keys(_her_rows(connection, user, participant_id), table):
            raise NotFound(f"{table.name} {key}")
        checked = records.check_update(
            connection, user, table.name, key, changes, version=version, reason=reason
        )
    with reg.write() as connection:
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
        rows = _her_rows(connection, user, participant_id)
    return _record(rows, table, key)


def _record(rows: dict[str, pd.DataFrame], table: schema.Table, key: str) -> dict[str, Any]:
    frame = rows[table.name]
    column = key_column(table)
    found = frame[frame[column].astype("string") == key]
    if found.empty:
        raise NotFound(f"{table.name} {key}")
    return records_json(table, found, column)[0]


def _invalid(table: schema.Table, column: str, value: str | None, message: str) -> WorkbookInvalid:
    return WorkbookInvalid([Problem(table.filename, None, column, value, "required", message)])


def _changes(body: BaseModel) -> dict[str, str]:
    given = body.model_dump(exclude_unset=True)
    given.pop("version", None)
    given.pop("reason", None)
    return cell_values(given)


def participants_router() -> APIRouter:
    """The women: list, enrol, read, change."""
    table = schema.PARTICIPANTS
    create_body, update_body, record = row_models(table)
    router = APIRouter(tags=["participants"])

    @router.get(
        "/participants",
        response_model=list[ParticipantSummary],  # type: ignore[valid-type]
        operation_id="list_participants",
        responses=page_responses(responses(422)),
    )
    def list_participants(
        user: ClinicalReader,
        reg: RegistryDep,
        page: PageDep,
        request: Request,
        response: Response,
        site: SiteQuery = None,
        q: SiteQuery = None,
    ) -> Any:
        """The women of the token's sites by study ID, a page at a time (``site`` narrows
        to one, ``q`` searches IDs; ``Link`` names the next page)."""
        with reg.read() as connection:
            # One row past the page says whether another follows, without counting them all.
            # IDs only: a name matched would tell who is enrolled, and a substring at a time
            # spell her name out, through an API that carries no names.
            frame = records.list_participants(
                connection,
                user,
                site=site,
                search=q,
                search_names=False,
                limit=page.limit + 1,
                offset=page.offset,
            )
        set_page_headers(request, response, page, more=len(frame) > page.limit)
        # Names and phones stay on the pages: the API carries study data only.
        shown = frame.iloc[: page.limit].drop(columns=["full_name", "phone"], errors="ignore")
        return frame_records(shown)

    @router.post(
        "/participants",
        status_code=201,
        response_model=record,
        operation_id="create_participant",
        responses=responses(409, 422),
    )
    def create_participant(
        body: Annotated[create_body, Body()],  # type: ignore[valid-type]
        user: Enroller,
        reg: RegistryDep,
        response: Response,
    ) -> Any:
        """Enrol a woman: a participants row, at one of the token's sites."""
        values = cell_values(body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        with reg.write() as connection:
            if values.get("site") not in {code for code, _ in enrolment_sites(connection, user)}:
                raise _invalid(table, "site", values.get("site"), "choose one of your sites")
            saved = records.create(connection, user, table.name, values)
            rows = _her_rows(connection, user, saved.key)
        response.headers["Location"] = location(saved.key)
        return _record(rows, table, saved.key)

    @router.get(
        "/participants/{participant_id}",
        response_model=record,
        operation_id="get_participant",
        responses=responses(422),
    )
    def get_participant(
        participant_id: ParticipantId, user: ClinicalReader, reg: RegistryDep
    ) -> Any:
        """Her participants row."""
        with reg.read() as connection:
            rows = _her_rows(connection, user, participant_id)
        return _record(rows, table, participant_id)

    @router.patch(
        "/participants/{participant_id}",
        response_model=record,
        operation_id="update_participant",
        responses=responses(409, 422),
    )
    def update_participant(
        participant_id: ParticipantId,
        body: Annotated[update_body, Body()],  # type: ignore[valid-type]
        user: Enroller,
        reg: RegistryDep,
    ) -> Any:
        """Change her participants row: the version read and a reason are required."""
        return _update(reg, user, participant_id, table, participant_id, body)

    return router


def table_router(table: schema.Table) -> APIRouter:
    """List, add, read, change and delete a woman's rows of ``table``."""
    create_body, update_body, record = row_models(table)
    router = APIRouter(tags=[table.name])
    base = f"/participants/{{participant_id}}/{table.name}"
    noun = table.noun

    @router.get(
        base,
        response_model=list[record],  # type: ignore[valid-type]
        operation_id=f"list_{table.name}",
        responses=responses(422),
        summary=f"Her {table.name}",
    )
    def list_rows(participant_id: ParticipantId, user: ClinicalReader, reg: RegistryDep) -> Any:
        with reg.read() as connection:
            rows = _her_rows(connection, user, participant_id)
        return records_json(table, rows[table.name], key_column(table))

    @router.post(
        base,
        status_code=201,
        response_model=record,
        operation_id=f"create_{table.name}",
        responses=responses(409, 422),
        summary=f"Add {table.a_noun}",
    )
    def create_row(
        participant_id: ParticipantId,
        body: Annotated[create_body, Body()],  # type: ignore[valid-type]
        user: Enroller,
        reg: RegistryDep,
        response: Response,
    ) -> Any:
        values = cell_values(body.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
        if path_owned(table):
            values["participant_id"] = participant_id
        with reg.write() as connection:
            rows = _her_rows(connection, user, participant_id)
            check_parent_is_hers(rows, table, values)
            saved = records.create(connection, user, table.name, values)
            rows = _her_rows(connection, user, participant_id)
        response.headers["Location"] = (
            f"/api/v1{base.format(participant_id=participant_id)}/{saved.key}"
        )
        return _record(rows, table, saved.key)

    @router.get(
        base + "/{key}",
        response_model=record,
        operation_id=f"get_{table.name}",
        responses=responses(422),
        summary=f"One {noun}",
    )
    def get_row(
        participant_id: ParticipantId, key: RowKey, user: ClinicalReader, reg: RegistryDep
    ) -> Any:
        with reg.read() as connection:
            rows = _her_rows(connection, user, participant_id)
        return _record(rows, table, key)

    @router.patch(
        base + "/{key}",
        response_model=record,
        operation_id=f"update_{table.name}",
        responses=responses(409, 422),
        summary=f"Change {table.a_noun}",
    )
    def update_row(
        participant_id: ParticipantId,
        key: RowKey,
        body: Annotated[update_body, Body()],  # type: ignore[valid-type]
        user: Enroller,
        reg: RegistryDep,
    ) -> Any:
        return _update(reg, user, participant_id, table, key, body)

    @router.delete(
        base + "/{key}",
        status_code=204,
        response_class=Response,
        operation_id=f"delete_{table.name}",
        responses=responses(409, 422),
        summary=f"Delete {table.a_noun}",
    )
    def delete_row(
        participant_id: ParticipantId,
        key: RowKey,
        body: Annotated[Removal, Body()],
        user: Enroller,
        reg: RegistryDep,
    ) -> Response:
        with _her_row(reg, user, participant_id, table, key) as connection:
            records.delete(
                connection, user, table.name, key, version=body.version, reason=body.reason
            )
        return Response(status_code=204)

    for route in (list_rows, create_row, get_row, update_row, delete_row):
        route.__doc__ = f"{route.__name__.replace('_', ' ').capitalize()}: {table.description}."
    return router


def body_fields() -> dict[str, tuple[str, ...]]:
    """Each write route's body fields (for the pointers of its problems)."""
    out: dict[str, tuple[str, ...]] = {"/participants": schema.PARTICIPANTS.column_names}
    out["/participants/{participant_id}"] = (*schema.PARTICIPANTS.column_names, "version", "reason")
    for table in schema.TABLES[1:]:
        base = f"/participants/{{participant_id}}/{table.name}"
        out[base] = out[base + "/{key}"] = (*table.column_names, "version", "reason")
    return out


def routers() -> list[APIRouter]:
    """The routers of the eight tables."""
    return [participants_router(), *(table_router(t) for t in schema.TABLES[1:])]
