"""``results.json``: every number of the report, machine-readable.

The envelope (documented in ``docs/report.md``)::

    {
      "follicle_version": "0.1.0",
      "generated": "2025-01-31T12:00:00+00:00",
      "provenance": {"source": …, "checksums": {"algorithm": "SHA-256", "files": {…}},
                     "generated": …, "demo": false, "software": {…}},
      "results": {"table1": {"label": "Table 1", "number": "Table 1", "paper_number": …,
                             "title": …, "values": {…}, "notes": […]}, …}
    }

``results`` holds :meth:`follicle.analysis.result.Result.to_dict` under each result's
stable name (``docs/results.md`` lists the names of the values), with its ``number`` in the
report ("Table 4", "Figure 2"; :mod:`follicle.report.numbering`; ``label`` holds the same)
and ``paper_number``, the seed paper's number of the same table or figure (``"Table 2"``,
or ``null`` when the paper has none). The JSON is strict:
``NaN`` and infinities become ``null``, NumPy and pandas scalars become plain numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from follicle.report.provenance import Provenance

if TYPE_CHECKING:
    from follicle.analysis.result import Result
    from follicle.report.numbering import Number

#: Keys of the envelope, in order.
ENVELOPE = ("follicle_version", "generated", "provenance", "results")


def jsonable(value: Any) -> Any:
    """``value`` with NumPy/pandas scalars, dates, paths and non-finite floats made JSON.

    Examples
    --------
    >>> jsonable({"p": np.float64(0.5), "n": np.int64(3), "x": float("nan")})
    {'p': 0.5, 'n': 3, 'x': None}
    """
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str):
        return value
    return str(value)


def _entry(result: Result, number: Number | None) -> dict[str, Any]:
    """One result's entry: ``label``, then ``number`` and ``paper_number`` when numbered."""
    entry = result.to_dict()
    if number is None:
        return entry
    label, rest = entry.pop("label"), entry
    return {"label": label, "number": number.label, "paper_number": number.paper, **rest}


def results_document(
    results: Mapping[str, Result],
    provenance: Provenance,
    numbers: Mapping[str, Number] | None = None,
) -> dict[str, Any]:
    """The ``results.json`` envelope as a dictionary (see the module docs).

    ``numbers`` (:func:`follicle.report.numbering.assign`) adds ``number`` and
    ``paper_number`` to each result; the report always gives them.
    """
    numbers = numbers or {}
    return {
        "follicle_version": provenance.software.get("follicle", ""),
        "generated": provenance.generated,
        "provenance": jsonable(provenance.to_dict()),
        "results": {
            name: jsonable(_entry(result, numbers.get(name))) for name, result in results.items()
        },
    }


def write_results_json(
    results: Mapping[str, Result],
    provenance: Provenance,
    path: Path,
    numbers: Mapping[str, Number] | None = None,
) -> Path:
    """Write ``results.json`` (UTF-8, indented, strict JSON) and return its path."""
    document = results_document(results, provenance, numbers)
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
