"""Figures 1 and 2: the numbers they plot, and the drawings checked through their arrays."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from follicle.analysis.cohort import Cohort


def test_figure1_counts_by_month_and_mode(small: Cohort) -> None:
    result = small.result("figure1")
    table = result.table
    assert list(table["month"]) == list(range(27))  # every month 0..26
    assert table.set_index("month").loc[[3, 26], "spontaneous"].tolist() == [1, 1]
    assert table.set_index("month").loc[[4, 8], "ivf"].tolist() == [1, 1]
    assert table["total"].sum() == result.values["pregnancies"] == 4
    assert result.values["month_max"] == 26
    assert "iui" not in table.columns


def test_figure1_includes_other_modes_when_present(generated: Cohort) -> None:
    table = generated.result("figure1").table
    assert "iui" in table.columns
    modes = [c for c in table.columns if c not in ("month", "total")]
    assert (table[modes].sum(axis=1) == table["total"]).all()
    assert table["total"].sum() == len(generated.pregnancies)


def test_figure1_draws_stacked_bars_with_labels(small: Cohort) -> None:
    figure = small.figure1()
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_xlabel() == "Months after injection"
    assert ax.get_ylabel() == "Pregnancies (n)"
    spontaneous, ivf = ax.containers
    table = small.result("figure1").table
    np.testing.assert_array_equal([b.get_height() for b in spontaneous], table["spontaneous"])
    np.testing.assert_array_equal([b.get_y() for b in ivf], table["spontaneous"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Spontaneous", "IVF"]
    assert ivf.patches[0].get_hatch()
    assert not spontaneous.patches[0].get_hatch()


def test_figure2_is_r_boxplot_of_the_pregnant_womens_ages(small: Cohort) -> None:
    result = small.result("figure2")
    assert sorted(result.table["age"]) == [29, 35, 36]
    v = result.values
    # fivenum(c(29, 35, 36)) = 29, 32, 35, 35.5, 36: no outliers
    assert (v["lower_whisker"], v["lower_hinge"], v["median"]) == (29, 32, 35)
    assert (v["upper_hinge"], v["upper_whisker"], v["n_outliers"]) == (35.5, 36, 0)
    assert not result.table["outlier"].any()


def test_figure2_draws_the_box_and_every_woman(small: Cohort) -> None:
    ax_figure = Figure()
    ax = ax_figure.add_subplot()
    assert small.figure2(ax=ax) is ax_figure
    assert ax.get_ylabel() == "Age at first injection (years)"
    points = ax.collections[0].get_offsets()
    assert sorted(np.asarray(points)[:, 1]) == [29, 35, 36]
    median_line = [line for line in ax.lines if line.get_linewidth() == 2][0]
    assert set(median_line.get_ydata()) == {35}
