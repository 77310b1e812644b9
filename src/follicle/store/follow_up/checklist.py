"""The telephone checklist: one follow-up contact and everything learnt in it, saved at once.

A :class:`ChecklistForm` is what the midwife fills in on the phone (or the coordinator at
a visit): the contact (date, mode, milestone, menses, vital status), every maternal
condition of the vocabulary (yes / no / unknown, with date, during pregnancy, resolved),
the pregnancies since the last contact (with their outcome and infants, and each infant's
health checklist) and the IVF cycles. :func:`save_checklist` turns it into workbook rows —
one contact (``checklist_complete`` = yes), a condition row per condition answered *yes*,
the cycles, pregnancies, infants and infant conditions — validates them together with the
woman's rows already in the registry by the workbook's own rules, and writes them in the
caller's transaction, audited. A problem names the form field it is about
(``pregnancies[0].outcome_date``, ``conditions.ovarian_cyst.diagnosis_date``), so that the
form can show it beside the field.

The contact row carries the milestone (``3m``, ``6m``, ``12m``, ``annual``, …), which is
what marks the schedule's milestone done (:mod:`follicle.store.follow_up.schedule`).

**Every condition answered.** Each maternal condition of the vocabulary, and each infant
condition of every infant in the form, must be answered yes, no or unknown: a form with any
question left unanswered is refused with one ``required`` problem per missing answer, and
nothing is saved.

**Submitted twice** (a double click, a retried request, the browser's Back and save again):
the form carries a random ``form_token``; the first save records it with the SHA-256 of the
answers (:meth:`ChecklistForm.content_hash`). A second save with the same token and the same
answers writes nothing and returns the first save's contact (:attr:`SaveOutcome.repeated`);
with other answers it is a :class:`~follicle.errors.Conflict` naming the contact already
saved — never a second contact, never a silent drop.

Field names of the flat form (:meth:`ChecklistForm.from_form`)::

    participant_id, form_token, contact_date, mode, milestone, menses, vital_status
    conditions.<condition>.answer | diagnosis_date | during_pregnancy | resolved | notes
    ivf_cycles[i].start_date | oocytes_retrieved | embryos_transferred | cancelled
    pregnancies[i].conception_date | mode | ivf_cycle_id | fetuses | outcome | outcome_date
        | gestational_weeks
    pregnancies[i].infants[j].birth_date | sex | birth_weight_g | gestational_weeks
        | death_date
    pregnancies[i].infants[j].conditions.<condition>.answer | diagnosis_date | notes

``pregnancies[i].ivf_cycle_id`` names a cycle already in the registry, or ``ivf_cycles[k]``
for a cycle entered in the same form.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from follicle.errors import Conflict, NotFound, PermissionDenied, Problem, WorkbookInvalid
from follicle.store.access.accounts import User
from follicle.store.audit_log.chain import append_entries, utc
from follicle.store.records import (
    Saved,
    audit_key,
    audit_row,
    lock_for_write,
    new_key,
    visible_site,
)
from follicle.store.tables import (
    ROW_ID,
    VERSION,
    WORKBOOK_TABLES,
    audit_log,
    checklist_submissions,
    key_of_hers,
)
from follicle.store.woman import (
    Change,
    Validated,
    Versions,
    frame_versions,
    row_versions,
    tables_needed,
    typed_row,
    validate_change,
    woman_rows,
)
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

#: The answers of a condition question; only ``yes`` writes a row.
ANSWERS = ("yes", "no", "unknown")

_INDEXED = re.compile(r"^(\w+)\[(\d+)\]\.(.+)$")

#: The most blocks one contact may hold, by kind: far beyond any woman's news since her
#: last contact, and a bound on the work a form can ask for (each block is a row to
#: validate; an index of 100,000 would otherwise be 100,000 empty blocks).
MAX_BLOCKS = {"pregnancies": 12, "infants": 8, "ivf_cycles": 24}


@dataclass
class ConditionAnswer:
    """One condition question: ``answer`` yes / no / unknown (``""`` not asked) and, for
    yes, its details (cell text)."""

    answer: str = ""
    diagnosis_date: str = ""
    during_pregnancy: str = ""
    resolved: str = ""
    notes: str = ""


@dataclass
class InfantForm:
    """One infant of a pregnancy and its health checklist (by infant condition)."""

    birth_date: str = ""
    sex: str = ""
    birth_weight_g: str = ""
    gestational_weeks: str = ""
    death_date: str = ""
    conditions: dict[str, ConditionAnswer] = field(default_factory=dict)


@dataclass
class PregnancyForm:
    """One pregnancy since the last contact."""

    conception_date: str = ""
    mode: str = ""
    ivf_cycle_id: str = ""
    fetuses: str = ""
    outcome: str = ""
    outcome_date: str = ""
    gestational_weeks: str = ""
    infants: list[InfantForm] = field(default_factory=list)


@dataclass
class IvfCycleForm:
    """One IVF cycle since the last contact."""

    start_date: str = ""
    oocytes_retrieved: str = ""
    embryos_transferred: str = ""
    cancelled: str = ""


@dataclass
class ChecklistForm:
    """A follow-up contact with everything asked in it; every value is cell text."""

    participant_id: str
    contact_date: str = ""
    mode: str = ""
    milestone: str = ""
    menses: str = ""
    vital_status: str = ""
    conditions: dict[str, ConditionAnswer] = field(default_factory=dict)
    pregnancies: list[PregnancyForm] = field(default_factory=list)
    ivf_cycles: list[IvfCycleForm] = field(default_factory=list)
    form_token: str = ""

    @staticmethod
    def new_token() -> str:
        """A random token to put in a rendered form (see the module docstring)."""
        return secrets.token_urlsafe(24)

    def content_hash(self) -> str:
        """SHA-256 (hex) of everything the form says but its token: two sendings of one
        rendered form are the same call exactly when their hashes are equal."""
        content = _plain(self)
        content.pop("form_token", None)
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_form(cls, fields: Mapping[str, str]) -> ChecklistForm:
        """The form from its flat field names (see the module docstring); unknown names are
        ignored, missing ones are empty."""
        form = cls(participant_id=str(fields.get("participant_id", "")).strip())
        for name in ("contact_date", "mode", "milestone", "menses", "vital_status", "form_token"):
            setattr(form, name, str(fields.get(name, "")).strip())
        too_many = _beyond_bounds(fields)
        if too_many:
            raise WorkbookInvalid(too_many)
        for name, value in fields.items():
            _place(form, name, str(value))
        return form


def _beyond_bounds(fields: Mapping[str, str]) -> list[Problem]:
    """A problem for each kind of block whose index passes :data:`MAX_BLOCKS` (one pass
    over the field names, before any block is made).

    Raises nothing itself: :meth:`ChecklistForm.from_form` raises them together.
    """
    worst: dict[str, tuple[int, str]] = {}
    for name in fields:
        outer = _INDEXED.match(name)
        if outer is None:
            continue
        found = [(outer.group(1), int(outer.group(2)), name)]
        inner = _INDEXED.match(outer.group(3))
        if inner is not None:
            found.append((inner.group(1), int(inner.group(2)), name))
        for kind, index, field_name in found:
            limit = MAX_BLOCKS.get(kind)
            if limit is not None and index >= limit and index > worst.get(kind, (-1, ""))[0]:
                worst[kind] = (index, field_name)
    return [
        Problem(
            kind,
            None,
            "",
            field_name,
            "too_many_blocks",
            f"one contact can record at most {MAX_BLOCKS[kind]} {kind.replace('_', ' ')}"
            + (" per pregnancy" if kind == "infants" else "")
            + ": record the others at another contact",
        )
        for kind, (_index, field_name) in worst.items()
    ]


def _grow(items: list[Any], index: int, make: type) -> Any:
    while len(items) <= index:
        items.append(make())
    return items[index]


def _set_condition(conditions: dict[str, ConditionAnswer], rest: str, value: str) -> None:
    code, _, attribute = rest.partition(".")
    if attribute in ConditionAnswer.__dataclass_fields__:
        answer = conditions.setdefault(code, ConditionAnswer())
        setattr(answer, attribute, value.strip() if attribute != "notes" else value)


def _place(form: ChecklistForm, name: str, value: str) -> None:
    """Put one flat field into the nested form."""
    if name.startswith("conditions."):
        _set_condition(form.conditions, name[len("conditions.") :], value)
        return
    match = _INDEXED.match(name)
    if match is None:
        return
    group, index, rest = match.group(1), int(match.group(2)), match.group(3)
    if group == "ivf_cycles" and rest in IvfCycleForm.__dataclass_fields__:
        setattr(_grow(form.ivf_cycles, index, IvfCycleForm), rest, value.strip())
    elif group == "pregnancies":
        pregnancy = _grow(form.pregnancies, index, PregnancyForm)
        inner = _INDEXED.match(rest)
        if inner is not None and inner.group(1) == "infants":
            infant = _grow(pregnancy.infants, int(inner.group(2)), InfantForm)
            detail = inner.group(3)
            if detail.startswith("conditions."):
                _set_condition(infant.conditions, detail[len("conditions.") :], value)
            elif detail in InfantForm.__dataclass_fields__ and detail != "conditions":
                setattr(infant, detail, value.strip())
        elif rest in PregnancyForm.__dataclass_fields__ and rest != "infants":
            setattr(pregnancy, rest, value.strip())


# -- form → rows -----------------------------------------------------------------------


@dataclass
class _Rows:
    """The rows of a form per table, and for each row the form path it came from."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, str], path: str) -> None:
        self.rows.setdefault(table, []).append(row)
        self.paths.setdefault(table, []).append(path)


