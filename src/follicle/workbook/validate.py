"""Validation of a workbook: every problem, located, in plain words.

Validation runs in three passes, each vectorised over whole columns (no Python loop over
rows; only the problems found are turned into objects one by one):

1. **cells** — each declared column is parsed to its type: required values present, dates
   real and not in the future, numbers and booleans readable, vocabularies respected;
2. **tables** — IDs unique, references resolving;
3. **rules** — the consistency rules across rows and tables
   (:data:`follicle.workbook.schema.RULES`), checked on the values that parsed.

Everything found is collected: a coordinator fixes the whole sheet in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from follicle.errors import Problem, WorkbookInvalid
from follicle.workbook.frames import Workbook, empty_frame, pandas_dtype
from follicle.workbook.read import RawWorkbook, read_workbook
from follicle.workbook.schema import (
    AGE_AT_FIRST_INJECTION,
    BIRTH_OUTCOME_TOLERANCE_DAYS,
    BOOLEAN_SPELLINGS,
    OPEN_OUTCOMES,
    RULES_BY_CODE,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
)

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"

Frames = Mapping[str, pd.DataFrame]
Labels = Mapping[str, str]


@dataclass(frozen=True)
class ValidationResult:
    """What validation found.

    ``frames`` are the typed tables indexed by spreadsheet row (values that failed to parse
    are ``<NA>``); ``ok`` is true when there are no problems (warnings do not count).
    """

    source: Path
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    ignored: Mapping[str, tuple[str, ...]]
    row_counts: Mapping[str, int]
    frames: Mapping[str, pd.DataFrame]
    checksums: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the workbook may be imported."""
        return not self.problems

    def workbook(self) -> Workbook:
        """The typed workbook; raises :class:`WorkbookInvalid` if there were problems."""
        if not self.ok:
            raise WorkbookInvalid(list(self.problems))
        return Workbook.from_frames(self.frames, source=str(self.source), checksums=self.checksums)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary (what ``follicle validate --json`` prints)."""
        return {
            "source": str(self.source),
            "valid": self.ok,
            "rows": dict(self.row_counts),
            "ignored_columns": {k: list(v) for k, v in self.ignored.items()},
            "errors": [p.to_dict() for p in self.problems],
            "warnings": [p.to_dict() for p in self.warnings],
        }


def validate_path(path: str | Path, *, today: date | None = None) -> ValidationResult:
    """Read and validate the workbook at ``path`` (a CSV folder or an ``.xlsx``)."""
    return validate(read_workbook(path), today=today)


def load_workbook(path: str | Path, *, today: date | None = None) -> Workbook:
    """Read, validate and return the typed workbook; raise :class:`WorkbookInvalid`."""
    return validate_path(path, today=today).workbook()


def validate(raw: RawWorkbook, *, today: date | None = None) -> ValidationResult:
    """Validate a raw workbook: every problem of cells, tables and consistency rules."""
    found = _Found()
    found.problems.extend(raw.problems)
    limit = pd.Timestamp(today or date.today())

    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for table in TABLES:
        raw_table = raw.tables.get(table.name)
        if raw_table is None:
            frames[table.name] = empty_frame(table)
            labels[table.name] = table.filename
            continue
        labels[table.name] = raw_table.label
        frames[table.name] = _parse_table(table, raw_table.label, raw_table.frame, limit, found)

    keys = _check_keys(frames, labels, found)
    _check_references(frames, labels, keys, found, readable=frozenset(raw.tables))
    _check_rules(frames, labels, found)
    _warn_untreated(frames, labels, found)

    ignored = {
        raw.tables[t].label: raw.tables[t].ignored for t in raw.tables if raw.tables[t].ignored
    }
    order = {t.name: i for i, t in enumerate(TABLES)}
    label_order = {labels[name]: order[name] for name in labels}

    def sort_key(p: Problem) -> tuple[int, int, str, str]:
        return (label_order.get(p.file, -1), p.row or 0, p.column or "", p.rule)

    return ValidationResult(
        source=raw.source,
        problems=tuple(sorted(found.problems, key=sort_key)),
        warnings=tuple(sorted(found.warnings, key=sort_key)),
        ignored=ignored,
        row_counts={t: len(frames[t]) for t in frames},
        frames=frames,
        checksums=dict(raw.checksums),
    )


class _Found:
    """Collects problems; takes whole masked columns so that callers stay vectorised."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(
        self,
        label: str,
        mask: pd.Series,
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | pd.Series,
        *,
        warning: bool = False,
    ) -> None:
        hits = mask[mask.fillna(False).astype(bool)].index
        if len(hits) == 0:
            return
        sink = self.warnings if warning else self.problems
        shown = values.reindex(hits) if values is not None else None
        texts = message.reindex(hits) if isinstance(message, pd.Series) else None
        for i, row in enumerate(hits):
            value = None if shown is None else _show(shown.iloc[i])
            text = message if texts is None else str(texts.iloc[i])
            sink.append(Problem(label, int(row), column, value, rule, str(text)))


