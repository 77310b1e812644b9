"""The validated workbook: eight typed pandas frames, whatever they were read from.

A :class:`Workbook` is what flows downstream — to the registry importer, to the exporter and
to the analysis — whether it came from CSV files, an ``.xlsx`` or the registry database.
Its frames carry pandas' nullable dtypes, so that "unknown" is ``<NA>`` in every column:

============  ==================
schema dtype  pandas dtype
============  ==================
id, text      ``string``
category      ``string``
date          ``datetime64[ns]`` (midnight; ``NaT`` unknown)
boolean       ``boolean``
integer       ``Int64``
number        ``Float64``
============  ==================

Defaults declared in the schema (``arm`` = MenSC, ``fetuses`` = 1, …) are *not* filled in
here: a workbook round-trips exactly as it was written. :func:`with_defaults` applies them
for the analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from follicle.workbook.read import FIRST_DATA_ROW
from follicle.workbook.schema import OPTIONAL_TABLES, TABLES, TABLES_BY_NAME, Column, Table

if TYPE_CHECKING:
    from follicle.errors import Problem
    from follicle.workbook.keys import Women

PANDAS_DTYPES: dict[str, str] = {
    "id": "string",
    "text": "string",
    "category": "string",
    "date": "datetime64[ns]",
    "boolean": "boolean",
    "integer": "Int64",
    "number": "Float64",
}


def pandas_dtype(column: Column) -> str:
    """The pandas dtype that holds ``column`` in a typed frame."""
    return PANDAS_DTYPES[column.dtype]


#: The typed frames' text dtype (Arrow-backed strings; Python strings under pandas 2).
TEXT = pd.StringDtype()


def text_array(values: Sequence[str | None]) -> pd.api.extensions.ExtensionArray:
    """Python strings (``None`` missing) as a typed frame's text column.

    Straight into Arrow where the text dtype is Arrow-backed: ``pd.array`` checks every
    value again, which on a woman's few cells costs more than the array.
    """
    if TEXT.storage != "pyarrow":  # pandas 2: the text dtype keeps Python strings
        return pd.array(list(values), dtype=TEXT)
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))


def empty_frame(table: Table) -> pd.DataFrame:
    """A frame with no rows and every column of ``table``, typed."""
    return pd.DataFrame({c.name: pd.Series([], dtype=pandas_dtype(c)) for c in table.columns})


def coerce(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the columns of ``table``, in order, cast to their dtypes.

    Missing columns are added empty; extra columns are dropped. The values must already be
    valid (this casts, it does not validate).
    """
    out = {}
    for c in table.columns:
        dtype = pandas_dtype(c)
        if c.name in frame.columns:
            values = frame[c.name]
            if dtype == "datetime64[ns]":
                values = pd.to_datetime(values).astype(dtype)
            out[c.name] = values.astype(dtype)
        else:
            out[c.name] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    return pd.DataFrame(out, index=frame.index)


