"""Logistic regression of pregnancy: separation, EPV, markers, empty cohorts, row order.

The numbers themselves are held to R in test_r_regression.py; these tests hold the edge
cases, which R's glm handles by printing warnings (or huge coefficients) instead.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from follicle.analysis import regression
from follicle.analysis.regression import (
    design,
    fit_logistic,
    forest_data,
    logistic_regression,
    plot_forest,
)
from follicle.analysis.result import COHORT_NOTE
from follicle.report.tables import from_result


def _women(
    n: int,
    *,
    seed: int = 1,
    menses: tuple[str, ...] = ("regular", "irregular", "amenorrhea"),
    injections: tuple[int, ...] = (1, 2, 3),
) -> pd.DataFrame:
    """``n`` women whose pregnancy depends on age, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    age = rng.integers(22, 46, n)
    pregnant = rng.random(n) < 1 / (1 + np.exp(-(4.0 - 0.12 * age)))
    return pd.DataFrame(
        {
            "participant_id": pd.array([f"W{i:06d}" for i in range(n)], dtype="string"),
            "pregnant": pd.array(pregnant, dtype="boolean"),
            "age": pd.array(age, dtype="Int64"),
            "menses_baseline": pd.array(rng.choice(menses, n), dtype="string"),
            "injections": pd.array(rng.choice(injections, n), dtype="Int64"),
        }
    )


def _participants(women: pd.DataFrame, amh: object = None, afc: object = None) -> pd.DataFrame:
    n = len(women)
    return pd.DataFrame(
        {
            "participant_id": women["participant_id"],
            "amh_ng_ml": pd.array(np.full(n, np.nan) if amh is None else amh, dtype="Float64"),
            "afc": pd.array([None] * n if afc is None else afc, dtype="Int64"),
        }
    )


def _cohort_notes(result: regression.Result) -> list[str]:
    return [n for n in result.notes if n.startswith(COHORT_NOTE)]


def test_the_terms_are_named_and_labelled_with_their_reference() -> None:
    result = logistic_regression(_women(400))
    assert list(result.table["key"]) == [
        "age_per_year",
        "menses_irregular",
        "menses_amenorrhea",
        "injections_2_plus",
    ]
    assert result.table["covariate"].iloc[0] == "Age at first injection (per year)"
    assert result.table["covariate"].iloc[1] == "Irregular menses (vs regular)"
    assert result.values["parameters"] == 4
    assert result.values["n"] == result.values["n_women"] == 400
    assert all(np.isfinite(result.table[["or", "or_low", "or_high", "p"]]).all())


def test_the_printed_table_labels_rows_and_keeps_coefficients_for_spreadsheets() -> None:
    result = logistic_regression(_women(400))
    printed = from_result(result)
    assert result.title.startswith("Logistic regression of pregnancy")
    assert printed.sections == ()
    assert printed.columns == (
        "Covariate",
        "OR (95% CI)",
        "p",
        "Unadjusted OR (95% CI)",
        "Unadjusted p",
    )
    assert [row[0] for row in printed.rows] == list(result.table["covariate"])
    wide = from_result(result, combine=False)
    assert wide.columns[-2:] == ("Coef", "Se")
    assert wide.numbers[0][-2] == result.values["age_per_year.coef"]
    events = result.values["events"]
    assert f"{COHORT_NOTE}, {events} of the 400 women in the model became" in " ".join(result.notes)


def test_the_interval_is_exp_of_coef_plus_minus_z_se_at_the_level() -> None:
    for level in (0.9, 0.95, 0.99):
        row = logistic_regression(_women(300), level=level).table.iloc[0]
        z = {0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}[level]
        assert row["or_low"] == pytest.approx(math.exp(row["coef"] - z * row["se"]), rel=1e-12)
        assert row["or_high"] == pytest.approx(math.exp(row["coef"] + z * row["se"]), rel=1e-12)
    with pytest.raises(ValueError, match="level"):
        logistic_regression(_women(50), level=95)


def test_levels_with_no_women_are_dropped_not_failed() -> None:
    result = logistic_regression(_women(300, menses=("regular", "irregular"), injections=(1,)))
    assert list(result.table["key"]) == ["age_per_year", "menses_irregular"]
    assert any("Two or more injections" in n and "does not vary" in n for n in result.notes)


def test_without_regular_menses_the_first_present_level_is_the_reference() -> None:
    result = logistic_regression(_women(300, menses=("irregular", "amenorrhea")))
    assert "menses_amenorrhea" in set(result.table["key"])
    assert result.table.set_index("key").loc["menses_amenorrhea", "covariate"] == (
        "Amenorrhea (vs irregular)"
    )
    assert any("irregular menses is the reference" in n for n in result.notes)