def _show(value: object) -> str | None:
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


# -- pass 1: cells ---------------------------------------------------------------------


def _parse_table(
    table: Table, label: str, text: pd.DataFrame, limit: pd.Timestamp, found: _Found
) -> pd.DataFrame:
    typed = {}
    for column in table.columns:
        if column.name in text.columns:
            typed[column.name] = _parse_column(column, label, text[column.name], limit, found)
        else:
            typed[column.name] = pd.Series(pd.NA, index=text.index, dtype=pandas_dtype(column))
    return pd.DataFrame(typed, index=text.index)


def _parse_column(
    column: Column, label: str, raw: pd.Series, limit: pd.Timestamp, found: _Found
) -> pd.Series:
    text = raw if column.free_text else raw.str.strip()
    empty = text == ""
    name = column.name
    if column.required:
        found.add(label, empty, name, raw, "required", f"{name} is required but the cell is empty")
    present = ~empty

    if column.dtype == "date":
        shaped = text.str.fullmatch(_ISO_DATE)
        parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
        bad = present & parsed.isna()
        found.add(
            label, bad, name, raw, "not_a_date", f"{name} is not a real date in the form YYYY-MM-DD"
        )
        future = parsed > limit
        found.add(
            label,
            future,
            name,
            raw,
            "future_date",
            f"{name} is in the future (after {limit.date().isoformat()})",
        )
        return parsed.astype("datetime64[ns]")

    if column.dtype == "boolean":
        values = text.str.lower().map(BOOLEAN_SPELLINGS)
        bad = present & values.isna()
        found.add(label, bad, name, raw, "not_a_boolean", f"{name} must be yes or no")
        return values.astype("boolean")

    if column.dtype in ("integer", "number"):
        numbers = pd.to_numeric(text.where(present), errors="coerce").astype(float)
        finite = np.isfinite(numbers.to_numpy())
        if column.dtype == "integer":
            whole = finite & (np.mod(np.where(finite, numbers, 0.0), 1.0) == 0)
            bad = present & ~pd.Series(whole, index=text.index)
            found.add(label, bad, name, raw, "not_an_integer", f"{name} must be a whole number")
        else:
            bad = present & ~pd.Series(finite, index=text.index)
            found.add(label, bad, name, raw, "not_a_number", f"{name} must be a number")
        numbers = numbers.where(~bad)
        if column.minimum is not None:
            if column.exclusive_minimum:
                low = numbers <= column.minimum
                words = f"greater than {column.minimum:g}"
            else:
                low = numbers < column.minimum
                words = f"{column.minimum:g} or more"
            found.add(label, low, name, raw, "below_minimum", f"{name} must be {words}")
            numbers = numbers.where(~low)
        if column.dtype == "integer":
            return numbers.round().astype("Int64")
        return numbers.astype("Float64")

    if column.vocabulary is not None:
        allowed = set(column.vocabulary)
        bad = present & ~text.isin(allowed)
        if bad.any():
            by_lower = {v.lower(): v for v in column.vocabulary}
            hint = text.str.lower().map(by_lower)
            listed = ", ".join(column.vocabulary)
            message = pd.Series(f"{name} must be one of: {listed}", index=text.index)
            near = bad & hint.notna()
            message[near] = message[near] + " (did you mean " + hint[near].astype(str) + "?)"
            found.add(label, bad, name, raw, "not_in_vocabulary", message)
        return text.where(present & ~bad).astype("string")

    return text.where(present).astype("string")


