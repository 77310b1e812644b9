"""Box-plot statistics exactly as R draws them: ``fivenum`` and ``boxplot.stats``.

R's ``boxplot()`` does not use quantiles: its box is Tukey's hinges (``fivenum``) and its
whiskers reach the most extreme data points within 1.5 interquartile ranges of the hinges
(``boxplot.stats(x, coef = 1.5)``); points beyond are drawn as outliers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

ArrayLike: TypeAlias = pd.Series | np.ndarray | list[float]


def _clean(x: ArrayLike) -> np.ndarray:
    values = pd.Series(x, dtype="Float64").dropna().to_numpy(dtype=float)
    return np.sort(values)


def fivenum(x: ArrayLike) -> tuple[float, float, float, float, float]:
    """Tukey's five-number summary: minimum, lower hinge, median, upper hinge, maximum.

    R: ``stats::fivenum(x)`` (missing values removed). With n sorted values and
    :math:`n_4 = \\lfloor (n + 3) / 2 \\rfloor / 2`, the summary takes the values at the
    (1-based) depths :math:`1, n_4, (n + 1)/2, n + 1 - n_4, n`, averaging the two
    neighbours of a half-integer depth. All five are ``nan`` for no data.
    """
    s = _clean(x)
    n = s.size
    if n == 0:
        return (math.nan,) * 5
    n4 = math.floor((n + 3) / 2) / 2
    depth = np.array([1.0, n4, (n + 1) / 2, n + 1 - n4, n])
    low = np.floor(depth).astype(int) - 1
    high = np.ceil(depth).astype(int) - 1
    five = 0.5 * (s[low] + s[high])
    return (float(five[0]), float(five[1]), float(five[2]), float(five[3]), float(five[4]))


@dataclass(frozen=True)
class BoxplotStats:
    """What R's ``boxplot.stats`` returns.

    Attributes
    ----------
    lower_whisker, lower_hinge, median, upper_hinge, upper_whisker
        ``$stats`` in order: whiskers at the most extreme points within ``coef`` × IQR of
        the hinges (the minimum and maximum when there are no outliers).
    n
        non-missing values (``$n``).
    conf_low, conf_high
        the notch, ``median ± 1.58 IQR / sqrt(n)`` (``$conf``).
    outliers
        the points beyond the whiskers, in data order (``$out``).
    coef
        the whisker length in IQRs (R's default 1.5).
    """

    lower_whisker: float
    lower_hinge: float
    median: float
    upper_hinge: float
    upper_whisker: float
    n: int
    conf_low: float
    conf_high: float
    outliers: tuple[float, ...]
    coef: float = 1.5

    @property
    def iqr(self) -> float:
        """Distance between the hinges (Tukey's IQR, not ``IQR()``'s quantiles)."""
        return self.upper_hinge - self.lower_hinge


def boxplot_stats(x: ArrayLike, *, coef: float = 1.5) -> BoxplotStats:
    """The statistics of R's box plot of ``x``: R ``grDevices::boxplot.stats(x, coef)``.

    Parameters
    ----------
    x
        The values (missing values are left out).
    coef
        Whiskers reach the most extreme points within ``coef`` × IQR of the hinges; 0 takes
        them to the extremes and marks no outliers, as in R.
    """
    values = pd.Series(x, dtype="Float64").dropna().to_numpy(dtype=float)
    five = list(fivenum(values))
    n = values.size
    iqr = five[3] - five[1]
    outside = np.zeros(n, dtype=bool)
    if coef > 0 and n > 0:
        outside = (values < five[1] - coef * iqr) | (values > five[3] + coef * iqr)
        if outside.any():
            kept = values[~outside]
            five[0], five[4] = float(kept.min()), float(kept.max())
    half_notch = 1.58 * iqr / math.sqrt(n) if n else math.nan
    return BoxplotStats(
        lower_whisker=five[0],
        lower_hinge=five[1],
        median=five[2],
        upper_hinge=five[3],
        upper_whisker=five[4],
        n=int(n),
        conf_low=five[2] - half_notch,
        conf_high=five[2] + half_notch,
        outliers=tuple(float(v) for v in values[outside]),
        coef=coef,
    )


def quantiles(x: ArrayLike, probs: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)) -> np.ndarray:
    """Sample quantiles by R's default ``quantile(x, probs, type = 7)``.

    Type 7 interpolates linearly between order statistics at position
    :math:`1 + (n - 1) p` (numpy's ``method="linear"``).
    """
    values = _clean(x)
    if values.size == 0:
        return np.full(len(probs), np.nan)
    return np.quantile(values, probs, method="linear")
