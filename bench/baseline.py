"""The straightforward baseline: the analysis as a user might write it by hand.

Usage: python bench/baseline.py WORKBOOK_FOLDER [--budget SECONDS] [--json OUT]

What a careful analyst without follicle would write for the seed study's tables: read the
CSVs with pandas, derive each woman's variables in a loop over her rows (first and last
injection, end of follow-up, pregnancies, live births, menses at the end, IVF), summarise
them tableone-style by the number of injections (mean ± SD, median [IQR], n (%)), test the
groups with SciPy (t, Mann–Whitney, chi-squared, Fisher), fit Kaplan–Meier curves and a
log-rank test with lifelines, a logistic regression with statsmodels, and draw two figures
with matplotlib. It is a fair baseline, not a straw man: groups are looked up once
(``groupby``), not by filtering the whole table for each woman.

The per-woman loop is the part that grows with the cohort. When it would run past
``--budget`` seconds (after grouping the tables by woman) it stops, and the whole is
extrapolated linearly from the women done
(``extrapolated`` in the JSON), so a million women need not take an hour.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

DAYS_PER_MONTH = 30.4375


def read(folder: Path) -> dict[str, pd.DataFrame]:
    """The workbook's tables with their dates parsed."""
    dates = {
        "participants": ["birth_date", "consent_date"],
        "injections": ["injection_date"],
        "contacts": ["contact_date"],
        "pregnancies": ["conception_date", "outcome_date"],
        "ivf_cycles": ["start_date"],
        "infants": ["birth_date", "death_date"],
        "conditions": ["diagnosis_date"],
    }
    return {
        name: pd.read_csv(
            folder / f"{name}.csv", parse_dates=columns, dtype={"participant_id": str}
        )
        for name, columns in dates.items()
    }


#: Women the loop always does, whatever the budget, so that there is a rate to extrapolate.
LEAST_WOMEN = 2_000


def per_woman(tables: dict[str, pd.DataFrame], budget: float) -> tuple[pd.DataFrame, int, float]:
    """Each woman's derived variables, by a loop over women.

    Stops once ``budget`` seconds have passed since the loop began (after at least
    :data:`LEAST_WOMEN`); returns the frame, the women done and the seconds spent grouping
    the tables by woman (done whole, before the loop).
    """
    start = time.perf_counter()
    groups = {
        name: dict(tuple(tables[name].groupby("participant_id")))
        for name in ("injections", "contacts", "pregnancies", "ivf_cycles")
    }
    grouping = time.perf_counter() - start
    deadline = time.perf_counter() + budget
    empty = {name: tables[name].iloc[0:0] for name in groups}
    rows = []
    seen = 0
    participants = tables["participants"]
    for _, woman in participants.iterrows():
        if seen >= LEAST_WOMEN and time.perf_counter() > deadline:
            break
        seen += 1
        pid = woman["participant_id"]
        inj = groups["injections"].get(pid, empty["injections"])
        contacts = groups["contacts"].get(pid, empty["contacts"])
        preg = groups["pregnancies"].get(pid, empty["pregnancies"])
        cycles = groups["ivf_cycles"].get(pid, empty["ivf_cycles"])
        if len(inj) == 0:
            continue
        first = inj["injection_date"].min()
        last = inj["injection_date"].max()
        end = contacts["contact_date"].max() if len(contacts) else last
        final = contacts.sort_values("contact_date")
        menses_end = final["menses"].iloc[-1] if len(final) else None
        live = preg[preg["outcome"] == "live_birth"]
        first_conception = preg["conception_date"].min() if len(preg) else pd.NaT
        pregnant = len(preg) > 0
        rows.append(
            {
                "participant_id": pid,
                "age": (first - woman["birth_date"]).days / 365.25,
                "amh": woman["amh_ng_ml"],
                "afc": woman["afc"],
                "fsh": woman["fsh_iu_l"],
                "injections": len(inj),
                "two_injections": len(inj) >= 2,
                "followup_months": (end - last).days / DAYS_PER_MONTH,
                "pregnant": pregnant,
                "live_birth": len(live) > 0,
                "ivf": len(cycles) > 0,
                "menses_baseline": woman["menses_baseline"],
                "menses_end": menses_end,
                "event": pregnant,
                "months_to_event": (
                    (first_conception - first).days / DAYS_PER_MONTH
                    if pregnant
                    else (end - first).days / DAYS_PER_MONTH
                ),
            }
        )
    return pd.DataFrame(rows), seen, grouping


