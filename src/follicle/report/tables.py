"""Report tables as immutable specs: what every renderer prints, already formatted.

A :class:`ReportTable` is made from an analysis :class:`~follicle.analysis.result.Result`
by :func:`from_result` and changed only by small pure functions that return a new value
(:func:`with_footnotes`), the shape of great-tables' ``tab_header``. The HTML, DOCX and
XLSX renderers read it and never format a number themselves: every cell is a display
string made by :mod:`follicle.report.format`, and the XLSX writer takes the number behind
it from :attr:`ReportTable.numbers` together with an Excel format that shows the same
digits (:func:`excel_format`).

How a result's table is printed follows from its column names (the conventions of
``follicle.analysis``; ``docs/report.md`` lists them):

* **Hidden columns.** ``key``, ``id`` and ``…_id`` columns are machine identifiers and
  are not printed; nor is ``integer_valued``, which says how the row's range is printed.
* **Spreadsheet-only columns** (:data:`SPREADSHEET_ONLY`): ``min_expected``,
  ``…_uncorrected_p``, ``…_newcombe_low``/``…_newcombe_high``, ``coef``, ``se`` and
  ``claim`` are left out of the manuscript form (``combine=True``) and kept in spreadsheets.
* **Row labels.** When the first two columns hold text (``characteristic``/``level``,
  ``factor``/``group``), the first is a section heading printed once, in italics, above
  its indented rows. Otherwise the first text column labels the rows.
* **Numbers, by column role** (:func:`column_role`): ``p``/``p_value`` → p-value
  (``0.1189``, ``< 0.0001``); ``pct``, ``…_pct``, ``%`` → percentage (``36.19``);
  ``statistic``/``chi2`` → statistic (``2.4321``); anything else → count or number
  (``12``, ``3.72``).
* **Merged columns** (manuscript form, ``combine=True``): ``mean``, ``sd`` (with ``min``
  and ``max``) → ``Mean ± SD (range)``; ``median`` with ``min``/``max`` (no mean) →
  ``Median (range)`` — the range of an integer-valued variable (``integer_valued``) as
  integers (``24–45``), any other range with the decimals of the centre value
  (``2.50–6.00``); ``n``, ``total``, ``pct`` → ``n/N (%)``; ``n``, ``pct`` →
  ``n (%)``; ``p`` and ``test`` → ``p (test)`` (``0.1189 (χ²)``); ``X`` and ``X_pct``
  → ``X, n (%)``; ``low`` and ``high`` → ``95% CI``
  (``27.60–45.83``, as percentages when the table has a ``pct``); ``X``, ``X_low`` and
  ``X_high`` → ``X (95% CI)`` (``2.35 (0.90–6.12)``), also ``mean`` with ``mean_low`` and
  ``mean_high`` and no ``sd`` (``Mean (95% CI)``). A ``method`` column is dropped and its
  distinct values become footnotes unless the notes already name them. Spreadsheets use
  ``combine=False``: every number in its own column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from follicle.report.format import (
    format_fixed,
    format_interval,
    format_mean_sd,
    format_median_range,
    format_n_pct,
    format_number,
    format_p,
    format_pct,
    format_stat,
    is_missing,
)

if TYPE_CHECKING:
    from follicle.analysis.result import Result

#: How a column's numbers are printed.
Role = Literal["p", "pct", "stat", "number"]
#: A cell's number for spreadsheets: the unrounded value, or ``None`` for text cells.
CellNumber = float | int | None

_P_NAMES = re.compile(r"^(p|p[ _-]?value|pvalue)$|^p[ _(]|^.*[ _]p$")
_PCT_NAMES = re.compile(r"%|\bpct\b|percent|_pct$|^pct_")
_STAT_NAMES = re.compile(r"^(chi2|chisq|chi-squared|chi_squared|χ²|χ2|statistic)$")

#: Printed headers of column names the analysis uses; other snake_case names are made
#: readable by :func:`header`.
HEADERS: Mapping[str, str] = {
    "p": "p",
    "smd": "SMD",
    "p_value": "p",
    "pct": "%",
    "percent": "%",
    "chi2": "χ²",
    "chisq": "χ²",
    "chi_squared": "χ²",
    "or": "OR",
    "or_mle": "MLE OR",
    "risk_difference": "RD",
    "km": "Kaplan–Meier, %",
    "upper_one_sided": "One-sided upper bound, %",
    "person_years": "Person-years",
    "rate": "Per 100 person-years",
    "basis": "",
    "scheme": "",
    "benchmark_pct": "Published %",
    "benchmark_denominator": "Published N",
    "aj": "Aalen–Johansen, %",
    "crude_or": "Unadjusted OR",
    "crude_p": "Unadjusted p",
    "chisq_p": "χ² p",
    "fisher_p": "Fisher p",
    "df": "df",
    "n": "n",
    "total": "N",
    "sd": "SD",
    "mean": "Mean",
    "median": "Median",
    "min": "Min",
    "max": "Max",
    "item": "",
    "section": "",
    "menses_baseline": "Menses before injection",
    "menses_followup": "Menses at follow-up",
}
#: Row-label words printed differently from the analysis' vocabulary.
LEVELS: Mapping[str, str] = {
    "3_plus": "3 or more",
    "ivf": "IVF",
    "maternal": "Women's complications",
    "fetal": "Fetal and neonatal complications",
}
#: Columns never printed: machine keys and identifiers (``key``, ``participant_id``), and
#: ``integer_valued``, which says how a row's range is printed (:data:`INTEGER_VALUED`).
HIDDEN = re.compile(r"^key$|_id$|^id$|^integer_valued$")
#: Columns printed only in spreadsheets (``combine=False``): numbers a reader checks
#: rather than reads — the smallest expected count, the χ² without continuity correction,
#: a second (Newcombe) interval, a regression's coefficient and standard error, an audited
#: claim's id (its row is labelled by the claim's text).
SPREADSHEET_ONLY = re.compile(
    r"^min_expected$|_uncorrected_p$|_newcombe_(low|high)$|^coef$|^se$|^claim$"
)
#: A boolean column: the row's variable is integer-valued, so its range prints as integers
#: (``24–45``); false, its range has the decimals of the centre value (``2.50–6.00``).
#: Missing (or no such column): inferred from the ends of the range.
INTEGER_VALUED = "integer_valued"


@dataclass(frozen=True)
class ReportTable:
    """A table as printed: caption, header, rows of display strings, footnotes.

    Attributes
    ----------
    label
        Journal-style label, e.g. ``"Table 1"``.
    title
        The caption after the label.
    columns
        Printed column headers.
    rows
        One tuple of display strings per printed line, as long as ``columns``.
    footnotes
        Printed below the table (methods, definitions, abbreviations).
    name
        The stable key of the result it came from (``table1``), used for sheet names and
        HTML anchors.
    numbers
        Same shape as ``rows``: the unrounded number behind each cell that shows exactly
        one number, else ``None``. Empty when unknown. Spreadsheets store these.
    sections
        Indices of rows that are section headings (printed in italics).
    indented
        Indices of rows printed indented under a section heading.
    """

    label: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footnotes: tuple[str, ...] = ()
    name: str = ""
    numbers: tuple[tuple[CellNumber, ...], ...] = ()
    sections: tuple[int, ...] = ()
    indented: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"{self.label}: row {i} has {len(row)} cells, not {width}")
        if self.numbers and [len(r) for r in self.numbers] != [len(r) for r in self.rows]:
            raise ValueError(f"{self.label}: numbers and rows differ in shape")

    @property
    def caption(self) -> str:
        """``"Table 1. Demographic characteristics …"``."""
        if not self.label:
            return self.title
        return f"{self.label}. {self.title}" if self.title else self.label

    @property
    def numeric_columns(self) -> tuple[bool, ...]:
        """Whether each column holds numbers (right-aligned when printed)."""
        flags = []
        for j in range(len(self.columns)):
            cells = [row[j] for row in self.rows if row[j]]
            flags.append(bool(cells) and all(_looks_numeric(c) for c in cells))
        return tuple(flags)

    def number(self, i: int, j: int) -> CellNumber:
        """The number behind cell (``i``, ``j``), or ``None`` for text."""
        return self.numbers[i][j] if self.numbers else None


def _looks_numeric(text: str) -> bool:
    return bool(re.match(r"^[<>≤≥−\-]?\s*[\d.∞]", text))


def with_footnotes(table: ReportTable, *notes: str) -> ReportTable:
    """A copy of ``table`` with ``notes`` added below the existing footnotes."""
    return replace(table, footnotes=table.footnotes + tuple(notes))


#: A cell of a proportion with no one in its denominator ("0/0", "0/0 (NaN)").
_EMPTY_PROPORTION = re.compile(r"^0/0\b")


def empty_rows(table: ReportTable) -> tuple[int, ...]:
    """Rows that count no one: every filled value cell is a ``0/0`` proportion.

    Such a row (a category no woman of the cohort is in, e.g. amenorrhea before the
    injection) carries no information; section headings are never counted as empty here.
    """
    empty = []
    for i, row in enumerate(table.rows):
        if i in table.sections:
            continue
        values = [text for text in row[1:] if text]
        if values and all(_EMPTY_PROPORTION.match(text) for text in values):
            empty.append(i)
    return tuple(empty)


def without_rows(table: ReportTable, drop: Sequence[int], note: str = "") -> ReportTable:
    """``table`` without the rows ``drop`` (and any section heading left with no row).

    ``note`` (when given) is added to the footnotes; the numbers, sections and indents
    follow their rows.
    """
    gone = set(drop)
    if not gone:
        return table
    # A section heading is dropped with the last of its rows.
    for i in table.sections:
        following = range(i + 1, next((k for k in table.sections if k > i), len(table.rows)))
        if following and all(k in gone for k in following):
            gone.add(i)
    kept = [i for i in range(len(table.rows)) if i not in gone]
    where = {old: new for new, old in enumerate(kept)}
    return replace(
        table,
        rows=tuple(table.rows[i] for i in kept),
        numbers=tuple(table.numbers[i] for i in kept) if table.numbers else (),
        sections=tuple(where[i] for i in table.sections if i in where),
        indented=tuple(where[i] for i in table.indented if i in where),
        footnotes=table.footnotes + ((note,) if note else ()),
    )


def drop_empty_rows(table: ReportTable, *also: ReportTable) -> tuple[ReportTable, ...]:
    """``table`` (and its other forms ``also``, row for row) without the rows of no one.

    The footnote says which rows were left out, so a reader does not wonder where a
    category went: "Rows counting no woman (0/0) are not shown: Amenorrhea → regular, …".
    Forms whose rows do not match ``table``'s one for one are returned unchanged.
    """
    drop = empty_rows(table)
    if not drop:
        return (table, *also)
    labels = ", ".join(table.rows[i][0] for i in drop)
    note = f"Rows counting no woman (0/0) are not shown: {labels}."
    out = [without_rows(table, drop, note)]
    for other in also:
        same = len(other.rows) == len(table.rows) and all(
            other.rows[i][0] == table.rows[i][0] for i in drop
        )
        out.append(without_rows(other, drop, note) if same else other)
    return tuple(out)


def with_count_note(table: ReportTable) -> ReportTable:
    """``table`` with a footnote when an ``n/N (%)`` column also holds plain counts.

    Some rows count things that have no denominator (pregnancies, infants) and sit in the
    same column as proportions of women; the note tells a reader which is which.
    """
    for j, column in enumerate(table.columns):
        if "n/N" not in column:
            continue
        if any(row[j] and "/" not in row[j] for row in table.rows):
            note = f"Under “{column}”, a number without a denominator is a count (n)."
            return table if note in table.footnotes else with_footnotes(table, note)
    return table


def column_role(name: object) -> Role:
    """How the numbers of a column called ``name`` are printed (see the module docs).

    Examples
    --------
    >>> [column_role(c) for c in ("p", "p_value", "pct", "regular_pct", "statistic", "n")]
    ['p', 'p', 'pct', 'pct', 'stat', 'number']
    """
    key = str(name).strip().lower()
    if _P_NAMES.match(key):
        return "p"
    if _PCT_NAMES.search(key):
        return "pct"
    if _STAT_NAMES.match(key):
        return "stat"
    return "number"


def header(name: object) -> str:
    """The printed header of a column: known names mapped, snake_case made readable.

    Examples
    --------
    >>> header("p_value"), header("total"), header("regular_pct"), header("Median")
    ('p', 'N', 'Regular %', 'Median')
    """
    text = str(name)
    for key in (text, text.lower()):
        if key in HEADERS:
            return HEADERS[key]
    if text.lower().endswith("_pct"):
        return f"{header(text[:-4])} %"
    base, _, end = text.lower().rpartition("_")
    if end in ("low", "high") and base in HEADERS:
        return f"{HEADERS[base]} {end}"  # a spreadsheet's interval column: "OR low"
    return _readable(text)


def _readable(text: str) -> str:
    if text in LEVELS:
        return LEVELS[text]
    if re.fullmatch(r"[a-z0-9_]+", text):
        text = text.replace("_", " ")
        return text[:1].upper() + text[1:]
    return text


def row_label(value: object) -> str:
    """A row label as printed: vocabulary words capitalised (``regular`` → ``Regular``)."""
    if is_missing(value):
        return ""
    return _readable(str(value))


def format_cell(value: Any, role: Role) -> str:
    """One cell as printed, by the role of its column."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    formatters: dict[Role, Callable[[Any], str]] = {
        "p": format_p,
        "pct": format_pct,
        "stat": format_stat,
        "number": format_number,
    }
    return formatters[role](value)


