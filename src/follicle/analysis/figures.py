"""Figures 1 and 2: their data (as Results) and their drawing (matplotlib, no pyplot).

Figure 1 counts pregnancies by whole month after the injection, stacked by mode; Figure 2 is
R's box plot of the ages at first injection of the women who became pregnant. The data
functions return :class:`~follicle.analysis.result.Result` so that every plotted number is
also a named, tested value; the plot functions draw those tables on a
:class:`matplotlib.figure.Figure` created directly (no global pyplot state, no backend).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from follicle.analysis.pregnancy import MODES
from follicle.analysis.result import Number, Result
from follicle.analysis.stats.boxplot import boxplot_stats, quantiles
from follicle.analysis.stats.proportions import Proportion

if TYPE_CHECKING:
    # matplotlib is imported by the drawing functions only: the figures' data (and so
    # every statistic of the report) is computed without it.
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Fill colour and hatch of each mode: distinguishable in greyscale and by colour-blind
#: readers (white with hatching vs dark grey).
MODE_STYLE: dict[str, dict[str, str]] = {
    "spontaneous": {"color": "0.35", "hatch": ""},
    "ivf": {"color": "white", "hatch": "///"},
    "iui": {"color": "0.75", "hatch": "..."},
    "other": {"color": "0.9", "hatch": "xx"},
}
MODE_LABELS = {"spontaneous": "Spontaneous", "ivf": "IVF", "iui": "IUI", "other": "Other"}
#: The "first months" of the paper's remark on early spontaneous pregnancies.
EARLY_MONTHS = 3
#: Fixed seed of Figure 2's sideways jitter, so the drawing is the same every time.
_JITTER_SEED = 1
#: Figure 2 draws every woman as a point up to this many; a registry's thousands of points
#: would only blacken the box (and bloat the SVG), so beyond it the outliers alone are drawn.
FIGURE2_MAX_POINTS = 500
#: What a figure with nothing to plot says in the middle of its (empty) axes.
NO_DATA = "No pregnancies"


def figure1_data(pregnancies: pd.DataFrame) -> Result:
    """Pregnancies by whole month after the injection and mode (Figure 1's bars).

    Returns
    -------
    Result
        ``figure1``. ``table``: ``month`` (0 to the largest month present, every month
        shown), one count column per mode (``spontaneous``, ``ivf``, then ``iui``/``other``
        when present) and ``total``. ``month`` is the pregnancy frame's whole month (by
        default rounded to the nearest month from days / 30.4375; see
        :func:`follicle.analysis.frame.pregnancies`). R:
        ``table(factor(month, levels = 0:max(month)), mode)``.
    """
    months = pregnancies["month"].astype("Int64")
    modes = list(MODES) + [m for m in ("iui", "other") if pregnancies["mode"].eq(m).any()]
    top = int(months.max()) if months.notna().any() else 0
    counts = pd.crosstab(months, pregnancies["mode"]).reindex(
        index=range(top + 1), columns=modes, fill_value=0
    )
    table = counts.reset_index(drop=True)
    table.columns = list(table.columns)
    table.insert(0, "month", np.arange(top + 1))
    table["total"] = counts.sum(axis=1).to_numpy()
    early = pregnancies["mode"].eq("spontaneous").fillna(False)
    within = pregnancies.loc[early, "months_since_injection"].le(EARLY_MONTHS)
    values: dict[str, Number] = {
        "pregnancies": len(pregnancies),
        "month_max": top if months.notna().any() else None,
        "peak_month": int(table["total"].idxmax()) if len(pregnancies) else None,
    }
    values |= {f"pregnancies_{m}": int(table[m].sum()) for m in modes}
    values |= Proportion(int(within.sum()), int(early.sum())).values(
        f"spontaneous_within_{EARLY_MONTHS}_months"
    )
    return Result(
        "figure1",
        "",
        "Pregnancies by month after the injection, by mode of conception",
        table,
        values,
        (
            "Month: days from the most recent injection on or before conception / 30.4375, "
            "rounded to the nearest whole month (halves up), so 0.99 months is month 1.",
            _early_note(int(within.sum()), int(early.sum())),
        ),
    )


def _early_note(within: int, spontaneous: int) -> str:
    """How many spontaneous pregnancies came in the first months, in words for the caption."""
    if not spontaneous:
        return f"No spontaneous pregnancy (so none within {EARLY_MONTHS} months)."
    pct = 100 * within / spontaneous
    return (
        f"{within} of the {spontaneous} spontaneous pregnancies ({pct:.2f} %) were conceived "
        f"within {EARLY_MONTHS} exact months of the injection (the bars of whole months 1–"
        f"{EARLY_MONTHS} round to the nearest month, so they may count one or two more)."
    )


def figure2_data(women: pd.DataFrame) -> Result:
    """The ages at first injection of the women who became pregnant, and R's box plot.

    Returns
    -------
    Result
        ``figure2``. ``table``: ``participant_id``, ``age`` (completed years), ``outlier``
        (beyond a whisker). ``values``: ``n``, ``mean``, ``min``, ``max``, the box plot of R's
        ``boxplot.stats`` (``lower_whisker``, ``lower_hinge``, ``median``, ``upper_hinge``,
        ``upper_whisker`` — hinges by Tukey's ``fivenum``, whiskers at the most extreme ages
        within 1.5 IQR of the hinges; ``conf_low``/``conf_high`` the notch; ``n_outliers``)
        and R's default quantiles (``q1``, ``q3``: ``quantile(type = 7)``).
    """
    pregnant = women.loc[women["pregnant"].fillna(False), ["participant_id", "age"]]
    ages = pregnant["age"].astype("Float64")
    box = boxplot_stats(ages)
    q = quantiles(ages, (0.25, 0.75))
    a = ages.dropna().to_numpy(dtype=float)
    table = pregnant.reset_index(drop=True)
    beyond = (table["age"] < box.lower_whisker) | (table["age"] > box.upper_whisker)
    table["outlier"] = beyond.astype("boolean").fillna(False)
    values: dict[str, Number] = {
        "n": box.n,
        "mean": float(a.mean()) if a.size else None,
        "min": float(a.min()) if a.size else None,
        "max": float(a.max()) if a.size else None,
        "lower_whisker": box.lower_whisker,
        "lower_hinge": box.lower_hinge,
        "median": box.median,
        "upper_hinge": box.upper_hinge,
        "upper_whisker": box.upper_whisker,
        "conf_low": box.conf_low,
        "conf_high": box.conf_high,
        "n_outliers": len(box.outliers),
        "q1": float(q[0]),
        "q3": float(q[1]),
    }
    return Result(
        "figure2",
        "",
        "Age at first injection of the women who became pregnant",
        table,
        values,
        (
            "Box: Tukey's hinges (R fivenum); whiskers: most extreme ages within 1.5 × IQR of "
            "the hinges; points beyond are outliers (R boxplot.stats).",
            "Ages in completed years at the first injection.",
            _box_note(values),
            *(
                (
                    f"In this cohort, with more than {FIGURE2_MAX_POINTS} women, only the ages "
                    "beyond the whiskers are drawn as points.",
                )
                if box.n > FIGURE2_MAX_POINTS
                else ()
            ),
        ),
    )


def _box_note(values: dict[str, Number]) -> str:
    """The numbers the box plot draws, in words: n, median, range and whiskers."""
    if not values["n"]:
        return "No woman became pregnant."
    return (
        f"n = {values['n']} women; median {values['median']:g}, range {values['min']:g}–"
        f"{values['max']:g}; whiskers {values['lower_whisker']:g}–{values['upper_whisker']:g}."
    )


def axes_for(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):
            raise ValueError("the axes must belong to a matplotlib Figure")
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def say_no_data(ax: Axes) -> None:
    """Say :data:`NO_DATA` in the middle of an axes that has nothing to show (no ticks:
    an empty axes has no scale worth reading)."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(
        0.5,
        0.5,
        NO_DATA,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="0.35",
        fontstyle="italic",
    )