def with_defaults(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the schema's declared defaults filled into empty cells."""
    filled = frame.copy()
    for c in table.columns:
        if c.default is not None and c.name in filled.columns:
            default: object = int(c.default) if c.dtype == "integer" else c.default
            filled[c.name] = filled[c.name].fillna(default)
    return filled


@dataclass(frozen=True)
class Workbook:
    """The eight tables of a valid workbook, typed (see the module docstring).

    ``source`` says where it came from (a path or a database URL without password);
    ``checksums`` maps file names to SHA-256 for provenance lines.
    """

    frames: Mapping[str, pd.DataFrame]
    source: str = ""
    checksums: Mapping[str, str] = field(default_factory=dict)
    #: Read from a de-identified workbook: every date is a day on one calendar
    #: (:mod:`follicle.workbook.deidentified`), not a calendar date.
    deidentified: bool = False
    #: The women of the tables coded once by validation (:class:`~.keys.Women`), with the
    #: frames whose rows the codes follow: the analysis reuses them instead of hashing the
    #: IDs again (see :meth:`coded_women`).
    women: tuple[Women, Mapping[str, pd.DataFrame]] | None = field(
        default=None, repr=False, compare=False
    )
    #: Where validation found each table's rows: their spreadsheet rows (header = row 1),
    #: which skip the blank rows it dropped, and its file (or sheet) as its problems named
    #: it. What the import reports later must point at the same cells: see
    #: :meth:`spreadsheet_rows` and :meth:`label`. Empty for a workbook read from no file.
    rows: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    labels: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: How validation put its problems in the file's own terms, when they differ from the
    #: workbook's (a REDCap records file: :attr:`~follicle.workbook.read.RawWorkbook.
    #: relabel`); see :meth:`in_file_terms`.
    relabel: Callable[[Problem], Problem] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [t.name for t in TABLES if t.name not in self.frames]
        if missing:
            raise ValueError(f"a Workbook needs all eight tables; missing {missing}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(t.name for t in TABLES)

    def spreadsheet_rows(self, name: str) -> np.ndarray:
        """The spreadsheet row (header = row 1) of each row of table ``name``, in order.

        The rows validation read them from, when it did and the frame is still the one it
        read (as many rows); else counted from row 2, as an export would write them.
        """
        frame = self.frames[name]
        rows = self.rows.get(name)
        if rows is not None and len(rows) == len(frame):
            return rows
        return np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))

    def label(self, name: str) -> str:
        """How messages name table ``name``'s file: as validation named it, else its CSV
        file or, for an ``.xlsx`` source, its sheet of that file."""
        if name in self.labels:
            return self.labels[name]
        source = Path(self.source) if self.source else None
        if source is not None and source.suffix.lower() in (".xlsx", ".xlsm"):
            return f"{source.name}, sheet {name}"
        return TABLES_BY_NAME[name].filename

    def in_file_terms(self, problems: Iterable[Problem]) -> list[Problem]:
        """Problems found after validation (by the import) named as validation named its
        own: a REDCap records file's variable (``inf_birth_date``), not the workbook column
        it fills (the infant's ``birth_date``)."""
        if self.relabel is None:
            return list(problems)
        return [self.relabel(p) for p in problems]

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table, in schema order."""
        return {t.name: len(self.frames[t.name]) for t in TABLES}

    def coded_women(self, *tables: str) -> Women:
        """The women named in ``tables`` (by ``participant_id``), each as an integer code.

        Validation's coding of every table when it came with this workbook and these very
        frames (the codes follow their rows); else a new coding of ``tables``. Either way
        one code per woman across ``tables``; validation's may hold more women (those of
        the other tables).
        """
        from follicle.workbook.keys import Women

        if self.women is not None:
            women, frames = self.women
            if all(frames.get(name) is self.frames[name] for name in tables):
                return women
        return Women({name: self.frames[name]["participant_id"] for name in tables})

    def with_coded_women(self) -> Workbook:
        """This workbook with the women of all its tables coded once (what
        :meth:`coded_women` then hands out for any of them): itself when it carries such a
        coding of these frames already (validation's)."""
        from follicle.workbook.keys import Women

        named = [name for name, frame in self.frames.items() if "participant_id" in frame.columns]
        if self.women is not None and all(self.women[1].get(n) is self.frames[n] for n in named):
            return self
        women = Women({name: self.frames[name]["participant_id"] for name in named})
        return replace(self, women=(women, {name: self.frames[name] for name in named}))

    @property
    def judgments(self) -> pd.DataFrame | None:
        """The optional ``judgments`` table (the review of reported events), if carried."""
        return self.frames.get("judgments")

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        source: str = "",
        checksums: Mapping[str, str] | None = None,
        deidentified: bool = False,
        women: Women | None = None,
        rows: Mapping[str, np.ndarray] | None = None,
        labels: Mapping[str, str] | None = None,
        relabel: Callable[[Problem], Problem] | None = None,
    ) -> Workbook:
        """Build a workbook from (possibly untyped) frames, coercing each to the schema.

        Absent tables become empty tables. The index is reset to 0..n-1. ``women``: the
        coding of ``frames``' IDs (:class:`~.keys.Women`, as validation made it), kept for
        the tables whose rows it codes. ``rows`` and ``labels``: where the frames' rows
        were read (:meth:`spreadsheet_rows`, :meth:`label`); ``relabel``: how their problems
        are named (:meth:`in_file_terms`).
        """
        typed = {}
        for table in TABLES:
            frame = frames.get(table.name)
            if frame is None:
                typed[table.name] = empty_frame(table)
            else:
                typed[table.name] = coerce(table, frame.reset_index(drop=True))
        for table in OPTIONAL_TABLES:  # carried only when given
            if frames.get(table.name) is not None:
                typed[table.name] = coerce(table, frames[table.name].reset_index(drop=True))
        coded = None
        if women is not None:
            coded = (
                women,
                {
                    name: typed[name]
                    for name, codes in women.codes.items()
                    if name in typed
                    and frames.get(name) is not None
                    and len(codes) == len(typed[name])
                },
            )
        return cls(
            typed,
            source,
            dict(checksums or {}),
            deidentified,
            coded,
            dict(rows or {}),
            dict(labels or {}),
            relabel,
        )


def table(name: str) -> Table:
    """The schema of the table called ``name``."""
    return TABLES_BY_NAME[name]
