"""Each kind of check of a claim, evaluated against the results and the other claims.

A check yields an :class:`Outcome`: passed, failed, or not computable (a metric missing from
the results, a division by zero), with a sentence saying what was computed. The audit
(:mod:`follicle.analysis.audit`) derives a claim's status and its likely reason from these
outcomes alone — nothing in the claims file decides a status.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, NamedTuple

from follicle.analysis.claims.arithmetic import (
    chisq_exact,
    grim_neighbours,
    grim_possible,
    p_agrees,
    p_range,
    p_value,
)
from follicle.analysis.claims.printed import Printed, exact, parse, show
from follicle.analysis.claims.schema import (
    CLAIM_PREFIX,
    Claim,
    Claims,
    formula_tree,
    placeholders,
)
from follicle.analysis.result import Number, Result

_STATISTIC = {"chisq": "χ²", "z": "z", "t": "t", "f": "F"}
_OPS: dict[type, Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


@dataclass(frozen=True)
class Outcome:
    """What one check of a claim found.

    Attributes
    ----------
    check
        The check's name in the claims file (``metric``, ``percent_of`` …).
    passed
        ``True`` when the computed value, rounded to the printed precision, is the printed
        value; ``False`` when it is not (a value the paper truncated included); ``None``
        when it cannot be computed.
    value
        What the check computed (a number, a date, a word), when it did.
    message
        One sentence: what was computed and, when it failed, how it differs.
    from_data
        Whether the check used the cohort's results (not only printed numbers).
    note
        What is worth telling beyond pass or fail: ``"truncated"`` (a failed check whose
        value the paper truncated instead of rounding) or ``"reading"`` (a formula that holds
        under one reading only); ``""`` otherwise.
    """

    check: str
    passed: bool | None
    value: Fraction | float | str | None
    message: str
    from_data: bool = False
    note: Literal["", "truncated", "reading"] = ""


@dataclass(frozen=True)
class Resolved:
    """An operand's value (exact when printed), how to write it, and where it came from."""

    value: Fraction | None
    label: str
    from_data: bool
    printed: Printed | None = None
    missing: str = ""


class Context:
    """The results and the claims that the checks of one audit read."""

    def __init__(self, claims: Claims, results: Mapping[str, Result]) -> None:
        self.claims = claims.by_id()
        self.results = results

    def metric(self, path: str) -> tuple[Number, str]:
        """A metric's value, or ``(None, why)`` when it is missing or undefined."""
        name, _, key = path.partition(".")
        if name not in self.results:
            return None, f"{path}: no result {name!r} in the results"
        values = self.results[name].values
        if key not in values:
            return None, f"{path}: result {name!r} has no value {key!r}"
        value = values[key]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None, f"{path} is not defined in this cohort"
        return value, ""

    def operand(self, text: str) -> Resolved:
        """Resolve a number, ``claim:<id>`` or a metric path."""
        if text.startswith(CLAIM_PREFIX):
            printed = self.claims[text.removeprefix(CLAIM_PREFIX)].value
            return Resolved(printed.number, printed.text.removesuffix("%").strip(), False, printed)
        try:
            printed = parse(text)
        except ValueError:
            value, why = self.metric(text)
            if value is None or isinstance(value, str):
                return Resolved(None, text, True, missing=why or f"{text} is not a number")
            return Resolved(exact(value), show(value, 4), True)
        return Resolved(printed.number, printed.text, False, printed)


def _agreement_outcome(
    check: str, claim: Claim, value: Fraction | float, computed: str, *, from_data: bool
) -> Outcome:
    """Compare a computed number with the claim's printed one; ``computed`` says how it was
    computed ("1/91 = 1.10 %")."""
    printed = claim.value
    how = printed.agreement(value)
    if how == "rounded":
        return Outcome(check, True, value, computed, from_data)
    if how == "truncated":
        note = (
            f"{computed}: printed truncated, not rounded ({printed.show(value, extra=2)} → "
            f"{printed.text}; rounded it is {printed.show(value)})"
        )
        return Outcome(check, False, value, note, from_data, note="truncated")
    return Outcome(check, False, value, f"{computed}, not the printed {printed.text}", from_data)