def test_quasi_separation_by_a_level_gives_nan_for_that_term_and_a_note() -> None:
    women = _women(300)
    amenorrhea = women["menses_baseline"].eq("amenorrhea")
    women.loc[amenorrhea, "pregnant"] = False  # no amenorrheic woman became pregnant
    result = logistic_regression(women)
    row = result.table.set_index("key").loc["menses_amenorrhea"]
    assert np.isnan(row[["or", "or_low", "or_high", "p"]].to_numpy(dtype=float)).all()
    assert math.isnan(result.values["menses_amenorrhea.or"])
    assert math.isnan(result.values["menses_amenorrhea.crude_or"])
    assert np.isfinite(result.values["age_per_year.or_low"])  # the rest is still estimated
    assert any("separated by menses_amenorrhea" in n for n in result.notes)
    assert not any("converge" in n for n in result.notes)
    assert result.values["parameters"] == 4  # the separated term still costs a parameter
    # The others are the limit of the likelihood: the fit without the women it predicts.
    rest = women.loc[~amenorrhea]
    d = design(rest)
    limit = fit_logistic(d.x, d.y)
    for term in ("age_per_year", "menses_irregular", "injections_2_plus"):
        assert result.values[f"{term}.coef"] == pytest.approx(limit.coef[term], rel=1e-9)
        assert result.values[f"{term}.se"] == pytest.approx(limit.se[term], rel=1e-9)
    figure = plot_forest(forest_data(result))
    assert "not estimable" in [t.get_text() for t in figure.axes[0].texts]


def test_complete_separation_by_age_is_reported_not_raised() -> None:
    women = _women(120)
    women["pregnant"] = pd.array(women["age"].to_numpy(dtype=int) < 34, dtype="boolean")
    result = logistic_regression(women)
    assert math.isnan(result.values["age_per_year.or"])
    assert math.isnan(result.values["age_per_year.or_low"])
    assert any("separated by" in n and "age_per_year" in n for n in result.notes)
    figure = plot_forest(forest_data(result))
    assert [t.get_text() for t in figure.axes[0].texts] == ["No odds ratio is estimable"]


