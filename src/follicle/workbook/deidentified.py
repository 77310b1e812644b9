"""The de-identified workbook: the analysts' form of the workbook, written by ``follicle
export --deidentified`` and read back by everything that reads a workbook.

Its columns derive from the schema (:data:`follicle.workbook.schema.TABLES`) by three rules,
applied to every table (:func:`export_columns`):

* a date column ``X_date`` becomes ``X_day``: whole days since **that woman's first
  injection** (0 on the day of it, negative before it; empty for a woman with no
  injection);
* ``participants.birth_date`` becomes ``age_at_first_injection`` (completed years), and the
  export adds ``age_at_last_contact`` (completed years at her latest contact: the age at the
  end of follow-up, which the days alone cannot give);
* free-text columns (``notes``) are left out, and every ID is recoded.

A workbook marks itself as de-identified by these column names: a participants table with
``age_at_first_injection`` and no ``birth_date``. Reading one (:func:`restore`), follicle
puts every woman on one calendar whose day 0 is :data:`EPOCH` — her day ``d`` becomes the
date ``EPOCH + d`` — and gives her a birth date consistent with both ages, so that every
interval (follow-up, time to pregnancy, ages in completed years) is the one of the
identified data. Calendar dates themselves are not in the data: the analysis says so
where a statistic would need them (the cohort's injection period). Problems are reported
under the de-identified file's own column names and values (:func:`relabel`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from follicle.errors import Problem
from follicle.workbook.keys import isin
from follicle.workbook.schema import OPTIONAL_TABLES, TABLES, Column, Table

#: The column that replaces ``participants.birth_date``.
AGE_COLUMN = "age_at_first_injection"
#: The column the export adds: completed years at the woman's latest contact.
AGE_AT_LAST_CONTACT = "age_at_last_contact"
#: Day 0 of the calendar a de-identified workbook is read on. Not a real date of anyone's:
#: 1 January of a year after a leap year, far from any study's calendar.
EPOCH = pd.Timestamp("2001-01-01")


def day_column(name: str) -> str:
    """``injection_date`` → ``injection_day`` (any ``*_date`` → ``*_day``)."""
    return name.removesuffix("_date") + "_day"


def export_name(table: Table, column: Column) -> str | None:
    """A schema column's name in the de-identified workbook (``None``: left out)."""
    if column.free_text:
        return None
    if table.name == "participants" and column.name == "birth_date":
        return AGE_COLUMN
    if column.is_date:
        return day_column(column.name)
    return column.name


def export_columns(table: Table) -> dict[str, str]:
    """The de-identified workbook's columns of ``table``: export name → schema name, in
    schema order (``age_at_last_contact``, an addition, is not among them)."""
    names = {c.name: export_name(table, c) for c in table.columns}
    return {export: schema for schema, export in names.items() if export is not None}


def renamed(table: Table, header: list[str]) -> dict[str, str]:
    """The header's de-identified names to translate (export name → schema name): those
    that differ from the schema's and whose schema name is not in the header too."""
    present = set(header)
    return {
        export: schema
        for export, schema in export_columns(table).items()
        if export != schema and export in present and schema not in present
    }