# -- pass 2: tables --------------------------------------------------------------------


def _check_keys(
    frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], found: _Found
) -> dict[str, pd.Series]:
    """Report duplicate IDs; return each keyed table's IDs (first occurrence kept)."""
    keys: dict[str, pd.Series] = {}
    for table in TABLES:
        if table.key is None:
            continue
        ids = frames[table.name][table.key]
        dup = ids.notna() & ids.duplicated(keep="first")
        if dup.any():
            first_row = pd.Series(ids.index, index=ids.index).groupby(ids).transform("min")
            message = (
                f"{table.key} must be unique, but this one is already used in row "
                + first_row.astype(str)
            )
            found.add(labels[table.name], dup, table.key, ids, "duplicate_id", message)
        keys[table.name] = ids.dropna()
    return keys


def _check_references(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    keys: Mapping[str, pd.Series],
    found: _Found,
    *,
    readable: frozenset[str],
) -> None:
    # A reference into a file that could not be read is not checked: that file's own
    # problem is already reported, and a cascade of "unknown" IDs would hide it.
    for table in TABLES:
        for column in table.columns:
            if column.references is None:
                continue
            target_table, target_column = column.references.split(".")
            if target_table not in readable:
                continue
            target = TABLES_BY_NAME[target_table]
            values = frames[table.name][column.name]
            known = values.isin(set(keys.get(target_table, pd.Series(dtype="string"))))
            unknown = values.notna() & ~known
            what = target_column.replace("_id", "").replace("_", " ")
            found.add(
                labels[table.name],
                unknown,
                column.name,
                values,
                "unknown_reference",
                f"{column.name} names a {what} that is not in {target.filename}",
            )


# -- pass 3: consistency rules ---------------------------------------------------------

_RuleCheck = Callable[[Mapping[str, pd.DataFrame], Mapping[str, str], _Found], None]
_RULE_CHECKS: dict[str, _RuleCheck] = {}


def _rule(code: str) -> Callable[[_RuleCheck], _RuleCheck]:
    def register(check: _RuleCheck) -> _RuleCheck:
        assert code in RULES_BY_CODE, code
        _RULE_CHECKS[code] = check
        return check

    return register


def implemented_rules() -> frozenset[str]:
    """The rule codes this module checks (a test holds them equal to the schema's)."""
    return frozenset(_RULE_CHECKS)


def _check_rules(
    frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], found: _Found
) -> None:
    for check in _RULE_CHECKS.values():
        check(frames, labels, found)


def _text(code: str) -> str:
    return RULES_BY_CODE[code].text


def _first_injection(frames: Mapping[str, pd.DataFrame]) -> pd.Series:
    inj = frames["injections"]
    return inj.groupby("participant_id")["injection_date"].min()