def test_a_separation_that_makes_newtons_step_singular_is_reported_as_separation() -> None:
    # Twelve women of a synthetic cohort (follicle synth --women 12 --seed 101): the six
    # covariates separate the three pregnant women completely (R: glm's deviance ~0), and
    # the fitted values reach 0 and 1 fast enough that the information matrix becomes
    # singular before the separation check — which used to be reported as numpy's
    # "Singular matrix".
    x = pd.DataFrame(
        {
            "age_per_year": [29, 42, 43, 41, 34, 38, 38, 34, 33, 45, 34, 42],
            "menses_irregular": [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
            "menses_amenorrhea": [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
            "injections_2_plus": [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0],
            "amh_per_ng_ml": [0.98, 1.03, 0.7, 0.55, 0.1, 2.03, 0.32, 0.87, 0.18, 0.63, 1.21, 0.19],
            "afc_per_follicle": [0, 3, 0, 1, 4, 5, 7, 3, 7, 3, 0, 0],
        },
        dtype=float,
    )
    y = np.array([0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0], dtype=float)
    fit = fit_logistic(x, y)
    assert np.isnan(fit.coef.to_numpy(dtype=float)).all()
    assert any("separated by" in n for n in fit.notes), fit.notes
    assert any("the separation is complete" in n for n in fit.notes)
    assert not any("Singular matrix" in n for n in fit.notes)


def test_a_fit_that_does_not_converge_gives_a_note_and_nan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(regression, "_MAX_ITER", 1)
    result = logistic_regression(_women(300))
    assert np.isnan(result.table[["or", "or_low", "or_high"]].to_numpy(dtype=float)).all()
    assert any("did not converge" in n for n in result.notes)
    assert math.isnan(result.values["aic"])


def test_a_low_events_per_variable_count_is_warned_about_as_a_fact_of_the_cohort() -> None:
    result = logistic_regression(_women(60, seed=3))
    v = result.values
    assert v["epv"] == min(v["events"], v["non_events"]) / v["parameters"]
    assert v["epv"] < regression.EPV_MIN
    assert any("events per variable" in n for n in _cohort_notes(result))
    plenty = logistic_regression(_women(2000))
    assert plenty.values["epv"] >= regression.EPV_MIN
    assert not any("events per variable" in n for n in _cohort_notes(plenty))


def test_a_marker_recorded_for_enough_women_enters_on_complete_cases() -> None:
    women = _women(400)
    rng = np.random.default_rng(5)
    amh = np.where(rng.random(400) < 0.85, np.round(rng.lognormal(0, 0.6, 400), 2), np.nan)
    afc = np.where(rng.random(400) < 0.5, rng.integers(0, 15, 400), np.nan)
    result = logistic_regression(women, _participants(women, amh, afc))
    assert "amh_per_ng_ml" in set(result.table["key"])
    assert "afc_per_follicle" not in set(result.table["key"])
    missing = int(np.isnan(amh).sum())
    assert result.values["dropped"] == missing
    assert result.values["n"] == 400 - missing
    notes = " ".join(result.notes)
    assert "AMH is recorded for 3" in notes
    assert "AFC is recorded for only" in notes
    assert f"{missing} of 400 women lack a covariate" in notes


def test_the_marker_rule_threshold_is_a_parameter() -> None:
    women = _women(200)
    amh = np.where(np.arange(200) < 150, 1.0 + np.arange(200) % 7, np.nan)  # 75 % recorded
    participants = _participants(women, amh)
    assert "amh_per_ng_ml" not in set(logistic_regression(women, participants).table["key"])
    relaxed = logistic_regression(women, participants, marker_min_fraction=0.7)
    assert "amh_per_ng_ml" in set(relaxed.table["key"])


def test_no_markers_without_a_participants_table_or_without_values() -> None:
    women = _women(200)
    assert design(women).groups.keys() == {"age", "menses", "injections"}
    assert design(women, _participants(women)).groups.keys() == {"age", "menses", "injections"}


def test_an_aliased_marker_is_left_out_with_a_note() -> None:
    women = _women(300)
    afc = np.arange(300) % 11
    result = logistic_regression(women, _participants(women, afc * 0.5, afc))
    assert "amh_per_ng_ml" in set(result.table["key"])
    assert "afc_per_follicle" not in set(result.table["key"])
    assert any("afc_per_follicle is a linear combination" in n for n in result.notes)


def test_an_empty_cohort_gives_a_result_with_a_note_and_no_fit() -> None:
    result = logistic_regression(_women(0))
    assert result.table.empty
    assert list(result.table.columns) == list(regression.TABLE_COLUMNS)
    assert result.values["n"] == 0
    assert result.values["epv"] is None
    assert any("no woman is analysed" in n for n in result.notes)
    figure = plot_forest(forest_data(result))
    assert [t.get_text() for t in figure.axes[0].texts] == ["No model fitted"]


def test_a_cohort_without_pregnancies_gives_a_note_and_no_fit() -> None:
    women = _women(50)
    women["pregnant"] = pd.array([False] * 50, dtype="boolean")
    result = logistic_regression(women)
    assert result.table.empty
    assert result.values["events"] == 0
    assert result.values["aic"] is None
    assert any("same outcome" in n for n in result.notes)


def test_grouped_and_per_woman_fits_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    women = _women(500)
    d = design(women)
    grouped = fit_logistic(d.x, d.y)
    monkeypatch.setattr(regression, "_GROUPED_MAX_FRACTION", 0.0)  # force Logit per woman
    per_woman = fit_logistic(d.x, d.y)
    for attribute in ("coef", "se", "p"):
        np.testing.assert_allclose(
            getattr(grouped, attribute), getattr(per_woman, attribute), rtol=1e-9
        )
    assert grouped.aic == pytest.approx(per_woman.aic, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_fit_does_not_depend_on_the_order_of_the_rows(seed: int) -> None:
    women = _women(250, seed=7)
    rng = np.random.default_rng(7)
    amh = np.round(rng.lognormal(0, 0.6, 250), 2)
    participants = _participants(women, amh)
    order = np.random.default_rng(seed).permutation(250)
    shuffled = women.iloc[order].reset_index(drop=True)
    pairs = [  # per woman (AMH makes every woman a pattern), then over patterns
        (
            logistic_regression(women, participants),
            logistic_regression(shuffled, participants.iloc[order[::-1]]),
        ),
        (logistic_regression(women), logistic_regression(shuffled)),
    ]
    for first, second in pairs:
        assert first.values.keys() == second.values.keys()
        for key, value in first.values.items():
            np.testing.assert_allclose(second.values[key], value, rtol=1e-9, err_msg=key)


def test_the_forest_plot_draws_the_results_numbers_on_a_log_axis() -> None:
    result = logistic_regression(_women(600))
    data = forest_data(result)
    assert data.name == "figure_forest"
    assert list(data.table["key"]) == list(result.table["key"])
    figure = plot_forest(data)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_xscale() == "log"
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    labels = {tick: label.get_text() for tick, label in ticks}
    assert [labels[y] for y in sorted(labels, reverse=True)] == list(data.table["label"])
    points = np.asarray(ax.collections[-1].get_offsets())
    np.testing.assert_allclose(sorted(points[:, 0]), sorted(data.table["or"]))
    segments = ax.collections[0].get_segments()
    lows = sorted(s[0][0] for s in segments)
    np.testing.assert_allclose(lows, sorted(data.table["or_low"]))
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.lines)
    first = data.table.iloc[0]
    expected = f"{first['or']:.2f} ({first['or_low']:.2f}–{first['or_high']:.2f})"
    assert expected in [t.get_text() for t in ax.texts]
    lo, hi = ax.get_xlim()
    assert lo < data.values["x_min"]
    assert hi > data.values["x_max"]
