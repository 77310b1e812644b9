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
    if pa.types.is_large_string(array.type):
        return array.cast(pa.string())
    return array


def isin(values: pd.Series, keys: pd.Series | pd.Index | Collection[str]) -> pd.Series:
    """Whether each of ``values`` is one of ``keys``; a missing value never is."""
    if len(values) == 0 or len(keys) == 0:
        return pd.Series(False, index=values.index)
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
    array, wanted = _arrow(keys), _arrow(index)
    if array.type != wanted.type:
        wanted = wanted.cast(array.type)
    found = pc.index_in(array, value_set=wanted, skip_nulls=True).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by ID) for each of ``keys``, aligned with ``keys``.

    Missing where the key is missing or unknown; the dtype of ``values`` is kept (as
    ``reindex`` keeps it: integers without a missing value's room become floats).
    """
    if len(values) == 0:
        found = values.reindex(pd.Index(keys.astype(object)))
        found.index = keys.index
        return found
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
