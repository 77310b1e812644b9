"""Write the inputs of the estimators' edge-case R fixtures (``r/edge_cases/inputs/*.csv``).

Small hand-made data sets, each the shape of something a real cohort produces, for the
statistics follicle computes in numpy where it once called a library:

* ``survival.csv`` (case, time, status, group): Kaplan–Meier and the log-rank test — tied
  event times, events and censorings at one time, everyone censored, everyone failing, one
  subject, a group without events, a group of one, a group censored before the first event,
  three groups, times of 0, very long follow-up, a median exactly at a step or not reached;
* ``km_times.csv``: the times at which R's ``summary(survfit, times)`` is read;
* ``tables.csv`` (case, a, b, c, d): 2 × 2 tables for Fisher's test, the conditional odds
  ratio and the risk-difference intervals — a zero in each cell, zero row and column
  margins, everything in one cell, large counts;
* ``binomial.csv`` (case, x, n, p): the two-sided exact binomial test at its edges;
* ``logistic.csv`` (case, y, x1, x2, g): logistic regressions — an ordinary one, a rare
  level, quasi-complete and complete separation, a constant covariate, missing values,
  no event at all;
* ``distributions.csv`` (distribution, x, a, b): the distribution functions at the edges of
  their arguments (far tails, tiny and huge degrees of freedom or shapes).

Regenerate both steps from the repository root::

    .venv/bin/python tests/analysis/r/edge_cases/make_inputs.py
    Rscript tests/analysis/r/edge_cases/fixtures.R

A test rebuilds these inputs and compares them with the files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"

#: (time, status, group) per case; status 1 = event, 0 = censored.
SURVIVAL: dict[str, tuple[list[float], list[int], list[str]]] = {
    "tied_events": (
        [1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 6],
        [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0],
        ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
    ),
    "events_and_censored_at_one_time": (
        [2, 2, 2, 2, 4, 4, 4, 7, 7, 9],
        [1, 0, 1, 0, 1, 0, 0, 1, 0, 0],
        ["a", "a", "b", "b", "a", "b", "b", "a", "b", "a"],
    ),
    "all_censored": ([3, 5, 5, 8, 12, 20], [0] * 6, ["a", "b", "a", "b", "a", "b"]),
    "all_events": ([1, 2, 2, 4, 7, 11], [1] * 6, ["a", "a", "b", "b", "a", "b"]),
    "one_subject_event": ([5.5], [1], ["a"]),
    "one_subject_censored": ([5.5], [0], ["a"]),
    "group_without_events": (
        [1, 3, 4, 6, 8, 2, 5, 7, 9, 10],
        [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
        ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"],
    ),
    "group_of_one": ([2, 3, 3, 5, 8, 9, 4], [1, 1, 0, 1, 0, 1, 1], ["a"] * 6 + ["b"]),
    "group_censored_before_first_event": (
        [0.5, 1, 3, 4, 6, 2, 5, 7, 8],
        [0, 0, 1, 0, 1, 1, 1, 0, 1],
        ["c", "c", "a", "a", "a", "b", "b", "b", "b"],
    ),
    "three_groups": (
        [1, 2, 3, 4, 5, 6, 2, 3, 3, 8, 9, 10, 1, 1, 4, 4, 7, 12],
        [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0],
        ["a"] * 6 + ["b"] * 6 + ["c"] * 6,
    ),
    "three_groups_one_without_events": (
        [1, 2, 3, 4, 5, 2, 3, 6, 8, 9, 1.5, 4, 7, 10],
        [1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0],
        ["a"] * 5 + ["b"] * 5 + ["c"] * 4,
    ),
    "times_of_zero": (
        [0, 0, 0, 1, 2, 2, 3, 5, 0, 4],
        [1, 0, 1, 1, 0, 1, 1, 0, 1, 0],
        ["a", "a", "b", "b", "a", "b", "a", "b", "b", "a"],
    ),
    "very_long_follow_up": (
        [0.25, 12, 60, 240, 600, 1200, 2400, 6000, 9000, 12000],
        [1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
        ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
    ),
    "median_at_a_step": ([1, 2, 3, 4], [1, 1, 1, 1], ["a", "a", "b", "b"]),
    "median_not_reached": (
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        [1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"],
    ),
    "median_upper_bound_not_reached": (
        [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
        ["a", "b"] * 6,
    ),
    "everyone_fails_last": ([1, 2, 3, 4, 4, 4], [0, 1, 0, 1, 1, 1], ["a", "b"] * 3),
}

#: Where summary(survfit, times = …) is read (R leaves out the times beyond the last).
KM_TIMES = [0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.5, 10.0, 100.0, 1e4, 2e4]

#: 2 × 2 tables [[a, b], [c, d]]: rows = groups, columns = event, no event.
TABLES: dict[str, tuple[int, int, int, int]] = {
    "zero_a": (0, 12, 5, 9),
    "zero_b": (12, 0, 5, 9),
    "zero_c": (5, 9, 0, 12),
    "zero_d": (5, 9, 12, 0),
    "zero_diagonal": (0, 7, 6, 0),
    "zero_first_row": (0, 0, 5, 9),
    "zero_second_row": (5, 9, 0, 0),
    "zero_event_column": (0, 8, 0, 11),
    "zero_no_event_column": (8, 0, 11, 0),
    "all_in_a": (20, 0, 0, 0),
    "all_in_d": (0, 0, 0, 20),
    "one_woman": (1, 0, 0, 0),
    "one_in_each_group": (1, 0, 0, 1),
    "large_even": (500, 500, 400, 600),
    "large_rare": (30, 970, 10, 990),
    "large_one_zero": (0, 1000, 7, 993),
    "small": (2, 3, 4, 1),
}

#: (x, n, p) for binom.test(x, n, p).
BINOMIAL: dict[str, tuple[int, int, float]] = {
    "x_zero": (0, 20, 0.3),
    "x_n": (20, 20, 0.3),
    "n_one_x_zero": (0, 1, 0.5),
    "n_one_x_one": (1, 1, 0.3),
    "x_at_the_mean": (5, 10, 0.5),
    "p_near_zero": (1, 50, 1e-4),
    "p_near_zero_x_zero": (0, 100, 1e-6),
    "p_near_one": (48, 50, 0.9999),
    "p_near_one_x_n": (50, 50, 0.999999),
    "p_zero_x_zero": (0, 12, 0.0),
    "p_zero_x_positive": (2, 12, 0.0),
    "p_one_x_n": (12, 12, 1.0),
    "p_one_x_below": (11, 12, 1.0),
    "large_n_centre": (5030, 10000, 0.5),
    "large_n_far": (4800, 10000, 0.5),
    "large_n_rare": (300, 100000, 0.0031),
    "large_n_tiny_p": (0, 100000, 1e-6),
    "large_n_underflow": (0, 100000, 0.4),
}


#: (distribution function, x, a, b): follicle.analysis.stats.distributions at the edges of
#: each argument. ``x`` is a probability for the quantiles, a value for the tails; ``a``, ``b`` the
#: degrees of freedom or shapes (unused ones 0).
DISTRIBUTIONS: list[tuple[str, float, float, float]] = [
    *(("norm_ppf", p, 0.0, 0.0) for p in (1e-300, 1e-10, 0.025, 0.5, 0.975, 1 - 1e-10)),
    *(("norm_sf", x, 0.0, 0.0) for x in (-40.0, -1.96, 0.0, 1.96, 8.0, 38.0)),
    *(
        ("chi2_sf", x, df, 0.0)
        for x, df in ((0.0, 1), (1e-12, 1), (3.84, 1), (200.0, 2), (0.5, 0.5), (1500.0, 1000))
    ),
    *(("f_sf", x, a, b) for x, a, b in ((0.0, 1, 1), (4.0, 1, 1), (3.0, 2, 1e6), (80.0, 3, 40))),
    *(
        ("t_ppf", p, df, 0.0)
        for p, df in ((0.975, 1), (0.975, 2), (0.975, 1e7), (1e-12, 3), (0.5, 4), (0.995, 0.5))
    ),
    *(("t_sf", x, df, 0.0) for x, df in ((0.0, 1), (12.7, 1), (50.0, 3), (-3.0, 30), (2.0, 1e8))),
    *(
        ("gamma_ppf", p, shape, 0.0)
        for p, shape in ((0.025, 0.5), (0.975, 1), (0.975, 1e-3), (1e-10, 2), (0.5, 500))
    ),
    *(
        ("beta_ppf", p, a, b)
        for p, a, b in (
            (0.025, 1, 20),
            (0.975, 20, 1),
            (0.025, 0.5, 0.5),
            (0.975, 1000, 3),
            (1e-10, 2, 5),
            (0.5, 1, 1),
        )
    ),
]


def _logistic() -> pd.DataFrame:
    """The regressions' rows: a fixed random draw, then the edge cases made from it."""
    rng = np.random.default_rng(20261205)
    n = 80
    x1 = np.round(rng.normal(35.0, 4.0, n), 1)
    x2 = np.round(rng.gamma(2.0, 1.0, n), 2)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    eta = -0.5 + 0.15 * (35.0 - x1) + 0.3 * x2 + np.where(g == "b", 0.6, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    frames = {"ordinary": pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": g})}
    # A level held by two women only (one pregnant, one not).
    rare = frames["ordinary"].copy()
    rare["g"] = np.where(np.arange(n) < 2, "r", np.where(g == "c", "b", g))
    rare.loc[0, "y"], rare.loc[1, "y"] = 1.0, 0.0
    frames["rare_level"] = rare
    # Quasi-complete separation: every woman of level c became pregnant.
    quasi = frames["ordinary"].copy()
    quasi.loc[quasi["g"] == "c", "y"] = 1.0
    frames["quasi_separation"] = quasi
    # Complete separation: x1 decides the outcome.
    complete = frames["ordinary"].copy()
    complete["y"] = (complete["x1"] < 35.0).astype(float)
    frames["complete_separation"] = complete
    # A covariate that does not vary.
    constant = frames["ordinary"].copy()
    constant["x2"] = 2.0
    frames["constant_covariate"] = constant
    # Missing covariates and outcomes: R's glm drops those rows (na.omit).
    missing = frames["ordinary"].copy()
    missing.loc[[3, 17, 40], "x1"] = np.nan
    missing.loc[[5, 17, 66], "x2"] = np.nan
    missing.loc[[9], "y"] = np.nan
    missing.loc[[12], "g"] = None
    frames["missing_values"] = missing
    # No woman became pregnant.
    frames["no_events"] = frames["ordinary"].assign(y=0.0)
    return pd.concat(
        [frame.assign(case=name) for name, frame in frames.items()], ignore_index=True
    )[["case", "y", "x1", "x2", "g"]]


def all_inputs() -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    survival = pd.concat(
        [
            pd.DataFrame({"case": name, "time": t, "status": s, "group": g})
            for name, (t, s, g) in SURVIVAL.items()
        ],
        ignore_index=True,
    )
    tables = pd.DataFrame(
        [(name, *cells) for name, cells in TABLES.items()], columns=["case", "a", "b", "c", "d"]
    )
    binomial = pd.DataFrame(
        [(name, *row) for name, row in BINOMIAL.items()], columns=["case", "x", "n", "p"]
    )
    return {
        "survival.csv": survival,
        "km_times.csv": pd.DataFrame({"time": KM_TIMES}),
        "tables.csv": tables,
        "binomial.csv": binomial,
        "logistic.csv": _logistic(),
        "distributions.csv": pd.DataFrame(DISTRIBUTIONS, columns=["distribution", "x", "a", "b"]),
    }


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``tests/analysis/r/edge_cases/inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    for name, frame in all_inputs().items():
        (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
