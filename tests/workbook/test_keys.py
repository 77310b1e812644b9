"""ID lookups by pyarrow agree with pandas' own isin and reindex; each row's woman."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follicle.workbook import schema
from follicle.workbook.keys import isin, lookup, positions, row_owners
from follicle.workbook.validate import load_workbook

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"

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


def test_row_owners_follow_the_owner_chain_of_the_small_workbook() -> None:
    workbook = load_workbook(SMALL)
    owners = row_owners(workbook.frames)
    assert list(owners) == [t.name for t in schema.TABLES]
    for table in schema.TABLES:
        assert owners[table.name].dtype == "string"
        assert owners[table.name].index.equals(workbook[table.name].index)
    pd.testing.assert_series_equal(
        owners["pregnancies"],
        workbook["pregnancies"]["participant_id"].astype("string"),
        check_names=False,
    )
    # B1 is G1's (woman 007); B2 and B3 are G3's (009); B2's condition is hers through both.
    assert owners["infants"].tolist() == ["007", "009", "009"]
    assert owners["infant_conditions"].tolist() == ["009"]


def test_a_row_whose_parent_is_unknown_has_no_woman_and_a_repeated_key_counts_once() -> None:
    frames = {
        t.name: pd.DataFrame({c: pd.Series(dtype="string") for c in t.column_names})
        for t in schema.TABLES
    }
    frames["participants"] = pd.DataFrame({"participant_id": ["W1", "W2"]}, dtype="string")
    frames["pregnancies"] = pd.DataFrame(
        {"pregnancy_id": ["G1", "G1", "G2"], "participant_id": ["W1", "W2", "W2"]},
        dtype="string",
    )
    frames["infants"] = pd.DataFrame(
        {"infant_id": ["B1", "B2", "B3"], "pregnancy_id": ["G1", "G9", None]}, dtype="string"
    )
    frames["infant_conditions"] = pd.DataFrame({"infant_id": ["B2", "B1"]}, dtype="string")
    owners = row_owners(frames)
    assert owners["infants"].tolist() == ["W1", pd.NA, pd.NA]
    assert owners["infant_conditions"].tolist() == [pd.NA, "W1"]
    assert owners["contacts"].empty


def test_women_code_each_id_once_across_tables() -> None:
    from follicle.workbook.keys import Women

    p = pd.Series(["P1", "P2", None, "P1"], dtype="string", index=[2, 3, 4, 5])
    c = pd.Series(["P2", "P9", "P2"], dtype="string").iloc[1:]  # a slice: offset Arrow data
    women = Women({"p": p, "c": c, "none": pd.Series([], dtype="string")})
    assert women.count == 3
    codes = {n: women.codes[n].tolist() for n in ("p", "c", "none")}
    assert codes["p"][2] == -1
    assert codes["p"][0] == codes["p"][3]
    assert codes["c"][1] == codes["p"][1]
    assert codes["none"] == []
    # Her first row's value; a woman who is not in the table gets the fill.
    birth = pd.Series(pd.to_datetime(["2000-01-01", "2001-01-01", "2002-01-01", "1999-01-01"]))
    first = women.first("p", birth, np.datetime64("NaT", "ns"))
    got = women.per_row("c", first, c.index, np.datetime64("NaT", "ns"))
    expected = lookup(c, pd.Series(birth.to_numpy(), index=p.to_numpy()).iloc[[0, 1]])
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert women.per_row("p", women.having("c"), p.index, False).tolist() == [
        False,
        True,
        False,
        False,
    ]


def test_women_extremes_are_unknown_when_one_of_her_dates_is() -> None:
    from follicle.workbook.keys import Women

    who = pd.Series(["A", "A", "B", "B", None], dtype="string")
    dates = pd.Series(pd.to_datetime(["2020-03-01", "2020-01-01", "2020-02-01", None, None]))
    women = Women({"t": who})
    expected = dates.groupby(who).agg("min").where(dates.groupby(who).count() == 2)
    got = women.extreme("t", dates, "min")
    assert got[women.codes["t"][0]] == expected["A"]
    assert np.isnat(got[women.codes["t"][2]])
    assert pd.isna(expected["B"])
    assert women.extreme("t", dates, "max")[women.codes["t"][0]] == np.datetime64("2020-03-01")


def test_women_ranks_sort_as_the_text_ids() -> None:
    from follicle.workbook.keys import Women

    ids = pd.Series(["b", "a", "é", "B", None, "a"], dtype="string")
    women = Women({"t": ids})
    codes = women.codes["t"]
    named = codes >= 0
    by_rank = ids[named].iloc[np.argsort(women.ranks()[codes[named]], kind="stable")]
    assert by_rank.tolist() == ids[named].sort_values(kind="stable").tolist()


# A one-woman save codes and looks up a few IDs in Python (keys.FEW_IDS), a workbook many
# with Arrow's kernels: both must give the same codes, IDs and answers.
ids = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from(["", "P1", "P2", "p1", "P1 ", "Ｐ1", "P\u00e91", "Pe\u03011"]),
    st.text(max_size=4),
)
columns = st.lists(st.lists(ids, max_size=8), min_size=1, max_size=4)


def _column(values: list[object], dtype: str) -> pd.Series:
    return pd.Series(values, dtype=dtype)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=columns, dtype=st.sampled_from(["string", "str", "object"]))
def test_a_few_ids_are_coded_as_arrow_codes_many(data: list[list[object]], dtype: str) -> None:
    from follicle.workbook import keys as keys_module

    given_columns = {f"t{i}": _column(values, dtype) for i, values in enumerate(data)}
    few = keys_module.Women(given_columns)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys_module, "FEW_IDS", -1)
        many = keys_module.Women(given_columns)
    assert few.ids.type == many.ids.type
    assert few.ids.to_pylist() == many.ids.to_pylist()
    assert few.count == many.count
    assert few.codes.keys() == many.codes.keys()
    for name in few.codes:
        np.testing.assert_array_equal(few.codes[name], many.codes[name])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(values=st.lists(ids, max_size=8), wanted=st.lists(ids, max_size=8))
def test_a_few_ids_are_looked_up_as_arrow_looks_many_up(
    values: list[object], wanted: list[object]
) -> None:
    from follicle.workbook import keys as keys_module

    series = _column(values, "str")
    few = isin(series, _column(wanted, "string"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys_module, "FEW_IDS", -1)
        many = isin(series, _column(wanted, "string"))
    pd.testing.assert_series_equal(few, many)
