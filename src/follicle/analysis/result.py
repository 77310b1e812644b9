"""The value every analysis step returns: a titled table plus named numbers.

Statistics are functions from data to a frozen :class:`Result`. Its ``table`` is what a
reader sees (one row per line of the printed table, numbers not yet formatted as text);
its ``values`` are the same numbers under stable, documented names (``docs/results.md``)
that feed ``results.json``; ``notes`` say how they were computed (which test, which
definition), so that no number leaves follicle without its method.

A note that begins with :data:`COHORT_NOTE` ("In this cohort") states a fact about the data
at hand (a 2 × 2 table with a small expected count, say), not a method: the report prints it
under its table but leaves it out of the methods section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Number = int | float | str | None

#: How a note about the data themselves (not about a method) begins.
COHORT_NOTE = "In this cohort"
#: The keys of :meth:`Result.to_frame`'s ``DataFrame.attrs``.
FRAME_ATTRS = ("name", "label", "title", "notes", "values")


@dataclass(frozen=True)
class Result:
    """A titled analysis result.

    ``name`` is the stable key (``table1``, ``table2`` …) under which ``values`` appear in
    ``results.json``; ``title`` the caption. ``label`` is the result's number in the report
    ("Table 4", "Figure 2"): a number depends on what else the report holds, so the analysis
    leaves it empty and the report gives it, in report order
    (:mod:`follicle.report.numbering`; ``follicle.report.report_results(cohort)``).
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

    def to_frame(self) -> pd.DataFrame:
        """The table as a new DataFrame whose ``attrs`` carry the rest of the result.

        ``attrs`` holds ``name``, ``label``, ``title``, ``notes`` (a list of strings) and
        ``values`` (a dict of the named numbers), so that a table taken out of its result
        keeps its caption, its method and its unrounded numbers::

            >>> frame = cohort.table2()                     # doctest: +SKIP
            >>> frame.attrs["values"]["age.p"]              # doctest: +SKIP
            0.11893...
        """
        frame = self.table.copy()
        frame.attrs = {
            "name": self.name,
            "label": self.label,
            "title": self.title,
            "notes": list(self.notes),
            "values": dict(self.values),
        }
        return frame

    def _repr_html_(self) -> str:
        caption = (
            f"<p><b>{self.label}.</b> {self.title}</p>"
            if self.label
            else (f"<p><b>{self.title}</b></p>")
        )
        notes = "".join(f"<p><small>{n}</small></p>" for n in self.notes)
        return caption + self.table.to_html(index=False, na_rep="") + notes


class OnDemand(Mapping[str, "Result"]):
    """Results by name, each computed when first read (``cohort.result``), so that a
    caller needing a few (the reproduction audit) does not pay for the rest."""

    def __init__(self, names: Sequence[str], compute: Callable[[str], Result]) -> None:
        self._names = tuple(names)
        self._known = frozenset(self._names)
        self._compute = compute

    def __getitem__(self, name: str) -> Result:
        if name not in self._known:
            raise KeyError(name)
        return self._compute(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
