"""Numbers as the report prints them: the numerical conventions in one place.

The conventions (``shared/spec/analysis.md``, "Numerical conventions") are those of the
seed paper: percentages with two decimals (``36.19``), p-values with four significant
digits and ``< 0.0001`` below that. Every renderer (HTML, DOCX, XLSX) shows the strings
made here; none formats a number itself.

Missing values (``None``, ``NaN``, ``pd.NA``) print as the empty string, so that an
empty cell in a table stays empty rather than reading "nan".

Rounding is that of C's ``printf`` (and R's ``sprintf``/``formatC``): the binary value is
rounded correctly, so ``format_pct(0.125 * 100)`` gives ``"12.50"`` and halves that are
exact in binary go to the even neighbour.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import pandas as pd

#: Below this a p-value prints as ``< 0.0001``.
P_FLOOR = 0.0001
#: Significant digits of a printed p-value.
P_DIGITS = 4
#: Decimals of a printed percentage.
PCT_DECIMALS = 2
#: Decimals of other non-integer numbers (means, SDs, medians, years).
DECIMALS = 2
#: Decimals of a test statistic (the paper prints χ² = 2.4321).
STAT_DECIMALS = 4
#: The dash between the ends of a range.
EN_DASH = "\u2013"
MINUS = "\u2212"


def is_missing(value: Any) -> bool:
    """Whether ``value`` is a missing number (``None``, ``NaN`` or ``pd.NA``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, Real) and math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    # "-0.00" is a rounding artefact, not a negative number.
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", MINUS)


def format_number(value: Any, decimals: int = DECIMALS) -> str:
    """An integer as an integer, any other number with ``decimals`` decimals.

    Parameters
    ----------
    value
        A number; integral floats (``12.0``) print as integers (``"12"``).
    decimals
        Decimals of a non-integral number.

    Returns
    -------
    str
        The printed number; ``""`` when missing. Negative numbers use the minus sign (U+2212).

    Examples
    --------
    >>> format_number(12.0), format_number(3.7199), format_number(None)
    ('12', '3.72', '')
    """
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else f"{MINUS}∞"
    if number.is_integer():
        return str(int(number)).replace("-", MINUS)
    return _fixed(number, decimals)


def format_pct(value: Any, decimals: int = PCT_DECIMALS) -> str:
    """A percentage (already × 100) with two decimals, as the paper prints it.

    Parameters
    ----------
    value
        The percentage, e.g. ``36.190476`` for 38 of 105.
    decimals
        Decimals printed (two by convention).

    Returns
    -------
    str
        ``"36.19"``; ``""`` when missing. No ``%`` sign: the column header carries it.

    Examples
    --------
    >>> format_pct(36.190476), format_pct(100), format_pct(0)
    ('36.19', '100.00', '0.00')
    """
    if is_missing(value):
        return ""
    return _fixed(float(value), decimals)


def format_interval(low: Any, high: Any, *, pct: bool = False) -> str:
    """A confidence interval's ends, ``"27.60–45.83"``: percentages with
    :data:`PCT_DECIMALS` decimals, other estimates (odds ratios, differences) with
    :data:`DECIMALS` (integral ends too, so that ``1.00–2.50`` lines up); ``""`` when
    either end is missing.

    Examples
    --------
    >>> format_interval(27.6, 45.8333, pct=True), format_interval(0.5, 2), format_interval(1, None)
    ('27.60–45.83', '0.50–2.00', '')
    >>> format_interval(-2.3, 43.23)
    '−2.30 to 43.23'
    """
    if is_missing(low) or is_missing(high):
        return ""
    decimals = PCT_DECIMALS if pct else DECIMALS
    # A dash between signed ends reads as a minus ("−2.30–43.23"): spell the range out.
    between = " to " if float(low) < 0 or float(high) < 0 else EN_DASH
    return f"{format_fixed(low, decimals)}{between}{format_fixed(high, decimals)}"


def format_fixed(value: Any, decimals: int = DECIMALS) -> str:
    """A number with exactly ``decimals`` decimals, integral or not (``1.00``), as an
    estimate beside its interval prints; ``∞`` for infinity, ``""`` when missing.

    Examples
    --------
    >>> format_fixed(1), format_fixed(2.345), format_fixed(float("inf"))
    ('1.00', '2.35', '∞')
    """
    if is_missing(value):
        return ""
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else f"{MINUS}∞"
    return _fixed(number, decimals)


