"""The comparison of arms: every table of the report's "Comparison of arms", as Results.

:func:`compare_arms` takes the per-woman frame of :func:`follicle.analysis.arms.data.arm_times`
and returns the :class:`~follicle.analysis.result.Result` objects in report order:

``arms_table1``
    the women of each arm and their covariates, with the SMD of each arm against the
    reference;
``arms_incidence``
    cumulative incidence of a first pregnancy by arm (Aalen–Johansen with menopause
    competing, Kaplan–Meier beside it) at 12, 24 and 36 months, Gray's test;
``figure_arms_incidence``
    the Aalen–Johansen curves by arm, numbers at risk beneath;
``arms_models``
    hazard ratios of each arm against the reference: cause-specific Cox and Fine–Gray,
    crude and adjusted, and the propensity-weighted Cox model, with E-values;
``figure_arms_forest``
    those hazard ratios as a forest plot;
``arms_balance``
    covariate balance before and after weighting, the weights' range and effective size,
    and the weighted cumulative incidence.

Arms with fewer than :data:`MIN_ARM` analysed women are listed and left out; when fewer
than two arms remain, the comparison is not made and there is one result, ``arms_table1``,
with the analysed women by arm and a note that says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from follicle.analysis.arms.balance import BALANCE_TARGET, smd
from follicle.analysis.arms.cox import fit_cox
from follicle.analysis.arms.data import (
    BINARY,
    COVARIATE_LABELS,
    COVARIATES,
    MENOPAUSE,
    PREGNANCY,
)
from follicle.analysis.arms.evalue import COMMON_OUTCOME, e_values
from follicle.analysis.arms.finegray import expanded_size, fine_gray
from follicle.analysis.arms.incidence import weighted_aalen_johansen
from follicle.analysis.arms.weighting import (
    SCORE_EDGE,
    Estimand,
    ip_weights,
    propensity_score,
    separated,
)
from follicle.analysis.duration.competing_risks import (
    aalen_johansen,
    cumulative_incidence_at,
    gray_test,
    loglog_interval,
)
from follicle.analysis.duration.survival import at_risk, kaplan_meier, survival_at
from follicle.analysis.result import COHORT_NOTE, Number, Result

#: Arms with fewer analysed women are left out of the comparison.
MIN_ARM = 10
#: Months at which cumulative incidence is tabulated.
MONTHS = (12.0, 24.0, 36.0)
#: The Fine–Gray models are fitted when their counting-process data (R's finegray rows)
#: hold at most this many rows; beyond, their time and memory grow with the product of
#: competing events and event times (docs/arms.md, "At scale").
MAX_FINE_GRAY_ROWS = 20_000_000
#: The reference arm when present.
CONTROL = "control"
#: The models of ``arms_models``, in order: key and label.
MODELS = (
    ("cs_crude", "Cause-specific Cox, crude"),
    ("cs_adjusted", "Cause-specific Cox, adjusted"),
    ("fg_crude", "Fine–Gray, crude"),
    ("fg_adjusted", "Fine–Gray, adjusted"),
    ("weighted", "Propensity-weighted Cox"),  # (ATE) or (ATT) is added to the label
)
RESULT_NAMES = (
    "arms_table1",
    "arms_incidence",
    "figure_arms_incidence",
    "arms_models",
    "figure_arms_forest",
    "arms_balance",
)


def key(arm: str) -> str:
    """An arm's name as it appears in value names: lower case, ``_`` for anything else."""
    return re.sub(r"[^a-z0-9]+", "_", arm.lower()).strip("_") or "arm"


@dataclass(frozen=True)
class Arms:
    """Which arms are compared: the reference first, then the others alphabetically."""

    reference: str
    compared: tuple[str, ...]
    left_out: tuple[tuple[str, int], ...]  # arm, analysed women

    @property
    def all(self) -> tuple[str, ...]:
        """The reference then the compared arms."""
        return (self.reference, *self.compared)