def summaries(women: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """Table 1 and 2 tableone-style, the tests, the curves, a regression and two figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import statsmodels.formula.api as smf
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from scipy import stats

    out: dict[str, object] = {}
    one, two = women[~women["two_injections"]], women[women["two_injections"]]
    for column in ("age", "amh", "afc", "fsh", "followup_months"):
        a, b = one[column].dropna(), two[column].dropna()
        out[column] = {
            "mean_sd": [(g.mean(), g.std()) for g in (a, b)],
            "median_iqr": [tuple(g.quantile([0.5, 0.25, 0.75])) for g in (a, b)],
            "t_p": stats.ttest_ind(a, b, equal_var=False).pvalue,
            "mw_p": stats.mannwhitneyu(a, b).pvalue,
        }
    for column in ("pregnant", "live_birth", "ivf"):
        table = pd.crosstab(women["two_injections"], women[column])
        out[column] = {
            "n_pct": (table.div(table.sum(axis=1), axis=0) * 100).to_dict(),
            "chi2_p": stats.chi2_contingency(table)[1],
            "fisher_p": stats.fisher_exact(table.to_numpy())[1] if table.shape == (2, 2) else None,
        }
    transitions = pd.crosstab(women["menses_baseline"], women["menses_end"])
    out["menses"] = transitions.to_dict()
    outcomes = tables["pregnancies"]["outcome"].value_counts()
    out["outcomes"] = outcomes.to_dict()
    infants = tables["infants"]
    out["infants"] = {
        "weight": infants["birth_weight_g"].describe().to_dict(),
        "sex": infants["sex"].value_counts().to_dict(),
    }

    figure, ax = plt.subplots()
    fits = {}
    for label, group in (("one", one), ("two", two)):
        fit = KaplanMeierFitter().fit(group["months_to_event"], group["event"], label=label)
        fit.plot_cumulative_density(ax=ax)
        fits[label] = fit.cumulative_density_.iloc[-1, 0]
    figure.savefig("/dev/null", format="png")
    plt.close(figure)
    out["km"] = fits
    out["logrank_p"] = logrank_test(
        one["months_to_event"], two["months_to_event"], one["event"], two["event"]
    ).p_value

    model = smf.logit(
        "pregnant ~ age + amh + two_injections",
        data=women.assign(pregnant=women["pregnant"].astype(int)).dropna(subset=["age", "amh"]),
    ).fit(disp=0)
    out["logit"] = model.params.to_dict()

    figure, ax = plt.subplots()
    ax.hist(women["age"], bins=30)
    figure.savefig("/dev/null", format="png")
    plt.close(figure)
    return out


def main() -> None:
    """Run the baseline; print (and write with --json) its seconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--budget", type=float, default=600.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    start = time.perf_counter()
    tables = read(args.folder)
    total = len(tables["participants"])
    loop_start = time.perf_counter()
    women, done, grouping = per_woman(tables, budget=args.budget)
    loop = time.perf_counter() - loop_start - grouping
    summary_start = time.perf_counter()
    summaries(women, tables)
    rest = time.perf_counter() - summary_start
    measured = time.perf_counter() - start
    extrapolated = done < total
    seconds = measured
    if extrapolated:
        # Only the loop is scaled up: the summaries are counted as they ran on the women
        # done, which flatters the baseline.
        seconds = (loop_start - start) + grouping + loop * total / max(done, 1) + rest
    report = {
        "women": total,
        "women_done": done,
        "measured_seconds": measured,
        "extrapolated": extrapolated,
        "seconds": seconds,
        "read_seconds": loop_start - start,
        "grouping_seconds": grouping,
        "loop_seconds": loop,
        "summary_seconds": rest,
    }
    text = json.dumps(report, indent=2)
    if args.json is not None:
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