def _end_of_followup(frames: Mapping[str, pd.DataFrame]) -> pd.Series:
    contacts = frames["contacts"]
    return contacts.groupby("participant_id")["contact_date"].max()


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (uniquely indexed) looked up for each of ``keys``, keeping its dtype.

    ``Series.map`` would lose the dtype of an empty lookup table; ``reindex`` does not.
    """
    found = values.reindex(pd.Index(keys.astype(object)))
    found.index = keys.index
    return found


def _per_woman(frame: pd.DataFrame, by_woman: pd.Series, key: str = "participant_id") -> pd.Series:
    """``by_woman`` (indexed by participant_id) looked up for each row of ``frame``."""
    return _lookup(frame[key], by_woman)


def _iso(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("unknown")


@_rule("consent_after_birth")
def _consent_after_birth(frames: Frames, labels: Labels, found: _Found) -> None:
    p = frames["participants"]
    bad = p["consent_date"] <= p["birth_date"]
    found.add(
        labels["participants"],
        bad,
        "consent_date",
        p["consent_date"],
        "consent_after_birth",
        _text("consent_after_birth") + " (" + _iso(p["birth_date"]) + ")",
    )


@_rule("consent_before_first_injection")
def _consent_before_first_injection(frames: Frames, labels: Labels, found: _Found) -> None:
    p = frames["participants"]
    first = _per_woman(p, _first_injection(frames))
    bad = p["consent_date"] > first
    found.add(
        labels["participants"],
        bad,
        "consent_date",
        p["consent_date"],
        "consent_before_first_injection",
        _text("consent_before_first_injection") + " (" + _iso(first) + ")",
    )


def completed_years(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed years of age from ``start`` (birth) to ``end``, vectorised."""
    years = end.dt.year - start.dt.year
    before_birthday = (end.dt.month < start.dt.month) | (
        (end.dt.month == start.dt.month) & (end.dt.day < start.dt.day)
    )
    return (years - before_birthday.astype("Int64")).astype("Int64")


@_rule("age_at_first_injection")
def _age_at_first_injection(frames: Frames, labels: Labels, found: _Found) -> None:
    p = frames["participants"]
    first = _per_woman(p, _first_injection(frames))
    age = completed_years(p["birth_date"], first)
    low, high = AGE_AT_FIRST_INJECTION
    bad = (age < low) | (age > high)
    found.add(
        labels["participants"],
        bad,
        "birth_date",
        p["birth_date"],
        "age_at_first_injection",
        _text("age_at_first_injection")
        + "; this birth date makes her "
        + age.astype(str)
        + " at her first injection ("
        + _iso(first)
        + ")",
    )


@_rule("contact_before_consent")
def _contact_before_consent(frames: Frames, labels: Labels, found: _Found) -> None:
    c = frames["contacts"]
    consent = _per_woman(
        c,
        frames["participants"]
        .dropna(subset=["participant_id"])
        .drop_duplicates("participant_id")
        .set_index("participant_id")["consent_date"],
    )
    bad = c["contact_date"] < consent
    found.add(
        labels["contacts"],
        bad,
        "contact_date",
        c["contact_date"],
        "contact_before_consent",
        _text("contact_before_consent") + " (" + _iso(consent) + ")",
    )


#: The dated events that must fall inside a woman's treated follow-up.
_EVENTS = (
    ("injections", "injection_date"),
    ("conditions", "diagnosis_date"),
    ("ivf_cycles", "start_date"),
    ("pregnancies", "conception_date"),
)


@_rule("before_first_injection")
def _before_first_injection(frames: Frames, labels: Labels, found: _Found) -> None:
    firsts = _first_injection(frames)
    for name, column in _EVENTS[1:]:  # an injection cannot precede the first injection
        f = frames[name]
        first = _per_woman(f, firsts)
        known_woman = f["participant_id"].isin(
            set(frames["participants"]["participant_id"].dropna())
        )
        untreated = f[column].notna() & first.isna() & known_woman
        found.add(
            labels[name],
            untreated,
            column,
            f[column],
            "before_first_injection",
            f"{column} " + _text("before_first_injection") + ", but she has no injection recorded",
        )
        bad = f[column] < first
        found.add(
            labels[name],
            bad,
            column,
            f[column],
            "before_first_injection",
            f"{column} " + _text("before_first_injection") + " (" + _iso(first) + ")",
        )


