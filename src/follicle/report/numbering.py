"""Table and figure numbers: given once, in report order, and used by every output.

The analysis names its results (``table2``, ``figure_forest``) and titles them; it does not
number them, because a number depends on what else the report holds (``--by`` adds a
table, a review of the events adds another, a cohort with two arms adds the comparison).
:func:`assign` numbers the results in the order the report presents them — the order of
``cohort.results()``, which the HTML page, ``tables.docx`` and ``tables.xlsx`` follow —
counting tables and figures apart: Table 1, Table 2, … and Figure 1, Figure 2, …, with no
gap and no table or figure left without a number. :func:`numbered` puts each number in its
result's ``label``, so the captions of the page, the Word and Excel tables, the contents,
the anchors of the page (``table-4``, ``figure-2``), the methods' references, the figures'
text alternatives and ``results.json`` (``number``) all read the same.

The comparison of arms continues the one sequence rather than starting an "A" series: it
is a part of the report's body, printed with the rest, not a supplement, and one sequence
lets a reader find "Table 22" without knowing which part it is in.

Our numbers are not the seed paper's: the report prints tables the paper has only in its
text (the menstrual transitions, the pregnancy outcomes, the baby outcome), so the paper's
Table 2 is this report's Table 4. Where the two differ the caption says so ("… (the
paper's Table 2)"), and ``results.json`` gives ``paper_number``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from follicle.analysis.result import Result

Kind = Literal["Table", "Figure"]

#: The seed paper's own numbers (Zafardoust et al. 2025) of the results that reproduce one
#: of its tables or figures, by result name. The menstrual transitions, the pregnancy
#: outcomes and the baby outcome reproduce the paper's text, which numbers nothing.
PAPER_NUMBERS: Mapping[str, str] = {
    "table1": "Table 1",
    "figure1": "Figure 1",
    "table2": "Table 2",
    "figure2": "Figure 2",
    "table3": "Table 3",
}

#: Columns whose cells name other results (by their stable names): the report prints each
#: as that result's number. ``intervals`` groups its rows under the Part 1 result they
#: come from.
CROSS_REFERENCES: Mapping[str, str] = {"intervals": "section"}


@dataclass(frozen=True)
class Number:
    """The number of one table or figure of the report.

    Attributes
    ----------
    kind
        ``"Table"`` or ``"Figure"`` (counted apart).
    n
        Its position among the report's tables (or figures), from 1.
    paper
        The seed paper's number of the same table or figure (``"Table 2"``), if it has one.
    """

    kind: Kind
    n: int
    paper: str | None = None

    @property
    def label(self) -> str:
        """``"Table 4"``."""
        return f"{self.kind} {self.n}"

    @property
    def paper_note(self) -> str:
        """``"the paper's Table 2"`` when the paper numbers it otherwise, else ``""``."""
        if self.paper is None or self.paper == self.label:
            return ""
        return f"the paper's {self.paper}"

    def caption_title(self, title: str) -> str:
        """``title`` followed by :attr:`paper_note` in parentheses, when there is one."""
        note = self.paper_note
        return f"{title} ({note})" if note else title


def is_figure_name(name: str) -> bool:
    """Whether a result is a figure by its name alone (``figure1``, ``figure_forest``)."""
    return name.startswith("figure")


def assign(
    names: Iterable[str],
    *,
    is_figure: Callable[[str], bool] = is_figure_name,
    paper: Mapping[str, str] = PAPER_NUMBERS,
) -> dict[str, Number]:
    """Number the results ``names``, in the order given (the report's order).

    Parameters
    ----------
    names
        The results' stable names, in report order (``cohort.results()``'s keys).
    is_figure
        Whether a result is drawn as a figure (the report's rule: its name starts with
        ``figure`` and the cohort draws it); every other result is a table.
    paper
        The paper's own numbers, by result name (:data:`PAPER_NUMBERS`).

    Returns
    -------
    dict[str, Number]
        Each name's number, in the same order: tables 1, 2, … and figures 1, 2, …

    Examples
    --------
    >>> numbers = assign(["table1", "pregnancy", "figure1", "table2"])
    >>> [numbers[n].label for n in numbers]
    ['Table 1', 'Table 2', 'Figure 1', 'Table 3']
    >>> numbers["table2"].caption_title("Pregnancy by age")
    "Pregnancy by age (the paper's Table 2)"
    """
    counts: dict[Kind, int] = {"Table": 0, "Figure": 0}
    numbers: dict[str, Number] = {}
    for name in names:
        kind: Kind = "Figure" if is_figure(name) else "Table"
        counts[kind] += 1
        numbers[name] = Number(kind, counts[kind], paper.get(name))
    return numbers


def numbered(results: Mapping[str, Result], numbers: Mapping[str, Number]) -> dict[str, Result]:
    """``results`` with each ``label`` set to its number and cross-references printed as
    numbers (:data:`CROSS_REFERENCES`).

    Raises
    ------
    KeyError
        A result without a number (``numbers`` must come from :func:`assign` over the
        same results).
    """
    missing = [name for name in results if name not in numbers]
    if missing:
        raise KeyError(f"no number for the results {', '.join(missing)}")
    labels = {name: number.label for name, number in numbers.items()}
    out = {}
    for name, result in results.items():
        table = result.table
        column = CROSS_REFERENCES.get(name)
        if column is not None and column in table.columns:
            # A name the report does not hold (not computed here) is printed as it is.
            table = table.assign(**{column: table[column].map(lambda v: labels.get(v, v))})
        out[name] = replace(result, label=labels[name], table=table)
    return out