#: Which form field a workbook column is, per table (default: the same name).
_FIELD_OF: dict[str, dict[str, str | None]] = {
    "conditions": {"condition": "answer", "participant_id": None},
    "infant_conditions": {"condition": "answer", "infant_id": None},
    "pregnancies": {"pregnancy_id": None, "participant_id": None},
    "infants": {"infant_id": None, "pregnancy_id": None},
    "ivf_cycles": {"cycle_id": None, "participant_id": None},
    "contacts": {"participant_id": "participant_id"},
}


def _problems(
    answers: dict[str, ConditionAnswer], vocabulary: tuple[str, ...], path: str
) -> list[Problem]:
    table = "infant_conditions" if path else "conditions"
    found = [
        Problem(
            table,
            None,
            f"{path}conditions.{code}.answer",
            None,
            "required",
            f"not answered: {code.replace('_', ' ')} (yes, no or unknown)",
        )
        for code in vocabulary
        if code not in answers or not answers[code].answer
    ]
    for code, answer in answers.items():
        where = f"{path}conditions.{code}"
        if code not in vocabulary:
            found.append(
                Problem(
                    "conditions",
                    None,
                    where,
                    code,
                    "not_in_vocabulary",
                    f"{code} is not a condition of the checklist",
                )
            )
        elif answer.answer not in ("", *ANSWERS):
            found.append(
                Problem(
                    "conditions",
                    None,
                    f"{where}.answer",
                    answer.answer,
                    "not_in_vocabulary",
                    "answer yes, no or unknown",
                )
            )
    return found


