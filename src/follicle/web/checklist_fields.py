"""The telephone checklist's flat form field names, to and from nested values.

The form names its fields like JavaScript paths, so that every value (and every error)
has one stable name:

``contact_date``, ``mode``, ``milestone``, ``menses``, ``vital_status``
    the contact;
``conditions.<condition>.answer`` (yes / no / unknown), ``….diagnosis_date``,
``….during_pregnancy``, ``….resolved``
    each maternal condition of the vocabulary;
``pregnancies[i].<column>``, ``pregnancies[i].infants[j].<column>`` and
``pregnancies[i].infants[j].conditions.<condition>.answer`` / ``….diagnosis_date``
    pregnancies since the last contact, their infants and each infant's checklist;
``ivf_cycles[k].<column>``
    IVF cycles since the last contact.

Blocks removed from the page leave gaps in the indices; :func:`nest` closes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")

#: The most parts a field name of the form has
#: (``pregnancies[i].infants[j].conditions.<condition>.answer``). A deeper name is no field
#: of the form: nested as it is, thousands of parts in one posted name ran :func:`nest` past
#: Python's recursion limit (a server error).
MAX_PARTS = 5


def _path(name: str) -> list[tuple[str, int | None]] | None:
    """``a[0].b`` → ``[("a", 0), ("b", None)]``; ``None`` unless well formed and ending in a
    plain name."""
    names = name.split(".")
    if len(names) > MAX_PARTS:
        return None
    parts = []
    for part in names:
        match = _PART.fullmatch(part)
        if match is None:
            return None
        index = match.group(2)
        parts.append((match.group(1), None if index is None else int(index)))
    return parts if parts[-1][1] is None else None


def nest(fields: Mapping[str, str]) -> dict[str, Any]:
    """Nested dicts and lists from flat field names (lists in index order, gaps closed)."""
    root: dict[str, Any] = {}
    for name, value in fields.items():
        path = _path(name)
        if path is None:
            continue
        node = root
        for key, index in path[:-1]:
            child = node.setdefault(key, {})  # an index → dict map, made a list below
            node = child if index is None else child.setdefault(index, {})
        node[path[-1][0]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            return [_lists(node[k]) for k in sorted(node)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def count(fields: Mapping[str, str], prefix: str) -> int:
    """How many indexed blocks ``prefix[i].…`` the fields hold (highest index + 1)."""
    pattern = re.compile(re.escape(prefix) + r"\[(\d+)\]\.")
    found = [int(m.group(1)) for name in fields if (m := pattern.match(name))]
    return max(found) + 1 if found else 0
