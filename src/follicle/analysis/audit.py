"""The reproduction audit: a paper's published claims recomputed, side by side.

Each claim of a claims file (:mod:`follicle.analysis.claims`; the seed paper's is bundled)
is checked by computation — against the cohort's results (``metric``) and by the internal
arithmetic of the printed numbers (a percentage against its numerator and denominator, a
p-value against its statistic and df, a mean against its n by GRIM, a χ² in exact
arithmetic, a sum, two printed values of one quantity, a claim of significance against its
p) — and gets the one status that explains it:

* **matches**: every check that could be computed gives the printed value once rounded to
  the printed precision. Nothing else matches: a value the paper truncated (13.19 printed
  as "13.1") does not;
* **inconsistent in the paper**: the paper's own printed numbers disagree among themselves —
  a percentage that is not n/N, two printed values of one quantity that differ, a p that its
  statistic does not give, a truncated print, a χ² that is exactly 0. The check used printed
  numbers only, so the data cannot be the cause;
* **another definition**: the data disagree under the standard definition (``metric``), but
  the paper's own definition (``paper_definition``) computed from the same data gives the
  printed value — e.g. live births counting infants, where ICMART counts deliveries; the
  recomputed column shows both;
* **differs from the data**: the printed arithmetic holds, no other definition explains it,
  and the data give another value;
* **cannot be computed**: the value the claim needs is not in the results (or not defined
  in this cohort), and no check failed.

Statuses and reasons come from the outcomes of the checks only
(:mod:`follicle.analysis.claims.checks`); a claim's ``definition`` text is shown, never
decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real
from typing import Literal

import pandas as pd

from follicle.analysis.claims import checks
from follicle.analysis.claims.checks import Context, Outcome
from follicle.analysis.claims.load import SEED_CLAIMS, load_claims
from follicle.analysis.claims.printed import show
from follicle.analysis.claims.schema import Claim, Claims
from follicle.analysis.result import COHORT_NOTE, Number, OnDemand, Result

__all__ = [
    "DIFFERING",
    "SEED_CLAIMS",
    "STATUSES",
    "Row",
    "audit",
    "audit_rows",
    "load_claims",
    "status_key",
    "summary",
]

Status = Literal[
    "matches",
    "inconsistent in the paper",
    "another definition",
    "differs from the data",
    "cannot be computed",
]
#: The statuses, in the order the summary counts them.
STATUSES: tuple[Status, ...] = (
    "matches",
    "inconsistent in the paper",
    "another definition",
    "differs from the data",
    "cannot be computed",
)
#: The statuses that say the printed value is not reproduced, each for its own reason.
DIFFERING: tuple[Status, ...] = STATUSES[1:4]


def status_key(status: Status) -> str:
    """A status as a name in ``results.json`` (``"inconsistent in the paper"`` →
    ``"inconsistent_in_the_paper"``)."""
    return status.replace(" ", "_")


@dataclass(frozen=True)
class Row:
    """One audited claim: its status, what was recomputed and why it differs."""

    claim: Claim
    status: Status
    recomputed: Fraction | float | str | None
    recomputed_text: str
    reason: str
    outcomes: tuple[Outcome, ...]


def _outcomes(claim: Claim, ctx: Context) -> list[Outcome]:
    check = claim.check
    found: list[Outcome] = []
    if check.metric is not None:
        found.append(checks.check_metric(claim, check.metric, ctx))
    if check.significance is not None:
        found.append(checks.check_significance(claim, ctx))
    if check.formula is not None:
        found.append(checks.check_formula(claim, ctx))
    if check.percent_of is not None:
        spec = check.percent_of
        found.append(checks.check_percent_of(claim, ctx, spec.n, spec.total))
    if check.p_from is not None:
        found.append(checks.check_p_from(claim, ctx))
    if check.grim is not None:
        found.append(checks.check_grim(claim, ctx))
    if check.chisq_exact is not None:
        found.append(checks.check_chisq_exact(claim, ctx))
    if check.same_quantity_as is not None:
        found.append(checks.check_same_quantity(claim, ctx))
    if check.paper_definition is not None:
        found.append(checks.check_paper_definition(claim, ctx))
    return found


def _deciding(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes that decide pass or fail: all but the paper's definition, which only
    explains a difference."""
    return [o for o in outcomes if o.check != "paper_definition"]


