"""Looking IDs up in other tables' IDs, by pyarrow's hash kernels.

Validation looks up millions of IDs (every row's woman, pregnancy, cycle): ``Series.isin``
with a Python ``set`` and ``reindex`` on a text index turn each ID into a Python object
first, which at a million women costs minutes. ``pyarrow.compute.is_in`` / ``index_in``
hash the Arrow strings that the frames already hold.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from follicle.workbook.schema import TABLES, TABLES_BY_NAME


def _arrow(values: pd.Series | pd.Index) -> pa.Array:
    """``values`` as an Arrow array (no copy for Arrow-backed text)."""
    array = pa.array(values.array if isinstance(values, pd.Index) else values, from_pandas=True)
    if pa.types.is_large_string(array.type) or pa.types.is_null(array.type):
        # Null: a column of Python objects with every value missing (pandas 2's text).
        return array.cast(pa.string())
    return array


#: Up to this many IDs a lookup is a Python dictionary's (a one-woman save's few rows):
#: Arrow's kernels cost tens of microseconds a call whatever the length. Both compare the
#: text exactly; anything but text and missing values goes to Arrow.
FEW_IDS = 64


def _few_texts(values: pd.Series | pd.Index | Collection[str]) -> list[str | None] | None:
    """``values`` as Python strings (``None`` where missing) if they are few and all text
    or missing; else ``None``."""
    if len(values) > FEW_IDS:
        return None
    items = values.tolist() if isinstance(values, pd.Series | pd.Index) else list(values)
    out: list[str | None] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif item is None or item is pd.NA or (isinstance(item, float) and item != item):
            out.append(None)
        else:
            return None
    return out


def isin(values: pd.Series, keys: pd.Series | pd.Index | Collection[str]) -> pd.Series:
    """Whether each of ``values`` is one of ``keys``; a missing value never is."""
    if len(values) == 0 or len(keys) == 0:
        return pd.Series(False, index=values.index)
    few, wanted_few = _few_texts(values), _few_texts(keys)
    if few is not None and wanted_few is not None:
        known = {k for k in wanted_few if k is not None}
        hits = np.array([v is not None and v in known for v in few], dtype=bool)
        return pd.Series(hits, index=values.index)
    if not isinstance(keys, pd.Series | pd.Index):
        keys = pd.Series(list(keys), dtype="string")
    array, wanted = _arrow(values), _arrow(keys)
    if array.type != wanted.type:
        wanted = wanted.cast(array.type)
    found = pc.is_in(array, value_set=wanted, skip_nulls=True).fill_null(False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)


def positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """The position in ``index`` of each of ``keys`` (the first, if repeated); -1 if absent."""
    if len(keys) == 0 or len(index) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    return _index_in(_arrow(keys), _arrow(index))


def _index_in(values: pa.Array | pa.ChunkedArray, wanted: pa.Array) -> np.ndarray:
    """The position in ``wanted`` of each of ``values``; -1 where missing or absent."""
    if values.type != wanted.type:
        values = values.cast(wanted.type)
    found = pc.index_in(values, value_set=wanted, skip_nulls=True).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def lookup(keys: pd.Series, values: pd.Series, at: np.ndarray | None = None) -> pd.Series:
    """``values`` (indexed by ID) for each of ``keys``, aligned with ``keys``.

    Missing where the key is missing or unknown; the dtype of ``values`` is kept (as
    ``reindex`` keeps it: integers without a missing value's room become floats). ``at``:
    ``positions(keys, values.index)`` when the caller has it already (several columns
    looked up by the same keys hash them once).
    """
    if len(values) == 0:
        found = values.reindex(pd.Index(keys.astype(object)))
        found.index = keys.index
        return found
    if at is None:
        at = positions(keys, values.index)
    found = values.iloc[np.maximum(at, 0)]
    found.index = keys.index
    return found.where(at >= 0)


def row_owners(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Each row's woman: for every table of the schema, the ``participant_id`` that owns
    each of its rows (text, aligned with the table's rows).

    Follows the schema's owner chain (:attr:`follicle.workbook.schema.Table.owner`): an
    infant is hers through its pregnancy, an infant condition through its infant and that
    pregnancy. A parent key repeated in its table counts once (its first row); a row whose
    parent is missing or unknown has no woman (``<NA>``). ``frames`` holds every table of
    the schema by name (a :class:`~follicle.workbook.frames.Workbook` does).
    """
    owners: dict[str, pd.Series] = {}
    for table in TABLES:
        frame = frames[table.name]
        column, parent = table.owner
        if parent == "participants":
            owners[table.name] = frame[column].astype("string")
            continue
        parent_key = TABLES_BY_NAME[parent].key
        assert parent_key is not None, parent  # the schema's owners are keyed tables
        theirs = pd.Series(owners[parent].to_numpy(), index=frames[parent][parent_key].to_numpy())
        owners[table.name] = lookup(frame[column], theirs).astype("string")
    return owners


#: ``NaT`` as int64 nanoseconds (the smallest integer).
NAT = np.iinfo(np.int64).min
_LATEST = np.iinfo(np.int64).max


def date_ticks(dates: pd.Series) -> np.ndarray:
    """Dates as int64 nanoseconds (``NaT`` is the smallest integer)."""
    return dates.to_numpy(dtype="datetime64[ns]").view(np.int64)


def extreme_by_woman(woman: np.ndarray, ticks: np.ndarray, count: int, how: str) -> np.ndarray:
    """Each woman's earliest or latest of ``ticks`` (rows of ``woman``, -1 for none),
    ignoring missing dates; ``NaT`` where she has none (a group-by's ``min``/``max``)."""
    rows = (woman >= 0) & (ticks != NAT)
    if how == "min":
        out = np.full(count, _LATEST)
        np.minimum.at(out, woman[rows], ticks[rows])
        out[out == _LATEST] = NAT
    else:
        out = np.full(count, NAT)
        np.maximum.at(out, woman[rows], ticks[rows])
    return out.view("datetime64[ns]")


class Women:
    """The women that several tables name, each as an integer code, for per-woman lookups.

    ``columns`` maps a table's name to its ``participant_id`` column. All of them are
    hashed together once (pyarrow's ``dictionary_encode`` over the columns chunked
    together: one dictionary, so one code per ID across tables); every lookup after that
    is numpy indexing. At a million women each :func:`isin` or :func:`lookup` hashes
    millions of IDs again (about 0.2 s each, and validation needs dozens).

    A row whose ID is missing has the code -1. Per-woman values are numpy arrays of
    :attr:`count` entries, one per code.
    """

    def __init__(self, columns: Mapping[str, pd.Series]) -> None:
        if self._code_few(columns):
            return
        chunks: list[pa.Array] = []
        lengths: list[int] = []
        for values in columns.values():
            array = pa.array(values.array, from_pandas=True)
            if not pa.types.is_large_string(array.type):
                array = array.cast(pa.large_string())
            chunks.extend(array.chunks if isinstance(array, pa.ChunkedArray) else [array])
            lengths.append(len(values))
        encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
        # The encoded chunks need not be the chunks given (empty ones may be left out): the
        # codes are split by each column's length.
        codes = np.concatenate(
            [np.zeros(0, dtype=np.int64)]
            + [
                np.asarray(c.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
                for c in encoded.chunks
            ]
        )
        #: The IDs, in the order of their codes.
        self.ids: pa.Array = (
            encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], pa.large_string())
        )
        #: How many different women the columns name.
        self.count = len(self.ids)
        self.codes: dict[str, np.ndarray] = dict(
            zip(columns, np.split(codes, np.cumsum(lengths)[:-1]), strict=True)
        )

    def _code_few(self, columns: Mapping[str, pd.Series]) -> bool:
        """Code a few IDs in Python, as ``dictionary_encode`` does (each ID its place of
        first appearance, the columns in order); ``False`` (nothing done) unless they are
        few and all text or missing."""
        if sum(len(values) for values in columns.values()) > FEW_IDS:
            return False
        texts = [_few_texts(values) for values in columns.values()]
        if any(t is None for t in texts):
            return False
        seen: dict[str, int] = {}
        codes = {
            name: np.array(
                [-1 if v is None else seen.setdefault(v, len(seen)) for v in column or ()],
                dtype=np.int64,
            )
            for name, column in zip(columns, texts, strict=True)
        }
        self.ids = pa.array(list(seen), type=pa.large_string())
        self.count = len(seen)
        self.codes = codes
        return True

    def code(self, values: pd.Series) -> np.ndarray:
        """The code of each of ``values`` (IDs of another column, say a derived frame's);
        -1 where it is missing or names none of these women."""
        if len(values) == 0 or self.count == 0:
            return np.full(len(values), -1, dtype=np.int64)
        return _index_in(_arrow(values), self.ids)

    def ranks(self) -> np.ndarray:
        """Each code's place among the IDs sorted as text (as pandas sorts them): sorting
        rows by it sorts them by ID without comparing strings again."""
        ranks = np.empty(self.count, dtype=np.int64)
        order = pc.sort_indices(self.ids).to_numpy(zero_copy_only=False)
        ranks[order] = np.arange(self.count, dtype=np.int64)
        return ranks

    def having(self, table: str) -> np.ndarray:
        """Whether each woman has a row in ``table``."""
        codes = self.codes[table]
        found = np.zeros(self.count, dtype=bool)
        found[codes[codes >= 0]] = True
        return found

    def first_rows(self, table: str) -> np.ndarray:
        """Each woman's first row in ``table`` (its position), -1 for a woman without one."""
        codes = self.codes[table]
        named = np.flatnonzero(codes >= 0)
        women, first = np.unique(codes[named], return_index=True)
        rows = np.full(self.count, -1, dtype=np.int64)
        rows[women] = named[first]
        return rows

    def first(self, table: str, values: pd.Series, fill: object) -> np.ndarray:
        """Each woman's value of ``values`` (a column of ``table``) in her first row there;
        ``fill`` for a woman without one."""
        rows = self.first_rows(table)
        data = values.to_numpy()
        out = np.full(self.count, fill, dtype=data.dtype)
        out[rows >= 0] = data[rows[rows >= 0]]
        return out

    def extreme(self, table: str, dates: pd.Series, how: str) -> np.ndarray:
        """Each woman's earliest (``how="min"``) or latest (``"max"``) of ``dates`` (a
        column of ``table``), as ``datetime64[ns]``: ``NaT`` if she has no row there or
        any of her dates is missing (the missing one could be the extreme)."""
        codes = self.codes[table]
        ticks = date_ticks(dates)
        out = extreme_by_woman(codes, ticks, self.count, how)
        unknown = np.zeros(self.count, dtype=bool)
        unknown[codes[(codes >= 0) & (ticks == NAT)]] = True
        out[unknown] = np.datetime64("NaT", "ns")
        return out

    def per_row(
        self, table: str, per_woman: np.ndarray, index: pd.Index, fill: object
    ) -> pd.Series:
        """``per_woman`` for each row of ``table`` (``index`` its rows); ``fill`` where the
        row names no woman."""
        ends = np.append(per_woman, np.array([fill], dtype=per_woman.dtype))
        return pd.Series(ends[self.codes[table]], index=index)