def choose_arms(times: pd.DataFrame, *, min_arm: int = MIN_ARM) -> Arms | None:
    """The arms with at least ``min_arm`` analysed women and the reference among them
    (``control`` when present, else the first alphabetically); ``None`` with fewer than
    two such arms."""
    analysed = times.loc[times["excluded"].isna()]
    counts = analysed.groupby("arm").size().sort_index()
    big = [str(a) for a, n in counts.items() if n >= min_arm]
    small = tuple((str(a), int(n)) for a, n in counts.items() if n < min_arm)
    if len(big) < 2:
        return None
    reference = CONTROL if CONTROL in big else big[0]
    return Arms(reference, tuple(a for a in big if a != reference), small)


def _design(frame: pd.DataFrame, arms: Arms, *, adjusted: bool) -> tuple[pd.DataFrame, list[str]]:
    """Arm dummies (treatment contrasts against the reference) and, adjusted, covariates."""
    design = pd.DataFrame(
        {
            "months": frame["months"].to_numpy(dtype=float),
            "status": frame["status"].to_numpy(dtype=int),
        }
    )
    design["event"] = (design["status"] == PREGNANCY).astype(int)
    terms = []
    for arm in arms.compared:
        name = f"arm_{key(arm)}"
        design[name] = (frame["arm"] == arm).to_numpy(dtype=float)
        terms.append(name)
    if adjusted:
        for c in COVARIATES:
            design[c] = frame[c].to_numpy(dtype=float)
        terms += list(COVARIATES)
    return design, terms


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame[list(COVARIATES)].notna().all(axis=1)]


# -- Table 1 by arm --------------------------------------------------------------------------


def _table1(frame: pd.DataFrame, arms: Arms) -> Result:
    """The women by arm (``arms_table1``) in long form: one row per characteristic and arm
    (the report prints the characteristic once, above its arms)."""
    ref = frame.loc[frame["arm"] == arms.reference]
    rows: list[dict[str, object]] = []
    values: dict[str, Number] = {}
    for arm in arms.all:
        women = int((frame["arm"] == arm).sum())
        rows.append({"characteristic": "Women", "arm": arm, "women": women})
        values[f"{key(arm)}.n"] = women
    for c in COVARIATES:
        binary = c in BINARY
        x0 = ref[c].dropna().to_numpy(dtype=float)
        for arm in arms.all:
            column = frame.loc[frame["arm"] == arm, c]
            x = column.dropna().to_numpy(dtype=float)
            row: dict[str, object] = {
                "characteristic": COVARIATE_LABELS[c],
                "arm": arm,
                "women": int(x.size),
                "missing": int(column.isna().sum()),
            }
            if binary:
                row["n"] = int(x.sum())
                row["pct"] = 100 * x.mean() if x.size else np.nan
            else:
                row["mean"] = x.mean() if x.size else np.nan
                row["sd"] = x.std(ddof=1) if x.size > 1 else np.nan
            values[f"{key(arm)}.{c}.mean"] = float(x.mean()) if x.size else None
            if arm != arms.reference:
                d = smd(x, x0, binary=binary)
                row["SMD"] = d
                values[f"{key(arm)}.{c}.smd"] = d
            rows.append(row)
    columns = ["characteristic", "arm", "women", "missing", "mean", "sd", "n", "pct", "SMD"]
    table = pd.DataFrame(rows).reindex(columns=columns)
    notes = (
        "Standardized mean difference (SMD) of each arm against the reference arm "
        f"({arms.reference}): difference in means over the pooled SD "
        "sqrt((s1² + s0²)/2); for a proportion, over sqrt((p1(1 − p1) + p0(1 − p0))/2). "
        f"|SMD| < {BALANCE_TARGET} is the usual target for balance. Women: with a value; "
        "missing: without.",
        "Time zero is the first injection for a treated woman and the consent date for a "
        "woman with none (a control); age is in completed years at time zero.",
    )
    return Result(
        "arms_table1",
        "",
        "Women by arm, with standardized mean differences",
        table,
        values,
        notes,
    )


# -- Cumulative incidence -------------------------------------------------------------------