def _condition_rows(
    rows: _Rows,
    table: str,
    owner: dict[str, str],
    answers: dict[str, ConditionAnswer],
    path: str,
    infant: bool,
) -> None:
    for code, answer in answers.items():
        if answer.answer != "yes":
            continue
        row = {
            **owner,
            "condition": code,
            "diagnosis_date": answer.diagnosis_date,
            "notes": answer.notes,
        }
        if not infant:
            row |= {"during_pregnancy": answer.during_pregnancy, "resolved": answer.resolved}
        rows.add(table, row, f"{path}conditions.{code}")


def _form_rows(connection: Connection, form: ChecklistForm, pid: str) -> _Rows:
    """The workbook rows of the form, with new keys for cycles, pregnancies and infants."""
    rows = _Rows()
    rows.add(
        "contacts",
        {
            "participant_id": pid,
            "contact_date": form.contact_date,
            "mode": form.mode,
            "milestone": form.milestone,
            "menses": form.menses,
            "checklist_complete": "yes",
            "vital_status": form.vital_status,
        },
        "",
    )
    _condition_rows(rows, "conditions", {"participant_id": pid}, form.conditions, "", infant=False)
    # The free keys are looked up only when the form has such blocks (a query each).
    first_cycle = _number(new_key(connection, "ivf_cycles", pid)) if form.ivf_cycles else 1
    cycle_ids = [f"{pid}-C{first_cycle + i}" for i in range(len(form.ivf_cycles))]
    for i, (cycle, cycle_id) in enumerate(zip(form.ivf_cycles, cycle_ids, strict=True)):
        rows.add(
            "ivf_cycles",
            {"cycle_id": cycle_id, "participant_id": pid, **_fields(cycle)},
            f"ivf_cycles[{i}].",
        )
    first_pregnancy = _number(new_key(connection, "pregnancies", pid)) if form.pregnancies else 1
    for i, pregnancy in enumerate(form.pregnancies):
        pregnancy_id = f"{pid}-P{first_pregnancy + i}"
        cycle_id = pregnancy.ivf_cycle_id
        linked = re.fullmatch(r"ivf_cycles\[(\d+)\]", cycle_id)
        if linked is not None and int(linked.group(1)) < len(cycle_ids):
            cycle_id = cycle_ids[int(linked.group(1))]
        values = {k: v for k, v in _fields(pregnancy).items() if k != "infants"}
        rows.add(
            "pregnancies",
            {
                "pregnancy_id": pregnancy_id,
                "participant_id": pid,
                **values,
                "ivf_cycle_id": cycle_id,
            },
            f"pregnancies[{i}].",
        )
        for j, infant in enumerate(pregnancy.infants):
            infant_id = f"{pregnancy_id}-I{j + 1}"
            path = f"pregnancies[{i}].infants[{j}]."
            values = {k: v for k, v in _fields(infant).items() if k != "conditions"}
            rows.add(
                "infants", {"infant_id": infant_id, "pregnancy_id": pregnancy_id, **values}, path
            )
            _condition_rows(
                rows,
                "infant_conditions",
                {"infant_id": infant_id},
                infant.conditions,
                path,
                infant=True,
            )
    return rows


