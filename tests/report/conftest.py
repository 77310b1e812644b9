"""Fixtures of the report tests: results, tables, figures and a provenance."""

from __future__ import annotations

import pytest
from report_samples import (
    NOW,
    by_factor,
    demographics,
    draw_bars,
    draw_box,
    figure_data,
    transitions,
)

from follicle.analysis.result import Result
from follicle.report.figures import ReportFigure, finish, report_style, save_figure
from follicle.report.provenance import Provenance, software_versions
from follicle.report.tables import ReportTable, from_result


@pytest.fixture
def results() -> dict[str, Result]:
    """A small report's results, in page order (a figure among them)."""
    parts = (demographics(), transitions(), figure_data(), by_factor())
    return {r.name: r for r in parts}


@pytest.fixture
def tables(results: dict[str, Result]) -> list[ReportTable]:
    """The report tables of :func:`results` (the figure's data left out)."""
    return [from_result(r) for name, r in results.items() if not name.startswith("figure")]


@pytest.fixture(scope="session")
def figures(tmp_path_factory: pytest.TempPathFactory) -> list[ReportFigure]:
    """Two drawn, saved figures placed after ``menstrual_transitions`` and at the end."""
    tmp_path = tmp_path_factory.mktemp("figures")
    made = []
    with report_style():
        for name, draw, after in (
            ("figure1", draw_bars, "menstrual_transitions"),
            ("figure2", draw_box, ""),
        ):
            saved = save_figure(finish(draw()), tmp_path / "figures", name)
            made.append(
                ReportFigure(
                    name=name,
                    label=f"Figure {name[-1]}",
                    title=f"The caption of {name}",
                    svg=saved.inline_svg,
                    png=saved.png,
                    svg_file=saved.svg,
                    after=after,
                    notes=(f"A note under {name}.",),
                )
            )
    return made


@pytest.fixture
def provenance() -> Provenance:
    """A fixed provenance with two checksums."""
    return Provenance(
        source="/data/cohort",
        checksums={"participants.csv": "a" * 64, "pregnancies.csv": "b" * 64},
        generated=NOW.isoformat(),
        demo=False,
        software=software_versions(),
    )