def _incidence(frame: pd.DataFrame, arms: Arms, level: float) -> Result:
    rows = []
    values: dict[str, Number] = {}
    for arm in arms.all:
        part = frame.loc[frame["arm"] == arm]
        months = part["months"].to_numpy(dtype=float)
        status = part["status"].to_numpy(dtype=int)
        cif, var = cumulative_incidence_at(aalen_johansen(months, status, cause=PREGNANCY), MONTHS)
        low, high = loglog_interval(cif, var, level=level)
        surv, s_low, s_high = survival_at(
            kaplan_meier(months, status == PREGNANCY, level=level), MONTHS
        )
        risk = at_risk(np.sort(months), MONTHS)
        values[f"{key(arm)}.n"] = int(months.size)
        values[f"{key(arm)}.events"] = int((status == PREGNANCY).sum())
        values[f"{key(arm)}.competing"] = int((status == MENOPAUSE).sum())
        for i, m in enumerate(MONTHS):
            rows.append(
                {
                    "arm": arm,
                    "time": f"{int(m)} months",
                    "at_risk": int(risk[i]),
                    "aj": 100 * cif[i],
                    "aj_low": 100 * low[i],
                    "aj_high": 100 * high[i],
                    "km": 100 * (1 - surv[i]),
                    "km_low": 100 * (1 - s_high[i]),
                    "km_high": 100 * (1 - s_low[i]),
                }
            )
            values[f"{key(arm)}.aj.{int(m)}m"] = float(cif[i])
            values[f"{key(arm)}.km.{int(m)}m"] = float(1 - surv[i])
    gray = gray_test(
        frame["months"].to_numpy(dtype=float),
        frame["status"].to_numpy(dtype=int),
        frame["arm"].to_numpy(dtype=str),
        cause=PREGNANCY,
    )
    notes = [
        "Cumulative incidence of a first pregnancy by the Aalen–Johansen estimator with "
        "menopause as a competing event (R cmprsk::cuminc), log-log intervals; the "
        "Kaplan–Meier estimate (1 − survival, menopause censored) beside it overstates the "
        "incidence when menopause is common.",
    ]
    if gray is not None:
        values["gray.statistic"] = gray.statistic
        values["gray.df"] = gray.df
        values["gray.p"] = gray.p
        notes.append(
            f"Gray's test of equal cumulative incidence across the {len(arms.all)} arms: "
            f"χ² = {gray.statistic:.2f} on {gray.df} df, p = {gray.p:.4g}."
        )
    return Result(
        "arms_incidence",
        "",
        "Cumulative incidence (%) of a first pregnancy by arm",
        pd.DataFrame(rows),
        values,
        tuple(notes),
    )