def is_deidentified(aliases: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether a workbook read with these translations is a de-identified one."""
    return AGE_COLUMN in aliases.get("participants", {})


#: The largest day count a de-identified cell may hold, and the largest age: 200 years
#: either way keeps every date they give on the calendar pandas can represent (1677–2262).
MAX_DAYS = 73_000
MAX_YEARS = 200


def _days(text: pd.Series, limit: int = MAX_DAYS) -> tuple[pd.Series, pd.Series]:
    """Day (or year) cells as numbers, and which non-empty cells are not whole numbers or
    lie more than ``limit`` from 0."""
    stripped = text.astype(str).str.strip()
    number = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
    whole = number.notna() & (number == np.floor(number)) & (number.abs() <= limit)
    bad = (stripped != "") & ~whole
    return number.where(~bad), bad


def on_calendar(days: pd.Series) -> pd.Series:
    """The :data:`EPOCH` calendar date of each whole day number (NaT where there is none).

    Not ``pd.to_timedelta(days, unit="D")`` on floats: pandas 2.2.0 reads an uninitialised
    fraction for a NaN entry and so, at random, warns of an overflow.
    """
    known = days.notna()
    whole = days.where(known, 0).to_numpy(dtype="int64")
    dates = pd.Series(EPOCH + pd.to_timedelta(whole, unit="D"), index=days.index)
    return dates.where(known)


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("")


def _anniversary(when: pd.Series, years: pd.Series) -> pd.Series:
    """The date ``years`` before ``when`` (29 February → 28 February in a common year)."""
    year = when.dt.year - years
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = when.dt.day.where(~((when.dt.month == 2) & (when.dt.day == 29) & ~leap), 28)
    parts = pd.DataFrame({"year": year, "month": when.dt.month, "day": day})
    return pd.to_datetime(parts.dropna().astype(int)).reindex(when.index)


def birth_dates(age: pd.Series, last_age: pd.Series, last_day: pd.Series) -> pd.Series:
    """A birth date on the :data:`EPOCH` calendar for each woman, consistent with her age at
    the first injection (day 0) and, where known, at her latest contact (day
    ``last_day``): the middle of the dates that give both ages in completed years.

    A woman is A completed years old on day D when she was born after D − (A + 1) years and
    on or before D − A years; each age so bounds the birth date, and both hold in the
    intersection. Ages that no birth date reconciles keep the first injection's bounds.
    """
    day0 = pd.Series(EPOCH, index=age.index)
    a = age.astype(float)
    high = _anniversary(day0, a)
    low = _anniversary(day0, a + 1) + pd.Timedelta(days=1)
    known = a.notna() & last_age.notna() & last_day.notna()
    end = on_calendar(last_day.where(known))
    a2 = last_age.astype(float).where(known)
    high2 = _anniversary(end, a2)
    low2 = _anniversary(end, a2 + 1) + pd.Timedelta(days=1)
    both_high = high.where(~known | (high <= high2), high2)
    both_low = low.where(~known | (low >= low2), low2)
    together = known & (both_low <= both_high)
    low, high = both_low.where(together, low), both_high.where(together, high)
    return (low + (high - low) / 2).dt.floor("D")


def restore(
    frames: Mapping[str, pd.DataFrame],
    aliases: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    extra: Mapping[str, pd.Series],
) -> tuple[dict[str, pd.DataFrame], list[Problem], frozenset[tuple[str, int, str]]]:
    """The raw text tables of a de-identified workbook in the schema's form.

    ``frames`` are the raw text tables (spreadsheet rows as index) whose columns
    :func:`renamed` has already translated (``aliases``: per table, export name → schema
    name); ``extra`` holds the ``age_at_last_contact`` cells. Day cells become ISO dates on
    the :data:`EPOCH` calendar, ages a birth date. A day or an age that is not a whole
    number is a :class:`Problem` located in the file under its own column name; its cell is
    left as written, so the validator adds nothing the problem does not already say.

    The third item lists the cells (file, row, de-identified column) that are empty by
    design: the days and age of a woman with no injection, who has no day 0. They are
    not "required but empty" (:func:`relabel` leaves those problems out).
    """
    out = {name: frame.copy() for name, frame in frames.items()}
    problems: list[Problem] = []
    for table in (*TABLES, *OPTIONAL_TABLES):
        frame = out.get(table.name)
        if frame is None:
            continue
        for export, schema in aliases.get(table.name, {}).items():
            if export == AGE_COLUMN:
                continue
            number, bad = _days(frame[schema])
            problems += _bad_cells(labels[table.name], export, frame[schema], bad, "days")
            dates = on_calendar(number)
            frame[schema] = _iso(dates).where(~bad, frame[schema])
    participants = out.get("participants")
    if participants is not None and "birth_date" in participants.columns:
        label = labels["participants"]
        age, bad = _days(participants["birth_date"], MAX_YEARS)
        problems += _bad_cells(label, AGE_COLUMN, participants["birth_date"], bad, "years")
        last_text = extra.get(AGE_AT_LAST_CONTACT, pd.Series("", index=participants.index))
        last, bad_last = _days(last_text, MAX_YEARS)
        problems += _bad_cells(label, AGE_AT_LAST_CONTACT, last_text, bad_last, "years")
        last_day = _last_contact_day(out, participants)
        born = birth_dates(age, last, last_day)
        participants["birth_date"] = _iso(born).where(~bad, participants["birth_date"])
    if "judgments" in out and "judged_on" in aliases.get("judgments", {}).values():
        out["judgments"] = _condition_keys_as_dates(out["judgments"])
    return out, problems, _no_day_zero(out, aliases, labels)


def _condition_keys_as_dates(judgments: pd.DataFrame) -> pd.DataFrame:
    """Condition event keys with the diagnosis day as a date on the :data:`EPOCH` calendar.

    The export writes a condition's key as ``<owner>|<condition>|<day>``; the events of the
    restored tables are keyed ``<owner>|<condition>|<date>``, so the judgments must be too.
    A key that is not of that form is left as written (the rules then report it).
    """
    out = judgments.copy()
    kind = out["event_type"].astype(str).str.strip()
    key = out["event_key"].astype(str)
    # As text: with no key of two parts (judgments of pregnancies only) the second part
    # is otherwise a column of nothing (floats), which neither fills nor joins as text.
    parts = key.str.rsplit("|", n=1, expand=True).reindex(columns=[0, 1]).astype("string")
    number, bad = _days(parts[1].fillna(""))
    dated = parts[0] + "|" + _iso(on_calendar(number)).astype("string")
    condition = kind.isin(["condition", "infant_condition"]) & parts[1].notna() & ~bad
    out["event_key"] = key.where(~condition, dated)
    return out


def _no_day_zero(
    frames: Mapping[str, pd.DataFrame],
    aliases: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
) -> frozenset[tuple[str, int, str]]:
    """The empty day and age cells of women with no injection (file, row, column)."""
    injections = frames.get("injections")
    treated = (
        injections["participant_id"]
        if injections is not None and "participant_id" in injections.columns
        else pd.Series([], dtype=str)
    )
    cells: set[tuple[str, int, str]] = set()
    for name, names in aliases.items():
        frame = frames.get(name)
        if frame is None or "participant_id" not in frame.columns:
            continue
        untreated = ~isin(frame["participant_id"], treated)
        for export, schema in names.items():
            empty = untreated & (frame[schema].astype(str).str.strip() == "")
            rows = frame.index[empty.to_numpy()]
            cells.update((labels[name], int(row), export) for row in rows)
    return frozenset(cells)


def _last_contact_day(frames: Mapping[str, pd.DataFrame], participants: pd.DataFrame) -> pd.Series:
    """Each participant row's latest contact, in days from :data:`EPOCH` (``NaN``: none)."""
    contacts = frames.get("contacts")
    if contacts is None or "contact_date" not in contacts.columns:
        return pd.Series(np.nan, index=participants.index)
    when = pd.to_datetime(contacts["contact_date"], format="%Y-%m-%d", errors="coerce")
    latest = when.groupby(contacts["participant_id"].to_numpy()).max()
    days = (latest - EPOCH).dt.days
    return participants["participant_id"].map(days).astype(float)


def _bad_cells(
    label: str, column: str, text: pd.Series, bad: pd.Series, unit: str
) -> list[Problem]:
    rows = text.index[bad.to_numpy()]
    what = "days since the first injection" if unit == "days" else "completed years"
    limit = MAX_DAYS if unit == "days" else MAX_YEARS
    what += f" (at most {limit:,} either way)"
    return [
        Problem(
            label,
            int(row),
            column,
            str(text[row]),
            "not_whole_number",
            f"{column} is a whole number of {what}",
        )
        for row in rows
    ]


def relabel(
    problems: list[Problem] | tuple[Problem, ...],
    aliases: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str],
    own: list[Problem],
    exempt: frozenset[tuple[str, int, str]] = frozenset(),
) -> list[Problem]:
    """The validator's problems under the de-identified file's names and values: a
    schema column becomes its export name, a date on the :data:`EPOCH` calendar its day;
    a cell that :func:`restore` already reported is not reported again, nor an ``exempt``
    cell (empty by design) as required."""
    back = {labels[t]: {s: e for e, s in a.items()} for t, a in aliases.items() if t in labels}
    reported = {(p.file, p.row, p.column) for p in own}
    out = list(own)
    for p in problems:
        names = back.get(p.file, {})
        column = names.get(p.column or "", p.column)
        if (p.file, p.row, column) in reported:
            continue
        if p.rule == "required" and (p.file, p.row, column) in exempt:
            continue
        value = p.value
        if p.column in names and column != AGE_COLUMN and value:
            day = pd.to_datetime(value, format="%Y-%m-%d", errors="coerce")
            value = value if pd.isna(day) else str((day - EPOCH).days)
        message = p.message
        for schema, export in names.items():
            message = message.replace(schema, export)
        out.append(replace(p, column=column, value=value, message=message))
    return out


