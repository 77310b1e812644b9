"""The time-to-pregnancy figure: cumulative incidence curves with the numbers at risk.

:func:`figure_time_to_pregnancy` computes everything the figure shows — the Aalen–Johansen
curves of a first pregnancy (menopause competing) for all women and by age group, the
pointwise interval of the overall curve, and the numbers at risk under the x ticks — as a
:class:`~follicle.analysis.result.Result`; :func:`plot_time_to_pregnancy` draws only that
result, so every plotted number is also a tested value.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from follicle.analysis.duration.competing_risks import aalen_johansen, loglog_interval
from follicle.analysis.duration.survival import at_risk
from follicle.analysis.duration.time_to_pregnancy import (
    GROUPS,
    PREGNANCY,
    analysed_times,
    first_pregnancy_times,
    status_counts,
)
from follicle.analysis.figures import axes_for, say_no_data
from follicle.analysis.result import Number, Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


#: Columns of the figure's table.
COLUMNS = ("curve", "kind", "month", "estimate", "low", "high", "at_risk")
#: Ticks of the first year; yearly after it.
EARLY_TICKS = (0, 6, 12)
#: Line style and legend label of each curve: told apart by dash pattern in greyscale.
CURVE_STYLE: dict[str, dict[str, Any]] = {
    "all": {"color": "black", "linestyle": "-", "linewidth": 1.8, "label": "All"},
    "<35": {"color": "0.25", "linestyle": "--", "linewidth": 1.4, "label": "Age < 35"},
    "≥35": {"color": "0.45", "linestyle": ":", "linewidth": 1.6, "label": "Age ≥ 35"},
}
#: Where the at-risk rows start under the axes, and their spacing (points).
_AT_RISK_TOP = 44.0
_AT_RISK_STEP = 12.0
#: Gap between the row labels and the axes' left edge (points): room for the counts at 0.
_LABEL_GAP = 16.0


def ticks_for(last_month: float) -> list[int]:
    """0, 6, 12, then every 12 months up to the first multiple of 12 at or after
    ``last_month`` (at least 12)."""
    top = max(12, int(np.ceil(last_month / 12)) * 12) if np.isfinite(last_month) else 12
    return [*EARLY_TICKS, *range(24, top + 1, 12)]


def _steps(curve: str, months: np.ndarray, status: np.ndarray, level: float) -> pd.DataFrame:
    """The curve's corners: (0, 0), each jump, and its last follow-up (the flat tail)."""
    cif = aalen_johansen(months, status, cause=PREGNANCY)
    low, high = loglog_interval(cif.estimate, cif.variance, level=level)
    month = np.concatenate(([0.0], cif.time))
    columns = [
        np.concatenate(([start], c))
        for start, c in ((0.0, cif.estimate), (np.nan, low), (np.nan, high))
    ]
    if months.size and cif.last_time > month[-1]:
        month = np.append(month, cif.last_time)
        columns = [np.append(c, c[-1]) for c in columns]
    if not months.size:
        month, columns = month[:0], [c[:0] for c in columns]
    estimate, lows, highs = columns
    return pd.DataFrame(
        {
            "curve": curve,
            "kind": "step",
            "month": month,
            "estimate": 100 * estimate,
            "low": 100 * lows,
            "high": 100 * highs,
            "at_risk": pd.array([pd.NA] * month.size, dtype="Int64"),
        }
    )