def plot_figure1(data: Result, ax: Axes | None = None) -> Figure:
    """Draw Figure 1: stacked bars of pregnancies per month after injection, by mode.

    With no pregnancy the axes are drawn empty, labelled, with :data:`NO_DATA` in the
    middle (and no legend).

    Parameters
    ----------
    data
        :func:`figure1_data`'s result.
    ax
        Axes to draw on; a new :class:`~matplotlib.figure.Figure` is made when ``None``.
    """
    figure, ax = axes_for(ax, (7.5, 4.0))
    table = data.table
    if not data.values.get("pregnancies"):
        say_no_data(ax)
        ax.set_xlabel("Months after injection")
        ax.set_ylabel("Pregnancies (n)")
        ax.set_title(data.title, fontsize="medium")
        return figure
    bottom = np.zeros(len(table))
    for mode in [c for c in table.columns if c in MODE_STYLE]:
        heights = table[mode].to_numpy(dtype=float)
        style = MODE_STYLE[mode]
        ax.bar(
            table["month"],
            heights,
            bottom=bottom,
            color=style["color"],
            hatch=style["hatch"],
            edgecolor="black",
            linewidth=0.6,
            label=MODE_LABELS[mode],
        )
        bottom += heights
    ax.set_xlabel("Months after injection")
    ax.set_ylabel("Pregnancies (n)")
    ax.set_title(data.title, fontsize="medium")
    ax.yaxis.set_major_locator(_integer_ticks())
    ax.legend(title="Mode of conception", frameon=False)
    return figure


def plot_figure2(data: Result, ax: Axes | None = None) -> Figure:
    """Draw Figure 2: R's box plot of age at first injection, with every woman as a point
    (only the outliers beyond :data:`FIGURE2_MAX_POINTS` women).

    The box and whiskers are :func:`figure2_data`'s R statistics (drawn with
    :meth:`~matplotlib.axes.Axes.bxp`, not recomputed by matplotlib); the points are spread
    sideways by a fixed, seeded jitter so the figure is reproducible. With no pregnant woman
    the axes are drawn empty, labelled, with :data:`NO_DATA` in the middle.
    """
    figure, ax = axes_for(ax, (4.5, 5.0))
    v = data.values
    outliers = data.table.loc[data.table["outlier"], "age"].astype(float).to_numpy()
    if v["n"]:
        ax.bxp(
            [
                {
                    "whislo": v["lower_whisker"],
                    "q1": v["lower_hinge"],
                    "med": v["median"],
                    "q3": v["upper_hinge"],
                    "whishi": v["upper_whisker"],
                    "fliers": outliers,
                    "label": "Pregnant women",
                }
            ],
            widths=0.5,
            showfliers=False,
            medianprops={"color": "black", "linewidth": 2},
        )
        every = data.table["age"].astype(float).to_numpy()
        ages = every if every.size <= FIGURE2_MAX_POINTS else outliers
        jitter = np.random.default_rng(_JITTER_SEED).uniform(-0.12, 0.12, ages.size)
        ax.scatter(1 + jitter, ages, s=14, color="0.3", zorder=3, label="Women")
        ax.yaxis.set_major_locator(_integer_ticks())
    else:
        say_no_data(ax)
    ax.set_ylabel("Age at first injection (years)")
    ax.set_title("\n".join(textwrap.wrap(data.title, 36)), fontsize="medium")
    return figure