def curves(frame: pd.DataFrame, arms: Arms) -> pd.DataFrame:
    """Each arm's Aalen–Johansen curve (step points, percent) for the figure."""
    parts = []
    for arm in arms.all:
        part = frame.loc[frame["arm"] == arm]
        curve = aalen_johansen(
            part["months"].to_numpy(dtype=float),
            part["status"].to_numpy(dtype=int),
            cause=PREGNANCY,
        )
        parts.append(
            pd.DataFrame(
                {
                    "arm": arm,
                    "months": np.concatenate(([0.0], curve.time, [curve.last_time])),
                    "cif_pct": 100
                    * np.concatenate(
                        (
                            [0.0],
                            curve.estimate,
                            curve.estimate[-1:] if curve.estimate.size else [0.0],
                        )
                    ),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _figure_incidence(frame: pd.DataFrame, arms: Arms) -> Result:
    table = curves(frame, arms)
    ticks = np.arange(0, 12 * (int(frame["months"].max() // 12) + 1) + 1, 12, dtype=float)
    risk = {
        f"{key(arm)}.at_risk.{int(t)}m": int(n)
        for arm in arms.all
        for t, n in zip(
            ticks,
            at_risk(np.sort(frame.loc[frame["arm"] == arm, "months"].to_numpy(dtype=float)), ticks),
            strict=True,
        )
    }
    return Result(
        "figure_arms_incidence",
        "",
        "Cumulative incidence of a first pregnancy by arm (Aalen–Johansen, menopause competing)",
        table,
        risk,
        ("Numbers at risk beneath the axis, every 12 months.",),
    )


# -- Models ---------------------------------------------------------------------------------


def _model_rows(
    fit_table: pd.DataFrame, model: str, label: str, arms: Arms, n: int, events: int
) -> list[dict[str, object]]:
    rows = []
    for arm in arms.compared:
        r = fit_table.loc[fit_table["term"] == f"arm_{key(arm)}"].iloc[0]
        rows.append(
            {
                "comparison": f"{arm} vs {arms.reference}",
                "model": label,
                "model_id": model,
                "arm_id": arm,
                "n": n,
                "events": events,
                "HR": r["hr"],
                "HR_low": r["hr_low"],
                "HR_high": r["hr_high"],
                "p": r["p"],
                "coef": r["coef"],
                "se": r["se"],
            }
        )
    return rows


def _events_by_arm(design: pd.DataFrame, arms: Arms) -> dict[str, int]:
    """Pregnancies (first events) of each arm in a model's data (``_design`` rows)."""
    event = design["event"].to_numpy(dtype=int)
    dummies = design[[f"arm_{key(a)}" for a in arms.compared]].to_numpy(dtype=bool)
    counts = {a: int(event[dummies[:, i]].sum()) for i, a in enumerate(arms.compared)}
    counts[arms.reference] = int(event[~dummies.any(axis=1)].sum())
    return counts


def _mark_not_estimable(row: dict[str, object], arm_events: int, reference_events: int) -> bool:
    """Blank ``row``'s estimate when the arm or the reference has no pregnancy; True if so.

    Without an event on one side the partial likelihood has no maximum: it keeps rising as
    the arm's coefficient runs to −∞ (no event in the arm) or +∞ (none in the reference),
    and Newton–Raphson stops wherever its tolerance lets it (R coxph warns that the
    coefficient may be infinite). The Wald interval and p-value at that point mean nothing —
    the robust ones even shrink to a spuriously "significant" band around a hazard ratio
    of about 1e-13 — so the hazard ratio is reported as its limit, 0 or ∞ (undefined with
    no event on either side), with no interval, p-value or E-value, as the sample odds
    ratio of a 2 × 2 table with a zero cell is.
    """
    if arm_events > 0 and reference_events > 0:
        return False
    if arm_events == 0 and reference_events == 0:
        coef = np.nan
    else:
        coef = -np.inf if arm_events == 0 else np.inf
    row |= {"HR": np.exp(coef), "HR_low": np.nan, "HR_high": np.nan, "p": np.nan}
    row |= {"coef": coef, "se": np.nan}
    return True


def _weighted_pair(
    frame: pd.DataFrame,
    arm: str,
    reference: str,
    estimand: Estimand,
    level: float,
    initial: float = 0.0,
) -> tuple[dict[str, object], list[dict[str, object]], dict[str, Number], list[str]]:
    """The propensity-weighted comparison of one arm with the reference (Newton–Raphson
    from ``initial``, the arm's adjusted log hazard ratio), and notes on its weights."""
    pair = _complete(frame.loc[frame["arm"].isin([arm, reference])])
    treated = (pair["arm"] == arm).to_numpy()
    x = pair[list(COVARIATES)].to_numpy(dtype=float)
    score = propensity_score(treated, x)
    weights = ip_weights(treated, score, estimand=estimand)
    notes = []
    if separated(score):
        notes.append(
            f"{COHORT_NOTE}, the covariates (nearly) separate {arm} from {reference}: some "
            f"women's propensity scores are 0 or 1 to within {SCORE_EDGE:g} (the logistic "
            "model's estimates run off; R's glm warns of fitted probabilities numerically 0 or "
            "1). Positivity fails for them, and the weighted comparison rests on the women the "
            "arms share."
        )
    w = weights.weight
    data = pd.DataFrame(
        {
            "months": pair["months"].to_numpy(dtype=float),
            "event": (pair["status"].to_numpy(dtype=int) == PREGNANCY).astype(int),
            "arm": treated.astype(float),
            "w": w,
        }
    )
    event = data["event"].to_numpy(dtype=bool)
    if event[treated].any() and event[~treated].any():
        fit = fit_cox(
            data, ["arm"], stop="months", weights="w", robust=True, initial=np.array([initial])
        )
        t = fit.table(level).iloc[0]
    else:
        # No pregnancy on one side: the likelihood has no maximum, and Newton–Raphson's
        # information matrix turns singular on the way (a LinAlgError with some lifelines
        # and SciPy). Not fitted; hazard_models reports the hazard ratio's limit.
        t = pd.Series(np.nan, index=["hr", "hr_low", "hr_high", "p", "coef", "se"])
    model = {
        "comparison": f"{arm} vs {reference}",
        "model": f"Propensity-weighted Cox ({estimand})",
        "model_id": "weighted",
        "arm_id": arm,
        "n": int(len(pair)),
        "events": int(data["event"].sum()),
        "HR": t["hr"],
        "HR_low": t["hr_low"],
        "HR_high": t["hr_high"],
        "p": t["p"],
        "coef": t["coef"],
        "se": t["se"],
    }
    k = key(arm)
    values: dict[str, Number] = {
        f"{k}.weights.min": float(w.min()),
        f"{k}.weights.max": float(w.max()),
        f"{k}.ess.arm": weights.effective_size(treated),
        f"{k}.ess.reference": weights.effective_size(~treated),
    }
    balance = []
    for c in COVARIATES:
        binary = c in BINARY
        xc = pair[c].to_numpy(dtype=float)
        before = smd(xc[treated], xc[~treated], binary=binary)
        after = smd(xc[treated], xc[~treated], binary=binary, w1=w[treated], w0=w[~treated])
        balance.append(
            {
                "comparison": f"{arm} vs {reference}",
                "covariate": COVARIATE_LABELS[c],
                "SMD before": before,
                "SMD after": after,
                "balanced": "yes" if abs(after) < BALANCE_TARGET else "NO",
            }
        )
        values[f"{k}.{c}.smd_before"] = before
        values[f"{k}.{c}.smd_after"] = after
    status = pair["status"].to_numpy(dtype=int)
    months = pair["months"].to_numpy(dtype=float)
    for group, mask in ((arm, treated), (reference, ~treated)):
        cif = weighted_aalen_johansen(months[mask], status[mask], w[mask], MONTHS)
        for m, f in zip(MONTHS, cif, strict=True):
            values[f"{k}.weighted_aj.{'arm' if group == arm else 'reference'}.{int(m)}m"] = float(f)
    return model, balance, values, notes


def hazard_models(
    frame: pd.DataFrame, arms: Arms, estimand: Estimand = "ATE", level: float = 0.95
) -> tuple[Result, Result]:
    """``arms_models`` and ``arms_balance``: every hazard model and the weighting.

    ``frame`` holds the analysed women of the compared arms (:func:`arm_times` rows);
    the simulation study calls this directly, without the incidence tables.
    """
    rows: list[dict[str, object]] = []
    complete = _complete(frame)
    size = expanded_size(frame["months"].to_numpy(dtype=float), frame["status"].to_numpy(dtype=int))
    fit_fine_gray = size <= MAX_FINE_GRAY_ROWS
    # Each Cox model's Newton–Raphson starts from the arms' estimates of the one before
    # (crude → adjusted → weighted): fewer steps to the same estimates.
    start: dict[str, float] = {}
    # Pregnancies of each arm in each model's women; the weighted model of a pair uses the
    # pair's complete cases, the adjusted models' women of those two arms.
    events_by_model: dict[str, dict[str, int]] = {}
    for adjusted, data in ((False, frame), (True, complete)):
        design, terms = _design(data, arms, adjusted=adjusted)
        events = int(design["event"].sum())
        suffix = "adjusted" if adjusted else "crude"
        counts = _events_by_arm(design, arms)
        events_by_model |= {f"cs_{suffix}": counts, f"fg_{suffix}": counts}
        if adjusted:
            events_by_model["weighted"] = counts
        cs = fit_cox(
            design, terms, stop="months", initial=np.array([start.get(t, 0.0) for t in terms])
        )
        start = dict(zip(cs.terms, cs.coef, strict=True))
        rows += _model_rows(
            cs.table(level),
            f"cs_{suffix}",
            f"Cause-specific Cox, {suffix}",
            arms,
            len(design),
            events,
        )
        if not fit_fine_gray:
            continue
        fg = fine_gray(design, terms, time="months")
        rows += _model_rows(
            fg.table(level), f"fg_{suffix}", f"Fine–Gray, {suffix}", arms, len(design), events
        )
    balance_rows: list[dict[str, object]] = []
    balance_values: dict[str, Number] = {}
    weight_notes: list[str] = []
    for arm in arms.compared:
        model, pair_balance, pair_values, pair_notes = _weighted_pair(
            frame, arm, arms.reference, estimand, level, start.get(f"arm_{key(arm)}", 0.0)
        )
        rows.append(model)
        balance_rows += pair_balance
        balance_values |= pair_values
        weight_notes += pair_notes
    no_estimate = []
    for r in rows:
        counts = events_by_model[str(r["model_id"])]
        if _mark_not_estimable(r, counts[str(r["arm_id"])], counts[arms.reference]):
            no_estimate.append(f"{r['comparison']} ({r['model']})")
    order = {k: i for i, (k, _) in enumerate(MODELS)}
    table = pd.DataFrame(rows)
    table = table.assign(_order=table["model_id"].map(order))
    table = table.sort_values(["arm_id", "_order"], kind="stable", ignore_index=True)
    table = table.drop(columns="_order")
    common = float((frame["status"] == PREGNANCY).mean()) > COMMON_OUTCOME
    e_est, e_ci = zip(
        *(
            e_values(h, lo, hi, common=common)
            for h, lo, hi in table[["HR", "HR_low", "HR_high"]].itertuples(index=False)
        ),
        strict=True,
    )
    table.insert(table.columns.get_loc("p") + 1, "E-value", e_est)
    table.insert(table.columns.get_loc("p") + 2, "E-value, CI", e_ci)
    values: dict[str, Number] = {}
    names = {
        "hr": "HR",
        "hr_low": "HR_low",
        "hr_high": "HR_high",
        "p": "p",
        "n": "n",
        "events": "events",
        "e_value": "E-value",
        "e_value_ci": "E-value, CI",
    }
    for _, r in table.iterrows():
        base = f"{key(str(r['arm_id']))}.{r['model_id']}"
        for name, column in names.items():
            v = r[column]
            values[f"{base}.{name}"] = int(v) if name in ("n", "events") else float(v)
    values["complete_cases"] = int(len(complete))
    values["analysed"] = int(len(frame))
    notes: tuple[str, ...] = (
        "Hazard ratios of a first pregnancy, each arm against the reference arm "
        f"({arms.reference}). Cause-specific Cox: menopause censored (lifelines, Efron ties; "
        "R coxph). Fine–Gray: the subdistribution hazard, a weighted Cox model on the "
        "counting-process data of R survival::finegray, with a robust variance clustered by "
        "woman. Adjusted for age at time zero, AMH, AFC, regular menses at baseline and "
        "prior IVF cycles.",
        f"The adjusted and weighted models use the {len(complete)} of {len(frame)} women with "
        "all five covariates (complete cases).",
        f"Propensity-weighted Cox: stabilized inverse-probability weights for the {estimand} "
        "from a logistic model of the arm on the same covariates, robust (sandwich) standard "
        "error (R coxph(robust = TRUE)); it treats the weights as known, which is "
        "conservative for the ATE.",
        "E-value (VanderWeele & Ding 2017): how strongly an unmeasured confounder would have "
        "to be associated with both the arm and pregnancy, as a risk ratio and above the "
        "measured covariates, to explain the hazard ratio away (E-value) or to move its "
        "confidence interval to include 1 (E-value, CI); a weaker confounder could not. "
        + (
            "Pregnancy is common here (over 15 % of the women), so each hazard ratio is "
            "first converted to a risk ratio, (1 − 0.5^√HR)/(1 − 0.5^√(1/HR))."
            if common
            else "Pregnancy is rare here (15 % of the women or fewer): the hazard ratio is "
            "taken as the risk ratio."
        ),
    )
    if no_estimate:
        notes = (
            *notes,
            f"{COHORT_NOTE}, the arm or the reference had no pregnancy in "
            + "; ".join(no_estimate)
            + ": the hazard ratio has no finite estimate (the partial likelihood rises "
            "without bound; R coxph warns that the coefficient may be infinite) and is shown "
            "as its limit, 0 (no pregnancy in the arm) or ∞ (none in the reference), without "
            "interval, p-value or E-value.",
        )
    if not fit_fine_gray:
        notes = (
            *notes,
            f"{COHORT_NOTE}, the Fine–Gray models were not fitted: their counting-process "
            f"data would hold {size:,} rows (more than {MAX_FINE_GRAY_ROWS:,}; "
            "docs/arms.md, 'At scale').",
        )
    models = Result(
        "arms_models",
        "",
        "Hazard ratios of a first pregnancy, each arm against the reference",
        table,
        values,
        notes,
    )
    missed = [r for r in balance_rows if r["balanced"] == "NO"]
    balance_notes = [
        f"Standardized mean differences before and after {estimand} weighting (weighted means "
        "and unbiased weighted variances); balance is the target |SMD| < 0.1.",
    ]
    if missed:
        balance_notes.append(
            f"{COHORT_NOTE}, balance was missed for "
            + "; ".join(f"{r['covariate']} ({r['comparison']})" for r in missed)
            + "."
        )
    balance_notes += weight_notes
    balance_result = Result(
        "arms_balance",
        "",
        "Covariate balance before and after propensity-score weighting",
        pd.DataFrame(balance_rows),
        balance_values,
        tuple(balance_notes),
    )
    return models, balance_result


def _forest(models: Result) -> Result:
    table = models.table.loc[:, ["comparison", "model", "HR", "HR_low", "HR_high"]]
    return Result(
        "figure_arms_forest",
        "",
        "Hazard ratios of a first pregnancy by model (log scale)",
        table,
        {},
        ("Each arm against the reference arm; 95 % confidence intervals.",),
    )


def _skipped(counts: pd.Series, reason: str) -> dict[str, Result]:
    """The one result of a comparison not made: the analysed women by arm, and why."""
    table = pd.DataFrame({"arm": counts.index.astype(str), "women": counts.to_numpy(dtype=int)})
    values: dict[str, Number] = {f"{key(a)}.n": int(n) for a, n in counts.items()}
    return {"arms_table1": Result("arms_table1", "", "Women by arm", table, values, (reason,))}


def compare_arms(
    times: pd.DataFrame,
    *,
    estimand: Estimand = "ATE",
    level: float = 0.95,
    min_arm: int = MIN_ARM,
) -> dict[str, Result]:
    """Every result of the comparison of arms, keyed by name, in report order.

    Parameters
    ----------
    times
        :func:`follicle.analysis.arms.data.arm_times` of the cohort.
    estimand
        ``"ATE"`` (default) or ``"ATT"``: the population the weights stand for.
    level
        Confidence level of every interval.
    min_arm
        Arms with fewer analysed women are left out (:data:`MIN_ARM`).
    """
    analysed = times.loc[times["excluded"].isna()]
    arms = choose_arms(times, min_arm=min_arm)
    if arms is None:
        by_arm = analysed.groupby("arm").size().sort_index()
        counts = ", ".join(f"{a}: {n}" for a, n in by_arm.items()) or "none"
        return _skipped(
            by_arm,
            "The comparison of arms (Cox and Fine–Gray regression, propensity-score "
            "weighting; docs/arms.md) was not made: it needs at least two arms with at least "
            f"{min_arm} analysed women each (analysed women by arm: {counts}).",
        )
    frame = analysed.loc[analysed["arm"].isin(arms.all)]
    # In time order, a tied time's pregnancies last: the order every Cox fit needs, which a
    # subset keeps (no fit sorts again), and the Kaplan–Meier sorts are quicker.
    months = frame["months"].to_numpy(dtype=float)
    order = np.lexsort((frame["status"].to_numpy(dtype=int) == PREGNANCY, months))
    frame = frame.iloc[order].reset_index(drop=True)
    models, balance = hazard_models(frame, arms, estimand, level)
    results = {
        "arms_table1": _table1(frame, arms),
        "arms_incidence": _incidence(frame, arms, level),
        "figure_arms_incidence": _figure_incidence(frame, arms),
        "arms_models": models,
        "figure_arms_forest": _forest(models),
        "arms_balance": balance,
    }
    if arms.left_out:
        note = (
            f"{COHORT_NOTE}, arms with fewer than {min_arm} analysed women were left out: "
            + ", ".join(f"{a} ({n})" for a, n in arms.left_out)
            + "."
        )
        first = results["arms_table1"]
        results["arms_table1"] = Result(
            first.name, first.label, first.title, first.table, first.values, (*first.notes, note)
        )
    return results


def reference_of(results: dict[str, Result]) -> str | None:
    """The reference arm named in the results (``None`` when the comparison was skipped)."""
    table = results["arms_models"].table
    if table.empty:
        return None
    return str(table["comparison"].iloc[0]).split(" vs ", 1)[1]


__all__: Sequence[str] = ("compare_arms", "choose_arms", "RESULT_NAMES", "MIN_ARM")