def _status(claim: Claim, outcomes: list[Outcome]) -> Status:
    deciding = _deciding(outcomes)
    failed = [o for o in deciding if o.passed is False]
    if any(not o.from_data for o in failed):
        return "inconsistent in the paper"
    if failed:
        explained = any(o.check == "paper_definition" and o.passed for o in outcomes)
        return "another definition" if explained else "differs from the data"
    metric_missing = claim.check.metric is not None and deciding[0].passed is None
    if metric_missing or not any(o.passed for o in deciding):
        return "cannot be computed"
    return "matches"


def _reason(claim: Claim, status: Status, outcomes: list[Outcome]) -> str:
    """The likely reason, from the outcomes: what failed (the printed arithmetic first, then
    the data), what explains it (the paper's definition) and what does agree with the
    printed value; for a match, only what is worth telling (a formula true under one
    reading)."""
    deciding = _deciding(outcomes)
    if status == "cannot be computed":
        missing = [o.message for o in deciding if o.passed is None]
        held = [f"as printed, {o.message}" for o in deciding if o.passed]
        return "; ".join(missing + held)
    if status == "matches":
        return "; ".join(o.message for o in deciding if o.note == "reading")
    failed = [o for o in deciding if o.passed is False]
    printed = [o.message for o in failed if not o.from_data]
    data = [o.message for o in failed if o.from_data]
    definition = [o.message for o in outcomes if o.check == "paper_definition" and o.passed]
    agreeing = [_agreeing(claim, o) for o in deciding if o.passed]
    return "; ".join(printed + data + definition + agreeing)


def _agreeing(claim: Claim, outcome: Outcome) -> str:
    """A passing check's message as support in the reason of a claim that differs."""
    if outcome.check != "metric":
        return f"as printed, {outcome.message}"
    if outcome.note:
        return outcome.message
    return f"{outcome.message}, which agrees with the printed {claim.value.text}"


def _recomputed(outcomes: list[Outcome]) -> Fraction | float | str | None:
    """The metric's value; else the first value computed from the data; else the first
    computed at all."""
    for outcome in outcomes:
        if outcome.check in ("metric", "significance"):
            return outcome.value
    for outcome in outcomes:
        if outcome.from_data and outcome.value is not None:
            return outcome.value
    for outcome in outcomes:
        if outcome.value is not None and outcome.check != "same_quantity_as":
            return outcome.value
    return None


def _recomputed_text(
    claim: Claim, value: Fraction | float | str | None, status: Status, outcomes: list[Outcome]
) -> str:
    """The recomputed value at the printed precision; when it differs (or the printed value
    is a bound), with at least two decimals, so that a p of 0.25 does not print as "0".
    Beside it, what the status rests on where the value alone would not show it: the value
    under the paper's definition, or a χ² that is exactly 0."""
    if value is None:
        return ""
    if isinstance(value, str):
        date = claim.value.date
        # a date at the printed precision: "2018-08-04" of a printed month is "2018-08"
        return value[: len(date)] if date and value.startswith(date) else value
    suffix = " %" if claim.kind == "percent" else ""

    def written(x: Fraction | float) -> str:
        if claim.value.significant is None and (status != "matches" or claim.value.relation != "="):
            return show(x, max(claim.value.decimals or 0, 2)) + suffix
        return claim.value.show(x) + suffix

    text = written(value)
    for o in outcomes:
        if o.check == "paper_definition" and o.passed and isinstance(o.value, Fraction):
            text += f"; {written(o.value)} by the paper's definition"
        if o.check == "chisq_exact" and o.passed is False and o.value == 0:
            text = f"0 exactly ({text} in floating point)"
    return text


def audit_rows(claims: Claims, results: Mapping[str, Result]) -> list[Row]:
    """Every claim checked against ``results`` (a result name → :class:`Result` mapping,
    e.g. ``cohort.results()``), in the order of the claims file."""
    ctx = Context(claims, results)
    rows = []
    for claim in claims.claims:
        outcomes = _outcomes(claim, ctx)
        status = _status(claim, outcomes)
        value = _recomputed(outcomes)
        rows.append(
            Row(
                claim,
                status,
                value,
                _recomputed_text(claim, value, status, outcomes),
                _reason(claim, status, outcomes),
                tuple(outcomes),
            )
        )
    return rows


def summary(counts: Mapping[Status, int] | Mapping[str, int]) -> str:
    """The headline: each status with its count, in the order of :data:`STATUSES`
    ("90 match, 6 inconsistent in the paper, 3 another definition, …")."""
    words = {"matches": "match"}
    return ", ".join(f"{counts.get(s, 0)} {words.get(s, s)}" for s in STATUSES)