def _number_of(value: Any) -> CellNumber:
    if is_missing(value) or isinstance(value, str | bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isinf(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


#: A row of a result's table: its values by column name.
Record = Mapping[Any, Any]
#: A printed column: header, and the cell (text, number) of a record.
_Source = Callable[[Record], tuple[str, CellNumber]]


@dataclass(frozen=True)
class _Column:
    header: str
    source: _Source


def from_result(result: Result, *, combine: bool = True) -> ReportTable:
    """The printed form of an analysis result.

    Parameters
    ----------
    result
        Any :class:`~follicle.analysis.result.Result`; its ``table`` holds unformatted
        numbers, one row per printed line.
    combine
        Merge columns into the manuscript forms (``n (%)``, ``Mean ± SD (range)`` …) and
        move a ``method`` column into the footnotes; ``False`` keeps every number in its
        own column (for spreadsheets).

    Returns
    -------
    ReportTable
        Cells formatted by column role (module docs), section headings and indented rows
        found, and the result's ``notes`` as footnotes.
    """
    full = result.table.reset_index(drop=True)
    frame = full.loc[:, [c for c in full.columns if _printed(c, combine=combine)]]
    group_col, label_col, rest = _label_columns(frame)
    footnotes = tuple(result.notes)
    if combine and "method" in rest:
        footnotes += _method_notes(frame["method"], footnotes)
    plan = _column_plan(rest, combine=combine, methods=_methods(frame))
    stub = header(group_col if group_col is not None else label_col) if label_col else None

    rows: list[tuple[str, ...]] = []
    numbers: list[tuple[CellNumber, ...]] = []
    sections: list[int] = []
    indented: list[int] = []
    current: object = None
    width = len(plan) + (1 if stub is not None else 0)
    # Each row as a mapping of the frame's own values — what ``iterrows`` would give, without
    # building a Series per row (about 0.1 s of CPU over a report's tables; issue 13).
    labels = list(full.columns)
    for values_of_row in full.to_numpy():
        record = dict(zip(labels, values_of_row, strict=True))
        label = row_label(record[label_col]) if label_col else ""
        group = row_label(record[group_col]) if group_col else ""
        if group and label:
            if group != current:
                sections.append(len(rows))
                rows.append((group, *([""] * (width - 1))))
                numbers.append((None,) * width)
                current = group
            indented.append(len(rows))
        else:
            label, current = label or group, None
        cells = [column.source(record) for column in plan]
        texts = tuple(text for text, _ in cells)
        values = tuple(number for _, number in cells)
        if stub is not None:
            texts, values = (label, *texts), (None, *values)
        rows.append(texts)
        numbers.append(values)
    columns = tuple(c.header for c in plan)
    return ReportTable(
        label=result.label,
        title=result.title,
        columns=(stub, *columns) if stub is not None else columns,
        rows=tuple(rows),
        footnotes=footnotes,
        name=result.name,
        numbers=tuple(numbers),
        sections=tuple(sections),
        indented=tuple(indented),
    )


def _printed(column: object, *, combine: bool) -> bool:
    name = str(column).lower()
    return not HIDDEN.search(name) and not (combine and SPREADSHEET_ONLY.search(name))


def _is_text(column: pd.Series) -> bool:
    return bool(
        pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
    ) and not pd.api.types.is_numeric_dtype(column.dropna().infer_objects())


def _label_columns(frame: pd.DataFrame) -> tuple[Any, Any, list[Any]]:
    """(section column or None, row-label column or None, the other columns)."""
    columns = list(frame.columns)
    leading = []
    for column in columns[:2]:
        if str(column).lower() == "method" or not _is_text(frame[column]):
            break
        leading.append(column)
    if len(leading) == 2:
        return leading[0], leading[1], columns[2:]
    if len(leading) == 1:
        return None, leading[0], columns[1:]
    return None, None, columns


def _methods(frame: pd.DataFrame) -> tuple[str, ...]:
    if "method" not in frame.columns:
        return ()
    found = [str(m) for m in frame["method"] if not is_missing(m) and str(m).strip()]
    return tuple(dict.fromkeys(found))


def _method_notes(column: pd.Series, notes: Sequence[str]) -> tuple[str, ...]:
    """Each method named in ``column`` that no note names already, as a footnote."""
    text = " ".join(notes).lower()
    found = [str(m).strip() for m in column if not is_missing(m) and str(m).strip()]
    return tuple(f"Test: {m}." for m in dict.fromkeys(found) if m.lower() not in text)


def _column_plan(columns: Sequence[Any], *, combine: bool, methods: Sequence[str]) -> list[_Column]:
    """The printed columns, in order, made from the result's non-label columns."""
    by_name = {str(c).strip().lower(): c for c in columns}
    merged: dict[Any, _Column | None] = {}
    if combine:
        merged = _merges(by_name)
    plan: list[_Column] = []
    for column in columns:
        if column in merged:
            made = merged[column]
            if made is not None:
                plan.append(made)
            continue
        if combine and str(column).lower() == "method":
            continue
        title = header(column)
        if (
            column_role(column) == "stat"
            and methods
            and all("chi-squared" in m.lower() for m in methods)
        ):
            title = "χ²"
        plan.append(_Column(title, _plain(column, column_role(column))))
    return plan


def _merges(by_name: Mapping[str, Any]) -> dict[Any, _Column | None]:
    """Columns merged into one: the first of each group maps to the merged column, the
    others to ``None`` (dropped)."""
    merged: dict[Any, _Column | None] = {}

    def take(keys: Sequence[str], column: _Column) -> None:
        present = [by_name[k] for k in keys if k in by_name]
        merged[present[0]] = column
        merged.update(dict.fromkeys(present[1:]))

    range_keys = [k for k in ("min", "max") if k in by_name]
    # A mean with its own interval and no SD prints as "Mean (95% CI)" (below).
    mean_ci = "mean_low" in by_name and "mean_high" in by_name and "sd" not in by_name
    if "mean" in by_name and not mean_ci:
        keys = ["mean", *(["sd"] if "sd" in by_name else []), *range_keys]
        label = "Mean ± SD" if "sd" in by_name else "Mean"
        take(keys, _Column(label + (" (range)" if range_keys else ""), _mean_sd(by_name)))
    elif "median" in by_name and len(range_keys) == 2:
        take(["median", "min", "max"], _Column("Median (range)", _median_range(by_name)))
    if "n" in by_name and "pct" in by_name:
        with_total = "total" in by_name
        keys = ["n", *(["total"] if with_total else []), "pct"]
        take(keys, _Column("n/N (%)" if with_total else "n (%)", _n_pct(by_name, with_total)))
    if "p" in by_name and "test" in by_name:
        take(["p", "test"], _Column("p (test)", _p_test(by_name)))
    if "low" in by_name and "high" in by_name:
        role: Role = "pct" if "pct" in by_name else "number"
        take(["low", "high"], _Column("95% CI", _interval(by_name, "low", "high", role)))
    for key, column in by_name.items():
        low, high = f"{key}_low", f"{key}_high"
        if low in by_name and high in by_name and column not in merged:
            title = f"{header(column)} (95% CI)"
            take([key, low, high], _Column(title, _estimate_ci(by_name, key)))
    for prefix in _group_prefixes(by_name):
        stats_ = ("n", "pct", "mean", "sd", "median", "q1", "q3")
        keys = [f"{prefix}.{k}" for k in stats_ if f"{prefix}.{k}" in by_name]
        take(keys, _Column(row_label(prefix), _group_cell(by_name, prefix)))
    for key, column in by_name.items():
        pct_key = f"{key}_pct"
        if pct_key in by_name and column not in merged:
            take([key, pct_key], _Column(f"{header(column)}, n (%)", _pair(by_name, key)))
    return merged


def _group_prefixes(by_name: Mapping[str, Any]) -> list[str]:
    """The groups of a table by group (``table1_by``): each ``{group}.n`` that has a
    ``{group}.mean`` beside it, in column order."""
    return [
        key.removesuffix(".n")
        for key in by_name
        if key.endswith(".n")
        and any(f"{key.removesuffix('.n')}.{s}" in by_name for s in ("mean", "median"))
    ]


def _group_cell(by_name: Mapping[str, Any], prefix: str) -> _Source:
    """One group's cell of a table by group: mean ± SD (or median [Q1, Q3]) on a continuous
    row, n (%) on a level, n alone on an unknown row."""
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        mean = get(record, f"{prefix}.mean")
        if not is_missing(mean):
            return format_mean_sd(mean, get(record, f"{prefix}.sd")), None
        median = get(record, f"{prefix}.median")
        if not is_missing(median):
            q1, q3 = get(record, f"{prefix}.q1"), get(record, f"{prefix}.q3")
            # Fixed decimals: a whole-year median beside fractional quartiles reads oddly.
            quartiles = f"[{format_fixed(q1)}, {format_fixed(q3)}]"
            return f"{format_fixed(median)} {quartiles}", None
        n, pct = get(record, f"{prefix}.n"), get(record, f"{prefix}.pct")
        return format_n_pct(n, pct=pct), _number_of(n) if is_missing(pct) else None

    return source


def _plain(column: Any, role: Role) -> _Source:
    def source(record: Record) -> tuple[str, CellNumber]:
        value = record[column]
        return format_cell(value, role), _number_of(value)

    return source


def _getter(by_name: Mapping[str, Any]) -> Callable[[pd.Series, str], Any]:
    def get(record: Record, key: str) -> Any:
        return record[by_name[key]] if key in by_name else None

    return get


def _integer_valued(record: Record) -> bool | None:
    """The row's :data:`INTEGER_VALUED` flag, ``None`` when absent or missing."""
    flag = record.get(INTEGER_VALUED)
    return None if is_missing(flag) else bool(flag)


def _mean_sd(by_name: Mapping[str, Any]) -> _Source:
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        mean, sd = get(record, "mean"), get(record, "sd")
        text = format_mean_sd(
            mean,
            sd,
            low=get(record, "min"),
            high=get(record, "max"),
            integer=_integer_valued(record),
        )
        # Only a lone mean is one number; "mean ± SD (range)" is text in a spreadsheet.
        lone = is_missing(sd) and "(" not in text
        return text, _number_of(mean) if lone else None

    return source


def _median_range(by_name: Mapping[str, Any]) -> _Source:
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        median, low, high = get(record, "median"), get(record, "min"), get(record, "max")
        if is_missing(median):
            return "", None
        text = format_median_range(median, low, high, integer=_integer_valued(record))
        spread = not (is_missing(low) or is_missing(high))
        return text, None if spread else _number_of(median)

    return source


def _n_pct(by_name: Mapping[str, Any], with_total: bool) -> _Source:
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        n, pct = get(record, "n"), get(record, "pct")
        total = get(record, "total") if with_total else None
        text = format_n_pct(n, total, pct=pct, show_total=with_total)
        alone = is_missing(pct) and (not with_total or is_missing(total))
        return text, _number_of(n) if alone else None

    return source


def _pair(by_name: Mapping[str, Any], key: str) -> _Source:
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        n, pct = get(record, key), get(record, f"{key}_pct")
        return format_n_pct(n, pct=pct), _number_of(n) if is_missing(pct) else None

    return source


def _p_test(by_name: Mapping[str, Any]) -> _Source:
    """``0.1189 (χ²)``: a p-value with the name of the test that gave it."""
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        p, test = get(record, "p"), get(record, "test")
        text = format_cell(p, "p")
        if text and not is_missing(test) and str(test):
            return f"{text} ({test})", None
        return text, _number_of(p)

    return source


def _interval(by_name: Mapping[str, Any], low: str, high: str, role: Role) -> _Source:
    get = _getter(by_name)

    def source(record: Record) -> tuple[str, CellNumber]:
        return format_interval(get(record, low), get(record, high), pct=role == "pct"), None

    return source


def _estimate_ci(by_name: Mapping[str, Any], key: str) -> _Source:
    """``estimate (low–high)``, the estimate printed by its column's role."""
    get = _getter(by_name)
    role = column_role(by_name[key])

    def source(record: Record) -> tuple[str, CellNumber]:
        estimate = get(record, key)
        numeric = role == "number" and not isinstance(estimate, str)
        text = format_fixed(estimate) if numeric else format_cell(estimate, role)
        interval = format_interval(
            get(record, f"{key}_low"), get(record, f"{key}_high"), pct=role == "pct"
        )
        if text and interval:
            return f"{text} ({interval})", None
        return text, _number_of(estimate)

    return source


def excel_format(display: str) -> str:
    """An Excel number format that shows a number as ``display`` shows it.

    The decimals are counted in the display string, so a spreadsheet cell keeps the full
    number and still reads like the report (``36.19`` → ``0.00``; ``< 0.0001`` keeps a
    conditional format that prints the same text).

    Examples
    --------
    >>> excel_format("36.19"), excel_format("12"), excel_format("< 0.0001")
    ('0.00', '0', '[<0.0001]"< 0.0001";0.0000')
    """
    text = display.strip().replace("−", "-")
    if text.startswith("<"):
        bound = text.lstrip("< ").strip()
        decimals = len(bound.split(".")[1]) if "." in bound else 0
        zeros = "0." + "0" * decimals if decimals else "0"
        return f'[<{bound}]"{display.strip()}";{zeros}'
    if "." in text:
        return "0." + "0" * len(text.split(".")[1])
    return "0"
