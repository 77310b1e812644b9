"""The data dictionary, derived from the schema: for people, for docs and for REDCap.

``follicle dictionary`` prints :func:`dictionary_frame`; ``docs/workbook.md`` is
:func:`markdown` (a test keeps the file equal to it); ``follicle dictionary --redcap FILE``
writes :func:`redcap_frame` as a REDCap data-dictionary CSV and :func:`repeating_frame`
(the repeating-instruments setup) beside it, so that a site collecting in REDCap starts
from instruments with the workbook's fields, types, choices and checks.

REDCap keeps one flat table: the woman's record row, and one row per instance of a
repeating instrument (marked by ``redcap_repeat_instrument`` and
``redcap_repeat_instance``); the variable names of the later tables carry a short table
prefix (``inf_birth_date`` for ``infants.birth_date``). :func:`redcap_fields` is that
mapping, and :mod:`follicle.workbook.redcap` moves records both ways with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from follicle.workbook import deidentified
from follicle.workbook.schema import CHECKS, OPTIONAL_TABLES, RULES, TABLES, Column, Table


def dictionary_frame() -> pd.DataFrame:
    """One row per column of every table: its type, rule, requiredness and meaning."""
    rows = [
        {
            "table": t.name,
            "column": c.name,
            "type": c.dtype,
            "required": "yes" if c.required else "no",
            "values": c.constraint_text,
            "unit": c.unit or "",
            "references": c.references or "",
            "default": c.default or "",
            "description": c.description,
        }
        for t in (*TABLES, *OPTIONAL_TABLES)
        for c in t.columns
    ]
    return pd.DataFrame(rows)


def markdown() -> str:
    """The data dictionary as Markdown (the body of ``docs/workbook.md``)."""
    lines = [
        "# The study workbook: data dictionary",
        "",
        "Generated from `src/follicle/workbook/schema.py` by `follicle dictionary --markdown`;",
        "do not edit by hand. A workbook is a folder of these CSV files, or one `.xlsx` whose",
        "sheets carry the table names. Header row first; dates `YYYY-MM-DD`; booleans",
        "`yes`/`no` (also `true/false`, `1/0`, `y/n`); an empty cell means unknown.",
        "",
    ]
    for t in (*TABLES, *OPTIONAL_TABLES):
        key = f" Key: `{t.key}`." if t.key else ""
        optional = " (optional)" if t in OPTIONAL_TABLES else ""
        lines += [f"## {t.filename}{optional}", "", f"{t.description.capitalize()}.{key}", ""]
        lines += ["| column | type | required | values | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            meaning = c.description
            if c.unit:
                meaning += f" ({c.unit})"
            if c.references:
                meaning += f"; refers to `{c.references}`"
            if c.default:
                meaning += f"; default `{c.default}`"
            required = "yes" if c.required else "no"
            lines.append(
                f"| `{c.name}` | {c.dtype} | {required} | {c.constraint_text} | {meaning} |"
            )
        lines.append("")
    lines += ["## Consistency rules", "", "| code | rule |", "|---|---|"]
    lines += [f"| `{r.code}` | {r.text} |" for r in RULES]
    lines += ["", "## Other problem codes", "", "| code | problem |", "|---|---|"]
    lines += [f"| `{r.code}` | {r.text} |" for r in CHECKS]
    lines += ["", *deidentified.markdown()]
    return "\n".join(lines)


#: REDCap recommends variable names of at most this many characters.
REDCAP_NAME_LIMIT = 26

#: The columns of a REDCap data dictionary, in REDCap's order.
REDCAP_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

#: The columns of REDCap's repeating-instruments setup file (a classic, non-longitudinal
#: project): the instrument, and the label REDCap shows for each of its instances.
REPEATING_COLUMNS = ("form_name", "custom_form_label")

#: The record ID field of the REDCap project: the woman's study ID.
RECORD_ID = "participant_id"

#: What a data-entry person reads on the form, by ``table.column``. Written for REDCap's
#: screens, where each label stands alone; the schema's descriptions are written for the
#: data dictionary, where the table and column name are beside them.
FIELD_LABELS: dict[str, str] = {
    "participants.participant_id": "Study ID",
    "participants.site": "Treating centre",
    "participants.arm": "Treatment arm",
    "participants.birth_date": "Date of birth",
    "participants.consent_date": "Date of informed consent",
    "participants.menses_baseline": "Menstrual pattern at the first injection",
    "participants.amh_ng_ml": "AMH before treatment",
    "participants.afc": "Antral follicle count before treatment",
    "participants.fsh_iu_l": "Basal FSH",
    "participants.prior_ivf_cycles": "Conventional stimulation cycles before treatment",
    "participants.prior_max_oocytes": "Most oocytes retrieved in any earlier cycle",
    "participants.prior_cycle_cancelled": "Was an earlier cycle cancelled for poor response?",
    "injections.injection_date": "Date of the injection",
    "injections.product": "Product injected",
    "injections.dose_million_cells": "Dose",
    "injections.ovary": "Ovary injected",
    "injections.route": "Surgical route",
    "contacts.contact_date": "Date of the contact",
    "contacts.mode": "Contact made by",
    "contacts.milestone": "Scheduled follow-up fulfilled",
    "contacts.menses": "Menstrual pattern reported",
    "contacts.checklist_complete": "Was the full safety checklist asked?",
    "contacts.vital_status": "Vital status",
    "conditions.condition": "Condition diagnosed",
    "conditions.diagnosis_date": "Date of diagnosis",
    "conditions.during_pregnancy": "Diagnosed during a pregnancy?",
    "conditions.resolved": "Resolved by the latest contact?",
    "conditions.notes": "Notes",
    "ivf_cycles.cycle_id": "IVF cycle ID",
    "ivf_cycles.start_date": "First day of stimulation",
    "ivf_cycles.oocytes_retrieved": "Oocytes retrieved",
    "ivf_cycles.embryos_transferred": "Embryos transferred",
    "ivf_cycles.cancelled": "Was the cycle cancelled?",
    "pregnancies.pregnancy_id": "Pregnancy ID",
    "pregnancies.conception_date": "Date of conception",
    "pregnancies.mode": "Conceived by",
    "pregnancies.ivf_cycle_id": "IVF cycle of this pregnancy",
    "pregnancies.fetuses": "Number of fetuses",
    "pregnancies.outcome": "Outcome",
    "pregnancies.outcome_date": "Date of the outcome",
    "pregnancies.gestational_weeks": "Gestational age at the outcome",
    "infants.infant_id": "Infant ID",
    "infants.pregnancy_id": "Pregnancy of this infant",
    "infants.birth_date": "Infant's date of birth",
    "infants.sex": "Sex",
    "infants.birth_weight_g": "Birth weight",
    "infants.gestational_weeks": "Gestational age at birth",
    "infants.death_date": "Date of death",
    "infant_conditions.infant_id": "Infant",
    "infant_conditions.condition": "Condition diagnosed",
    "infant_conditions.diagnosis_date": "Date of diagnosis",
    "infant_conditions.notes": "Notes",
}

#: Extra guidance under a field, by ``table.column`` (units and strict bounds are added to
#: every field from the schema).
FIELD_NOTES: dict[str, str] = {
    "participants.participant_id": "pseudonymous; never a name or hospital number",
    "participants.birth_date": "used only to compute ages",
    "participants.arm": "e.g. MenSC, PRP, control; empty means MenSC",
    "injections.product": "empty means MenSC",
    "contacts.vital_status": "empty means alive",
    "ivf_cycles.oocytes_retrieved": "empty when the cycle was cancelled",
    "pregnancies.conception_date": "estimated; or the date of the first positive test",
    "pregnancies.ivf_cycle_id": "an IVF cycle ID of this woman, when it is known",
    "pregnancies.fetuses": "empty means 1",
    "pregnancies.outcome_date": "required unless the outcome is ongoing or unknown",
    "infants.pregnancy_id": "a pregnancy ID of this woman whose outcome is a live birth",
    "infants.death_date": "empty: alive at the latest contact",
    "infant_conditions.infant_id": "an infant ID of this woman",
    "conditions.notes": "free text; removed from de-identified exports",
    "infant_conditions.notes": "free text; removed from de-identified exports",
}

#: Dropdown labels that are not simply the code in words (``live_birth`` → "Live birth").
CHOICE_LABELS: dict[str, str] = {
    "MenSC": "MenSC (menstrual blood-derived stem cells)",
    "PRP": "PRP (platelet-rich plasma)",
    "BMDSC": "BMDSC (bone marrow-derived stem cells)",
    "ivf": "IVF / ICSI",
    "iui": "IUI",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
    "annual": "Annual",
    "final": "Final interview",
    "clinic": "Clinic visit",
    "phone": "Telephone interview",
    "records": "Medical records",
    "pelvic_inflammatory_disease": "Pelvic inflammatory disease",
    "autoimmune_other": "Other autoimmune disease",
    "childhood_cancer_other": "Other childhood cancer",
    "autism_spectrum": "Autism spectrum disorder",
    "termination": "Termination of pregnancy",
}

#: The label of each repeating instrument's instances, with REDCap's piping of fields.
INSTANCE_LABELS: dict[str, str] = {
    "injections": "[injection_date]",
    "contacts": "[contact_date] [mode]",
    "conditions": "[condition] [diagnosis_date]",
    "ivf_cycles": "[cycle_id] [start_date]",
    "pregnancies": "[pregnancy_id] [outcome]",
    "infants": "[infant_id] [inf_birth_date]",
    "infant_conditions": "[infcond_infant_id] [infcond_condition]",
}

#: Only an IVF pregnancy may name its IVF cycle (rule ``ivf_cycle_wrong_mode``).
BRANCHING: dict[str, str] = {"pregnancies.ivf_cycle_id": "[preg_mode] = 'ivf'"}


def choice_label(code: str) -> str:
    """The label REDCap shows for a dropdown code (``live_birth`` → "Live birth")."""
    if code in CHOICE_LABELS:
        return CHOICE_LABELS[code]
    words = code.replace("_", " ")
    return words[:1].upper() + words[1:]


def redcap_fields() -> dict[str, dict[str, str]]:
    """Each table's REDCap variables, by workbook column: ``{table: {column: variable}}``.

    ``participants`` is the record form and ``participant_id`` the record ID; in the
    other tables (repeating instruments of the record) a woman's ``participant_id`` is
    the record's, so it has no field of its own (it maps to :data:`RECORD_ID`). Infants
    and infant conditions keep the pregnancy and infant they belong to as fields. REDCap
    variable names are unique across a project, so a column name already used by an
    earlier table is prefixed with its table's short
    :attr:`~follicle.workbook.schema.Table.prefix` (``infcond_condition``), which keeps
    names within REDCap's recommended :data:`REDCAP_NAME_LIMIT` characters.
    """
    used: set[str] = set()
    fields: dict[str, dict[str, str]] = {}
    for t in TABLES:
        fields[t.name] = {}
        for c in t.columns:
            if t.name != "participants" and c.name == "participant_id":
                fields[t.name][c.name] = RECORD_ID
                continue
            variable = c.name if c.name not in used else f"{t.prefix}_{c.name}"
            if variable in used or len(variable) > REDCAP_NAME_LIMIT:
                # The schema's names and prefixes are fixed, so this is a bug to fix there.
                raise ValueError(f"REDCap variable {variable!r} is taken or too long")
            used.add(variable)
            fields[t.name][c.name] = variable
    return fields


def redcap_frame() -> pd.DataFrame:
    """The workbook as a REDCap data dictionary: one instrument per table.

    ``participants`` is the record form (``participant_id`` is the record ID); the other
    seven tables are repeating instruments of the record (:func:`repeating_frame`), so
    their ``participant_id`` is the record's and has no field. Variable names are
    :func:`redcap_fields`. Dropdowns carry "code, label" choices (the codes are the
    workbook's words, so records move both ways unchanged); yes/no fields are REDCap's
    ``yesno`` (1 = yes, 0 = no). Dates of birth and free-text notes are flagged as
    identifiers, so that REDCap's de-identified exports leave them out. The field
    annotation (seen by the project's designers, not on the form) names the workbook
    ``table.column`` a field holds.
    """
    fields = redcap_fields()
    rows = [
        _redcap_row(t, c, fields[t.name][c.name])
        for t in TABLES
        for c in t.columns
        if t.name == "participants" or c.name != "participant_id"
    ]
    return pd.DataFrame(rows, columns=list(REDCAP_COLUMNS))


def repeating_frame() -> pd.DataFrame:
    """REDCap's repeating-instruments setup: every table but ``participants`` repeats.

    Upload it under Project Setup → Repeating instruments and events (or with the API's
    "Import Repeating Instruments and Events") after the data dictionary. Each instance is
    labelled by piping its date or ID (:data:`INSTANCE_LABELS`).
    """
    rows = [(t.name, INSTANCE_LABELS[t.name]) for t in TABLES if t.name != "participants"]
    return pd.DataFrame(rows, columns=list(REPEATING_COLUMNS))


def _redcap_row(table: Table, column: Column, variable: str) -> dict[str, str]:
    key = f"{table.name}.{column.name}"
    row = dict.fromkeys(REDCAP_COLUMNS, "")
    row["Variable / Field Name"] = variable
    row["Form Name"] = table.name
    row["Field Label"] = FIELD_LABELS[key]
    notes = [FIELD_NOTES[key]] if key in FIELD_NOTES else []
    if column.unit:
        notes.insert(0, column.unit)
    row["Required Field?"] = "y" if column.required else ""
    # REDCap leaves identifiers out of its de-identified exports: dates of birth (of the
    # woman and of her infants) and free text, which can hold anything.
    row["Identifier?"] = "y" if column.free_text or column.name == "birth_date" else ""
    row["Branching Logic (Show field only if...)"] = BRANCHING.get(key, "")
    row["Field Annotation"] = f"follicle workbook: {key}"
    if column.vocabulary is not None:
        row["Field Type"] = "dropdown"
        row["Choices, Calculations, OR Slider Labels"] = " | ".join(
            f"{v}, {choice_label(v)}" for v in column.vocabulary
        )
    elif column.dtype == "boolean":
        row["Field Type"] = "yesno"
    elif column.free_text:
        row["Field Type"] = "notes"
    else:
        row["Field Type"] = "text"
        validation = {"date": "date_ymd", "integer": "integer", "number": "number"}
        row["Text Validation Type OR Show Slider Number"] = validation.get(column.dtype, "")
        if column.minimum is not None and column.dtype in validation:
            # REDCap's minimum is inclusive; a strict bound (> 0) is noted instead.
            if not column.exclusive_minimum:
                row["Text Validation Min"] = f"{column.minimum:g}"
            else:
                notes.append(f"must be more than {column.minimum:g}")
    row["Field Note"] = "; ".join(notes)
    return row


def repeating_path(dictionary: str | Path) -> Path:
    """Where the repeating-instruments file goes beside a dictionary file.

    ``follicle_redcap.csv`` → ``follicle_redcap_repeating.csv``.
    """
    path = Path(dictionary)
    return path.with_name(f"{path.stem}_repeating{path.suffix or '.csv'}")


def write_redcap(path: str | Path) -> tuple[Path, Path]:
    """Write the REDCap data dictionary to ``path`` and the repeating-instruments setup
    beside it (:func:`repeating_path`); return both paths."""
    target = Path(path)
    repeating = repeating_path(target)
    redcap_frame().to_csv(target, index=False)
    repeating_frame().to_csv(repeating, index=False)
    return target, repeating