def check_metric(claim: Claim, path: str, ctx: Context) -> Outcome:
    """The claim against the value the results hold under ``path``."""
    value, why = ctx.metric(path)
    if value is None:
        return Outcome("metric", None, None, why, True)
    definition = f" — {claim.definition}" if claim.definition else ""
    if claim.value.date is not None:
        text = str(value)
        ok = text.startswith(claim.value.date)
        message = f"the data give {text} ({path})" + ("" if ok else f", not {claim.value.text}")
        return Outcome("metric", ok, text, message, True)
    if isinstance(value, str) or claim.value.number is None:
        return Outcome("metric", None, None, f"{path} = {value!r} is not a number", True)
    decimals = max(claim.value.decimals or 0, 2)
    shown = claim.value.show(value) if claim.value.significant else show(value, decimals)
    outcome = _agreement_outcome(
        "metric", claim, value, f"the data give {shown} ({path}{definition})", from_data=True
    )
    return outcome


def check_percent_of(claim: Claim, ctx: Context, n_text: str, total_text: str) -> Outcome:
    """The printed percentage against 100 × n / total."""
    n, total = ctx.operand(n_text), ctx.operand(total_text)
    from_data = n.from_data or total.from_data
    if n.value is None or total.value is None:
        return Outcome("percent_of", None, None, n.missing or total.missing, from_data)
    if total.value == 0:
        return Outcome("percent_of", None, None, f"{n.label}/{total.label}: total is 0", from_data)
    pct = 100 * n.value / total.value
    computed = f"{n.label}/{total.label} = {show(pct, max(claim.value.decimals or 0, 2))} %"
    outcome = _agreement_outcome("percent_of", claim, pct, computed, from_data=from_data)
    if outcome.passed is False:
        message = (
            f"{computed}: the printed {claim.value.text} % does not follow from {n.label} and "
            f"{total.label}"
        )
        return Outcome("percent_of", False, pct, message, from_data)
    return outcome


def check_p_from(claim: Claim, ctx: Context) -> Outcome:
    """The printed p-value against the p its printed statistic and df allow."""
    spec = claim.check.p_from
    assert spec is not None
    stat = ctx.operand(spec.statistic)
    dfs = [ctx.operand(d) if d is not None else None for d in (spec.df, spec.df2)]
    target = ctx.operand(spec.p).printed if spec.p is not None else claim.value
    from_data = stat.from_data or any(d is not None and d.from_data for d in dfs)
    missing = [o.missing for o in (stat, *dfs) if o is not None and o.value is None]
    if missing or target is None or not target.is_number:
        return Outcome("p_from", None, None, "; ".join(missing) or "no printed p", from_data)
    df, df2 = (float(d.value) if d is not None and d.value is not None else None for d in dfs)
    assert stat.value is not None
    if stat.printed is not None:
        low, high = p_range(spec.test, stat.printed, df, df2)
    else:
        low = high = p_value(spec.test, float(stat.value), df, df2)
    name = _STATISTIC[spec.test]
    df_text = "" if df is None else f" with df = {show(df)}" + ("" if df2 is None else f", {df2:g}")
    p_text = show(low, 4) if abs(high - low) < 5e-5 else f"{show(low, 4)}–{show(high, 4)}"
    computed = f"{name} = {stat.label}{df_text} gives p = {p_text}"
    how = p_agrees(target, low, high)
    value = Fraction((exact(low) + exact(high)) / 2)
    if how == "rounded":
        return Outcome("p_from", True, value, computed, from_data)
    if how == "truncated":
        return Outcome(
            "p_from",
            False,
            value,
            f"{computed}: p printed truncated, not rounded ({show(low, 4)} → {target.text})",
            from_data,
            note="truncated",
        )
    return Outcome("p_from", False, value, f"{computed}, not {target.text}", from_data)


def check_grim(claim: Claim, ctx: Context) -> Outcome:
    """GRIM: is the printed mean possible for ``n`` integer values?"""
    spec = claim.check.grim
    assert spec is not None
    mean = ctx.operand(spec.mean).printed if spec.mean is not None else claim.value
    n = ctx.operand(spec.n)
    if mean is None or not mean.is_number or mean.relation != "=":
        return Outcome("grim", None, None, "GRIM needs a printed mean", n.from_data)
    if n.value is None or n.value.denominator != 1 or n.value <= 0:
        return Outcome("grim", None, None, n.missing or f"GRIM: n = {n.label}", n.from_data)
    count = int(n.value)
    below, above = grim_neighbours(mean, count, items=spec.items)
    k = count * spec.items
    if grim_possible(mean, count, items=spec.items):
        near = below if mean.contains(below) else above
        message = (
            f"GRIM: a mean of {mean.text} is possible for {count} integer values "
            f"({near.numerator * (k // near.denominator)}/{k} = {show(near, 4)})"
        )
        return Outcome("grim", True, near, message, n.from_data)
    message = (
        f"GRIM: no {count} integer values have a mean of {mean.text} (the nearest possible "
        f"means are {mean.show(below)} and {mean.show(above)})"
    )
    return Outcome("grim", False, None, message, n.from_data)


