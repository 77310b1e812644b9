"""``index.html``: the report as one self-contained page.

The page is rendered by Jinja2 (autoescape on) from ``templates/report.html.j2``. It needs
nothing but itself: the CSS is inline, the figures are inline SVG, there are no scripts,
fonts or links to the network, so it opens from disk and can be mailed as one file. The
print stylesheet keeps each table and figure on one page and repeats table headers.

The only markup not escaped is the SVG of the figures, which follicle itself wrote
(:func:`follicle.report.figures.inline_svg`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from follicle.report.figures import ReportFigure
from follicle.report.methods import Methods
from follicle.report.provenance import Provenance
from follicle.report.tables import ReportTable

#: The page title.
TITLE = "Intra-ovarian menstrual-blood stromal cells in poor ovarian responders"
SUBTITLE = (
    "Long-term follow-up, reproducing Zafardoust et al., Stem Cell Research & Therapy 2025, "
    "from individual data"
)


@dataclass(frozen=True)
class Item:
    """One block of the results section, in page order."""

    kind: Literal["table", "figure"]
    table: ReportTable | None = None
    figure: ReportFigure | None = None
    #: The heading of the part of the report this block opens, if it opens one.
    heading: str | None = None

    @property
    def name(self) -> str:
        """The result name of the table or figure."""
        block = self.table if self.table is not None else self.figure
        return block.name if block is not None else ""


def page_order(
    tables: Sequence[ReportTable],
    figures: Sequence[ReportFigure],
    parts: Mapping[str, Sequence[str]] | None = None,
) -> list[Item]:
    """Tables in order, each figure right after the table it names (else at the end).

    ``parts`` maps a part's heading to the result names it holds ("Reproduction of the
    published analysis": ``table1``, …); the first block of each part carries its heading.
    """
    names = {t.name for t in tables}
    items: list[Item] = []
    for table in tables:
        items.append(Item("table", table=table))
        items.extend(Item("figure", figure=f) for f in figures if f.after == table.name)
    items.extend(Item("figure", figure=f) for f in figures if f.after not in names)
    for heading, members in (parts or {}).items():
        first = next((i for i, item in enumerate(items) if item.name in members), None)
        if first is not None:
            items[first] = replace(items[first], heading=heading)
    return items


def anchor(text: str) -> str:
    """An HTML id made from a label or name (``"Table 1"`` → ``"table-1"``)."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("follicle.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    return env


def render_html(
    tables: Sequence[ReportTable],
    figures: Sequence[ReportFigure],
    provenance: Provenance,
    methods: Methods,
    *,
    title: str = TITLE,
    subtitle: str = SUBTITLE,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The report page as HTML text.

    Parameters
    ----------
    tables
        Report tables, in page order.
    figures
        Report figures; each is placed after the table named by its ``after``.
    provenance
        Source, checksums, date and software (printed at the end; the demo notice also
        at the top).
    methods
        The methods section (:func:`follicle.report.methods.write_methods`).
    title, subtitle
        The page heading.
    parts
        Headings of the report's parts and the result names under each (:func:`page_order`).

    Returns
    -------
    str
        A complete HTML document.
    """
    template = _environment().get_template("report.html.j2")
    # Not escaped: follicle wrote this SVG itself (figures.inline_svg).
    svgs = {f.name: Markup(f.svg) for f in figures}
    return template.render(
        title=title,
        subtitle=subtitle,
        items=page_order(tables, figures, parts),
        tables=tables,
        figures=figures,
        svgs=svgs,
        provenance=provenance,
        methods=methods,
    )


def write_html(
    path: Path,
    tables: Sequence[ReportTable],
    figures: Sequence[ReportFigure],
    provenance: Provenance,
    methods: Methods,
    *,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    html = render_html(tables, figures, provenance, methods, parts=parts)
    path.write_text(html, encoding="utf-8")
    return path
