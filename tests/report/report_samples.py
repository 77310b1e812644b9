"""Results and figures built by hand, shaped like the analysis' own, for the report tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from follicle.analysis.result import Result
from follicle.report.figures import new_axes, report_style

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"
NOW = datetime(2025, 1, 31, 12, 0, 0, tzinfo=UTC)


def demographics() -> Result:
    """A Table 1 shaped like the analysis' (characteristic/level, n/pct, mean/sd/…)."""
    nan = np.nan
    table = pd.DataFrame(
        [
            ["Age at first injection (years)", "", 105, nan, 37.9143, 4.9811, 38.0, 24.0, 45.0],
            ["Age group", "<35", 23, 21.904762, nan, nan, nan, nan, nan],
            ["Age group", "≥35", 82, 78.095238, nan, nan, nan, nan, nan],
            ["Follow-up (years)", "", 105, nan, 3.7199, 0.86, 3.5, 2.5, 6.0],
            ["Menses before injection", "regular", 91, 86.666667, nan, nan, nan, nan, nan],
            ["Menses before injection", "irregular", 14, 13.333333, nan, nan, nan, nan, nan],
        ],
        columns=["characteristic", "level", "n", "pct", "mean", "sd", "median", "min", "max"],
    )
    return Result(
        "table1",
        "Table 1",
        "Demographic characteristics of the women who received an injection",
        table,
        {"n_women": 105, "age_mean": 37.9143},
        ("N = 105 treated women.",),
    )


def by_factor() -> Result:
    """A Table 2 shaped like the analysis' (factor/group, n/total/pct, test columns)."""
    nan = np.nan
    method = "Pearson's Chi-squared test with Yates' continuity correction"
    table = pd.DataFrame(
        [
            ["", "Pregnant women", 38, 105, 36.190476, nan, nan, nan, ""],
            ["Age at first injection", "< 35 years", 12, 23, 52.173913, nan, nan, nan, ""],
            [
                "Age at first injection",
                "≥ 35 years",
                26,
                82,
                31.707317,
                2.43211,
                1,
                0.11893,
                method,
            ],
            ["Menses", "Regular", 33, 91, 36.263736, nan, nan, nan, ""],
            ["Menses", "Irregular", 5, 14, 35.714286, 6.0062e-31, 1, 1.0, method],
            ["Ovarian reserve", "Low", 3, 40, 7.5, nan, nan, nan, ""],
            ["Ovarian reserve", "Normal", 35, 65, 53.846154, 30.1, 1, 0.00005, method],
        ],
        columns=["factor", "group", "n", "total", "pct", "statistic", "df", "p_value", "method"],
    )
    return Result(
        "table2",
        "Table 2",
        "Pregnancy by age, menstrual status and ovarian reserve",
        table,
        {"age.p": 0.11893, "menses.p": 1.0, "reserve.p": 0.00005, "overall.pct": float("nan")},
        ("n/N: women pregnant / women in the group.", f"{method} (R chisq.test)."),
    )


def transitions() -> Result:
    """Counts with row percentages, as ``X`` and ``X_pct`` column pairs."""
    table = pd.DataFrame(
        {
            "menses_baseline": ["regular", "irregular"],
            "total": [91, 14],
            "regular": [78, 6],
            "regular_pct": [85.714286, 42.857143],
            "menopause": [1, 4],
            "menopause_pct": [1.098901, 28.571429],
        }
    )
    return Result(
        "menstrual_transitions",
        "Menstrual transitions",
        "Menstrual pattern before the injection and at follow-up",
        table,
        {"regular.total": 91},
        ("Row percentages.",),
    )


def figure_data() -> Result:
    """The data of a figure (rendered as a figure, not a table)."""
    table = pd.DataFrame({"month": [0, 1, 2, 3], "spontaneous": [0, 4, 8, 5], "ivf": [0, 0, 1, 2]})
    return Result(
        "figure1",
        "Figure 1",
        "Pregnancies by month after the injection, by mode of conception",
        table,
        {"pregnancies": 20},
        ("Month: days / 30.4375, rounded.",),
    )


def _figure(axes: Axes) -> Figure:
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    return figure


def draw_bars(ax: Axes | None = None) -> Figure:
    """Stacked bars with a legend and units, like Figure 1, without hatches."""
    with report_style():
        axes = ax if ax is not None else new_axes()
        months = np.arange(4)
        spontaneous = np.array([0, 4, 8, 5])
        axes.bar(months, spontaneous, label="Spontaneous")
        axes.bar(months, [0, 0, 1, 2], bottom=spontaneous, label="IVF")
        axes.set_xlabel("Months after injection")
        axes.set_ylabel("Pregnancies (n)")
        axes.set_title("A title the caption repeats")
        axes.legend(title="Mode")
        return _figure(axes)


def draw_box(ax: Axes | None = None) -> Figure:
    """A box plot with units, like Figure 2."""
    with report_style():
        axes = ax if ax is not None else new_axes((4.0, 4.0))
        axes.boxplot([[24, 30, 33, 36, 36, 39, 42]], tick_labels=["Pregnant women"])
        axes.set_ylabel("Age at first injection (years)")
        return _figure(axes)