class Evaluated(NamedTuple):
    """A formula worked out: its value (``None`` when it cannot be), the formula with its
    operands written in, whether it used the data, and why it could not be computed."""

    reading: str
    value: Fraction | None
    written: str
    from_data: bool
    missing: str


def _evaluate(reading: str, formula: str, ctx: Context) -> Evaluated:
    operands = [ctx.operand(op) for op in placeholders(formula)]
    from_data = any(o.from_data for o in operands)
    written = formula
    for op in operands:  # each replaces the first placeholder left
        written = written.replace("{" + placeholders(written)[0] + "}", op.label, 1)
    written = " ".join(written.replace("*", "×").replace("-", "−").split())
    missing = "; ".join(o.missing for o in operands if o.value is None)
    if missing:
        return Evaluated(reading, None, written, from_data, missing)
    values = {f"_{i}": o.value for i, o in enumerate(operands)}

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, int | float)  # formula_tree allows no other constant
            return exact(node.value)
        if isinstance(node, ast.Name):
            value = values[node.id]
            assert value is not None
            return value
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        assert isinstance(node, ast.BinOp)
        return _OPS[type(node.op)](walk(node.left), walk(node.right))

    try:
        return Evaluated(reading, walk(formula_tree(formula)), written, from_data, "")
    except ZeroDivisionError:
        return Evaluated(reading, None, written, from_data, f"{written}: division by zero")


def check_formula(claim: Claim, ctx: Context) -> Outcome:
    """The claim against each reading of its formula: it passes when some reading gives the
    printed value, and says which readings do and which do not."""
    found = [_evaluate(r.reading, r.formula, ctx) for r in claim.check.readings()]
    from_data = any(f.from_data for f in found)
    computable = [(f, f.value) for f in found if f.value is not None]
    if not computable:
        return Outcome("formula", None, None, "; ".join(f.missing for f in found), from_data)

    def says(f: Evaluated, value: Fraction) -> str:
        shown = show(value, max(claim.value.decimals or 0, 2))
        return f"{f.reading + ': ' if f.reading else ''}{f.written} = {shown}"

    holding = [(f, v) for f, v in computable if claim.value.agreement(v) == "rounded"]
    failing = [(f, v) for f, v in computable if claim.value.agreement(v) != "rounded"]
    first = (holding or failing)[0][1]
    if holding and not failing:
        return Outcome("formula", True, first, says(*holding[0]), from_data)
    if holding:
        count = "one reading" if len(holding) == 1 else f"{len(holding)} of {len(computable)}"
        held = "; ".join(says(f, v) for f, v in holding)
        not_held = "; ".join(says(f, v) for f, v in failing)
        message = f"consistent only under {count} — {held}; but {not_held}"
        return Outcome("formula", True, first, message, from_data, note="reading")
    message = "; ".join(says(f, v) for f, v in failing)
    return Outcome("formula", False, first, f"{message}, not {claim.value.text}", from_data)


def check_significance(claim: Claim, ctx: Context) -> Outcome:
    """The words "significant" / "not significant" against p < alpha."""
    spec = claim.check.significance
    assert spec is not None
    p = ctx.operand(spec.p)
    if p.value is None:
        return Outcome("significance", None, None, p.missing, p.from_data)
    alpha = spec.alpha

    def verdict(value: Fraction) -> str:
        return "significant" if value < exact(alpha) else "not significant"

    def phrase(op: str, value: Fraction) -> str:
        sign = "<" if value < exact(alpha) else "≥"
        return f"{op} = {show(value, 4)} {sign} {alpha:g}"

    computed = verdict(p.value)
    parts = [phrase(spec.p, p.value)]
    for other in spec.also:
        extra = ctx.operand(other)
        if extra.value is not None:
            parts.append(phrase(other, extra.value))
    detail = "; ".join(parts)
    if computed == claim.value.word:
        return Outcome("significance", True, computed, f"{computed}: {detail}", p.from_data)
    message = f"claimed {claim.value.word}, but {detail}"
    return Outcome("significance", False, computed, message, p.from_data)


