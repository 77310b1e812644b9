"""The data dictionary, derived from the schema: for people, for docs and for REDCap.

``follicle dictionary`` prints :func:`dictionary_frame`; ``docs/workbook.md`` is
:func:`markdown` (a test keeps the file equal to it); ``follicle dictionary --redcap FILE``
writes :func:`redcap_frame` as a REDCap data-dictionary CSV, so that a site collecting in
REDCap starts from instruments with the workbook's fields, types, choices and checks.

A REDCap export is *not* a follicle workbook as it stands: REDCap exports one flat table
(repeating instruments as extra rows, marked by ``redcap_repeat_instrument``), and the
variable names of the later tables carry a short table prefix (``inf_birth_date`` for
``infants.birth_date``). Each field's note names its workbook ``table.column``, so that the
mapping back into the eight CSV files can be written once per project; follicle does not
do it for you.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
    lines.append("")
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


def redcap_frame() -> pd.DataFrame:
    """The workbook as a REDCap data dictionary: one instrument per table.

    ``participants`` is the record form (``participant_id`` is the record ID); the other
    tables are meant as repeating instruments of the record, so their ``participant_id``
    is implied and left out. REDCap variable names are unique across a project, so a
    column name already used by an earlier table is prefixed with its table's short
    :attr:`~follicle.workbook.schema.Table.prefix` (``infcond_condition``), which keeps
    names within REDCap's recommended :data:`REDCAP_NAME_LIMIT` characters; the field note
    keeps the workbook's ``table.column`` for the export mapping.
    """
    used: set[str] = set()
    rows = []
    for t in TABLES:
        for c in t.columns:
            if t.name != "participants" and c.name == "participant_id":
                continue
            variable = c.name if c.name not in used else f"{t.prefix}_{c.name}"
            if variable in used or len(variable) > REDCAP_NAME_LIMIT:
                # The schema's names and prefixes are fixed, so this is a bug to fix there.
                raise ValueError(f"REDCap variable {variable!r} is taken or too long")
            used.add(variable)
            rows.append(_redcap_row(t, c, variable))
    return pd.DataFrame(rows, columns=list(REDCAP_COLUMNS))


def _redcap_row(table: Table, column: Column, variable: str) -> dict[str, str]:
    row = dict.fromkeys(REDCAP_COLUMNS, "")
    row["Variable / Field Name"] = variable
    row["Form Name"] = table.name
    row["Field Label"] = column.description[:1].upper() + column.description[1:]
    row["Field Note"] = f"workbook column {table.name}.{column.name}" + (
        f" ({column.unit})" if column.unit else ""
    )
    row["Required Field?"] = "y" if column.required else ""
    # REDCap flags dates of birth as identifiers so that its de-identified exports drop them.
    row["Identifier?"] = "y" if column.name == "birth_date" and table.name == "participants" else ""
    if column.vocabulary is not None:
        row["Field Type"] = "dropdown"
        row["Choices, Calculations, OR Slider Labels"] = " | ".join(
            f"{v}, {v.replace('_', ' ')}" for v in column.vocabulary
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
                row["Field Note"] += f"; must be > {column.minimum:g}"
    return row


def write_redcap(path: str | Path) -> Path:
    """Write the REDCap data dictionary CSV to ``path`` and return the path."""
    target = Path(path)
    redcap_frame().to_csv(target, index=False)
    return target
