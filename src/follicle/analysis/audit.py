"""The reproduction audit: a paper's published claims recomputed, side by side.

Each claim of a claims file (:mod:`follicle.analysis.claims`; the seed paper's is bundled)
is checked by computation — against the cohort's results (``metric``) and by the internal
arithmetic of the printed numbers (a percentage against its numerator and denominator, a
p-value against its statistic and df, a mean against its n by GRIM, a χ² in exact
arithmetic, a sum, two printed values of one quantity, a claim of significance against its
p) — and gets a status:

* **matches**: every check that could be computed agrees with the printed value, rounded to
  its printed precision (or truncated to it, which the likely reason then says);
* **differs**: some check disagrees; the likely reason says which and by how much, and which
  printed arithmetic does reproduce the printed value (it tells *why* it differs: 32/105 =
  30.48 % reproduces the published rate, deliveries give 29.52 %);
* **cannot be computed**: the value the claim needs is not in the results (or not defined
  in this cohort), and no check failed.

Statuses and reasons come from the outcomes of the checks only
(:mod:`follicle.analysis.claims.checks`); a claim's ``definition`` is shown, never decides.
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
from follicle.analysis.result import COHORT_NOTE, Number, Result

__all__ = ["SEED_CLAIMS", "STATUSES", "Row", "audit", "audit_rows", "load_claims"]

Status = Literal["matches", "differs", "cannot be computed"]
#: The statuses, in the order the summary counts them.
STATUSES: tuple[Status, ...] = ("matches", "differs", "cannot be computed")


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
    return found


def _status(claim: Claim, outcomes: list[Outcome]) -> Status:
    if any(o.passed is False for o in outcomes):
        return "differs"
    metric_missing = claim.check.metric is not None and outcomes[0].passed is None
    if metric_missing or not any(o.passed for o in outcomes):
        return "cannot be computed"
    return "matches"


def _reason(claim: Claim, status: Status, outcomes: list[Outcome]) -> str:
    """The likely reason, from the outcomes: what failed, then what does agree with the
    printed value (the data, or the printed arithmetic that reproduces it); for a match, only
    what is worth telling (a truncated print, once; a formula true under one reading)."""
    if status == "differs":
        failed = [o.message for o in outcomes if o.passed is False]
        agreeing = [_agreeing(claim, o) for o in outcomes if o.passed]
        return "; ".join(failed + agreeing)
    if status == "cannot be computed":
        missing = [o.message for o in outcomes if o.passed is None]
        held = [f"as printed, {o.message}" for o in outcomes if o.passed]
        return "; ".join(missing + held)
    truncated = [o.message for o in outcomes if o.note == "truncated"][:1]
    return "; ".join(truncated + [o.message for o in outcomes if o.note == "reading"])


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


def _recomputed_text(claim: Claim, value: Fraction | float | str | None, status: Status) -> str:
    """The recomputed value at the printed precision; when it differs (or the printed value
    is a bound), with at least two decimals, so that a p of 0.25 does not print as "0"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    suffix = " %" if claim.kind == "percent" else ""
    if claim.value.significant is None and (status == "differs" or claim.value.relation != "="):
        return show(value, max(claim.value.decimals or 0, 2)) + suffix
    return claim.value.show(value) + suffix


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
                _recomputed_text(claim, value, status),
                _reason(claim, status, outcomes),
                tuple(outcomes),
            )
        )
    return rows


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
        ``audit``, labelled Table 12: one row per claim (``section``, ``text``, ``status``
        — matches, differs or cannot be computed —, ``published`` as printed,
        ``recomputed`` at the printed precision, ``likely_reason``, ``where`` and the
        ``claim`` id; the status beside the claim so that it reads at a glance). Values: ``claims``
        (how many), ``matches``, ``differs``, ``cannot_be_computed`` (counts), and for each
        claim ``{id}.status``, ``{id}.published`` (the printed text) and ``{id}.recomputed``
        (unrounded; a date or word as text; ``None`` when nothing could be computed).
    """
    usable = {name: r for name, r in results.items() if name != "audit"}
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
    values: dict[str, Number] = {
        "claims": len(rows),
        "matches": counts["matches"],
        "differs": counts["differs"],
        "cannot_be_computed": counts["cannot be computed"],
    }
    for r in rows:
        values[f"{r.claim.id}.status"] = r.status
        values[f"{r.claim.id}.published"] = r.claim.value.text
        values[f"{r.claim.id}.recomputed"] = _number(r.recomputed)
    source = f" ({claims.title})" if claims.title else ""
    return Result(
        "audit",
        "Table 12",
        f"Reproduction audit: the published claims{source} recomputed from this cohort",
        table,
        values,
        (
            f"{COHORT_NOTE}, of {len(rows)} claims {counts['matches']} match, "
            f"{counts['differs']} differ and {counts['cannot be computed']} cannot be computed.",
            "Matches: the recomputed value, rounded to the decimals printed, equals the "
            "printed value (a value the paper truncates is said so in the reason); a p-value "
            "printed as < 0.0001 matches any smaller p.",
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
