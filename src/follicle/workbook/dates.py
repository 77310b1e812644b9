"""Calendar arithmetic shared by validation, de-identification and the analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd


def completed_years(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed years of age from ``start`` (birth) to ``end``, aligned by index (``Int64``,
    missing where either date is): the difference of their years, less one when ``end``
    falls before the birthday of its year (month, then day compared).

    The calendar fields are read once per date column, as numpy arrays: the six ``.dt``
    accessors and the nullable arithmetic of a Series cost about 0.9 ms on one woman's
    row (a one-woman check runs this), this about 0.2 ms; at a million rows it is faster
    too (76 ms against 94 ms).
    """
    if not start.index.equals(end.index):
        start, end = start.align(end)
    born = pd.DatetimeIndex(start.to_numpy(dtype="datetime64[ns]"))
    at = pd.DatetimeIndex(end.to_numpy(dtype="datetime64[ns]"))
    missing = born.isna() | at.isna()
    born_month, month = born.month.to_numpy(), at.month.to_numpy()
    before_birthday = (month < born_month) | (
        (month == born_month) & (at.day.to_numpy() < born.day.to_numpy())
    )
    years = at.year.to_numpy() - born.year.to_numpy() - before_birthday
    values = np.where(missing, 0, years).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(values, missing), index=end.index)
