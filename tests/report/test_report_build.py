"""build_report end to end: a cohort-like object, and the real Cohort on the small workbook."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from report_samples import NOW, SMALL, by_factor, demographics, draw_bars, figure_data

from follicle.analysis.cohort import Cohort
from follicle.analysis.result import Result
from follicle.report.build import FORMATS, STEPS, build_report, parse_formats, report_results
from follicle.report.html import anchor
from follicle.report.provenance import DEMO_NOTICE, SEED_FOLDER, is_demo_source


@dataclass
class FakeWorkbook:
    source: str = "/data/cohort"
    checksums: Mapping[str, str] = field(default_factory=lambda: {"participants.csv": "c" * 64})


class FakeCohort:
    """Just the interface build_report uses, with hand-made results."""

    def __init__(
        self, source: str = "/data/cohort", checksums: Mapping[str, str] | None = None
    ) -> None:
        self.workbook = (
            FakeWorkbook(source) if checksums is None else FakeWorkbook(source, checksums)
        )
        self.women = pd.DataFrame({"participant_id": range(105)})
        self.pregnancies = pd.DataFrame({"pregnancy_id": range(43)})
        self.excluded = pd.DataFrame({"participant_id": []})

    def results(self) -> dict[str, Result]:
        parts = (demographics(), figure_data(), by_factor())
        return {r.name: r for r in parts}

    def figure1(self, ax: Axes | None = None) -> Figure:
        return draw_bars(ax)


def test_build_report_writes_every_output(tmp_path: Path) -> None:
    steps: list[str] = []
    paths = build_report(FakeCohort(), tmp_path / "out", progress=steps.append, now=NOW)
    assert steps == list(STEPS)
    for path in paths.all():
        assert path.is_file()
        assert path.stat().st_size > 0
    assert sorted(p.name for p in (tmp_path / "out" / "figures").iterdir()) == [
        "figure1.png",
        "figure1.svg",
    ]
    page = paths.html.read_text(encoding="utf-8")
    for label in ("Table 1.", "Table 2.", "Figure 1."):
        assert label in page
    assert page.index("Table 1.") < page.index("Figure 1.") < page.index("Table 2.")
    assert "105 women" in page
    document = json.loads(paths.results_json.read_text(encoding="utf-8"))
    assert document["generated"] == NOW.isoformat()
    assert list(document["results"]) == ["table1", "figure1", "table2"]
    assert openpyxl.load_workbook(paths.xlsx).sheetnames == ["Contents", "Table 1", "Table 2"]
    assert len(docx.Document(str(paths.docx)).tables) == 2


def test_the_demo_cohort_is_recognised_by_its_source() -> None:
    assert is_demo_source(SEED_FOLDER)
    assert is_demo_source(SEED_FOLDER / "participants.csv")
    assert not is_demo_source(SMALL)
    assert not is_demo_source("")


def test_a_demo_report_says_it_is_not_patient_data(tmp_path: Path) -> None:
    paths = build_report(FakeCohort("/anywhere"), tmp_path, now=NOW, demo=True)
    assert DEMO_NOTICE in paths.html.read_text(encoding="utf-8")
    provenance = json.loads(paths.results_json.read_text(encoding="utf-8"))["provenance"]
    assert provenance["demo"] is True
    assert provenance["notice"] == DEMO_NOTICE
    assert DEMO_NOTICE in [p.text for p in docx.Document(str(paths.docx)).paragraphs]
    for sheet in openpyxl.load_workbook(paths.xlsx).worksheets:
        assert sheet["A2"].value == DEMO_NOTICE


def test_a_demo_read_back_from_the_registry_can_be_marked(tmp_path: Path) -> None:
    cohort = FakeCohort("sqlite:////tmp/follicle-demo/registry.db")
    paths = build_report(cohort, tmp_path, now=NOW, demo=True)
    assert DEMO_NOTICE in paths.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the real Cohort of the small fixture workbook."""
    out = tmp_path_factory.mktemp("report")
    build_report(Cohort.from_path(SMALL), out, now=NOW)
    return out


def test_the_real_cohort_report_has_every_result(small_report: Path) -> None:
    cohort = Cohort.from_path(SMALL)
    results, _ = report_results(cohort)
    page = (small_report / "index.html").read_text(encoding="utf-8")
    for result in results.values():
        assert f'<span class="label">{result.label}.</span>' in page
    document = json.loads((small_report / "results.json").read_text(encoding="utf-8"))
    assert set(document["results"]) == set(results)
    assert document["provenance"]["checksums"]["files"] == dict(
        sorted(cohort.workbook.checksums.items())
    )
    figures = sorted(p.name for p in (small_report / "figures").iterdir())
    assert figures == sorted(
        f"{name}.{ext}"
        for name in ("figure1", "figure2", "figure_time_to_pregnancy", "figure_forest")
        for ext in ("png", "svg")
    )
    for heading in cohort.parts():
        assert f'<h3 class="part" id="{anchor(heading)}">{heading}</h3>' in page
    # Figures are not printed as tables (Figure 2's data are one row per woman).
    assert "participant" not in page.lower().split('id="provenance"')[0]


# -- choosing the outputs (issue 13, item 2) --------------------------------------------


@pytest.mark.parametrize(
    ("formats", "written"),
    [
        ("json", ["results.json"]),
        ("html", ["index.html"]),
        ("docx,xlsx", ["tables.docx", "tables.xlsx"]),
        (["png"], ["figures/figure1.png"]),
        ("svg, json", ["figures/figure1.svg", "results.json"]),
        ("all", ["figures/figure1.png", "figures/figure1.svg", "index.html", "results.json",
                 "tables.docx", "tables.xlsx"]),
    ],
)  # fmt: skip
def test_only_the_chosen_outputs_are_written(
    tmp_path: Path, formats: str | list[str], written: list[str]
) -> None:
    steps: list[str] = []
    paths = build_report(FakeCohort(), tmp_path, formats=formats, progress=steps.append, now=NOW)
    found = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert found == written
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths.all()) == written
    assert steps[0] == "results"
    assert ("figures" in steps) == any(
        f.startswith("figures/") or f == "index.html" for f in written
    )


def test_an_html_page_alone_still_embeds_its_figures(tmp_path: Path) -> None:
    paths = build_report(FakeCohort(), tmp_path, formats="html", now=NOW)
    assert paths.html is not None
    page = paths.html.read_text(encoding="utf-8")
    assert '<svg role="img"' in page
    assert not (tmp_path / "figures").exists()
    assert paths.results_json is None
    assert paths.docx is None
    assert paths.xlsx is None


@pytest.mark.parametrize("formats", ["pdf", "html,pdf", "", " , "])
def test_an_unknown_format_is_refused_before_anything_is_written(
    tmp_path: Path, formats: str
) -> None:
    with pytest.raises(ValueError, match="choose from html, json, docx, xlsx, png, svg"):
        build_report(FakeCohort(), tmp_path / "out", formats=formats, now=NOW)
    assert not (tmp_path / "out").exists()


def test_parse_formats_reads_lists_names_and_all() -> None:
    assert parse_formats(None) == frozenset(FORMATS)
    assert parse_formats("ALL") == frozenset(FORMATS)
    assert parse_formats("html json") == {"html", "json"}
    assert parse_formats(("DOCX",)) == {"docx"}
    with pytest.raises(ValueError, match="'pdf'"):
        parse_formats("html,pdf")


def test_the_paper_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a4, letter"):
        build_report(FakeCohort(), tmp_path / "out", paper="legal", now=NOW)  # type: ignore[arg-type]
