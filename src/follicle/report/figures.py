"""Figures for print and screen: one matplotlib style, PNG + SVG files, inline SVG.

The report draws every figure inside :func:`report_style` on an axes made by
:func:`new_axes` (6.5 × 4 in, the text width of an A4 or Letter page), so the fonts stay
≥ 9 pt at the printed size. :func:`finish` makes a drawn figure safe to print in
greyscale — bars that only differ by colour get hatches — and moves the legend above the
plot, where it cannot cover data. :func:`save_figure` writes ``<name>.svg`` (vector, for
print) and ``<name>.png`` (200 dpi, for slides and word processors), each drawn once, and
returns the SVG text ready to be inlined into an HTML page.

Nothing here uses pyplot: figures are plain :class:`matplotlib.figure.Figure` objects, so
no GUI backend or global figure list is involved.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Patch

#: Resolution of the PNG files: sharp on slides, screens and in a word processor at the
#: figure's size (1,300 px across a 6.5 in figure). Print uses the SVG, which is vector.
DPI = 200
#: zlib's level for the PNG files. Pillow's default (6) spent about a third of a PNG's
#: time compressing; at 3 the four report figures cost 0.05 s less CPU and take 18 % more
#: room (266 KiB in all); 1 is no faster (issue 13).
PNG_COMPRESSION = 3
#: Width and height (inches) of a report figure: the text width of a portrait page.
FIGSIZE = (6.5, 4.0)
#: Sizes of figures that differ from :data:`FIGSIZE`: Figure 2 is a single box, which a
#: full-width axes would stretch; the time-to-pregnancy curves need room beneath for the
#: numbers at risk; the forest plot, for its rows of terms.
FIGSIZES: Mapping[str, tuple[float, float]] = {
    "figure2": (4.0, 4.0),
    "figure_time_to_pregnancy": (6.5, 5.0),
    "figure_forest": (6.5, 3.6),
    # The comparison of arms: room for three rows at risk; ten rows of hazard ratios.
    "figure_arms_incidence": (6.5, 5.2),
    "figure_arms_forest": (6.5, 4.6),
}
#: Okabe–Ito blue, orange, bluish green, vermillion: colour-blind safe and of distinct
#: lightness, so they stay apart in greyscale.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7")
#: Hatches given, in order, to bar series that have none (the first stays solid).
HATCHES = ("", "///", "...", "xx", "\\\\\\", "++")

#: The report's matplotlib style (applied by :func:`report_style`).
STYLE: Mapping[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "legend.frameon": False,
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "axes.prop_cycle": cycler(color=list(COLOURS)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.color": "0.85",
    "grid.linewidth": 0.6,
    "patch.force_edgecolor": True,
    "patch.edgecolor": "black",
    "patch.linewidth": 0.6,
    "hatch.color": "black",
    "hatch.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "boxplot.boxprops.color": "black",
    "boxplot.whiskerprops.color": "black",
    "boxplot.capprops.color": "black",
    "boxplot.medianprops.color": "black",
    "boxplot.medianprops.linewidth": 1.6,
    "boxplot.flierprops.markeredgecolor": "black",
    # Text as glyph outlines: the SVG looks the same in every browser, with or without
    # the font installed.
    "svg.fonttype": "path",
    # Stable clip-path ids, so the same figure gives the same file.
    "svg.hashsalt": "follicle",
}


@dataclass(frozen=True)
class SavedFigure:
    """A figure as written: its files and the SVG to inline into HTML."""

    name: str
    png: Path | None
    svg: Path | None
    inline_svg: str


@dataclass(frozen=True)
class ReportFigure:
    """A figure as the report shows it: label, caption, inline SVG and its files.

    ``after`` names the result (``table2``) the figure follows on the page; an empty or
    unknown name puts it after the last table.
    """

    name: str
    label: str
    title: str
    svg: str
    png: Path | None = None
    svg_file: Path | None = None
    after: str = ""
    notes: tuple[str, ...] = ()
    #: The text alternative: what the figure shows (:func:`follicle.report.alt_text.describe`).
    alt: str = ""

    @property
    def caption(self) -> str:
        """``"Figure 1. Pregnancies by month …"``."""
        return f"{self.label}. {self.title}" if self.label else self.title


@contextmanager
def report_style() -> Iterator[None]:
    """Draw (and save) figures in the report style within this block."""
    with mpl.rc_context(cast(Any, dict(STYLE))):
        yield


def new_axes(size: tuple[float, float] = FIGSIZE) -> Axes:
    """An empty axes on a new figure of ``size`` inches (call inside :func:`report_style`)."""
    figure = Figure(figsize=size)
    return figure.add_subplot()


def _bar_containers(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer) and len(c.patches)]


def finish(figure: Figure, *, captioned: bool = True) -> Figure:
    """Make a drawn figure print well: hatches on bar series, the legend above the plot.

    Bar series (stacked or grouped) that have no hatch get one from :data:`HATCHES`, so
    they can be told apart in greyscale, and empty bars are hidden (their outlines would
    dash the axis). When an axes has a legend it is drawn again (so its keys show the
    hatches) in a row above the plot area, where it cannot hide data. Figures that
    already set hatches keep them.

    Parameters
    ----------
    figure
        A drawn figure; it is changed in place.
    captioned
        The figure will be printed under a caption ("Figure 1. …"), as in a journal:
        axes titles, which would repeat it, are removed.

    Returns
    -------
    Figure
        The same figure.
    """
    for ax in figure.axes:
        bars = _bar_containers(ax)
        for container in bars:
            for patch in container.patches:
                # An empty bar would still draw its outline: a dash along the axis.
                if patch.get_height() == 0:
                    patch.set_visible(False)
        if len(bars) > 1 and not any(p.get_hatch() for c in bars for p in c.patches):
            for container, hatch in zip(bars, HATCHES * len(bars), strict=False):
                for patch in container.patches if hatch else ():
                    patch.set_hatch(hatch)
        if captioned:
            ax.set_title("")
        legend = ax.get_legend()
        if legend is not None:
            _legend_above(ax, legend.get_title().get_text())
    if captioned and figure.get_suptitle():
        figure.suptitle("")
    return figure


def _legend_handle(handle: Any) -> Any:
    """A bar series' legend key drawn like its first visible bar (hatch included)."""
    if not isinstance(handle, BarContainer):
        return handle
    shown = [p for p in handle.patches if p.get_visible()] or list(handle.patches)
    model = shown[0]
    return Patch(
        facecolor=model.get_facecolor(),
        edgecolor=model.get_edgecolor(),
        hatch=model.get_hatch(),
        linewidth=model.get_linewidth(),
    )


