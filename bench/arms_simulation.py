"""The simulation study of the comparison of arms: do the estimates cover the truth?

Cohorts are drawn from the known model of :mod:`follicle.workbook.synthetic_arms` (the
generator behind ``follicle synth --arms``): three arms (MenSC 0.5, PRP 0.25, control
0.25), assignment confounded by age and AMH, a true conditional hazard ratio of pregnancy
of 1.5 for both treated arms against control. Each cohort goes through the same hazard
models as the report (:func:`follicle.analysis.arms.compare.hazard_models`); the study
records how often each 95 % interval covers the truth.

Two truths, because they are two estimands:

* the **conditional** hazard ratio (the model's parameter, 1.5) is what the crude and the
  adjusted cause-specific Cox models aim at; the adjusted one should cover it about 95 %
  of the time and the crude one, confounded, should not;
* the **marginal** hazard ratio of the whole population (ATE) is what the propensity-
  weighted Cox model estimates. A hazard ratio is not collapsible: with covariates that
  affect pregnancy the marginal one is nearer 1 than the conditional one, whatever the
  confounding. It is computed here once from a large counterfactual population (every
  woman drawn under both arms, same covariates and censoring).

The Fine–Gray subdistribution hazard ratio has a third truth, not computed here: its mean
estimate is reported without a coverage.

Run (about a minute per hundred cohorts on one core)::

    .venv/bin/python bench/arms_simulation.py                      # 300 cohorts of 800
    .venv/bin/python bench/arms_simulation.py --cohorts 5 --women 400 --out /tmp/sim.md

It writes ``docs/arms_simulation.md`` (or ``--out``) and prints nothing else.
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from follicle.analysis.arms.compare import Arms, hazard_models
from follicle.analysis.arms.cox import fit_cox
from follicle.workbook.synthetic_arms import (
    ArmDraw,
    draw_times,
    draw_women,
    parse_arms,
    parse_hazard_ratios,
    reference_arm,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "arms_simulation.md"
ARMS = "MenSC:0.5,PRP:0.25,control:0.25"
HAZARD_RATIO = "1.5"
#: Women of the counterfactual population that gives the marginal truth.
TRUTH_WOMEN = 200_000
#: The models whose intervals are checked, and the truth each aims at.
TARGETS = {
    "cs_crude": "conditional",
    "cs_adjusted": "conditional",
    "fg_adjusted": None,
    "weighted": "marginal",
}
LABELS = {
    "cs_crude": "Cause-specific Cox, crude",
    "cs_adjusted": "Cause-specific Cox, adjusted",
    "fg_adjusted": "Fine–Gray, adjusted",
    "weighted": "Propensity-weighted Cox (ATE)",
}


def frame_of(drawn: ArmDraw, rng: np.random.Generator) -> pd.DataFrame:
    """The women as :func:`follicle.analysis.arms.data.arm_times` would give them: the
    confounders (age, AMH) with three covariates that are not (AFC, menses, prior IVF)."""
    n = drawn.arm.size
    return pd.DataFrame(
        {
            "participant_id": pd.Series(np.arange(n).astype(str), dtype="string"),
            "arm": pd.Series(drawn.arm.astype(str), dtype="string"),
            "months": drawn.months,
            "status": pd.Series(drawn.status, dtype="Int64"),
            "age": drawn.age,
            "amh": drawn.amh,
            "afc": rng.integers(0, 9, n).astype(float),
            "menses_regular": (rng.random(n) < 0.85).astype(float),
            "prior_ivf_cycles": rng.integers(0, 5, n).astype(float),
            "excluded": pd.Series(pd.NA, index=range(n), dtype="string"),
        }
    )


def marginal_truth(
    shares: dict[str, float], ratios: dict[str, float], *, seed: int, women: int = TRUTH_WOMEN
) -> dict[str, float]:
    """The marginal (population) hazard ratio of each arm against the reference: every
    woman of a large population followed under both arms, one Cox fit per arm."""
    rng = np.random.default_rng([seed, 999_999])
    reference = reference_arm(shares)
    base = draw_women(rng, women, shares, ratios)
    truth = {}
    for arm in shares:
        if arm == reference:
            continue
        times: list[pd.DataFrame] = []
        for a in (reference, arm):
            drawn = draw_times(
                np.random.default_rng([seed, 999_998, len(times)]),
                np.full(women, a, dtype=object),
                base.age,
                base.amh,
                ratios,
            )
            times.append(
                pd.DataFrame(
                    {
                        "time": drawn.months,
                        "event": (drawn.status == 1).astype(int),
                        "arm": float(a == arm),
                    }
                )
            )
        fit = fit_cox(pd.concat(times, ignore_index=True), ["arm"])
        truth[arm] = math.exp(float(fit.coef[0]))
    return truth


def run(cohorts: int, women: int, seed: int) -> pd.DataFrame:
    """One row per cohort, compared arm and model: the estimate and its interval."""
    shares = parse_arms(ARMS)
    ratios = parse_hazard_ratios(HAZARD_RATIO, shares)
    reference = reference_arm(shares)
    arms = Arms(reference, tuple(sorted(a for a in shares if a != reference)), ())
    rows = []
    for c in range(cohorts):
        rng = np.random.default_rng([seed, c])
        frame = frame_of(draw_women(rng, women, shares, ratios), rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            models, _ = hazard_models(frame, arms)
        table = models.table
        table = table.loc[table["model_id"].isin(list(TARGETS))]
        rows.append(
            pd.DataFrame(
                {
                    "cohort": c,
                    "arm": table["arm_id"].to_numpy(),
                    "model": table["model_id"].to_numpy(),
                    "log_hr": np.log(table["HR"].to_numpy(dtype=float)),
                    "low": table["HR_low"].to_numpy(dtype=float),
                    "high": table["HR_high"].to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def summarise(
    estimates: pd.DataFrame, conditional: float, marginal: dict[str, float]
) -> pd.DataFrame:
    """Mean estimate, bias on the log scale and coverage, by arm and model."""
    out = []
    for (arm, model), part in estimates.groupby(["arm", "model"], sort=False):
        target = TARGETS[str(model)]
        truth = conditional if target == "conditional" else marginal.get(str(arm), math.nan)
        covered = (part["low"] <= truth) & (truth <= part["high"]) if target else None
        out.append(
            {
                "arm": arm,
                "model": LABELS[str(model)],
                "truth": truth if target else math.nan,
                "mean_hr": float(np.exp(part["log_hr"].mean())),
                "bias_log": float(part["log_hr"].mean() - math.log(truth)) if target else math.nan,
                "coverage": float(covered.mean()) if covered is not None else math.nan,
                "cohorts": len(part),
            }
        )
    return pd.DataFrame(out)


def markdown(
    summary: pd.DataFrame, cohorts: int, women: int, seed: int, truth_women: int = TRUTH_WOMEN
) -> str:
    """The results page."""
    mcse = math.sqrt(0.95 * 0.05 / cohorts)
    lines = [
        "# Simulation study: the comparison of arms against a known truth",
        "",
        "Generated by `bench/arms_simulation.py` "
        f"(`--cohorts {cohorts} --women {women} --seed {seed} --truth-women {truth_women}`); "
        "do not edit by hand.",
        "",
        f"{cohorts} cohorts of {women} women in three arms ({ARMS}); arm assignment depends "
        "on age and AMH, which also affect pregnancy (confounding); true conditional hazard "
        f"ratio {HAZARD_RATIO} for each treated arm against control; menopause competing; "
        "censoring 30–72 months. The model is in `docs/arms.md` and "
        "`follicle.workbook.synthetic_arms`.",
        "",
        "Truth: the conditional hazard ratio for the Cox models (crude and adjusted); the "
        "marginal (population, ATE) hazard ratio, from a counterfactual population of "
        f"{truth_women:,} women, for the weighted model. Coverage: share of the 95 % "
        f"intervals that contain the truth; its Monte Carlo standard error is "
        f"{100 * mcse:.1f} points (sqrt(0.95 × 0.05 / {cohorts})).",
        "",
        "| arm | model | truth | mean HR | bias (log HR) | coverage of 95 % CI |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples(index=False):
        truth = "—" if math.isnan(r.truth) else f"{r.truth:.3f}"
        bias = "—" if math.isnan(r.bias_log) else f"{r.bias_log:+.3f}"
        cover = "—" if math.isnan(r.coverage) else f"{100 * r.coverage:.1f} %"
        lines.append(f"| {r.arm} | {r.model} | {truth} | {r.mean_hr:.3f} | {bias} | {cover} |")
    lines += [
        "",
        "The Fine–Gray model estimates a subdistribution hazard ratio, a different quantity "
        "(its truth is not 1.5 even without confounding); its mean estimate is shown for "
        "reference.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the study and write the results page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=300)
    parser.add_argument("--women", type=int, default=800)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--truth-women", type=int, default=TRUTH_WOMEN)
    parser.add_argument(
        "--estimates", type=Path, default=None, help="also write every estimate (CSV)"
    )
    args = parser.parse_args(argv)
    shares = parse_arms(ARMS)
    ratios = parse_hazard_ratios(HAZARD_RATIO, shares)
    estimates = run(args.cohorts, args.women, args.seed)
    marginal = marginal_truth(shares, ratios, seed=args.seed, women=args.truth_women)
    summary = summarise(estimates, float(HAZARD_RATIO), marginal)
    text = markdown(summary, args.cohorts, args.women, args.seed, args.truth_women)
    args.out.write_text(text, encoding="utf-8")
    if args.estimates is not None:
        estimates.to_csv(args.estimates, index=False)


if __name__ == "__main__":
    main()