def markdown() -> list[str]:
    """The de-identified workbook's section of the data dictionary (``docs/workbook.md``),
    from the same schema: each table's columns under their de-identified names."""
    lines = [
        "## The de-identified workbook",
        "",
        "`follicle export OUT --deidentified` writes the workbook for analysts: the same eight",
        "tables with every date `X_date` replaced by `X_day`, whole days since that woman's",
        "first injection (0 on its day, negative before; empty for a woman with no",
        "injection); `participants.birth_date` replaced by `age_at_first_injection`, with",
        "`age_at_last_contact` added (completed years); free-text `notes` left out; and every",
        "ID recoded (the participant codes' key stays in the registry). A workbook with",
        "`age_at_first_injection` and no `birth_date` in its participants table is read as",
        "de-identified: `follicle validate`, `follicle report` and `follicle.load` accept it",
        "and give the statistics of the identified data, except those that need calendar",
        "dates (the cohort's injection period), which they say are unknown.",
        "",
        "| table | columns |",
        "|---|---|",
    ]
    for table in TABLES:
        names = list(export_columns(table))
        if table.name == "participants":
            names.insert(names.index(AGE_COLUMN) + 1, AGE_AT_LAST_CONTACT)
        lines.append(f"| `{table.filename}` | " + ", ".join(f"`{n}`" for n in names) + " |")
    for table in OPTIONAL_TABLES:
        names = list(export_columns(table))
        lines.append(
            f"| `{table.filename}` (when judged) | " + ", ".join(f"`{n}`" for n in names) + " |"
        )
    lines += [
        "",
        "The judgments keep the review, not who made it or why: reviewers are `R1`, `R2`, … "
        "(numbered by their first judgment), the free-text reasons are left out, and an "
        "event key names the recoded event (a condition's diagnosis date as its day).",
    ]
    lines.append("")
    return lines
