"""Time to first pregnancy: the derivation of times and status, the estimators on tiny
hand-made cohorts whose answers are known by hand, properties, and the figure's data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from follicle.analysis.cohort import Cohort
from follicle.analysis.duration.competing_risks import aalen_johansen, cumulative_incidence_at
from follicle.analysis.duration.survival import kaplan_meier, survival_at
from follicle.analysis.duration.time_to_pregnancy import (
    BEFORE_INJECTION,
    MONTHS,
    NO_FOLLOWUP,
    first_pregnancy_times,
    long_form,
    time_to_pregnancy,
)
from follicle.analysis.duration.time_to_pregnancy_figure import (
    figure_time_to_pregnancy,
    plot_time_to_pregnancy,
    ticks_for,
)
from follicle.analysis.frame import DAYS_PER_MONTH
from follicle.analysis.result import COHORT_NOTE
from follicle.report.tables import from_result

START = pd.Timestamp("2020-01-01")


def _women(rows: list[tuple[int | None, int | None, int | None, str]]) -> pd.DataFrame:
    """Women injected on START: (conception, menopause, last contact) in days after it, and
    the age group; ``None`` for a date that is missing."""

    def dates(i: int) -> pd.Series:
        days = [r[i] for r in rows]
        return pd.Series(
            [START + pd.Timedelta(days=d) if d is not None else pd.NaT for d in days],
            dtype="datetime64[ns]",
        )

    return pd.DataFrame(
        {
            "participant_id": [f"W{i:03d}" for i in range(len(rows))],
            "age_group": pd.Series([r[3] for r in rows], dtype="string"),
            "first_injection": pd.Series([START] * len(rows), dtype="datetime64[ns]"),
            "first_conception": dates(0),
            "menopause_date": dates(1),
            "end_of_followup": dates(2),
        }
    )


def _row(result_table: pd.DataFrame, group: str, estimator: str, month: int) -> pd.Series:
    t = long_form(result_table)
    chosen = t.loc[t["group"].eq(group) & t["estimator"].eq(estimator) & t["month"].eq(month)]
    return chosen.iloc[0]


def test_status_is_the_first_of_pregnancy_menopause_and_the_last_contact() -> None:
    women = _women(
        [
            (100, None, 400, "<35"),  # pregnant
            (None, 200, 400, "<35"),  # menopause first
            (None, None, 400, "≥35"),  # censored at the last contact
            (300, 200, 400, "≥35"),  # conceived after reported menopause: menopause first
            (200, 200, 400, "≥35"),  # conceived on the day menopause is reported: pregnancy
            (0, None, 400, "≥35"),  # conceived on the injection day: time 0
            (None, None, None, "≥35"),  # no contact, no pregnancy: no follow-up
            (None, -10, 400, "≥35"),  # menopause reported before the injection
            (None, None, 0, "<35"),  # last contact on the injection day: censored at 0
        ]
    )
    times = first_pregnancy_times(women)
    assert times["status"].tolist() == [1, 2, 0, 2, 1, 1, pd.NA, pd.NA, 0]
    assert times["days"].tolist() == [100, 200, 400, 200, 200, 0, pd.NA, -10, 0]
    np.testing.assert_allclose(times["months"].iloc[0], 100 / DAYS_PER_MONTH)
    assert times["excluded"].tolist()[6:8] == [NO_FOLLOWUP, BEFORE_INJECTION]
    assert times["excluded"].isna().sum() == 7
    assert times["pregnant_after_menopause"].tolist() == [False] * 3 + [True] + [False] * 5
    notes = time_to_pregnancy(women).notes
    assert any(n.startswith(COHORT_NOTE) and "2 women are left out" in n for n in notes)
    assert any(n.startswith(COHORT_NOTE) and "1 women conceived only after" in n for n in notes)


def test_all_censored_gives_zero_incidence_no_interval_and_no_tests() -> None:
    women = _women([(None, None, 100, "<35"), (None, None, 1300, "≥35")] * 3)
    result = time_to_pregnancy(women)
    for estimator in ("KM", "AJ"):
        for month in MONTHS:
            row = _row(result.table, "all", estimator, month)
            assert row["estimate"] == 0
            assert row["at_risk"] == (6 if month == 3 else 3)
            if estimator == "KM" and month == 3:
                # Before the first observed time (100 days) R's summary.survfit gives the
                # interval 1–1 for S, i.e. 0–0 for the incidence; after it, NA.
                assert (row["low"], row["high"]) == (0, 0)
            else:
                assert np.isnan(row["low"])
                assert np.isnan(row["high"])
    v = result.values
    assert (v["events"], v["competing"], v["censored"], v["n"]) == (0, 0, 6, 6)
    assert v["logrank.chisq"] is None
    assert v["gray.chisq"] is None


def test_all_pregnant_reaches_one_hundred_percent_without_an_interval() -> None:
    women = _women([(20, None, 1200, "<35"), (40, None, 1200, "≥35"), (95, None, 1200, "≥35")])
    times = first_pregnancy_times(women)
    last = times["months"].max()
    survival, lower, upper = survival_at(
        kaplan_meier(times["months"], times["status"].eq(1)), [last]
    )
    cif, var = cumulative_incidence_at(aalen_johansen(times["months"], times["status"]), [last])
    assert (survival[0], cif[0]) == (0, 1)
    assert np.isnan(lower[0])  # R: NA where S = 0
    assert np.isnan(upper[0])
    result = time_to_pregnancy(women)
    for estimator in ("KM", "AJ"):
        assert _row(result.table, "all", estimator, 3)["estimate"] == pytest.approx(200 / 3)
        # After everyone's last time (95 days) nothing is estimated, as R's summary().
        assert np.isnan(_row(result.table, "all", estimator, 6)["estimate"])
    assert result.values["at_risk.3"] == 1  # the woman whose time is 95 days ≥ 3 months
    assert result.values["at_risk.6"] == 0


def test_tied_pregnancies_jump_together() -> None:
    women = _women([(50, None, 900, "<35")] * 2 + [(None, None, 900, "≥35")] * 3)
    result = time_to_pregnancy(women)
    assert _row(result.table, "all", "KM", 3)["estimate"] == pytest.approx(40)
    assert _row(result.table, "all", "AJ", 3)["estimate"] == pytest.approx(40)


def test_a_pregnancy_on_the_injection_day_counts_at_time_zero() -> None:
    women = _women([(0, None, 900, "<35"), (None, None, 900, "<35")])
    times = first_pregnancy_times(women)
    assert times["months"].iloc[0] == 0
    result = time_to_pregnancy(women)
    assert _row(result.table, "all", "KM", 3)["estimate"] == pytest.approx(50)
    assert _row(result.table, "all", "AJ", 3)["estimate"] == pytest.approx(50)
    curve = kaplan_meier(times["months"], times["status"].eq(1))
    assert survival_at(curve, [0.0])[0][0] == pytest.approx(0.5)


def test_without_menopause_aalen_johansen_equals_kaplan_meier() -> None:
    women = _women(
        [(40, None, 800, "<35"), (200, None, 800, "≥35"), (None, None, 500, "<35")]
        + [(None, None, 1000 + 30 * i, "≥35") for i in range(4)]
        + [(700, None, 900, "<35"), (400, None, 900, "≥35")]
    )
    table = time_to_pregnancy(women).table
    km, aj = table["km"].to_numpy(), table["aj"].to_numpy()
    np.testing.assert_allclose(aj, km, rtol=1e-12)


def test_menopause_makes_aalen_johansen_lower_than_kaplan_meier() -> None:
    women = _women(
        [(None, 20, 900, "≥35"), (None, 30, 900, "≥35"), (60, None, 900, "<35")]
        + [(None, None, 1200, "<35")] * 3
    )
    values = time_to_pregnancy(women).values
    assert values["aj.3.pct"] < values["km.3.pct"]
    assert values["km.3.pct"] == pytest.approx(100 / 4)  # menopause censored: 1 of 4 at risk
    assert values["aj.3.pct"] == pytest.approx(100 / 6)  # S(t-) · d/n = (4/6) · (1/4)


def test_values_cover_every_group_estimator_and_month(seed_cohort: Cohort) -> None:
    result = time_to_pregnancy(seed_cohort.women)
    for prefix in ("", "under_35.", "35_or_over."):
        for key in ("km", "aj"):
            for month in MONTHS:
                for stat in ("pct", "low", "high"):
                    assert f"{prefix}{key}.{month}.{stat}" in result.values
            assert f"{prefix}at_risk.{month}" in result.values
    assert len(result.table) == 3 * len(MONTHS)
    table = result.table.set_index("key")
    for key, prefix in (("all", ""), ("<35", "under_35."), ("≥35", "35_or_over.")):
        for month in MONTHS:
            row = table.loc[f"{key}.{month}"]
            assert row["at_risk"] == result.values[f"{prefix}at_risk.{month}"]
            assert row["aj_low"] == result.values[f"{prefix}aj.{month}.low"]
    printed = from_result(result)
    assert printed.title.startswith("Cumulative incidence of a first pregnancy")
    assert printed.columns == (
        "Group",
        "At risk",
        "Kaplan–Meier, % (95% CI)",
        "Aalen–Johansen, % (95% CI)",
    )
    assert [printed.rows[i][0] for i in printed.sections] == [
        "All women",
        "< 35 years",
        "≥ 35 years",
    ]
    assert printed.rows[1][0] == "3 months"
    assert any("log-rank χ²" in note for note in result.notes)
    v = result.values
    assert v["n"] == v["events"] + v["competing"] + v["censored"]
    assert v["n"] == v["under_35.n"] + v["35_or_over.n"]
    assert v["n"] + v["excluded"] == len(seed_cohort.women)


def test_another_cohort_changes_every_estimate(cohorts: dict[str, Cohort]) -> None:
    seed, generated = (time_to_pregnancy(c.women).values for c in cohorts.values())
    numbers = [k for k, v in seed.items() if isinstance(v, float) and np.isfinite(v)]
    assert numbers
    assert all(seed[k] != generated[k] for k in numbers if k.endswith(".pct"))


times_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.sampled_from([0, 1, 2])), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(times_strategy)
def test_aj_never_exceeds_km_and_both_are_monotone_probabilities(
    data: list[tuple[int, int]],
) -> None:
    time = np.array([t for t, _ in data], dtype=float)
    status = np.array([s for _, s in data])
    grid = np.arange(0, 61, 0.5)
    survival, lower, upper = survival_at(kaplan_meier(time, status == 1), grid)
    km = 1 - survival
    aj, var = cumulative_incidence_at(aalen_johansen(time, status), grid)
    known = ~np.isnan(km)
    assert np.array_equal(known, ~np.isnan(aj))
    km, aj = km[known], aj[known]
    assert np.all(aj <= km + 1e-12)
    for curve in (km, aj):
        assert np.all((curve >= 0) & (curve <= 1 + 1e-12))
        assert np.all(np.diff(curve) >= -1e-12)
    assert np.all(var[known] >= -1e-15)
    both = ~np.isnan(lower[known])
    assert np.all(lower[known][both] <= survival[known][both] + 1e-12)
    assert np.all(survival[known][both] <= upper[known][both] + 1e-12)


def test_ticks_are_the_first_year_then_yearly() -> None:
    assert ticks_for(5) == [0, 6, 12]
    assert ticks_for(40.8) == [0, 6, 12, 24, 36, 48]
    assert ticks_for(72.0) == [0, 6, 12, 24, 36, 48, 60, 72]


def test_figure_data_holds_the_curves_and_the_numbers_at_risk(generated: Cohort) -> None:
    result = figure_time_to_pregnancy(generated.women)
    table = result.table
    times = first_pregnancy_times(generated.women)
    analysed = times.loc[times["excluded"].isna()]
    for curve in ("all", "<35", "≥35"):
        chosen = analysed if curve == "all" else analysed.loc[analysed["age_group"].eq(curve)]
        at_risk = table.loc[table["kind"].eq("at_risk") & table["curve"].eq(curve)]
        expected = [(chosen["months"] >= m).sum() for m in at_risk["month"]]
        assert at_risk["at_risk"].tolist() == expected
        steps = table.loc[table["kind"].eq("step") & table["curve"].eq(curve)]
        assert (steps["month"].iloc[0], steps["estimate"].iloc[0]) == (0, 0)
        assert steps["estimate"].is_monotonic_increasing
        assert steps["month"].iloc[-1] == pytest.approx(chosen["months"].max())
        # The curve's jumps are the AJ estimates of the result table at the same months.
        reported = long_form(time_to_pregnancy(generated.women).table)
        aj = reported.loc[reported["group"].eq(curve) & reported["estimator"].eq("AJ")]
        for month, estimate in zip(aj["month"], aj["estimate"], strict=True):
            if np.isfinite(estimate):
                shown = steps.loc[steps["month"] <= month, "estimate"].iloc[-1]
                assert shown == pytest.approx(estimate, rel=1e-12)
    assert result.values["n"] == len(analysed)


def test_plot_draws_the_result_with_the_numbers_at_risk_under_the_ticks(generated: Cohort) -> None:
    result = figure_time_to_pregnancy(generated.women)
    figure = plot_time_to_pregnancy(result)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    steps = result.table.loc[result.table["kind"].eq("step")]
    drawn = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    np.testing.assert_allclose(drawn["All"], steps.loc[steps["curve"].eq("all"), "estimate"])
    ticks = result.table.loc[result.table["kind"].eq("at_risk") & result.table["curve"].eq("all")]
    np.testing.assert_allclose(ax.get_xticks(), ticks["month"])
    texts = [t.get_text() for t in ax.texts]
    assert texts[:2] == ["Number at risk", "All"]
    at_risk = result.table.loc[result.table["kind"].eq("at_risk"), "at_risk"]
    assert [t for t in texts if t.isdigit()] == [str(n) for n in at_risk]
    assert len(texts) == 1 + 3 + len(at_risk)


def test_plot_draws_on_a_given_axes_and_copes_with_no_women() -> None:
    figure = Figure()
    ax = figure.add_subplot()
    empty = _women([])
    assert plot_time_to_pregnancy(figure_time_to_pregnancy(empty), ax) is figure
    assert not ax.get_lines()
    result = time_to_pregnancy(empty)
    assert result.values["n"] == 0
    assert np.isnan(float(result.values["km.3.pct"] or 0.0))
