"""The figures of the comparison of arms, drawn only from their results.

:func:`plot_incidence` draws ``figure_arms_incidence`` (the Aalen–Johansen curves by arm,
numbers at risk beneath); :func:`plot_forest` draws ``figure_arms_forest`` (hazard ratios
by model, log scale). Neither computes a statistic: every plotted number is a tested value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from follicle.analysis.arms.compare import key
from follicle.analysis.figures import axes_for, say_no_data
from follicle.analysis.result import Result

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Where the at-risk rows start under the axes, their spacing, and the gap before the
#: row labels (points).
_AT_RISK_TOP = 48.0
_AT_RISK_STEP = 12.0
_LABEL_GAP = 16.0
#: Candidate ticks of the forest plot's log axis.
#: (0.2 and 0.25 together would print over each other on a log axis: 0.25 only.)
_TICKS = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0)
#: Dash patterns that tell the arms apart in greyscale.
_STYLES = ("-", "--", ":", "-.")


def plot_incidence(data: Result, ax: Axes | None = None) -> Figure:
    """Cumulative incidence of a first pregnancy by arm, with the numbers at risk.

    Parameters
    ----------
    data
        The ``figure_arms_incidence`` result.
    ax
        Axes to draw on; a new figure when ``None``.
    """
    figure, ax = axes_for(ax, (6.5, 5.0))
    ax.set_title(data.title, fontsize="medium")
    table = data.table
    if table.empty:
        say_no_data(ax)
        return figure
    arms = list(dict.fromkeys(table["arm"]))
    for i, arm in enumerate(arms):
        part = table.loc[table["arm"] == arm]
        ax.step(
            part["months"].to_numpy(dtype=float),
            part["cif_pct"].to_numpy(dtype=float),
            where="post",
            color="black",
            linestyle=_STYLES[i % len(_STYLES)],
            label=arm,
        )
    ticks = sorted({int(k.rsplit(".", 1)[1][:-1]) for k in data.values})
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(ticks) if ticks else None)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Months from time zero")
    ax.set_ylabel("Cumulative incidence of a first pregnancy (%)")
    ax.legend(frameon=False, loc="upper left")
    # Numbers at risk: one row per arm under the axis label, in points so that they keep
    # their place whatever the figure's size.
    ax.annotate(
        "Number at risk",
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(-_LABEL_GAP, -_AT_RISK_TOP + _AT_RISK_STEP),
        textcoords="offset points",
        ha="right",
        va="center",
        fontsize="small",
        fontstyle="italic",
    )
    for i, arm in enumerate(arms):
        offset = -_AT_RISK_TOP - _AT_RISK_STEP * i
        ax.annotate(
            arm,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(-_LABEL_GAP, offset),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize="small",
        )
        for t in ticks:
            ax.annotate(
                str(data.values.get(f"{key(arm)}.at_risk.{t}m", "")),
                xy=(t, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize="small",
            )
    return figure


def plot_forest(data: Result, ax: Axes | None = None) -> Figure:
    """Hazard ratios (squares) with their intervals, by comparison and model, log scale.

    Parameters
    ----------
    data
        The ``figure_arms_forest`` result.
    ax
        Axes to draw on; a new figure when ``None``.
    """
    table = data.table
    figure, ax = axes_for(ax, (7.5, 1.2 + 0.4 * max(len(table), 2)))
    ax.set_title(data.title, fontsize="medium")
    if table.empty:
        say_no_data(ax)
        return figure
    rows = np.arange(len(table))[::-1]
    hr = table["HR"].to_numpy(dtype=float)
    low = table["HR_low"].to_numpy(dtype=float)
    high = table["HR_high"].to_numpy(dtype=float)
    ok = np.isfinite(hr) & np.isfinite(low) & np.isfinite(high)
    ax.hlines(rows[ok], low[ok], high[ok], color="black", linewidth=1.2)
    ax.scatter(hr[ok], rows[ok], marker="s", s=30, color="black", zorder=3)
    ax.axvline(1.0, color="0.4", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(
        rows, [f"{c}: {m}" for c, m in zip(table["comparison"], table["model"], strict=True)]
    )
    lo = float(np.nanmin(low[ok])) if ok.any() else 0.5
    hi = float(np.nanmax(high[ok])) if ok.any() else 2.0
    ticks = [t for t in _TICKS if lo / 1.2 <= t <= hi * 1.2] or [1.0]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    # A hazard ratio of 0 or ∞ (no pregnancy in the arm or the reference) has no point on a
    # log axis: its row says so rather than standing empty.
    for row in rows[~ok]:
        ax.text(
            0.02,
            row,
            "not estimable (no pregnancy on one side)",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize="small",
            color="0.3",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            zorder=4,
        )
    ax.set_ylim(-0.6, len(table) - 0.4)  # the first and last rows clear of the axes' edges
    ax.set_xlabel("Hazard ratio of a first pregnancy (95% CI)")
    return figure