@_rule("after_end_of_followup")
def _after_end_of_followup(frames: Frames, labels: Labels, found: _Found) -> None:
    ends = _end_of_followup(frames)
    for name, column in _EVENTS:
        f = frames[name]
        end = _per_woman(f, ends)
        bad = f[column] > end
        found.add(
            labels[name],
            bad,
            column,
            f[column],
            "after_end_of_followup",
            f"{column} " + _text("after_end_of_followup") + " (" + _iso(end) + ")",
        )


@_rule("outcome_before_conception")
def _outcome_before_conception(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"]
    bad = g["outcome_date"] < g["conception_date"]
    found.add(
        labels["pregnancies"],
        bad,
        "outcome_date",
        g["outcome_date"],
        "outcome_before_conception",
        _text("outcome_before_conception") + " (" + _iso(g["conception_date"]) + ")",
    )


@_rule("outcome_date_missing")
def _outcome_date_missing(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"]
    closed = g["outcome"].notna() & ~g["outcome"].isin(OPEN_OUTCOMES)
    bad = closed & g["outcome_date"].isna()
    found.add(
        labels["pregnancies"],
        bad,
        "outcome_date",
        g["outcome_date"],
        "outcome_date_missing",
        _text("outcome_date_missing") + " (the outcome is " + g["outcome"].astype(str) + ")",
    )


def _cycles_by_id(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return (
        frames["ivf_cycles"]
        .dropna(subset=["cycle_id"])
        .drop_duplicates("cycle_id")
        .set_index("cycle_id")
    )


@_rule("ivf_cycle_other_woman")
def _ivf_cycle_other_woman(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"]
    owner = _lookup(g["ivf_cycle_id"], _cycles_by_id(frames)["participant_id"])
    bad = owner.notna() & g["participant_id"].notna() & (owner != g["participant_id"])
    found.add(
        labels["pregnancies"],
        bad,
        "ivf_cycle_id",
        g["ivf_cycle_id"],
        "ivf_cycle_other_woman",
        _text("ivf_cycle_other_woman") + " (the cycle is " + owner.astype(str) + "'s)",
    )


@_rule("ivf_cycle_wrong_mode")
def _ivf_cycle_wrong_mode(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"]
    bad = g["ivf_cycle_id"].notna() & g["mode"].notna() & (g["mode"] != "ivf")
    found.add(
        labels["pregnancies"],
        bad,
        "ivf_cycle_id",
        g["ivf_cycle_id"],
        "ivf_cycle_wrong_mode",
        _text("ivf_cycle_wrong_mode") + " (the mode is " + g["mode"].astype(str) + ")",
    )


@_rule("pregnancies_overlap")
def _pregnancies_overlap(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"].dropna(subset=["participant_id", "conception_date"])
    g = g.sort_values(["participant_id", "conception_date"], kind="stable")
    same_woman = g["participant_id"].eq(g["participant_id"].shift())
    previous_end = g["outcome_date"].shift()
    previous_ongoing = g["outcome"].shift().eq("ongoing")
    previous_row = pd.Series(g.index, index=g.index).shift()
    bad = same_woman & ((g["conception_date"] <= previous_end) | previous_ongoing)
    message = (
        _text("pregnancies_overlap")
        + " (row "
        + previous_row.astype("Int64").astype(str)
        + " ends "
        + _iso(previous_end)
        + ")"
    )
    found.add(
        labels["pregnancies"],
        bad,
        "conception_date",
        g["conception_date"],
        "pregnancies_overlap",
        message,
    )


def _pregnancy_of(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each infant's pregnancy columns (outcome, outcome_date, fetuses), row-aligned."""
    preg = frames["pregnancies"].dropna(subset=["pregnancy_id"]).drop_duplicates("pregnancy_id")
    preg = preg.set_index("pregnancy_id")
    inf = frames["infants"]
    return pd.DataFrame(
        {c: _lookup(inf["pregnancy_id"], preg[c]) for c in ("outcome", "outcome_date", "fetuses")},
        index=inf.index,
    )


@_rule("infant_of_non_live_birth")
def _infant_of_non_live_birth(frames: Frames, labels: Labels, found: _Found) -> None:
    inf = frames["infants"]
    outcome = _pregnancy_of(frames)["outcome"]
    bad = outcome.notna() & (outcome != "live_birth")
    found.add(
        labels["infants"],
        bad,
        "pregnancy_id",
        inf["pregnancy_id"],
        "infant_of_non_live_birth",
        _text("infant_of_non_live_birth") + " (its outcome is " + outcome.astype(str) + ")",
    )


@_rule("more_infants_than_fetuses")
def _more_infants_than_fetuses(frames: Frames, labels: Labels, found: _Found) -> None:
    g = frames["pregnancies"]
    inf = frames["infants"].dropna(subset=["pregnancy_id"])
    counts = inf.groupby("pregnancy_id").size()
    rows = (
        pd.Series(inf.index, index=inf.index)
        .groupby(inf["pregnancy_id"])
        .agg(lambda r: ", ".join(str(x) for x in r))
        if len(inf)
        else pd.Series(dtype=str)
    )
    n = _lookup(g["pregnancy_id"], counts).fillna(0).astype(int)
    fetuses = g["fetuses"].fillna(1)
    bad = n > fetuses
    message = (
        _text("more_infants_than_fetuses")
        + ": "
        + n.astype(str)
        + " infants (rows "
        + _lookup(g["pregnancy_id"], rows).astype(str)
        + " of infants) but fetuses is "
        + fetuses.astype(str)
    )
    found.add(
        labels["pregnancies"], bad, "fetuses", g["fetuses"], "more_infants_than_fetuses", message
    )


@_rule("birth_not_at_outcome")
def _birth_not_at_outcome(frames: Frames, labels: Labels, found: _Found) -> None:
    inf = frames["infants"]
    outcome_date = _pregnancy_of(frames)["outcome_date"]
    gap = (inf["birth_date"] - outcome_date).abs()
    bad = gap > pd.Timedelta(days=BIRTH_OUTCOME_TOLERANCE_DAYS)
    found.add(
        labels["infants"],
        bad,
        "birth_date",
        inf["birth_date"],
        "birth_not_at_outcome",
        _text("birth_not_at_outcome") + " (outcome " + _iso(outcome_date) + ")",
    )


@_rule("death_before_birth")
def _death_before_birth(frames: Frames, labels: Labels, found: _Found) -> None:
    inf = frames["infants"]
    bad = inf["death_date"] < inf["birth_date"]
    found.add(
        labels["infants"],
        bad,
        "death_date",
        inf["death_date"],
        "death_before_birth",
        _text("death_before_birth") + " (" + _iso(inf["birth_date"]) + ")",
    )


def _warn_untreated(
    frames: Mapping[str, pd.DataFrame], labels: Mapping[str, str], found: _Found
) -> None:
    p = frames["participants"]
    treated = p["participant_id"].isin(set(frames["injections"]["participant_id"].dropna()))
    found.add(
        labels["participants"],
        p["participant_id"].notna() & ~treated,
        "participant_id",
        p["participant_id"],
        "no_injection",
        "she has no injection recorded (enrolled, not yet treated): the analysis leaves her out",
        warning=True,
    )
    contacted = p["participant_id"].isin(set(frames["contacts"]["participant_id"].dropna()))
    found.add(
        labels["participants"],
        p["participant_id"].notna() & treated & ~contacted,
        "participant_id",
        p["participant_id"],
        "no_contact",
        "she has no follow-up contact recorded, so her end of follow-up is unknown",
        warning=True,
    )
