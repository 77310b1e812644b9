"""The telephone checklist as one JSON document: a contact and everything learnt in it.

The body nests as the form does (:mod:`follicle.store.follow_up.checklist`)::

    {"form_token": "…", "contact_date": "2026-03-01", "mode": "phone", "milestone": "12m",
     "menses": "regular", "vital_status": "alive",
     "conditions": {"ovarian_cyst": {"answer": "yes", "diagnosis_date": "2026-01-10"}},
     "ivf_cycles": [{"start_date": "…", "oocytes_retrieved": 3}],
     "pregnancies": [{"conception_date": "…", "mode": "ivf", "ivf_cycle_id": "ivf_cycles[0]",
                      "outcome": "live_birth", "outcome_date": "…",
                      "infants": [{"birth_date": "…", "sex": "female",
                                   "conditions": {"jaundice": {"answer": "no"}}}]}]}

Field types come from the workbook columns of the same name; the condition keys are the
schema's vocabularies. It is saved all or nothing by the same functions as the page
(:func:`~follicle.store.follow_up.checklist.check_checklist`, then
:func:`~follicle.store.follow_up.checklist.save_checklist`); a problem's pointer names the field
(``#/pregnancies/0/outcome_date``). Sending the same ``form_token`` twice saves once.
Blocks are bounded (:data:`MAX_PREGNANCIES`, :data:`MAX_INFANTS`, :data:`MAX_CYCLES`), so a
request costs what a real contact holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, create_model

from follicle.errors import WorkbookInvalid
from follicle.store import records
from follicle.store.follow_up import checklist
from follicle.web.api.auth import Enroller
from follicle.web.api.models import TEXT_MAX, Forbid, Text, cell_values, optional_field
from follicle.web.api.problems import responses
from follicle.web.api.records import ParticipantId
from follicle.web.deps import RegistryDep
from follicle.workbook import schema

router = APIRouter(tags=["checklist"])

#: The most blocks one contact may report: the checklist's own bounds (the page's too).
MAX_PREGNANCIES = checklist.MAX_BLOCKS["pregnancies"]
MAX_INFANTS = checklist.MAX_BLOCKS["infants"]
MAX_CYCLES = checklist.MAX_BLOCKS["ivf_cycles"]


def _scalars(
    name: str, form: type, table: schema.Table, *, omit: Collection[str] = (), **extra: Any
) -> type[BaseModel]:
    """A model of the dataclass ``form``'s text fields, typed as ``table``'s columns
    (``omit``: fields the form has that this table does not keep)."""
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(form):
        if f.name in extra or f.name in omit or f.name == "participant_id":
            continue
        if f.name in table.column_names:
            fields[f.name] = optional_field(table.column(f.name))
        elif f.type in ("str", str):
            fields[f.name] = (
                Annotated[Text, Field(max_length=TEXT_MAX)] | None,
                None,
            )
    fields.update(extra)
    return create_model(name, __base__=Forbid, **fields)


def _answers(name: str, vocabulary: tuple[str, ...], table: schema.Table) -> type[BaseModel]:
    """One optional answer per condition of ``vocabulary``: ``answer`` and the details that
    ``table`` keeps (an infant's condition has no during_pregnancy or resolved: sent, they
    are refused as unknown fields, not dropped)."""
    details = {f.name for f in dataclasses.fields(checklist.ConditionAnswer)} - {"answer"}
    answer = _scalars(
        f"{name}Answer",
        checklist.ConditionAnswer,
        table,
        omit=details - set(table.column_names),
        answer=(Literal[checklist.ANSWERS] | None, None),
    )
    fields: dict[str, Any] = dict.fromkeys(vocabulary, (answer | None, None))
    return create_model(name, __base__=Forbid, **fields)


InfantConditions = _answers(
    "InfantConditions", schema.INFANT_CONDITIONS, schema.INFANT_CONDITIONS_TABLE
)
MaternalConditions = _answers("MaternalConditions", schema.MATERNAL_CONDITIONS, schema.CONDITIONS)
ChecklistInfant = _scalars(
    "ChecklistInfant",
    checklist.InfantForm,
    schema.INFANTS,
    conditions=(InfantConditions | None, None),
)
ChecklistPregnancy = _scalars(
    "ChecklistPregnancy",
    checklist.PregnancyForm,
    schema.PREGNANCIES,
    infants=(list[ChecklistInfant] | None, Field(None, max_length=MAX_INFANTS)),  # type: ignore[valid-type]
)
ChecklistCycle = _scalars("ChecklistCycle", checklist.IvfCycleForm, schema.IVF_CYCLES)
Checklist = _scalars(
    "Checklist",
    checklist.ChecklistForm,
    schema.CONTACTS,
    form_token=(
        Annotated[Text, Field(min_length=1, max_length=200)] | None,
        Field(None, description="a random token; the same token twice saves once"),
    ),
    conditions=(MaternalConditions | None, None),
    pregnancies=(list[ChecklistPregnancy] | None, Field(None, max_length=MAX_PREGNANCIES)),  # type: ignore[valid-type]
    ivf_cycles=(list[ChecklistCycle] | None, Field(None, max_length=MAX_CYCLES)),  # type: ignore[valid-type]
)


class ChecklistSaved(BaseModel):
    """The contact the checklist wrote (or, sent twice, the one it wrote the first time)."""

    participant_id: str
    contact_key: str = Field(description="the contact's row number (/contacts/{key})")
    version: int


def flat_fields(value: Any, prefix: str = "") -> dict[str, str]:
    """The nested body as the form's flat field names (``pregnancies[0].infants[1].sex``)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flat_fields(item, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.update(flat_fields(item, f"{prefix}[{index}]"))
    elif value is not None:
        out.update(cell_values({prefix: value}))
    return out


@router.post(
    "/participants/{participant_id}/checklist",
    status_code=201,
    response_model=ChecklistSaved,
    operation_id="save_checklist",
    responses=responses(409, 422),
)
def save_checklist(
    participant_id: ParticipantId,
    body: Annotated[Checklist, Body()],  # type: ignore[valid-type]
    user: Enroller,
    reg: RegistryDep,
) -> Any:
    """Save a follow-up contact and everything in it, all or nothing."""
    fields = flat_fields(body.model_dump(exclude_none=True))  # type: ignore[attr-defined]
    fields["participant_id"] = participant_id
    fields.setdefault("form_token", checklist.ChecklistForm.new_token())
    filled = checklist.ChecklistForm.from_form(fields)
    with reg.checking() as connection:
        # 404 unless hers: her site only (reading all her rows here, as the page of her
        # record does, would double the save's reads; the check reads what it needs).
        records.visible_site(connection, user, participant_id)
        try:
            checked: checklist.CheckedChecklist | None = checklist.check_checklist(
                connection, user, filled
            )
        except WorkbookInvalid:
            checked = None  # as on the page: the save refuses it, or knows the token
    with reg.write() as connection:
        saved = checklist.save_checklist(connection, user, filled, checked=checked)
    return {"participant_id": participant_id, "contact_key": saved.key, "version": saved.version}
