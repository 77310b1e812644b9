"""Completed years of age, held to the calendar as a person counts birthdays."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from follicle.workbook.dates import completed_years

#: The dates a nanosecond timestamp holds (what the workbook's date columns are).
DATES = st.dates(min_value=date(1678, 1, 1), max_value=date(2261, 12, 31))


def _birthdays(born: date, on: date) -> int:
    """Birthdays reached from ``born`` to ``on`` (one born on 29 February has hers on
    1 March in a common year: the day after 28 February, as the month-day order says)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@given(st.lists(st.tuples(DATES | st.none(), DATES | st.none()), min_size=1, max_size=30))
def test_completed_years_counts_the_birthdays_reached(pairs: list[tuple[date | None, ...]]) -> None:
    born = pd.Series(pd.to_datetime([b for b, _ in pairs]), index=range(5, 5 + len(pairs)))
    on = pd.Series(pd.to_datetime([o for _, o in pairs]), index=born.index)
    years = completed_years(born, on)
    assert years.dtype == "Int64"
    assert years.index.equals(born.index)
    expected = [None if b is None or o is None else _birthdays(b, o) for b, o in pairs]
    assert [None if pd.isna(y) else int(y) for y in years] == expected


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        ("2000-02-29", "2001-02-28", 0),
        ("2000-02-29", "2001-03-01", 1),
        ("1960-12-31", "1961-12-30", 0),
        ("1960-12-31", "1961-12-31", 1),
        ("1969-06-15", "1970-06-14", 0),  # across the epoch
        ("1980-01-01", "1979-01-01", -1),  # an end before the start: negative, as counted
    ],
)
def test_completed_years_at_the_edges(born: str, on: str, years: int) -> None:
    result = completed_years(pd.Series(pd.to_datetime([born])), pd.Series(pd.to_datetime([on])))
    assert result.tolist() == [years]


def test_completed_years_aligns_by_index() -> None:
    born = pd.Series(pd.to_datetime(["1990-05-01", "1980-05-01"]), index=[1, 2])
    on = pd.Series(pd.to_datetime(["2020-05-01", "2020-04-30"]), index=[2, 1])
    assert completed_years(born, on).to_dict() == {1: 29, 2: 40}
