"""Figures: the report style, greyscale-safe bars, PNG files at 200 dpi, inline SVG."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
from matplotlib.container import BarContainer
from PIL import Image
from report_samples import draw_bars, draw_box

from follicle.report.figures import (
    DPI,
    FIGSIZE,
    STYLE,
    finish,
    inline_svg,
    report_style,
    save_figure,
)


def test_the_style_keeps_every_font_at_least_9_points_at_print_size() -> None:
    sizes = [v for k, v in STYLE.items() if k.endswith("size") and isinstance(v, int | float)]
    assert sizes
    assert min(sizes) >= 9
    assert FIGSIZE[0] <= 6.5  # drawn at the printed width, so points are printed points


def test_the_style_applies_only_inside_the_block() -> None:
    before = mpl.rcParams["savefig.dpi"]
    with report_style():
        assert mpl.rcParams["savefig.dpi"] == DPI
    assert mpl.rcParams["savefig.dpi"] == before


def test_finish_hatches_bar_series_that_differ_only_by_colour() -> None:
    figure = finish(draw_bars())
    ax = figure.axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    hatches = [{p.get_hatch() for p in c.patches if p.get_visible()} for c in bars]
    assert hatches[0] == {None}
    assert hatches[1] == {"///"}


def test_finish_hides_empty_bars_and_keeps_legend_keys_visible() -> None:
    figure = finish(draw_bars())
    ax = figure.axes[0]
    bars = ax.containers[0]
    assert isinstance(bars, BarContainer)
    first = bars.patches[0]
    assert first.get_height() == 0
    assert not first.get_visible()
    legend = ax.get_legend()
    assert legend is not None
    keys = legend.get_patches()
    assert all(k.get_visible() for k in keys)
    assert keys[1].get_hatch() == "///"


def test_finish_moves_the_legend_above_the_plot_and_drops_the_title() -> None:
    figure = finish(draw_bars())
    ax = figure.axes[0]
    assert ax.get_title() == ""
    figure.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    legend_box = legend.get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend_box.y0 >= axes_box.y1 - 1  # above the plot area, not over the bars
    assert ax.get_xlabel() == "Months after injection"
    assert "(n)" in ax.get_ylabel()


def test_save_figure_writes_png_at_200_dpi_and_svg(tmp_path: Path) -> None:
    with report_style():
        saved = save_figure(finish(draw_box()), tmp_path / "figures", "figure2")
    assert saved.png == tmp_path / "figures" / "figure2.png"
    with Image.open(saved.png) as image:
        assert image.size == (4 * DPI, 4 * DPI)
        assert round(image.info["dpi"][0]) == DPI
    text = saved.svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in saved.inline_svg
    assert "<?xml" not in saved.inline_svg
    assert "DOCTYPE" not in saved.inline_svg


def test_the_same_figure_gives_the_same_svg(tmp_path: Path) -> None:
    with report_style():
        first = save_figure(finish(draw_box()), tmp_path / "a", "figure2")
        second = save_figure(finish(draw_box()), tmp_path / "b", "figure2")
    assert first.svg.read_bytes() == second.svg.read_bytes()


def test_inline_svgs_of_two_figures_share_no_ids(tmp_path: Path) -> None:
    with report_style():
        one = save_figure(finish(draw_bars()), tmp_path, "figure1")
        two = save_figure(finish(draw_box()), tmp_path, "figure2")
    ids_one = set(re.findall(r'\bid="([^"]+)"', one.inline_svg))
    ids_two = set(re.findall(r'\bid="([^"]+)"', two.inline_svg))
    assert ids_one
    assert not ids_one & ids_two
    assert all(i.startswith("figure1-") for i in ids_one)
    for svg, ids in ((one.inline_svg, ids_one), (two.inline_svg, ids_two)):
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs <= ids, "every reference points at an id of the same figure"


def test_inline_svg_scales_down_but_not_up() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg>\n'
        '<svg width="468pt" height="288pt" viewBox="0 0 468 288" id="x"><use href="#x"/></svg>'
    )
    inlined = inline_svg(svg, "f")
    assert inlined.startswith("<svg ")
    assert 'width="100%"' in inlined
    assert "max-width: 468pt" in inlined
    assert 'height="288pt"' not in inlined
    assert 'id="f-x"' in inlined
    assert 'href="#f-x"' in inlined


def test_the_text_alternative_is_on_the_inline_svg_escaped(tmp_path: Path) -> None:
    label = 'Box plot of ages: median 36 "years" <b>'
    with report_style():
        saved = save_figure(finish(draw_box()), tmp_path, "figure2", label=label)
    head = saved.inline_svg.split(">", 1)[0]
    assert 'role="img"' in head
    assert 'aria-label="Box plot of ages: median 36 &quot;years&quot; &lt;b&gt;"' in head


def test_save_figure_writes_only_the_files_asked_for(tmp_path: Path) -> None:
    with report_style():
        saved = save_figure(finish(draw_box()), tmp_path / "f", "figure2", png=False, svg=False)
    assert saved.png is None
    assert saved.svg is None
    assert "<svg" in saved.inline_svg
    assert not (tmp_path / "f").exists()