def _number(key: str) -> int:
    return int(re.findall(r"\d+$", key)[0])


def _plain(item: Any) -> Any:
    """The form's dataclasses as dicts and lists, as ``dataclasses.asdict`` makes them (the
    same content hash), without its deep copy of every string (a tenth of a save's work)."""
    if hasattr(item, "__dataclass_fields__"):
        return {f.name: _plain(getattr(item, f.name)) for f in fields(item)}
    if isinstance(item, list | tuple):
        return type(item)(_plain(v) for v in item)
    if isinstance(item, dict):
        return {k: _plain(v) for k, v in item.items()}
    return item


def _fields(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


def _positions(validated_rows: Mapping[str, list[int]]) -> dict[str, dict[int, int]]:
    """Per table, each validated row number → its position among the form's rows."""
    return {
        table: {row: i for i, row in enumerate(found)} for table, found in validated_rows.items()
    }


def _on_form(problem: Problem, rows: _Rows, positions: Mapping[str, Mapping[int, int]]) -> Problem:
    """The problem with ``column`` naming its form field (rows not from the form: no field).

    ``positions`` is :func:`_positions` of the validation, so that each problem is placed
    in constant time: a lookup by list position here made a form with many problems cost
    the square of their number.
    """
    table = problem.file
    position = None if problem.row is None else positions.get(table, {}).get(problem.row)
    if position is None:
        return Problem(
            problem.file, problem.row, None, problem.value, problem.rule, problem.message
        )
    path = rows.paths[table][position]
    column = problem.column
    renamed = _FIELD_OF.get(table, {})
    if column is not None and column in renamed:
        column = renamed[column]
    if table in ("conditions", "infant_conditions"):
        where = path if column is None else f"{path}.{column}"
    else:
        where = path.rstrip(".") if column is None else f"{path}{column}"
    return Problem(
        problem.file, problem.row, where or None, problem.value, problem.rule, problem.message
    )


# -- saving ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SaveOutcome(Saved):
    """The contact a checklist saved; ``repeated`` when this sending of the form found it
    saved already (same token, same answers) and wrote nothing."""

    repeated: bool = False


def earlier_save(
    connection: Connection, token: str, participant_id: str
) -> tuple[int, str | None, Any] | None:
    """The save of her form with ``token``: (contact row id, content hash, when), or
    ``None`` if it was never saved.

    Raises
    ------
    Conflict
        ``token`` was saved for another woman. Tokens are unique across the registry; the
        message tells nothing of that save (it may be of a site the actor may not see).
    """
    if not token:
        return None
    found = connection.execute(_EARLIER_SAVE, {"token": token}).first()
    if found is None:
        return None
    if found[3] != participant_id:
        raise Conflict(
            "this form's token was used already, for another save; nothing was changed. "
            "Start a new checklist (a form token of its own, e.g. a random UUID) for this call"
        )
    return int(found[0]), found[1], found[2]


#: The save of a form token (built once: every save asks).
_EARLIER_SAVE = select(
    checklist_submissions.c.contact_row_id,
    checklist_submissions.c.content_hash,
    checklist_submissions.c.at,
    checklist_submissions.c.participant_id,
).where(checklist_submissions.c.token == bindparam("token"))


@dataclass(frozen=True)
class CheckedChecklist:
    """A form validated against her rows as they were (:func:`check_checklist`): its rows,
    where the validation put them, the (key, version) of every row of hers it read, and
    the actor it found her visible to."""

    participant_id: str
    rows: _Rows
    validated: Validated
    versions: Versions
    actor: User


def check_checklist(connection: Connection, actor: User, form: ChecklistForm) -> CheckedChecklist:
    """Validate the form against her rows in the registry, writing nothing.

    Only reads, so it can run before the write lock, in a transaction of its own;
    :func:`save_checklist` then writes it if none of the rows it read has moved since.

    Raises
    ------
    WorkbookInvalid, NotFound, PermissionDenied
        As :func:`save_checklist`.
    """
    if not actor.can_write:
        raise PermissionDenied(f"a {actor.role} cannot record follow-up contacts")
    pid = form.participant_id.strip()
    visible_site(connection, actor, pid)
    problems = _problems(form.conditions, MATERNAL_CONDITIONS, "")
    for i, pregnancy in enumerate(form.pregnancies):
        for j, infant in enumerate(pregnancy.infants):
            problems += _problems(
                infant.conditions, INFANT_CONDITIONS, f"pregnancies[{i}].infants[{j}]."
            )
    rows = _form_rows(connection, form, pid)
    # Her rows of the tables the form adds to and of those their rules read; no others.
    woman = woman_rows(connection, pid, tables_needed(rows.rows))
    changes = [Change(table, added=found) for table, found in rows.rows.items()]
    checked = validate_change(woman, changes)
    positions = _positions(checked.rows)
    problems += [_on_form(p, rows, positions) for p in checked.problems]
    if problems:
        raise WorkbookInvalid(problems)
    return CheckedChecklist(pid, rows, checked, frame_versions(woman), actor)


def save_checklist(
    connection: Connection,
    actor: User,
    form: ChecklistForm,
    *,
    checked: CheckedChecklist | None = None,
) -> SaveOutcome:
    """Save the contact and every row of the form in the caller's transaction; audited.

    Returns the contact (``table`` ``contacts``, ``key`` its ``row_id``). A form whose
    ``form_token`` was saved already with the same answers writes nothing and returns that
    save's contact with ``repeated`` set.

    ``checked``: the form's :func:`check_checklist`, run before this transaction (so that
    the write lock is held for the writes alone). It is used if none of her rows that it
    read has been added, changed or deleted since — checked under the lock, so no save can
    slip in between; otherwise (or without it) the form is validated again under the lock.

    Raises
    ------
    WorkbookInvalid
        The rows break the workbook's rules; each problem's ``column`` is the form field.
    NotFound
        The woman does not exist or is of a site the actor may not see.
    PermissionDenied
        The actor may not write.
    Conflict
        The form's token was saved already with other answers.
    """
    if not actor.can_write:
        raise PermissionDenied(f"a {actor.role} cannot record follow-up contacts")
    lock_for_write(connection)
    pid = form.participant_id.strip()
    # The check before the lock found her visible to this actor; if her participants row
    # (her site) and every other row it read are as they were, she still is.
    current = (
        checked is not None
        and checked.participant_id == pid
        and checked.actor == actor
        and "participants" in checked.versions
        and row_versions(connection, pid, checked.versions) == checked.versions
    )
    if not current:
        visible_site(connection, actor, pid)
    digest = form.content_hash()
    earlier = earlier_save(connection, form.form_token, pid)
    if earlier is not None:
        contact_id, saved_digest, when = earlier
        if saved_digest is not None and saved_digest != digest:
            raise Conflict(
                f"this form was saved already (contact {contact_id}, at "
                f"{utc(when):%Y-%m-%d %H:%M} UTC) with other answers; nothing was changed. "
                "Open the saved contact to correct it, or start a new checklist for "
                "another call"
            )
        contacts = WORKBOOK_TABLES["contacts"]
        version = connection.execute(
            select(contacts.c[VERSION]).where(contacts.c[ROW_ID] == contact_id)
        ).scalar_one_or_none()
        return SaveOutcome("contacts", str(contact_id), int(version or 1), repeated=True)

    if not current or checked is None:
        checked = check_checklist(connection, actor, form)
    rows, validated = checked.rows, checked.validated

    at = datetime.now(UTC)
    entries: list[dict[str, Any]] = []
    contact_key = ""
    for table in (
        "contacts",
        "conditions",
        "ivf_cycles",
        "pregnancies",
        "infants",
        "infant_conditions",
    ):
        if table not in rows.rows:
            continue
        sql = WORKBOOK_TABLES[table]
        frame = validated.frames[table]
        typed = [{**typed_row(frame, r), VERSION: 1} for r in validated.rows[table]]
        key_column = sql.primary_key.columns.keys()[0]
        # One row (the contact, as a rule) as one statement: a list of one goes through
        # SQLAlchemy's batching of many rows, which costs more than the insert itself.
        keys = (
            connection.execute(
                insert(sql).returning(sql.c[key_column], sort_by_parameter_order=True),
                typed[0] if len(typed) == 1 else typed,
            )
            .scalars()
            .all()
        )
        for row, key in zip(typed, keys, strict=True):
            stored = {**row, key_column: key}
            if table == "contacts":
                contact_key = str(key)
            entries.append(
                {
                    "at": at,
                    "actor": actor.username,
                    "action": "create",
                    "table_name": table,
                    "record_key": audit_key(table, pid, str(key)),
                    "after": audit_row(table, stored),
                    "reason": "telephone checklist"
                    if form.mode == "phone"
                    else "follow-up checklist",
                }
            )
    if form.form_token:
        connection.execute(
            insert(checklist_submissions),
            {
                "token": form.form_token,
                "participant_id": pid,
                "contact_row_id": int(contact_key),
                "at": at,
                "content_hash": digest,
            },
        )
    append_entries(connection, entries)
    return SaveOutcome("contacts", contact_key, 1)


def saved_checklist(
    connection: Connection, actor: User, participant_id: str, token: str
) -> dict[str, list[dict[str, Any]]]:
    """What the checklist sent with ``token`` recorded for her: the rows it wrote, by table
    (``contacts`` first), as its audit entries hold them (so the confirmation shows what
    was written, not what the form said).

    Raises
    ------
    NotFound
        No such save of hers (or she is of a site the actor may not see).
    """
    visible_site(connection, actor, participant_id)
    found = connection.execute(
        select(checklist_submissions.c.at).where(
            checklist_submissions.c.token == token,
            checklist_submissions.c.participant_id == participant_id,
        )
    ).scalar_one_or_none()
    if not token or found is None:
        raise NotFound(f"no checklist saved for {participant_id} with this form")
    entries = connection.execute(
        select(audit_log.c.table_name, audit_log.c.after)
        .where(
            audit_log.c.at == found,
            audit_log.c.action == "create",
            key_of_hers(audit_log.c.record_key, participant_id),
        )
        .order_by(audit_log.c.id)
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for table, after in entries:
        out.setdefault(str(table), []).append(json.loads(after) if after else {})
    return out
