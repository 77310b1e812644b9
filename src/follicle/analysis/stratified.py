"""Table 1 by a group: the women's characteristics in each group and overall, the way
statisticians ask for them (R's gtsummary ``tbl_summary(by=) |> add_p() |> add_overall()``
and tableone's ``CreateTableOne(strata=, smd=TRUE)``).

:func:`table1_by` takes a per-woman frame (:func:`follicle.analysis.frame.women`, optionally
with the Bologna and POSEIDON labels added) and returns a :class:`Result` with one column
per group plus the whole cohort, a test per row chosen by a stated rule, the standardized
mean difference (:mod:`follicle.analysis.stats.smd`) and "unknown" rows for missing values.

The rules, stated in the result's notes:

* a **continuous** variable shows mean and sample SD (median, quartiles and range are in
  ``values``) of the women with a value; its test is Welch's t-test for two groups (R
  ``t.test``) and Welch's one-way analysis of means for more (R ``oneway.test``);
* a **categorical** variable shows n and % of the women of the group with a known value;
  its test is Pearson's χ² (R ``chisq.test``, Yates' correction on a 2 × 2 table as R's
  default) when every expected count is 5 or more, otherwise Fisher's exact test (R
  ``fisher.test``; on a table larger than 2 × 2 the exact network enumeration of
  :mod:`follicle.analysis.stats.fisher`, simulated as R's ``simulate.p.value`` only when the
  network is too large) — gtsummary's ``add_p()`` rule. Levels with no woman in any
  group are left out of the test and the SMD;
* women whose value is missing are counted on an **unknown** row (n per group, no %), and
  left out of that row's summary, test and SMD;
* women whose **group** is unknown are left out of the table (said in a note).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from follicle.analysis.frame import AGE_GROUPS, select_labels
from follicle.analysis.por_classification import BOLOGNA_ITEMS, POSEIDON_ITEMS
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats.contingency import chisq_test
from follicle.analysis.stats.fisher import fisher_exact_2x2, fisher_exact_rxc
from follicle.analysis.stats.smd import mean_pairwise, smd_categorical, smd_continuous
from follicle.analysis.stats.welch import welch_anova, welch_t
from follicle.errors import FollicleError
from follicle.workbook.schema import MENSES_BASELINE, MENSES_FOLLOWUP

#: The label of the column of all women, and of missing values.
OVERALL = "Overall"
UNKNOWN = "unknown"
#: Fisher's exact test replaces χ² on a table with an expected count below this.
FISHER_BELOW = 5


@dataclass(frozen=True)
class Variable:
    """A variable Table 1 can show or group by.

    ``levels``: a categorical variable's levels in table order (``None``: the observed
    values, sorted); a continuous one has ``kind="continuous"`` and no levels.
    """

    name: str
    label: str
    kind: Literal["continuous", "categorical"]
    levels: tuple[str, ...] | None = None


#: Every variable of :func:`table1_by`, by name, in the default order of the rows.
VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable("age", "Age at first injection (years)", "continuous"),
        Variable("age_group", "Age group", "categorical", AGE_GROUPS),
        Variable("age_followup", "Age at end of follow-up (years)", "continuous"),
        Variable("followup_years", "Follow-up from last injection (years)", "continuous"),
        Variable("injections", "Injections", "categorical", ("1", "2", "3_plus")),
        Variable("menses_baseline", "Menses before injection", "categorical", MENSES_BASELINE),
        Variable("menses_followup", "Menses at follow-up", "categorical", MENSES_FOLLOWUP),
        Variable("site", "Site", "categorical"),
        Variable("arm", "Arm", "categorical"),
        Variable("pregnant", "Pregnant after the first injection", "categorical", ("yes", "no")),
        Variable("ivf_treated", "IVF after the first injection", "categorical", ("yes", "no")),
        Variable("bologna", "Bologna criteria", "categorical", tuple(BOLOGNA_ITEMS)),
        Variable("poseidon", "POSEIDON group", "categorical", tuple(POSEIDON_ITEMS)),
    )
}
#: The rows of Table 1 when no variables are chosen (the paper's Table 1).
DEFAULT_VARIABLES = (
    "age",
    "age_group",
    "age_followup",
    "followup_years",
    "injections",
    "menses_baseline",
    "menses_followup",
)
_CONTINUOUS_STATS = ("n", "missing", "mean", "sd", "median", "q1", "q3", "min", "max")


class UnknownVariable(FollicleError):
    """A Table 1 variable (or ``by``) that follicle does not know, or the data lack."""

    code = "unknown_variable"
    http_status = 422


def check_names(by: str | None, variables: Sequence[str] | None) -> None:
    """Raise :class:`UnknownVariable` for a ``by`` or variable name that is not one of
    :data:`VARIABLES` (before any data are read)."""
    for role, name in [("by", by), *(("variable", v) for v in variables or ())]:
        if name is not None and name not in VARIABLES:
            raise UnknownVariable(
                f"{role} {name!r} is not a Table 1 variable; choose from {', '.join(VARIABLES)}"
            )


def _check(name: str, frame: pd.DataFrame, role: str) -> Variable:
    check_names(name if role == "by" else None, [name] if role != "by" else None)
    if name not in frame.columns:
        raise UnknownVariable(f"{role} {name!r} is not in this cohort's per-woman frame")
    return VARIABLES[name]


def categories(frame: pd.DataFrame, name: str) -> pd.Series:
    """A categorical variable as text labels, ``<NA>`` where unknown: whole-number counts of
    injections become ``"1"``, ``"2"``, ``"3_plus"``; booleans ``"yes"`` / ``"no"``."""
    column = frame[name]
    if name == "injections":
        k = column.astype("Int64")
        labels = select_labels(
            [k.eq(1).fillna(False), k.eq(2).fillna(False)], ["1", "2"], frame.index, "3_plus"
        )
        return labels.where(k.notna())
    if pd.api.types.is_bool_dtype(column):
        flags = column.astype("boolean")
        return flags.map({True: "yes", False: "no"}).astype("string")
    return column.astype("string")


def _levels(variable: Variable, values: pd.Series) -> list[str]:
    """The levels shown: the vocabulary's with at least one woman (in its order), then any
    other observed value, sorted."""
    observed = set(values.dropna().unique())
    known = [lv for lv in (variable.levels or ()) if lv in observed]
    return known + sorted(observed - set(known))


def _continuous(values: pd.Series, groups: pd.Series, order: Sequence[str]) -> pd.DataFrame:
    """Per group (then overall): n, missing, mean, SD, median, quartiles (R type 7), range."""
    x = pd.to_numeric(values, errors="coerce").astype("Float64").astype(float)
    frame = pd.DataFrame({"x": x, "g": groups.to_numpy()})
    grouped = frame.groupby("g", sort=False)["x"]
    summary = pd.DataFrame(
        {
            "n": grouped.count(),
            "missing": grouped.size() - grouped.count(),
            "mean": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "median": grouped.median(),
            "q1": grouped.quantile(0.25),
            "q3": grouped.quantile(0.75),
            "min": grouped.min(),
            "max": grouped.max(),
        }
    ).reindex(list(order))
    summary["n"] = summary["n"].fillna(0)
    summary["missing"] = summary["missing"].fillna(0)
    overall = frame["x"]
    summary.loc[OVERALL] = [
        overall.count(),
        overall.isna().sum(),
        overall.mean(),
        overall.std(ddof=1),
        overall.median(),
        overall.quantile(0.25),
        overall.quantile(0.75),
        overall.min(),
        overall.max(),
    ]
    return summary


#: The test fields of a row that has no test (fewer than two groups, or too few values).
NO_TEST: dict[str, Number] = {
    "test": "",
    "statistic": np.nan,
    "df": np.nan,
    "df2": np.nan,
    "p": np.nan,
    "smd": np.nan,
}


def _continuous_test(summary: pd.DataFrame, order: Sequence[str]) -> dict[str, Number]:
    if len(order) < 2:
        return dict(NO_TEST)
    s = summary.loc[list(order)]
    n, mean, sd = (s[c].to_numpy(dtype=float) for c in ("n", "mean", "sd"))
    welch, name = (welch_t, "Welch t-test") if len(order) == 2 else (welch_anova, "Welch ANOVA")
    found = welch(n, mean, sd)
    test: dict[str, Number] = {"test": name, "statistic": found.statistic, "df": found.df}
    test |= {"df2": found.df2, "p": found.p_value}
    k = len(order)
    smd = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i + 1, k):
            smd[i, j] = smd_continuous(mean[i], sd[i], mean[j], sd[j])
    return test | {"smd": mean_pairwise(smd)}


def _categorical_test(counts: pd.DataFrame) -> dict[str, Number]:
    """χ² or Fisher of the groups × levels table of known values, and the SMD."""
    if counts.shape[0] < 2:
        return dict(NO_TEST)
    table = counts.loc[:, counts.sum(axis=0) > 0]
    table = table.loc[table.sum(axis=1) > 0]
    out = dict(NO_TEST)
    if table.shape[0] >= 2 and table.shape[1] >= 2:
        cells = table.to_numpy(dtype=float)
        expected = np.outer(cells.sum(axis=1), cells.sum(axis=0)) / cells.sum()
        if cells.shape == (2, 2) and expected.min() < FISHER_BELOW:
            out |= {"test": "Fisher's exact test", "p": fisher_exact_2x2(cells)}
        elif expected.min() < FISHER_BELOW:
            # gtsummary's rule: an r × c table with a small expected count is tested exactly.
            found = fisher_exact_rxc(cells.astype(int))
            name = "Fisher's exact test" + (
                f" (simulated, {found.tables} tables)" if found.method == "simulated" else ""
            )
            out |= {"test": name, "p": found.p_value}
        else:
            chi = chisq_test(cells)
            out |= {"test": "χ² test", "statistic": chi.statistic, "df": float(chi.df)}
            out |= {"p": chi.p_value}
    known = counts.loc[:, counts.sum(axis=0) > 0].to_numpy(dtype=float)
    k = known.shape[0]
    smd = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i + 1, k):
            smd[i, j] = smd_categorical(known[i], known[j])
    return out | {"smd": mean_pairwise(smd)}


def _row(
    label: str,
    level: str,
    cells: Mapping[str, Mapping[str, float]],
    summary: tuple[str, ...] = ("mean", "sd"),
) -> dict[str, object]:
    row: dict[str, object] = {"characteristic": label, "level": level}
    for group, stats_ in cells.items():
        for key in ("n", "pct", *summary):
            row[f"{group}.{key}"] = stats_.get(key, np.nan)
    return row


def table1_by(
    women: pd.DataFrame,
    *,
    by: str | None,
    variables: Sequence[str] | None = None,
    statistic: Literal["mean", "median"] = "mean",
) -> Result:
    """Table 1 by a group: each variable per group and overall, a test and the SMD.

    Parameters
    ----------
    women
        One row per treated woman: :func:`follicle.analysis.frame.women`, with ``bologna``
        and ``poseidon`` added to group or describe by them (``Cohort.table1`` adds them).
    by
        The grouping variable: one of :data:`VARIABLES` (``site``, ``arm``, ``age_group``,
        ``injections``, ``menses_baseline``, ``bologna``, ``poseidon`` …); ``None`` for the
        Overall column alone (no tests).
    variables
        The rows, in order (default :data:`DEFAULT_VARIABLES` without ``by``).
    statistic
        What a continuous row prints: ``"mean"`` (mean ± SD, the table's columns
        ``{group}.mean`` and ``{group}.sd``) or ``"median"`` (median [Q1, Q3], R's
        ``quantile`` type 7 — R's default, and what gtsummary's ``median(x)``/``p25``/``p75``
        use; the columns ``{group}.median``, ``{group}.q1``, ``{group}.q3``). The test and
        the values are the same either way.

    Returns
    -------
    Result
        ``table1_by``. ``table``: ``characteristic``, ``level``, then for
        each group (in the vocabulary's order) and ``Overall``: ``{group}.n``,
        ``{group}.pct`` (categorical: n and % of the group's women with a known value),
        ``{group}.mean``, ``{group}.sd`` (continuous: of the women with a value); then
        ``p``, ``test`` and ``smd`` on each variable's first row. An ``unknown`` row counts
        the women without a value. ``values`` (``docs/results.md``): ``n_women``,
        ``groups``, ``{group}.n_women``; per continuous variable
        ``{variable}.{group}.{n|missing|mean|sd|median|q1|q3|min|max}``; per categorical
        ``{variable}.{level}.{group}.n`` / ``.pct`` and ``{variable}.unknown.{group}.n``;
        per variable ``{variable}.test``, ``.statistic``, ``.df``, ``.df2``, ``.p`` and
        ``.smd``. R: ``t.test``, ``oneway.test``, ``chisq.test``, ``fisher.test``; the SMD
        as tableone's (:mod:`follicle.analysis.stats.smd`).

    Raises
    ------
    UnknownVariable
        ``by`` or a variable is not one of :data:`VARIABLES`, or not in ``women``.
    """
    check_names(by, variables)
    group_variable = _check(by, women, "by") if by is not None else None
    chosen = [v for v in DEFAULT_VARIABLES if v != by] if variables is None else list(variables)
    rows_of = [_check(name, women, "variable") for name in chosen]

    if group_variable is None:
        group_labels = pd.Series(OVERALL, index=women.index, dtype="string")
    else:
        group_labels = categories(women, group_variable.name)
    known_group = group_labels.notna()
    data = women.loc[known_group.to_numpy()]
    groups = group_labels.loc[known_group]
    order = _levels(group_variable, groups) if group_variable is not None else []
    columns = [*order, OVERALL]

    values: dict[str, Number] = {"n_women": len(data), "groups": len(order)}
    sizes = groups.value_counts().reindex(order, fill_value=0)
    values |= {f"{g}.n_women": int(n) for g, n in sizes.items()}
    values[f"{OVERALL}.n_women"] = len(data)

    shown = ("mean", "sd") if statistic == "mean" else ("median", "q1", "q3")
    rows: list[dict[str, object]] = []
    for variable in rows_of:
        if variable.kind == "continuous":
            summary = _continuous(data[variable.name], groups, order)
            result = _continuous_test(summary, order)
            for g in columns:
                for key in _CONTINUOUS_STATS:
                    number = float(summary.at[g, key])
                    values[f"{variable.name}.{g}.{key}"] = (
                        int(number) if key in ("n", "missing") else number
                    )
            cells = {g: {k: float(summary.at[g, k]) for k in ("n", *shown)} for g in columns}
            first = _row(variable.label, "", cells, shown)
            missing = summary["missing"]
            extra = (
                [_row(variable.label, UNKNOWN, {g: {"n": missing[g]} for g in columns}, shown)]
                if missing[OVERALL] > 0
                else []
            )
        else:
            labels = categories(data, variable.name)
            levels = _levels(variable, labels)
            counts = pd.crosstab(groups, labels).reindex(index=order, columns=levels, fill_value=0)
            result = _categorical_test(counts)
            unknown = labels.isna().groupby(groups.to_numpy()).sum().reindex(order, fill_value=0)
            # Overall from all the women, not the sum of the groups: without ``by`` there
            # are no groups.
            counts.loc[OVERALL] = labels.value_counts().reindex(levels, fill_value=0)
            unknown.loc[OVERALL] = int(labels.isna().sum())
            known = counts.sum(axis=1)
            pct = counts.div(known.where(known > 0), axis=0) * 100
            level_rows = []
            for level in levels:
                for g in columns:
                    values[f"{variable.name}.{level}.{g}.n"] = int(counts.at[g, level])
                    values[f"{variable.name}.{level}.{g}.pct"] = float(pct.at[g, level])
                level_rows.append(
                    _row(
                        variable.label,
                        level,
                        {g: {"n": counts.at[g, level], "pct": pct.at[g, level]} for g in columns},
                        shown,
                    )
                )
            for g in columns:
                values[f"{variable.name}.{UNKNOWN}.{g}.n"] = int(unknown[g])
            unknown_row = [
                _row(variable.label, UNKNOWN, {g: {"n": unknown[g]} for g in columns}, shown)
            ]
            listed = level_rows + (unknown_row if unknown.sum() or not level_rows else [])
            first, extra = listed[0], listed[1:]
        for key in ("test", "statistic", "df", "df2", "p", "smd"):
            values[f"{variable.name}.{key}"] = result[key]
        first |= {"p": result["p"], "test": result["test"], "smd": result["smd"]}
        rows += [first, *extra]

    table = pd.DataFrame(rows)
    for column in ("p", "test", "smd"):
        if column not in table.columns:
            table[column] = np.nan
    table["test"] = table["test"].astype("string")
    left_out = int((~known_group).sum())
    grouping = "all" if group_variable is None else group_variable.label.lower()
    notes = [
        f"N = {len(data)} treated women in {len(order)} groups by {grouping}; Overall is all "
        "of them."
        if group_variable is not None
        else f"N = {len(data)} treated women.",
        (
            "Continuous: mean ± SD"
            if statistic == "mean"
            else "Continuous: median [Q1, Q3] (R quantile type 7)"
        )
        + " of the women with a value; Welch t-test (2 groups) or Welch one-way ANOVA (3 or "
        "more; R oneway.test).",
        "Categorical: n (%) of the women with a known value; Pearson χ² test (Yates' "
        f"correction on 2 × 2 tables, as R) when every expected count is {FISHER_BELOW} or "
        f"more; otherwise Fisher's exact test (R fisher.test; exact on r × c tables too, "
        "but for a table too large to enumerate, whose p-value is simulated from 2,000 "
        "random tables as R's simulate.p.value = TRUE, and the test so named).",
        "SMD: standardized mean difference as R's tableone computes it (Cohen's d with the "
        "average variance; Yang & Dalton's multinomial SMD for categories); with 3 or more "
        "groups the mean over all pairs of groups.",
        "Unknown: women without a value, counted and left out of the summaries, tests and SMD.",
    ]
    if left_out:
        notes.append(f"{COHORT_NOTE}, {left_out} women with an unknown {grouping} are left out.")
    return Result(
        "table1_by",
        "",
        "Characteristics of the women who received an injection"
        + (f", by {grouping}" if group_variable is not None else ""),
        table,
        values,
        tuple(notes),
    )
