"""The telephone checklist: one guided form for a follow-up contact.

The page is a call: her name and phone number at the top (for the roles that may see
them), every condition to be answered. Saving writes the contact and everything in it in
one transaction (:func:`follicle.store.follow_up.checklist.save_checklist`) and marks the milestone
done; then a confirmation lists what was recorded and links to the next woman on the
worklist. Errors come back as problems whose ``column`` is the form field's name; the page
is rendered again from what was posted, so every value entered is kept, with the questions
left unanswered listed at the top. The form sent again (Back, then save) is acknowledged as
saved when its answers are the same, and shown as a conflict when they differ. Pregnancy,
infant and IVF-cycle blocks are added with HTMX (each answer also brings the next "add"
button, out of band).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from follicle.errors import Conflict, WorkbookInvalid
from follicle.store import records
from follicle.store.follow_up import checklist, worklist
from follicle.web.checklist_fields import nest
from follicle.web.deps import Enroller, FormDep, RegistryDep
from follicle.web.forms import errors_by_field, text_fields
from follicle.web.pages import render
from follicle.workbook import schema

router = APIRouter()

#: What the checklist template needs of the schema (the vocabularies come from there).
SCHEMA = {
    "contacts": schema.CONTACTS,
    "conditions": schema.CONDITIONS,
    "pregnancies": schema.PREGNANCIES,
    "infants": schema.INFANTS,
    "ivf_cycles": schema.IVF_CYCLES,
    "infant_conditions": schema.INFANT_CONDITIONS_TABLE,
    "maternal_conditions": schema.MATERNAL_CONDITIONS,
    "infant_condition_words": schema.INFANT_CONDITIONS,
}

ANSWERS = ("yes", "no", "unknown")


def _context(
    pid: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    who: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    return {
        "nav": "worklist",
        "pid": pid,
        "who": who,
        "v": values,
        "errors": errors,
        "answers": ANSWERS,
        **SCHEMA,
    }


@router.get("/participants/{participant_id}/checklist")
def checklist_form(
    request: Request, participant_id: str, user: Enroller, reg: RegistryDep, milestone: str = ""
) -> Response:
    """A blank checklist for her (404 for an unknown ID or a woman of another site)."""
    with reg.read() as connection:
        records.participant(connection, user, participant_id)  # her site is the user's
        who = _who(connection, user, participant_id)
    values = {
        "form_token": checklist.ChecklistForm.new_token(),
        "contact_date": date.today().isoformat(),
        "mode": "phone",
        "milestone": milestone,
        "vital_status": "alive",
        "pregnancies": [],
        "ivf_cycles": [],
    }
    return render(request, "checklist.html", _context(participant_id, values, {}, who))


def _who(connection: Any, user: Any, participant_id: str) -> tuple[str, str]:
    """Her name and phone for the roles that may see them, else empty."""
    return worklist.identities(connection, user, [participant_id]).get(participant_id, ("", ""))


def _unanswered(errors: dict[str, list[str]]) -> list[str]:
    """The questions left unanswered, as the error messages name them."""
    return [
        m.removeprefix("not answered: ").removesuffix(" (yes, no or unknown)")
        for messages in errors.values()
        for m in messages
        if m.startswith("not answered: ")
    ]


#: The largest checklist POST, in bytes. A full form with every block and long notes is a
#: few tens of KiB; the bound keeps one request from holding a worker with megabytes of
#: fields (the block count is bounded too: :data:`follicle.store.follow_up.checklist.MAX_BLOCKS`).
MAX_FORM_BYTES = 256 * 1024


@router.post("/participants/{participant_id}/checklist", max_body_size=MAX_FORM_BYTES)
def save(
    request: Request, participant_id: str, user: Enroller, reg: RegistryDep, form: FormDep
) -> Response:
    """Save the contact and everything in it, all or nothing."""
    fields = text_fields(form)
    fields.pop("csrf_token", None)
    fields["participant_id"] = participant_id  # the URL's woman, whatever the form says
    values = nest(fields)
    try:
        # Validate outside the write lock; the save re-checks, under the lock, that none of
        # her rows moved meanwhile (and validates again if one did).
        with reg.checking() as connection:
            # 404 unless hers: her site only (reading all her rows here, as the page of her
            # record does, would double the save's reads; the check reads what it needs).
            # Before the form is read: a form refused is shown again with her name and phone.
            records.visible_site(connection, user, participant_id)
            filled = checklist.ChecklistForm.from_form(fields)
            try:
                checked: checklist.CheckedChecklist | None = checklist.check_checklist(
                    connection, user, filled
                )
            except WorkbookInvalid:
                # A form sent twice is known by its token only in the save, which then
                # writes nothing; any other invalid form is refused there, as here.
                checked = None
        with reg.write() as connection:
            outcome = checklist.save_checklist(connection, user, filled, checked=checked)
    except (WorkbookInvalid, Conflict) as exc:
        errors = errors_by_field(exc.problems)
        if isinstance(exc, Conflict) and not exc.problems:
            errors[""] = [str(exc)]
        missing = _unanswered(errors)
        if missing:
            errors.setdefault("", []).insert(
                0, f"{len(missing)} question(s) not answered: {', '.join(missing)}."
            )
        with reg.read() as connection:
            who = _who(connection, user, participant_id)
        status = 409 if isinstance(exc, Conflict) else 422
        return render(
            request,
            "checklist.html",
            _context(participant_id, values, errors, who),
            status_code=status,
        )
    again = "&again=1" if outcome.repeated else ""
    return RedirectResponse(
        f"/participants/{quote(participant_id, safe='')}/checklist/saved"
        f"?token={quote(filled.form_token, safe='')}{again}",
        status_code=303,
    )


@router.get("/participants/{participant_id}/checklist/saved")
def saved(
    request: Request,
    participant_id: str,
    user: Enroller,
    reg: RegistryDep,
    token: str = "",
    again: bool = False,
) -> Response:
    """What the checklist recorded, and the next call on the worklist (404 unless this
    form was saved for her, at one of the user's sites)."""
    with reg.read() as connection:
        recorded = checklist.saved_checklist(connection, user, participant_id, token)
        calls = worklist.worklist_page(
            connection, user, today=date.today(), per_page=2, cache=reg.schedule
        )
        rows = calls.rows[calls.rows["participant_id"].astype(str) != participant_id]
        following = None
        if len(rows):
            row = rows.iloc[0]
            pid = str(row["participant_id"])
            name, phone = _who(connection, user, pid)
            following = {
                "pid": pid,
                "kind": str(row["kind"]),
                "label": str(row["label"]),
                "window_end": row["window_end"].date().isoformat(),
                "name": name,
                "phone": phone,
            }
        who = _who(connection, user, participant_id)
    return render(
        request,
        "checklist_saved.html",
        {
            "nav": "worklist",
            "pid": participant_id,
            "who": who,
            "recorded": recorded,
            "again": again,
            "following": following,
            "calls": calls.counts["calls"],
        },
    )


@router.get("/checklist/blocks/pregnancy")
def pregnancy_block(request: Request, user: Enroller, index: int = 0) -> Response:
    """An empty pregnancy block (HTMX), with the next "add pregnancy" button out of band."""
    return render(
        request, "_checklist_block.html", {**_context("", {}, {}), "kind": "pregnancy", "i": index}
    )


@router.get("/checklist/blocks/infant")
def infant_block(request: Request, user: Enroller, pregnancy: int = 0, index: int = 0) -> Response:
    """An empty infant block of pregnancy ``pregnancy`` (HTMX)."""
    return render(
        request,
        "_checklist_block.html",
        {**_context("", {}, {}), "kind": "infant", "i": pregnancy, "j": index},
    )


@router.get("/checklist/blocks/ivf")
def ivf_block(request: Request, user: Enroller, index: int = 0) -> Response:
    """An empty IVF-cycle block (HTMX)."""
    return render(
        request, "_checklist_block.html", {**_context("", {}, {}), "kind": "ivf", "i": index}
    )
