"""ID lookups by pyarrow agree with pandas' own isin and reindex."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from follicle.workbook.keys import isin, lookup, positions

VALUES = pd.Series(["P1", "P2", None, "P9", "P1", ""], dtype="string", index=[5, 6, 7, 8, 9, 10])
KEYS = pd.Series(["P1", "P2", "P3", ""], dtype="string")


@pytest.mark.parametrize("keys", [KEYS, pd.Index(KEYS), set(KEYS), list(KEYS), KEYS.astype(object)])
def test_isin_is_pandas_isin_with_missing_values_never_in(keys: object) -> None:
    expected = VALUES.isin(set(KEYS)).fillna(False).astype(bool) & VALUES.notna()
    got = isin(VALUES, keys)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(got, expected, check_names=False)


def test_isin_of_nothing_and_in_nothing() -> None:
    assert not isin(VALUES, []).any()
    assert isin(VALUES.iloc[:0], KEYS).empty


def test_positions_are_first_positions_or_minus_one() -> None:
    index = pd.Index(["P2", "P1", "P1"], dtype="string")
    assert positions(VALUES, index).tolist() == [1, 0, -1, -1, 1, -1]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(pd.to_datetime(["2020-01-01", None, "2021-05-06"]), index=["P1", "P2", "P3"]),
        pd.Series([1, 2, 3], index=["P1", "P2", "P3"]),
        pd.Series([1.5, np.nan, 3.0], index=["P1", "P2", "P3"]),
        pd.Series(["a", None, "c"], dtype="string", index=["P1", "P2", "P3"]),
        pd.Series([True, False, None], dtype="boolean", index=["P1", "P2", "P3"]),
        pd.Series([], dtype="datetime64[ns]", index=pd.Index([], dtype="string")),
    ],
)
def test_lookup_is_reindex(values: pd.Series) -> None:
    values.index = values.index.astype("string")
    expected = values.reindex(pd.Index(VALUES.astype(object)))
    expected.index = VALUES.index
    got = lookup(VALUES, values)
    pd.testing.assert_series_equal(got, expected, check_index_type=False)
