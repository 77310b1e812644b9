"""Calendar arithmetic shared by validation, de-identification and the analysis."""

from __future__ import annotations

import pandas as pd


def completed_years(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed years of age from ``start`` (birth) to ``end``, vectorised."""
    years = end.dt.year - start.dt.year
    before_birthday = (end.dt.month < start.dt.month) | (
        (end.dt.month == start.dt.month) & (end.dt.day < start.dt.day)
    )
    return (years - before_birthday.astype("Int64")).astype("Int64")
