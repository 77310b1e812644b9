"""Multivariable logistic regression of pregnancy, and its forest plot.

:func:`logistic_regression` models whether a treated woman became pregnant (``pregnant``:
at least one pregnancy after the first injection) on

* ``age_per_year`` — age at the first injection in completed years, as a continuous
  covariate: the odds ratio is per year of age;
* ``menses_{level}`` — baseline menses, with **regular** as the reference level (irregular;
  amenorrhea only when some woman had it);
* ``injections_2_plus`` — two or more injections vs one (the reference): the paper compares
  one injection with two, and three or more are too few in a cohort of this size to be
  estimated on their own;
* ``amh_per_ng_ml`` (AMH, ng/mL) and ``afc_per_follicle`` (antral follicle count) from the
  participants table, each only when it is recorded for at least
  :data:`MARKER_MIN_FRACTION` of the women.

The model is fitted by maximum likelihood (Newton–Raphson, which for the logit link is R's
IRLS, in numpy) on the complete cases, as R's ``glm(family = binomial)``. Odds ratios are
``exp(coef)`` with Wald intervals ``exp(coef ± z·SE)`` (R ``confint.default``) and Wald
p-values (R ``summary.glm``). A level with no women, a covariate that does not vary and a
covariate that is a linear combination of earlier ones (aliased, R's ``NA`` coefficient) are
left out with a note rather than failing.

When a maximum-likelihood estimate does not exist — complete or quasi-complete separation
(Albert & Anderson 1984), which a linear programme detects as in R's ``detectseparation``
(Konis 2007) — the affected odds ratios are reported as ``NaN`` with a note; R's ``glm``
instead prints a huge coefficient with a huge standard error. Warnings raised during a fit
(numpy's, for instance) are caught and become notes: none escapes.

:func:`forest_data` and :func:`plot_forest` draw the adjusted odds ratios.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special

from follicle.analysis.figures import axes_for
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats import distributions as dist

if TYPE_CHECKING:
    # matplotlib is imported where it is used, so that loading a cohort, or a report
    # without figures, does not pay for it.
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: A marker enters the model when recorded for at least this fraction of the women.
MARKER_MIN_FRACTION = 0.8
#: Fewer events per variable than this earns a warning (Peduzzi et al. 1996).
EPV_MIN = 10
#: Baseline menses levels; the first one present is the reference (regular in practice).
MENSES_LEVELS = ("regular", "irregular", "amenorrhea")
_MENSES_LABELS = {
    "regular": "Regular menses",
    "irregular": "Irregular menses",
    "amenorrhea": "Amenorrhea",
}
#: Participants' marker columns: (term, label, short name).
MARKERS: dict[str, tuple[str, str, str]] = {
    "amh_ng_ml": ("amh_per_ng_ml", "AMH (per ng/mL)", "AMH"),
    "afc": ("afc_per_follicle", "AFC (per follicle)", "AFC"),
}
#: Columns of :func:`logistic_regression`'s table: ``key`` is the term (not printed),
#: ``covariate`` labels the row; ``coef`` and ``se`` are printed only in spreadsheets.
TABLE_COLUMNS = (
    "key",
    "covariate",
    "or",
    "or_low",
    "or_high",
    "p",
    "crude_or",
    "crude_or_low",
    "crude_or_high",
    "crude_p",
    "coef",
    "se",
)
#: The values of each term, ``{term}.{field}``.
TERM_VALUES = (
    "coef",
    "se",
    "or",
    "or_low",
    "or_high",
    "p",
    "crude_or",
    "crude_or_low",
    "crude_or_high",
    "crude_p",
)
#: R's ``lm.fit``/``glm.fit`` tolerance for a column that adds nothing to the earlier ones.
_ALIAS_TOL = 1e-7
#: A fitted probability this close to 0 or 1 prompts the separation check on large data.
FITTED_EDGE = 1e-6
#: Up to this many distinct covariate patterns the separation check always runs.
_ALWAYS_CHECK_ROWS = 50_000
_INTERCEPT = "intercept"
#: Iterations allowed to IRLS or Newton–Raphson (R's glm allows 25; separation needs more
#: before the fitted probabilities reach 0 or 1, and the check above catches it).
_MAX_ITER = 100
#: Fit over covariate patterns when there are at most this many per woman.
_GROUPED_MAX_FRACTION = 0.5


@dataclass(frozen=True)
class Design:
    """The complete-case data a model is fitted to.

    ``x`` holds one float column per non-intercept term (named by the term), ``y`` the
    outcome (1 pregnant, 0 not); ``groups`` maps each covariate to its term columns (the
    menses factor has one per non-reference level); ``labels`` each term's label.
    """

    x: pd.DataFrame
    y: np.ndarray
    groups: dict[str, tuple[str, ...]]
    labels: dict[str, str]
    n_women: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic model: coefficients on the log-odds scale, by term.

    ``coef``, ``se`` and ``p`` are indexed by term (``intercept`` first); a term whose
    estimate does not exist (separation, non-convergence) holds ``NaN``. ``aic`` is
    −2 log L + 2k (R ``AIC``); ``separated`` names the terms with an infinite estimate.
    """

    coef: pd.Series
    se: pd.Series
    p: pd.Series
    aic: float
    n: int
    events: int
    separated: tuple[str, ...] = ()
    aliased: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _menses_terms(menses: pd.Series) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Indicator columns of the non-reference menses levels present, and their labels."""
    present = [lvl for lvl in MENSES_LEVELS if menses.eq(lvl).any()]
    notes = []
    if len(present) < 2:
        notes.append(
            f"{COHORT_NOTE}, baseline menses does not vary among the women analysed "
            f"({', '.join(present) or 'none recorded'}): it is left out of the model."
        )
        return pd.DataFrame(index=menses.index), {}, notes
    reference, *others = present
    if reference != MENSES_LEVELS[0]:
        notes.append(
            f"{COHORT_NOTE}, no woman analysed had regular menses: {reference} menses is the "
            "reference level."
        )
    absent = [lvl for lvl in MENSES_LEVELS if lvl not in present]
    if absent and absent != ["amenorrhea"]:
        notes.append(f"{COHORT_NOTE}, no woman analysed had {' or '.join(absent)} menses.")
    columns = {f"menses_{lvl}": menses.eq(lvl).to_numpy(dtype=float) for lvl in others}
    labels = {f"menses_{lvl}": f"{_MENSES_LABELS[lvl]} (vs {reference})" for lvl in others}
    return pd.DataFrame(columns, index=menses.index), labels, notes


def _marker_columns(
    women: pd.DataFrame, participants: pd.DataFrame | None, min_fraction: float
) -> tuple[dict[str, pd.Series], list[str]]:
    """The markers recorded for enough women (by term), and notes on each decision."""
    if participants is None:
        return {}, []
    found: dict[str, pd.Series] = {}
    notes: list[str] = []
    columns = [c for c in MARKERS if c in participants.columns]
    n = len(women)
    if not columns or not n:
        return found, notes
    ids = women[["participant_id"]].astype({"participant_id": "string"})
    table = participants.loc[:, ["participant_id", *columns]].astype({"participant_id": "string"})
    # One hash join for all markers (participant_id is the table's key: unique).
    joined = ids.merge(table, how="left", on="participant_id")
    for column in columns:
        term, _, short = MARKERS[column]
        values = pd.Series(
            pd.to_numeric(joined[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
            index=women.index,
        )
        recorded = int(values.notna().sum())
        share = f"{recorded} of {n} women ({100 * recorded / n:.1f} %)"
        if recorded and recorded >= min_fraction * n:
            found[term] = values
            notes.append(f"{COHORT_NOTE}, {short} is recorded for {share}: it is in the model.")
        elif recorded:
            notes.append(
                f"{COHORT_NOTE}, {short} is recorded for only {share}, fewer than "
                f"{100 * min_fraction:g} %: it is left out of the model."
            )
    return found, notes


def design(
    women: pd.DataFrame,
    participants: pd.DataFrame | None = None,
    *,
    marker_min_fraction: float = MARKER_MIN_FRACTION,
) -> Design:
    """The model's covariates and outcome for the complete cases of ``women``.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women` (``participant_id``, ``pregnant``, ``age``,
        ``menses_baseline``, ``injections``).
    participants
        The workbook's participants table, for ``amh_ng_ml`` and ``afc``; ``None`` leaves
        the markers out.
    marker_min_fraction
        A marker enters the model when recorded for at least this fraction of ``women``.
    """
    markers, notes = _marker_columns(women, participants, marker_min_fraction)
    raw = pd.DataFrame(
        {
            "pregnant": women["pregnant"].astype("boolean"),
            "age": pd.to_numeric(women["age"]).astype("Float64"),
            "menses": women["menses_baseline"].astype("string"),
            "injections": pd.to_numeric(women["injections"]).astype("Float64"),
        }
        | markers,
        index=women.index,
    )
    complete = raw.dropna()
    dropped = len(raw) - len(complete)
    if dropped:
        notes.append(
            f"{COHORT_NOTE}, {dropped} of {len(raw)} women lack a covariate or the outcome "
            f"and are left out: the model is fitted to the {len(complete)} complete cases."
        )
    menses, labels, menses_notes = _menses_terms(complete["menses"])
    notes += menses_notes
    x = pd.DataFrame({"age_per_year": complete["age"].to_numpy(dtype=float)}, index=complete.index)
    labels = {"age_per_year": "Age at first injection (per year)"} | labels
    groups: dict[str, tuple[str, ...]] = {"age": ("age_per_year",)}
    if len(menses.columns):
        x = x.join(menses)
        groups["menses"] = tuple(menses.columns)
    x["injections_2_plus"] = complete["injections"].ge(2).to_numpy(dtype=float)
    labels["injections_2_plus"] = "Two or more injections (vs one)"
    groups["injections"] = ("injections_2_plus",)
    for column, (term, label, _) in MARKERS.items():
        if term in markers:
            x[term] = complete[term].to_numpy(dtype=float)
            labels[term] = label
            groups[column] = (term,)
    constant = [c for c in x.columns if len(x) and x[c].nunique() < 2]
    if constant and len(x):
        notes.append(
            f"{COHORT_NOTE}, {', '.join(labels[c] for c in constant)} does not vary among the "
            "women analysed: left out of the model."
        )
        x = x.drop(columns=constant)
        groups = {g: tuple(c for c in t if c not in constant) for g, t in groups.items()}
        groups = {g: t for g, t in groups.items() if t}
    y = complete["pregnant"].to_numpy(dtype=float)
    return Design(x, y, groups, labels, len(women), tuple(notes))


def _aliased(x: np.ndarray) -> np.ndarray:
    """Columns that are (numerically) linear combinations of the columns before them.

    R's QR (LINPACK ``dqrdc2``) moves such a column to the end and reports ``NA`` for it;
    in an unpivoted QR its diagonal element is tiny beside the column's norm.
    """
    if not x.size:
        return np.zeros(x.shape[1], dtype=bool)
    r = np.linalg.qr(x, mode="r")
    norms = np.linalg.norm(x, axis=0)
    # With fewer rows than columns R has only as many diagonal elements as rows: the
    # columns beyond them cannot be estimated.
    diagonal = np.zeros(x.shape[1])
    diagonal[: min(x.shape)] = np.abs(np.diag(r))
    return diagonal < _ALIAS_TOL * np.where(norms > 0, norms, 1.0)


def _separation(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """A direction along which the likelihood rises for ever, or ``None`` when there is none.

    Separation exists when some direction b ≠ 0 has x·b ≥ 0 for every event and x·b ≤ 0
    for every non-event, strictly for at least one row (Albert & Anderson 1984); then no
    finite maximum-likelihood estimate exists and the coefficients that move along b grow
    without bound. The linear programme of Konis (2007), as in R's ``detectseparation``:
    maximise the sum of the signed x·b with b in [−1, 1] (columns scaled to one range);
    a positive optimum is such a direction. ``x`` and ``y`` are covariate patterns.
    """
    signed = np.where(y[:, None] > 0.5, x, -x)
    scale = np.abs(signed).max(axis=0)
    scale[scale == 0] = 1.0
    scaled = signed / scale  # columns on one scale, so that tolerances mean the same
    result = optimize.linprog(
        -scaled.sum(axis=0),
        A_ub=-scaled,
        b_ub=np.zeros(len(scaled)),
        bounds=[(-1.0, 1.0)] * x.shape[1],
        method="highs",
    )
    if result.status != 0 or -result.fun <= 1e-7 * max(1.0, len(scaled)):
        return None
    direction = np.where(np.abs(result.x) > 1e-7, result.x, 0.0)
    return np.asarray(direction / scale, dtype=float)


def _warning_note(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """Warnings raised during a fit (numpy's), as notes (each message once)."""
    messages = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    return [
        f"{COHORT_NOTE}, the fit raised a warning ({m}); see the other notes." for m in messages
    ]


@dataclass(frozen=True)
class _Patterns:
    """The distinct (covariates, outcome) rows of a design and how often each occurs."""

    x: np.ndarray
    y: np.ndarray
    count: np.ndarray


def _patterns(matrix: np.ndarray, y: np.ndarray) -> _Patterns:
    """Collapse identical rows: a binomial likelihood is the same over rows or patterns."""
    frame = pd.DataFrame(np.column_stack([matrix, y])).add_prefix("c")
    counted = frame.groupby(list(frame.columns), sort=False).size().reset_index(name="count")
    values = counted.to_numpy(dtype=float)
    return _Patterns(values[:, :-2], values[:, -2], values[:, -1])


@dataclass(frozen=True)
class _Newton:
    """A maximum-likelihood logistic fit: coefficients, Wald standard errors, AIC."""

    params: np.ndarray
    bse: np.ndarray
    aic: float


def _newton(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[_Newton, bool]:
    """Newton–Raphson (= IRLS for the logit link) for ``logit P(y = 1) = x·b`` with
    frequency weights, from b = 0, until the log-likelihood stops changing.

    Each step solves ``(Xᵀ W X) δ = Xᵀ (w (y − μ))`` with ``W = w μ (1 − μ)``; a step that
    lowers the (concave) log-likelihood is halved, as R's ``glm.fit`` does for a deviance
    that is not finite. Converged when the log-likelihood changes by less than 1e-12
    relative (R stops at 1e-8 on the deviance; this is tighter, so the coefficients agree
    with R's to about 1e-10), and the standard errors are taken from the information at
    the final coefficients (R ``summary.glm``'s ``vcov``). AIC = −2 log L + 2k with log L
    summed over the women (each pattern counted ``weight`` times).
    """

    def log_likelihood(eta: np.ndarray) -> float:
        # log(1 + e^η) without overflow; y·η − log(1 + e^η) is the Bernoulli log-density.
        return float((weight * (y * eta - np.logaddexp(0.0, eta))).sum())

    b = np.zeros(x.shape[1])
    eta = x @ b
    current = log_likelihood(eta)
    converged = False
    for _ in range(_MAX_ITER):
        mu = special.expit(eta)
        information = x.T @ (x * (weight * mu * (1.0 - mu))[:, None])
        step = np.linalg.solve(information, x.T @ (weight * (y - mu)))
        for _halving in range(60):
            trial = b + step
            eta_trial = x @ trial
            value = log_likelihood(eta_trial)
            if value >= current - 1e-12 * abs(current):
                break
            step = step / 2.0
        b, eta = trial, eta_trial
        previous, current = current, value
        if abs(current - previous) <= 1e-12 * max(abs(current), 1.0):
            converged = True
            break
    mu = special.expit(eta)
    information = x.T @ (x * (weight * mu * (1.0 - mu))[:, None])
    se = np.sqrt(np.diag(np.linalg.inv(information)))
    return _Newton(b, se, -2.0 * current + 2.0 * x.shape[1]), converged


def _fit(matrix: np.ndarray, y: np.ndarray, rows: _Patterns) -> tuple[_Newton, np.ndarray, bool]:
    """The maximum-likelihood fit, its fitted probabilities and whether it converged.

    Few distinct patterns (the usual case: age in whole years and two factors): the fit
    over the patterns with frequency weights, which is the same likelihood as over the
    women and takes milliseconds for any number of them. Mostly distinct rows (a continuous
    marker): over the women.

    Newton–Raphson in numpy rather than statsmodels' ``GLM``/``Logit`` (which fitted it
    until issue 13): the same estimator, and statsmodels' import costs about 0.1 s of CPU
    beyond SciPy and brings in ``scipy.stats`` (0.3 s more), a fifth of a small cohort's
    whole ``report --format json``. ``tests/analysis/test_r_regression.py`` holds it to R's
    ``glm``.
    """
    if len(rows.count) <= _GROUPED_MAX_FRACTION * len(y):
        fit, converged = _newton(rows.x, rows.y, rows.count)
        return fit, special.expit(rows.x @ fit.params), converged
    fit, converged = _newton(matrix, y, np.ones(len(y)))
    return fit, special.expit(matrix @ fit.params), converged


def fit_logistic(x: pd.DataFrame, y: np.ndarray) -> LogisticFit:
    """Fit ``logit P(y = 1) = b0 + x·b`` by maximum likelihood, as R's ``glm``.

    Parameters
    ----------
    x
        One float column per term (no intercept: it is added as ``intercept``). A row with
        a missing value (``NaN``) here or in ``y`` is left out, as R's ``na.omit`` (glm's
        default ``na.action``), with a note.
    y
        The outcome, 1 or 0, one per row of ``x``.

    Returns
    -------
    LogisticFit
        Coefficients (log odds ratios), Wald standard errors and two-sided Wald p-values
        (R ``summary(glm(y ~ ., family = binomial))``), AIC = −2 log L + 2k (R ``AIC``, the
        likelihood over women, not over patterns); ``NaN`` for aliased terms, for terms
        whose estimate is infinite (separation) and for all terms when the fit does not
        converge; each with a note.
    """
    y = np.asarray(y, dtype=float)
    notes = []
    complete = ~(np.isnan(x.to_numpy(dtype=float)).any(axis=1) | np.isnan(y))
    if not complete.all():
        # R's glm drops them (na.omit) and counts only the rest (nobs, AIC).
        notes.append(
            f"{COHORT_NOTE}, {int((~complete).sum())} rows with a missing value were left "
            "out of the logistic model (R's na.omit)."
        )
        x, y = x.loc[complete], y[complete]
    terms = [_INTERCEPT, *x.columns]
    matrix = np.column_stack([np.ones(len(x)), x.to_numpy(dtype=float)])
    nan = pd.Series(np.nan, index=terms)
    n, events = len(y), int(y.sum())
    if events in (0, n):
        # No outcome contrast: the intercept runs off to ±∞ (R's glm stops near ±26.6, with a
        # huge standard error and no warning) and nothing else is estimable.
        note = (
            f"{COHORT_NOTE}, every woman in the logistic model had the same outcome: no odds "
            "ratio is estimable."
        )
        return LogisticFit(nan, nan, nan, math.nan, n, events, (), (), (*notes, note))
    rows = _patterns(matrix, y)
    aliased = _aliased(rows.x * np.sqrt(rows.count)[:, None])
    if aliased.any():
        names = ", ".join(t for t, a in zip(terms, aliased, strict=True) if a)
        notes.append(
            f"{COHORT_NOTE}, {names} is a linear combination of the other covariates "
            "(aliased; R reports NA): left out of the model."
        )
    kept = [t for t, a in zip(terms, aliased, strict=True) if not a]
    matrix = matrix[:, ~aliased]
    rows = _Patterns(rows.x[:, ~aliased], rows.y, rows.count)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit, mu, converged = _fit(matrix, y, rows)
        except (np.linalg.LinAlgError, ValueError) as err:
            # Newton's step fails when the fitted values reach 0 and 1 (the information
            # matrix vanishes): separation, the usual cause in a small cohort, is reported
            # as such, with the terms that separate.
            direction = _separation(rows.x, rows.y)
            if direction is not None:
                kept_x = x.loc[:, [t for t in kept if t != _INTERCEPT]]
                return _separated_fit(kept_x, y, matrix, direction, terms, notes)
            note = (
                f"{COHORT_NOTE}, the logistic model could not be fitted: its information "
                f"matrix is singular ({err})."
            )
            return LogisticFit(nan, nan, nan, math.nan, n, events, (), (), (*notes, note))
    edge = float(np.minimum(mu, 1 - mu).min()) if mu.size else 1.0
    suspect = edge < FITTED_EDGE or not converged or bool(caught)
    if len(rows.count) <= _ALWAYS_CHECK_ROWS or suspect:
        direction = _separation(rows.x, rows.y)
        if direction is not None:
            kept_x = x.loc[:, [t for t in kept if t != _INTERCEPT]]
            return _separated_fit(kept_x, y, matrix, direction, terms, notes)
    coef = pd.Series(np.asarray(fit.params, dtype=float), index=kept)
    se = pd.Series(np.asarray(fit.bse, dtype=float), index=kept)
    notes += _warning_note(caught)
    if not converged:
        notes.append(
            f"{COHORT_NOTE}, the logistic model did not converge in {_MAX_ITER} iterations: "
            "no odds ratio is reported."
        )
        coef[:] = np.nan
        se[:] = np.nan
    p = pd.Series(2 * dist.norm_sf(np.abs(coef / se)), index=kept)
    aic = float(fit.aic) if converged else math.nan
    return LogisticFit(
        coef.reindex(terms),
        se.reindex(terms),
        p.reindex(terms),
        aic,
        n,
        events,
        (),
        tuple(t for t in terms if t not in kept),
        tuple(notes),
    )


def _on_boundary(matrix: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The rows with x·b = 0 (relative to the size of its terms): not predicted perfectly."""
    reach = np.abs(matrix) @ np.abs(direction)
    return np.asarray(np.abs(matrix @ direction) <= 1e-9 * np.where(reach > 0, reach, 1.0))


def _separated_fit(
    x: pd.DataFrame,
    y: np.ndarray,
    matrix: np.ndarray,
    direction: np.ndarray,
    terms: list[str],
    notes: list[str],
) -> LogisticFit:
    """The limit of the fit under separation along ``direction``.

    The terms that move along the direction have odds ratios of 0 or infinity: they are
    reported as ``NaN``. The women with x·b ≠ 0 are predicted perfectly in the limit and
    add nothing more to the likelihood, so the other coefficients converge to their fit on
    the remaining women without those terms — which is where R's glm, stopped early, sits
    too. When no woman (or no outcome contrast) remains, the separation is complete and no
    coefficient is estimable.
    """
    columns = [_INTERCEPT, *x.columns]
    on_boundary = _on_boundary(matrix, direction)
    moving = direction != 0
    # The linear programme's optimum is a vertex, which can leave on the boundary women
    # that another direction separates too (with a threshold between two close values, a
    # complete separation can come out as a quasi-complete one): look again among them
    # until no direction is left. Each round removes at least one woman.
    while on_boundary.any():
        rest = _patterns(matrix[on_boundary], y[on_boundary])
        more = _separation(rest.x, rest.y)
        if more is None:
            break
        moving |= more != 0
        on_boundary[on_boundary] = _on_boundary(matrix[on_boundary], more)
    separated = tuple(t for t, m in zip(columns, moving, strict=True) if m and t != _INTERCEPT)
    n, events = len(y), int(y.sum())
    notes = [
        *notes,
        f"{COHORT_NOTE}, the outcome is separated by {', '.join(separated)} (complete or "
        "quasi-complete separation): the maximum-likelihood odds ratio is 0 or infinite, so "
        "it and its confidence interval are not reported (R's glm prints a huge coefficient "
        f"and standard error instead); the other terms are estimated on the "
        f"{int(on_boundary.sum())} women it does not predict perfectly.",
    ]
    rest = y[on_boundary]
    if rest.size == 0 or rest.min() == rest.max():
        nan = pd.Series(np.nan, index=terms)
        notes.append(f"{COHORT_NOTE}, the separation is complete: no odds ratio is estimable.")
        return LogisticFit(nan, nan, nan, math.nan, n, events, separated, (), tuple(notes))
    remaining = [t for t in x.columns if t not in separated]
    inner = fit_logistic(x.loc[on_boundary, remaining], rest)
    return LogisticFit(
        inner.coef.reindex(terms),
        inner.se.reindex(terms),
        inner.p.reindex(terms),
        inner.aic + 2 * len(separated),
        n,
        events,
        separated + inner.separated,
        tuple(t for t in terms if t not in columns),
        (*notes, *inner.notes),
    )


def _odds_ratios(fit: LogisticFit, z: float) -> pd.DataFrame:
    """exp(coef) and exp(coef ± z·SE) by term (R ``exp(cbind(coef, confint.default))``)."""
    with np.errstate(over="ignore"):  # a huge SE has an infinite upper bound, as in R
        return pd.DataFrame(
            {
                "or": np.exp(fit.coef),
                "or_low": np.exp(fit.coef - z * fit.se),
                "or_high": np.exp(fit.coef + z * fit.se),
            }
        )


def _crude(d: Design, z: float) -> tuple[pd.DataFrame, list[str]]:
    """Each covariate alone (its terms and an intercept) on the same complete cases."""
    rows = []
    notes = []
    for covariate, terms in d.groups.items():
        fit = fit_logistic(d.x.loc[:, list(terms)], d.y)
        ratios = _odds_ratios(fit, z).assign(p=fit.p).drop(index=_INTERCEPT)
        rows.append(ratios)
        notes += [f"{n} (Unadjusted model of {covariate}.)" for n in fit.notes]
    crude = pd.concat(rows) if rows else pd.DataFrame(columns=["or", "or_low", "or_high", "p"])
    return crude.add_prefix("crude_"), notes


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=object if c in ("key", "covariate") else float) for c in TABLE_COLUMNS}
    )


def _methods(level: float, min_fraction: float) -> tuple[str, ...]:
    pct = f"{100 * level:g} %"
    return (
        "Logistic regression of pregnancy (at least one pregnancy after the first injection) "
        "by maximum likelihood, as R glm(family = binomial), on the complete cases.",
        "Covariates: age at the first injection in completed years (continuous: the odds ratio "
        "is per year); baseline menses (reference: regular); two or more injections vs one; "
        f"AMH (per ng/mL) and AFC (per follicle) when recorded for at least "
        f"{100 * min_fraction:g} % of the women.",
        f"Odds ratio = exp(coefficient); {pct} Wald interval exp(coefficient ± z·SE) (R "
        "confint.default); Wald p-value. Unadjusted odds ratios: each covariate alone, on the "
        "same women.",
        "Events per variable (EPV) = min(pregnant, not pregnant) / number of estimated "
        f"non-intercept coefficients; below {EPV_MIN} the estimates may be unreliable.",
    )


def logistic_regression(
    women: pd.DataFrame,
    participants: pd.DataFrame | None = None,
    *,
    level: float = 0.95,
    marker_min_fraction: float = MARKER_MIN_FRACTION,
) -> Result:
    """Adjusted (and unadjusted) odds ratios of pregnancy, R's ``glm(family = binomial)``.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women`.
    participants
        The workbook's participants table (``amh_ng_ml``, ``afc``); ``None`` leaves the
        markers out.
    level
        Confidence level of the Wald intervals.
    marker_min_fraction
        AMH or AFC enters the model when recorded for at least this fraction of the women.

    Returns
    -------
    Result
        ``regression``. ``table``: one row per term
        (:data:`TABLE_COLUMNS`): ``key`` (the term) and ``covariate`` (its label), the
        adjusted ``or`` with ``or_low``/``or_high`` and ``p``, the unadjusted ``crude_*``,
        and ``coef`` and ``se`` on the log-odds scale (printed only in spreadsheets). The
        fit's ``n`` and ``events`` are in ``values`` and a note. ``values``:
        ``n_women``, ``n``, ``dropped``, ``events``, ``non_events``, ``parameters``, ``epv``,
        ``aic``, ``intercept.coef``/``.se``/``.p`` and per term ``{term}.coef``, ``.se``,
        ``.or``, ``.or_low``, ``.or_high``, ``.p``, ``.crude_or``, ``.crude_or_low``,
        ``.crude_or_high``, ``.crude_p``.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, not {level!r}")
    z = float(dist.norm_ppf(0.5 + level / 2))
    d = design(women, participants, marker_min_fraction=marker_min_fraction)
    n, events = len(d.y), int(d.y.sum())
    values: dict[str, Number] = {
        "level": 100 * level,
        "n_women": d.n_women,
        "n": n,
        "dropped": d.n_women - n,
        "events": events,
        "non_events": n - events,
    }
    notes = [*_methods(level, marker_min_fraction), *d.notes]
    title = "Logistic regression of pregnancy: adjusted odds ratios"
    if not n or events in (0, n):
        why = "no woman is analysed" if not n else "every woman analysed has the same outcome"
        notes.append(f"{COHORT_NOTE}, {why}: no logistic model is fitted.")
        values |= {"parameters": None, "epv": None, "aic": None}
        return Result("regression", "", title, _empty_table(), values, tuple(notes))
    fit = fit_logistic(d.x, d.y)
    notes += fit.notes
    terms = [t for t in d.x.columns if t not in fit.aliased]
    parameters = len(terms)
    epv = min(events, n - events) / parameters if parameters else math.nan
    values |= {"parameters": parameters, "epv": epv, "aic": fit.aic}
    if parameters and epv < EPV_MIN:
        notes.append(
            f"{COHORT_NOTE}, there are {epv:.2f} events per variable (the smaller outcome group, "
            f"{min(events, n - events)} women, over {parameters} coefficients), fewer than "
            f"{EPV_MIN}: the adjusted odds ratios may be biased and their intervals unreliable."
        )
    crude, crude_notes = _crude(d, z)
    notes += crude_notes
    table = (
        _odds_ratios(fit, z)
        .assign(coef=fit.coef, se=fit.se, p=fit.p)
        .drop(index=_INTERCEPT)
        .join(crude)
        .loc[terms]
    )
    table.insert(0, "covariate", [d.labels[t] for t in terms])
    table.insert(0, "key", terms)
    table = table.reset_index(drop=True).loc[:, list(TABLE_COLUMNS)]
    values |= {f"intercept.{k}": float(getattr(fit, k)[_INTERCEPT]) for k in ("coef", "se", "p")}
    for row in table.to_dict("records"):
        values |= {f"{row['key']}.{c}": float(row[c]) for c in TERM_VALUES}
    notes.append(f"{COHORT_NOTE}, {events} of the {n} women in the model became pregnant.")
    return Result("regression", "", title, table, values, tuple(notes))


# -- the forest plot ---------------------------------------------------------------------


def forest_data(regression: Result) -> Result:
    """The forest plot's rows: each term's adjusted odds ratio and interval.

    Parameters
    ----------
    regression
        :func:`logistic_regression`'s result.

    Returns
    -------
    Result
        ``figure_forest``. ``table``: ``key`` (the term), ``label``,
        ``or``, ``or_low``, ``or_high``
        (``NaN`` when not estimable), top to bottom. ``values``: ``n``, ``events``,
        ``terms`` (rows), ``estimable`` (rows with an interval) and ``x_min``/``x_max``, the
        range of the intervals the log axis must show (``None`` when nothing is estimable).
    """
    shape = ["key", "covariate", "or", "or_low", "or_high"]
    table = regression.table.loc[:, shape].rename(columns={"covariate": "label"})
    shown = table[["or_low", "or_high"]].dropna()
    finite = shown[np.isfinite(shown).all(axis=1)]
    values: dict[str, Number] = {
        "level": regression.values.get("level"),
        "n": regression.values.get("n"),
        "events": regression.values.get("events"),
        "terms": len(table),
        "estimable": len(finite),
        "x_min": float(finite["or_low"].min()) if len(finite) else None,
        "x_max": float(finite["or_high"].max()) if len(finite) else None,
    }
    notes = (
        f"Adjusted odds ratios with Wald {values['level']:g} % intervals on a log scale; the "
        "dashed line is an odds ratio of 1 (no association).",
    )
    title = "Adjusted odds ratios of pregnancy"
    return Result("figure_forest", "", title, table.reset_index(drop=True), values, notes)


def _ratio_text(row: pd.Series) -> str:
    if not all(np.isfinite(row[["or", "or_low", "or_high"]].to_numpy(dtype=float))):
        return "not estimable"
    return f"{row['or']:.2f} ({row['or_low']:.2f}–{row['or_high']:.2f})"


def plot_forest(data: Result, ax: Axes | None = None) -> Figure:
    """Draw the forest plot: adjusted odds ratios (squares) with their intervals (lines).

    The x-axis is logarithmic with a dashed reference line at 1; each row is labelled on
    the left by its term and on the right by "OR (low–high)" ("not estimable" when the
    estimate does not exist). With no fitted model the axes say so.

    Parameters
    ----------
    data
        :func:`forest_data`'s result.
    ax
        Axes to draw on; a new :class:`~matplotlib.figure.Figure` is made when ``None``.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    table = data.table
    figure, ax = axes_for(ax, (7.5, 1.2 + 0.45 * max(len(table), 2)))
    ax.set_title(data.title, fontsize="medium")
    if not data.values.get("estimable"):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            "No odds ratio is estimable" if len(table) else "No model fitted",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.35",
            fontstyle="italic",
        )
        return figure
    rows = np.arange(len(table))[::-1]  # first term at the top
    ratio = table["or"].to_numpy(dtype=float)
    low = table["or_low"].to_numpy(dtype=float)
    high = table["or_high"].to_numpy(dtype=float)
    ok = np.isfinite(ratio) & np.isfinite(low) & np.isfinite(high)
    ax.hlines(rows[ok], low[ok], high[ok], color="black", linewidth=1.2)
    ax.scatter(ratio[ok], rows[ok], marker="s", s=36, color="black", zorder=3)
    ax.axvline(1.0, color="0.4", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    x_min, x_max = float(data.values["x_min"]), float(data.values["x_max"])  # type: ignore[arg-type]
    span = (min(x_min, 1.0) / 1.25, max(x_max, 1.0) * 1.25)
    ax.set_xlim(*span)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(rows, list(table["label"]))
    ax.set_ylim(-0.7, len(table) - 0.3)
    v = data.values
    ax.set_xlabel(f"Adjusted odds ratio (log scale); n = {v['n']} women, {v['events']} pregnant")
    for y, (_, row) in zip(rows, table.iterrows(), strict=True):  # one label per term
        ax.annotate(
            _ratio_text(row),
            (1.02, y),
            xycoords=("axes fraction", "data"),
            va="center",
            ha="left",
            fontsize="small",
        )
    ax.annotate(
        f"OR ({v['level']:g} % CI)",
        (1.02, len(table) - 0.4),
        xycoords=("axes fraction", "data"),
        va="bottom",
        ha="left",
        fontsize="small",
        fontweight="bold",
    )
    return figure