def format_p(value: Any) -> str:
    """A p-value with four significant digits, and ``< 0.0001`` below that.

    Trailing zeros are dropped, as R's ``signif`` prints them (``p = 1``, not ``1.000``).

    Parameters
    ----------
    value
        A probability in [0, 1].

    Returns
    -------
    str
        ``"0.1189"`` for 0.11893, ``"< 0.0001"`` for 0.00005, ``"1"`` for 1; ``""`` when
        missing.

    Raises
    ------
    ValueError
        When ``value`` is not in [0, 1].

    Examples
    --------
    >>> format_p(0.11893), format_p(0.00005), format_p(1), format_p(0.0879)
    ('0.1189', '< 0.0001', '1', '0.0879')
    """
    if is_missing(value):
        return ""
    p = float(value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a p-value lies in [0, 1], not {p!r}")
    if p < P_FLOOR:
        return f"< {P_FLOOR:g}"
    # ``g`` keeps four significant digits and drops trailing zeros; values ≥ 1e-4 never
    # switch to exponent notation.
    return f"{p:.{P_DIGITS}g}"


def format_stat(value: Any, decimals: int = STAT_DECIMALS) -> str:
    """A test statistic (χ², z, t) with four decimals, as the paper prints χ² = 2.4321.

    Examples
    --------
    >>> format_stat(2.43211), format_stat(6.0062e-31)
    ('2.4321', '0.0000')
    """
    if is_missing(value):
        return ""
    return _fixed(float(value), decimals)


def _is_whole(value: Any) -> bool:
    return not is_missing(value) and float(value).is_integer()


def format_range(
    low: Any, high: Any, decimals: int = DECIMALS, *, integer: bool | None = None
) -> str:
    """A range as ``low–high`` (en dash); ``""`` when either end is missing.

    Parameters
    ----------
    low, high
        The ends.
    decimals
        Decimals of both ends when the variable is not integer-valued.
    integer
        Whether the variable is integer-valued (ages in completed years): then the ends print
        as integers (``24–45``); otherwise both ends have ``decimals`` decimals
        (``2.50–6.00``), as the centre value printed beside them. ``None`` infers it from
        the ends: integers when both are whole numbers.

    Examples
    --------
    >>> format_range(24, 45), format_range(2.5, 6.0), format_range(2.0, 13.01)
    ('24–45', '2.50–6.00', '2.00–13.01')
    >>> format_range(3.0, 6.0, integer=False)
    '3.00–6.00'
    """
    if is_missing(low) or is_missing(high):
        return ""
    whole = _is_whole(low) and _is_whole(high) if integer is None else integer
    if whole:
        return f"{format_number(low)}{EN_DASH}{format_number(high)}"
    return f"{_fixed(float(low), decimals)}{EN_DASH}{_fixed(float(high), decimals)}"


def format_mean_sd(
    mean: Any,
    sd: Any,
    *,
    low: Any = None,
    high: Any = None,
    decimals: int = DECIMALS,
    integer: bool | None = None,
) -> str:
    """Mean ± SD, with the range in brackets when ``low`` and ``high`` are given.

    Parameters
    ----------
    mean, sd
        The mean and the standard deviation (``sd`` may be missing: then only the mean).
    low, high
        Optional minimum and maximum.
    decimals
        Decimals of mean and SD (two by default: ``37.91 ± 4.98``).
    integer
        Whether the variable is integer-valued: its range then prints as integers
        (``24–45``), else with ``decimals`` decimals like the mean (``2.50–6.00``); ``None``
        infers it from the ends (:func:`format_range`).

    Returns
    -------
    str
        ``"37.91 ± 4.98 (24–45)"``; ``""`` when the mean is missing.

    Examples
    --------
    >>> format_mean_sd(37.9143, 4.9811, low=24, high=45, integer=True)
    '37.91 ± 4.98 (24–45)'
    >>> format_mean_sd(3.72, 0.859, low=2.4997, high=5.9986, integer=False)
    '3.72 ± 0.86 (2.50–6.00)'
    >>> format_mean_sd(3.72, None, low=2.5, high=6)
    '3.72 (2.50–6.00)'
    """
    if is_missing(mean):
        return ""
    text = _fixed(float(mean), decimals)
    if not is_missing(sd):
        text += f" ± {_fixed(float(sd), decimals)}"
    spread = format_range(low, high, decimals, integer=integer)
    if spread:
        text += f" ({spread})"
    return text


def format_median_range(
    median: Any,
    low: Any = None,
    high: Any = None,
    *,
    decimals: int = DECIMALS,
    integer: bool | None = None,
) -> str:
    """Median (range) with one number of decimals throughout.

    An integer-valued variable prints its median as a number (``36``, or ``36.50`` for a
    half) and its range as integers; any other variable prints all three with ``decimals``
    decimals. ``integer=None`` infers it from the ends (:func:`format_range`).

    Examples
    --------
    >>> format_median_range(5.4897, 1.9984, 13.0062, integer=False)
    '5.49 (2.00–13.01)'
    >>> format_median_range(36, 24, 43, integer=True), format_median_range(3.0, 1, 24)
    ('36 (24–43)', '3 (1–24)')
    """
    if is_missing(median):
        return ""
    spread = format_range(low, high, decimals, integer=integer)
    if integer is None and spread:
        integer = _is_whole(low) and _is_whole(high)
    text = _fixed(float(median), decimals) if integer is False else format_number(median, decimals)
    return text + (f" ({spread})" if spread else "")


def percent(count: Any, total: Any) -> float:
    """``100 · count / total``; ``NaN`` when the total is zero or either is missing."""
    if is_missing(count) or is_missing(total) or float(total) == 0:
        return math.nan
    return 100.0 * float(count) / float(total)


def format_n_pct(
    n: Any,
    total: Any = None,
    *,
    pct: Any = None,
    show_total: bool = False,
) -> str:
    """A count with its percentage: ``38 (36.19)`` or ``38/105 (36.19)``.

    Parameters
    ----------
    n
        The count.
    total
        The denominator; the percentage is ``100 · n / total`` unless ``pct`` is given.
    pct
        A percentage already computed (× 100); it wins over ``total``.
    show_total
        Print ``n/total`` rather than ``n``.

    Returns
    -------
    str
        ``""`` when ``n`` is missing; just ``n`` when no percentage can be computed.

    Examples
    --------
    >>> format_n_pct(38, 105), format_n_pct(12, 23, show_total=True)
    ('38 (36.19)', '12/23 (52.17)')
    >>> format_n_pct(0, 0)
    '0'
    """
    if is_missing(n):
        return ""
    share = pct if not is_missing(pct) else percent(n, total)
    text = format_number(n)
    if show_total and not is_missing(total):
        text += f"/{format_number(total)}"
    if not is_missing(share):
        text += f" ({format_pct(share)})"
    return text