def _number(value: Fraction | float | str | None) -> Number:
    """A plain ``int``, ``float``, ``str`` or ``None`` (never a numpy scalar or a Fraction)."""
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    return value


def audit(claims: Claims, results: Mapping[str, Result]) -> Result:
    """The reproduction audit of ``claims`` against ``results``.

    Parameters
    ----------
    claims
        The published claims (:func:`load_claims`; ``load_claims()`` is the seed paper's).
    results
        The analysis results by name (``cohort.results()``, plus any others the claims'
        metric paths name). A result named ``audit`` is ignored. A metric path that names a
        result or value not present makes its check "cannot be computed", never an error.

    Returns
    -------
    Result
        ``audit``: one row per claim (``section``, ``text``, ``status``
        — one of :data:`STATUSES` —, ``published`` as printed, ``recomputed`` at the printed
        precision, ``likely_reason``, ``where`` and the ``claim`` id; the status beside the
        claim so that it reads at a glance). Values: ``claims`` (how many); the count of
        each status under its :func:`status_key` (``matches``,
        ``inconsistent_in_the_paper``, ``another_definition``, ``differs_from_the_data``,
        ``cannot_be_computed``) and ``differs`` (the three that do not reproduce the printed
        value, together); for each claim ``{id}.status``, ``{id}.published`` (the printed
        text), ``{id}.recomputed`` (unrounded; a date or word as text; ``None`` when nothing
        could be computed) and, where the claim names the paper's definition,
        ``{id}.recomputed_paper_definition`` (the value under it; ``None`` when it cannot be
        computed).
    """
    # Read on demand, so that a lazy mapping (analysis.result.OnDemand) computes only the
    # results the claims name; the audit of the default claims is never an input.
    usable = OnDemand([name for name in results if name != "audit"], results.__getitem__)
    rows = audit_rows(claims, usable)
    table = pd.DataFrame(
        {
            "section": [r.claim.section for r in rows],
            "text": [r.claim.text for r in rows],
            "status": [r.status for r in rows],
            "published": [
                r.claim.value.text + (" %" if r.claim.kind == "percent" else "") for r in rows
            ],
            "recomputed": [r.recomputed_text for r in rows],
            "likely_reason": [r.reason for r in rows],
            "where": [r.claim.where for r in rows],
            "claim": [r.claim.id for r in rows],
        },
        dtype="string",
    )
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    values: dict[str, Number] = {"claims": len(rows)}
    values.update({status_key(s): counts[s] for s in STATUSES})
    values["differs"] = sum(counts[s] for s in DIFFERING)
    for r in rows:
        values[f"{r.claim.id}.status"] = r.status
        values[f"{r.claim.id}.published"] = r.claim.value.text
        values[f"{r.claim.id}.recomputed"] = _number(r.recomputed)
        if r.claim.check.paper_definition is not None:
            by_paper = [o.value for o in r.outcomes if o.check == "paper_definition"]
            values[f"{r.claim.id}.recomputed_paper_definition"] = _number(by_paper[0])
    source = f" ({claims.title})" if claims.title else ""
    return Result(
        "audit",
        "",
        f"Reproduction audit: the published claims{source} recomputed from this cohort",
        table,
        values,
        (
            f"{COHORT_NOTE}, of {len(rows)} claims {summary(counts)}.",
            "Where: the claim's place in the paper, by the paper's own table and figure "
            "numbers, which this report's numbers need not follow.",
            "Matches: the recomputed value, rounded to the decimals printed, equals the "
            "printed value; a p-value printed as < 0.0001 matches any smaller p. A value the "
            "paper truncated instead of rounding does not match.",
            "Inconsistent in the paper: the paper's printed numbers disagree among "
            "themselves (computed from printed numbers only). Another definition: the data "
            "give the printed value only under the paper's own definition, shown beside the "
            "standard one. Differs from the data: the printed arithmetic holds, and the data "
            "give another value.",
            "Internal arithmetic of the printed numbers: a percentage against its numerator "
            "and denominator; a p-value against its statistic and df (every p its printed, "
            "rounded statistic allows); a mean of integer data against its n (GRIM, Brown & "
            "Heathers 2017); χ² of two printed proportions in exact rational arithmetic; "
            "sums under each stated reading; two printed values of one quantity (the more "
            "precise, rounded halves up to the other's precision, must equal it).",
            "The status comes from these computations alone; the likely reason names the "
            "checks that failed and the printed arithmetic that reproduces the printed value.",
        ),
    )