def check_same_quantity(claim: Claim, ctx: Context) -> Outcome:
    """Two printed values of one quantity must agree: the one printed more precisely,
    rounded (halves up) to the other's precision, must equal it; a printed bound must hold
    for the other value."""
    other_id = claim.check.same_quantity_as
    assert other_id is not None
    other = ctx.claims[other_id]
    a, b = claim.value, other.value
    assert a.number is not None
    assert b.number is not None
    where = f"printed {b.text} in {other.where} (claim {other_id})"
    if a.relation != "=":
        ok = a.contains(b.number)
        message = f"the same quantity is {where}" + ("" if ok else f", which is not {a.text}")
        return Outcome("same_quantity_as", ok, b.number, message)
    coarse, fine = (a, b) if a.unit >= b.unit else (b, a)
    assert coarse.number is not None
    assert fine.number is not None
    half = coarse.unit / 2
    ok = coarse.number - half <= fine.number < coarse.number + half
    if ok:
        return Outcome("same_quantity_as", True, b.number, f"the same quantity is {where}")
    rounded = _round_half_up(fine.number, coarse)
    detail = (
        f"{fine.text} at the precision of {coarse.text} is {rounded}"
        if fine.unit < coarse.unit
        else f"{a.text} ≠ {b.text}"
    )
    message = f"the same quantity is {where}: {detail}"
    return Outcome("same_quantity_as", False, b.number, message)


def _round_half_up(value: Fraction, like: Printed) -> str:
    units = value / like.unit
    rounded = math.floor(units + Fraction(1, 2)) * like.unit
    return like.show(rounded)


def check_chisq_exact(claim: Claim, ctx: Context) -> Outcome:
    """The printed χ² against Pearson's χ² of the two proportions, in exact arithmetic."""
    spec = claim.check.chisq_exact
    assert spec is not None
    ops = [ctx.operand(t) for t in (*spec.n, *spec.total)]
    from_data = any(o.from_data for o in ops)
    missing = [o.missing for o in ops if o.value is None]
    if missing:
        return Outcome("chisq_exact", None, None, "; ".join(missing), from_data)
    a, b, r1, r2 = (int(o.value) for o in ops if o.value is not None)
    groups = f"{ops[0].label}/{ops[2].label} vs {ops[1].label}/{ops[3].label}"
    try:
        result = chisq_exact((a, b), (r1, r2), correct=spec.correct)
    except ValueError as exc:
        return Outcome("chisq_exact", None, None, f"χ² of {groups}: {exc}", from_data)
    name = "Yates-corrected χ²" if spec.correct else "χ²"
    deviation = show(result.deviation, 4)
    if result.statistic == 0 and spec.correct and result.deviation <= Fraction(1, 2):
        computed = (
            f"|O − E| = {deviation} ≤ 0.5 in every cell of {groups}, so the {name} is exactly 0"
        )
    else:
        computed = f"the exact {name} of {groups} is {show(result.statistic, 4)}"
    outcome = _agreement_outcome(
        "chisq_exact", claim, result.statistic, computed, from_data=from_data
    )
    if outcome.passed is False and result.statistic == 0:
        message = f"{computed}: the printed {claim.value.text} is floating-point noise"
        return Outcome("chisq_exact", False, result.statistic, message, from_data)
    return outcome


def check_paper_definition(claim: Claim, ctx: Context) -> Outcome:
    """The claim under the paper's own definition (``paper_definition``): it passes when that
    formula gives the printed value (rounded, or truncated as the paper may print it, which
    the message then says). It explains a difference from the standard ``metric``."""
    spec = claim.check.paper_definition
    assert spec is not None
    found = _evaluate(spec.definition, spec.formula, ctx)
    if found.value is None:
        return Outcome("paper_definition", None, None, found.missing, found.from_data)
    decimals = max(claim.value.decimals or 0, 2)
    shown = (
        claim.value.show(found.value) if claim.value.significant else show(found.value, decimals)
    )
    unit = " %" if claim.kind == "percent" else ""
    computed = f"by the paper's definition ({spec.definition}): {found.written} = {shown}{unit}"
    how = claim.value.agreement(found.value)
    if how == "rounded":
        return Outcome(
            "paper_definition", True, found.value, f"{computed}, as printed", found.from_data
        )
    if how == "truncated":
        message = f"{computed}, printed truncated as {claim.value.text}"
        return Outcome(
            "paper_definition", True, found.value, message, found.from_data, note="truncated"
        )
    message = f"{computed}, not the printed {claim.value.text} either"
    return Outcome("paper_definition", False, found.value, message, found.from_data)