def figure_time_to_pregnancy(women: pd.DataFrame, *, level: float = 0.95) -> Result:
    """The data of the cumulative-incidence figure (Aalen–Johansen, menopause competing).

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women`.
    level
        Confidence level of the overall curve's band.

    Returns
    -------
    Result
        ``figure_time_to_pregnancy``. ``table`` (:data:`COLUMNS`): rows of ``kind``
        ``"step"`` are each curve's corners (``month``; ``estimate``, ``low``, ``high`` in
        percent; the curve starts at (0, 0) and ends flat at its last follow-up); rows of
        ``kind`` ``"at_risk"`` give ``at_risk`` (women with time ≥ month) at each x tick
        (:func:`ticks_for`), for each curve (``all``, ``<35``, ``≥35``).
    """
    times = first_pregnancy_times(women)
    all_months, all_status = analysed_times(times, "all")
    ticks = ticks_for(float(all_months.max()) if all_months.size else float("nan"))
    frames = []
    for curve in GROUPS:
        months, status = analysed_times(times, curve)
        frames.append(_steps(curve, months, status, level))
        frames.append(
            pd.DataFrame(
                {
                    "curve": curve,
                    "kind": "at_risk",
                    "month": np.asarray(ticks, dtype=float),
                    "estimate": np.nan,
                    "low": np.nan,
                    "high": np.nan,
                    "at_risk": pd.array(at_risk(np.sort(months), ticks), dtype="Int64"),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).loc[:, list(COLUMNS)]
    values: dict[str, Number] = dict(status_counts(all_status))
    values["month_max"] = float(all_months.max()) if all_months.size else None
    values["level"] = 100 * level
    pct = f"{100 * level:g} %"
    return Result(
        "figure_time_to_pregnancy",
        "",
        "Cumulative incidence of a first pregnancy after the first injection, with "
        "menopause as a competing event",
        table,
        values,
        (
            "Aalen–Johansen cumulative incidence of a first pregnancy (menopause competing), "
            "months from the first injection; censored at the latest contact.",
            f"Shaded: {pct} pointwise interval of the curve for all women (log(−log) scale, "
            "Gray's variance as R cmprsk::cuminc).",
            "Numbers at risk: women still followed and free of pregnancy and menopause at "
            "each month.",
        ),
    )


def _under_axes(
    ax: Axes, text: str, x: float, *, data_x: bool, dx: float, dy: float, bold: bool = False
) -> None:
    """Write ``text`` ``dy`` points under the axes, at ``x`` (data or axes fraction)."""
    ax.annotate(
        text,
        (x, 0.0),
        xycoords=("data" if data_x else "axes fraction", "axes fraction"),
        xytext=(dx, dy),
        textcoords="offset points",
        ha="center" if data_x else "right",
        va="top",
        fontsize="small",
        fontweight="bold" if bold else "normal",
        annotation_clip=False,
    )


def _at_risk_rows(ax: Axes, table: pd.DataFrame) -> None:
    """Numbers at risk under the x ticks, one row per curve, in points below the axes (so
    they keep their place whatever the axes' size)."""
    rows = table.loc[table["kind"].eq("at_risk")]
    _under_axes(
        ax, "Number at risk", 0.0, data_x=False, dx=-_LABEL_GAP, dy=-_AT_RISK_TOP, bold=True
    )
    for i, curve in enumerate(GROUPS):
        dy = -(_AT_RISK_TOP + _AT_RISK_STEP * (i + 1))
        label = str(CURVE_STYLE[curve]["label"])
        _under_axes(ax, label, 0.0, data_x=False, dx=-_LABEL_GAP, dy=dy)
        chosen = rows.loc[rows["curve"].eq(curve)]
        for month, n in zip(chosen["month"], chosen["at_risk"], strict=True):
            _under_axes(ax, str(int(n)), float(month), data_x=True, dx=0.0, dy=dy)


def plot_time_to_pregnancy(result: Result, ax: Axes | None = None) -> Figure:
    """Draw the cumulative incidence of a first pregnancy with the numbers at risk beneath.

    Step curves for all women (with its interval shaded) and for each age group, x in
    months from the first injection with ticks at 0, 6, 12, 24, 36 …, and under the axes
    one row of numbers at risk per curve, aligned with the ticks. With no analysed woman
    the axes are drawn empty, labelled, with "No pregnancies" in the middle.

    Parameters
    ----------
    result
        :func:`figure_time_to_pregnancy`'s result.
    ax
        Axes to draw on; a new :class:`~matplotlib.figure.Figure` is made when ``None``.
    """
    figure, ax = axes_for(ax, (7.5, 5.5))
    table = result.table
    steps = table.loc[table["kind"].eq("step")]
    ax.set_xlabel("Months since the first injection")
    ax.set_ylabel("Cumulative incidence of pregnancy (%)")
    ax.set_title("\n".join(textwrap.wrap(result.title, 70)), fontsize="medium")
    if steps.empty:
        say_no_data(ax)
        return figure
    overall = steps.loc[steps["curve"].eq("all")]
    ax.fill_between(
        overall["month"],
        overall["low"],
        overall["high"],
        step="post",
        color="0.85",
        linewidth=0,
        label=f"{result.values['level']:g} % CI (all)",
    )
    for curve in GROUPS:
        chosen = steps.loc[steps["curve"].eq(curve)]
        if not chosen.empty:
            ax.step(chosen["month"], chosen["estimate"], where="post", **CURVE_STYLE[curve])
    ticks = table.loc[table["kind"].eq("at_risk") & table["curve"].eq("all"), "month"]
    ax.set_xticks(ticks.to_numpy(dtype=float))
    ax.set_xlim(0, float(ticks.max()))
    top = max(np.nanmax(steps["estimate"]), np.nanmax(overall["high"].fillna(0)))
    ax.set_ylim(0, min(100.0, 10 * np.ceil(top / 10 + 0.05)))
    ax.legend(frameon=False, loc="upper left")
    _at_risk_rows(ax, table)
    return figure