def _legend_above(ax: Axes, title: str) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    ax.legend(
        [_legend_handle(h) for h in handles],
        labels,
        title=title or None,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncols=min(len(labels), 4),
        borderaxespad=0.2,
        frameon=False,
        alignment="left",
    )


def save_figure(
    figure: Figure,
    directory: Path,
    name: str,
    *,
    png: bool = True,
    svg: bool = True,
    label: str = "",
) -> SavedFigure:
    """Write ``name.svg`` and ``name.png`` (:data:`DPI`) into ``directory``.

    Call inside :func:`report_style` so the files use the report's settings. The figure
    is laid out once: the SVG is drawn first (the HTML page needs it whichever files are
    written) and the layout it settled is kept for the PNG, so each format costs one
    drawing and no second layout pass.

    Parameters
    ----------
    figure
        The figure to save.
    directory
        Folder for the files; created when a file is written.
    name
        File stem and HTML id prefix, e.g. ``"figure1"``.
    png, svg
        Whether to write each file; the SVG text for inlining is made either way.
    label
        The text alternative put on the inline SVG (:func:`inline_svg`).

    Returns
    -------
    SavedFigure
        The paths written (``None`` for a file not asked for) and the SVG text for
        inlining (see :func:`inline_svg`).
    """
    buffer = io.StringIO()
    # No dates or software strings in the files: the same figure gives the same bytes.
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    svg_path = png_path = None
    if svg or png:
        directory.mkdir(parents=True, exist_ok=True)
    if svg:
        svg_path = directory / f"{name}.svg"
        svg_path.write_text(text, encoding="utf-8")
    if png:
        # The SVG's drawing placed every artist; laying it out again would only repeat it.
        figure.set_layout_engine("none")
        png_path = directory / f"{name}.png"
        figure.savefig(
            png_path,
            dpi=DPI,
            format="png",
            metadata={"Software": None},
            pil_kwargs={"compress_level": PNG_COMPRESSION},
        )
    return SavedFigure(name, png_path, svg_path, inline_svg(text, name, label))


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
#: An id's definition (``id="x"``) or a reference to it (``url(#x)``, ``href="#x"``).
_REFERENCE = re.compile(r'(\bid="|#)([^"#)\s]+)("|\))')


def inline_svg(svg: str, prefix: str, label: str = "") -> str:
    """SVG file text made safe to paste into an HTML page beside other SVGs.

    The XML declaration and doctype are dropped; every ``id`` (glyphs, clip paths) and
    every reference to one gets ``prefix`` so that two figures on one page cannot
    capture each other's definitions; the fixed width and height give way to the
    ``viewBox``, so the figure shrinks with its container (never beyond its drawn size).

    Parameters
    ----------
    svg
        The text of an SVG file written by matplotlib.
    prefix
        A prefix unique on the page, e.g. the figure name.
    label
        The figure's text alternative, set as the ``aria-label`` of the ``<svg role="img">``
        (escaped here); none when empty.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    body = _PROLOG.sub("", svg, count=1).strip()
    ids = set(_ID.findall(body))

    def prefixed(match: re.Match[str]) -> str:
        head, name, tail = match.groups()
        return f"{head}{prefix}-{name}{tail}" if name in ids else match.group(0)

    # One pass over the text, however many ids (a figure of many points has thousands).
    body = _REFERENCE.sub(prefixed, body)
    # Scale down to the container, never above the drawn size (so fonts keep their size).
    body = re.sub(
        r"<svg\b([^>]*?)\swidth=\"([^\"]*)\"\s+height=\"[^\"]*\"",
        r'<svg\1 width="100%" style="max-width: \2"',
        body,
        count=1,
    )
    named = f' aria-label="{html.escape(label, quote=True)}"' if label else ""
    return body.replace(
        "<svg ", f'<svg role="img"{named} class="figure-svg" data-figure="{prefix}" ', 1
    )
