"""The value every analysis step returns: a titled table plus named numbers.

Statistics are functions from data to a frozen :class:`Result`. Its ``table`` is what a
reader sees (one row per line of the printed table, numbers not yet formatted as text);
its ``values`` are the same numbers under stable, documented names (``docs/results.md``)
that feed ``results.json``; ``notes`` say how they were computed (which test, which
definition), so that no number leaves follicle without its method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Number = int | float | str | None


@dataclass(frozen=True)
class Result:
    """A titled analysis result.

    ``name`` is the stable key (``table1``, ``table2`` …) under which ``values`` appear in
    ``results.json``; ``label`` is the journal-style label ("Table 1"); ``title`` the
    caption.
    """

    name: str
    label: str
    title: str
    table: pd.DataFrame
    values: Mapping[str, Number] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The named numbers and notes, JSON-ready."""
        return {
            "label": self.label,
            "title": self.title,
            "values": dict(self.values),
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        caption = f"<p><b>{self.label}.</b> {self.title}</p>"
        notes = "".join(f"<p><small>{n}</small></p>" for n in self.notes)
        return caption + self.table.to_html(index=False, na_rep="") + notes
