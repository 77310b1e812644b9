"""Text alternatives of the report's figures: what each one shows, in words and numbers.

A reader who cannot see a figure (a screen reader, a text-only mail client, a search) gets
the same message from :func:`describe`: the kind of chart, what is plotted against what,
and the numbers that carry its point, all taken from the figure's
:class:`~follicle.analysis.result.Result` (so they are the tested numbers). The HTML page
puts it on the figure's ``<svg role="img">`` as ``aria-label``.

A figure the module does not know gets its caption and first note, which still states
what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from follicle.analysis.result import Result


def _number(value: Any, digits: int = 2) -> str:
    """``36`` for whole numbers, else rounded to ``digits`` decimals."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN
        return "not available"
    return f"{number:.0f}" if number == round(number) else f"{number:.{digits}f}"


def _figure1(result: Result) -> str:
    v = result.values
    if not v.get("pregnancies"):
        return "An empty bar chart: no pregnancy was recorded after the injection."
    return (
        f"Stacked bar chart of the {_number(v['pregnancies'])} pregnancies by whole month "
        f"after the injection (months 0 to {_number(v.get('month_max'))}): "
        f"{_number(v.get('pregnancies_spontaneous', 0))} spontaneous and "
        f"{_number(v.get('pregnancies_ivf', 0))} by IVF. Most pregnancies were conceived in "
        f"month {_number(v.get('peak_month'))}."
    )


def _figure2(result: Result) -> str:
    v = result.values
    if not v.get("n"):
        return "An empty box plot: no woman became pregnant."
    outliers = int(v.get("n_outliers", 0) or 0)
    return (
        f"Box plot of age at first injection for the {_number(v['n'])} women who became "
        f"pregnant: median {_number(v.get('median'))} years, quartiles (hinges) "
        f"{_number(v.get('lower_hinge'))} to {_number(v.get('upper_hinge'))}, whiskers "
        f"{_number(v.get('lower_whisker'))} to {_number(v.get('upper_whisker'))} years, "
        f"{outliers} outlier{'' if outliers == 1 else 's'}."
    )


def _time_to_pregnancy(result: Result) -> str:
    v = result.values
    text = (
        f"Step curves of the cumulative incidence of a first pregnancy over "
        f"{_number(v.get('month_max'), 0)} months after the first injection, for all "
        f"{_number(v.get('n'))} women and for women under 35 and 35 or over, with a shaded "
        f"{_number(v.get('level', 95))} % interval for all women and the numbers at risk "
        f"beneath. {_number(v.get('events'))} women became pregnant, "
        f"{_number(v.get('competing'))} reached menopause first and "
        f"{_number(v.get('censored'))} were censored."
    )
    table = result.table
    if {"curve", "kind", "month", "estimate"} <= set(table.columns):
        steps = table.loc[table["curve"].eq("all") & table["kind"].eq("step")]
        steps = steps.loc[steps["estimate"].notna()]
        if len(steps):
            last = steps.iloc[-1]
            text += (
                f" For all women the curve reaches {_number(last['estimate'], 1)} % by month "
                f"{_number(last['month'], 0)}."
            )
    return text


def _forest(result: Result) -> str:
    v = result.values
    table = result.table
    if not v.get("estimable") or not len(table):
        return "A forest plot with no estimable odds ratio."
    terms = "; ".join(
        f"{row['label']} {_number(row['or'])} ({_number(row['or_low'])} to "
        f"{_number(row['or_high'])})"
        for _, row in table.iterrows()  # one row per model term, a handful
    )
    return (
        f"Forest plot of the adjusted odds ratios of pregnancy with "
        f"{_number(v.get('level', 95))} % intervals on a logarithmic axis, from a model of "
        f"{_number(v.get('n'))} women ({_number(v.get('events'))} pregnant); a dashed line "
        f"marks an odds ratio of 1. Odds ratios (interval): {terms}."
    )


#: The description of each known figure, by result name.
DESCRIPTIONS: Mapping[str, Callable[[Result], str]] = {
    "figure1": _figure1,
    "figure2": _figure2,
    "figure_time_to_pregnancy": _time_to_pregnancy,
    "figure_forest": _forest,
}


def describe(name: str, result: Result) -> str:
    """The text alternative of the figure drawn from ``result``.

    Parameters
    ----------
    name
        The figure's result name (``figure1``).
    result
        Its result: the values the figure plots.

    Returns
    -------
    str
        One or a few sentences: the kind of chart, its axes or groups, and its key numbers.
    """
    known = DESCRIPTIONS.get(name)
    if known is not None:
        try:
            return known(result)
        except (KeyError, TypeError, ValueError):
            pass  # a figure of another shape than expected: fall back on its caption
    first = f" {result.notes[0]}" if result.notes else ""
    # The report's number when the result has one (follicle.report.numbering), as captioned.
    named = f"{result.label}: {result.title}" if result.label else result.title
    return f"{named}.{first}".strip()
