"""The seed cohort's report: recognised as the demo by content, and its new rows read well."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_samples import NOW

import follicle
import follicle.workbook.seed as seed
from follicle.analysis.cohort import Cohort
from follicle.report.build import build_report
from follicle.report.provenance import (
    DEMO_NOTICE,
    is_demo_workbook,
    provenance_of,
)
from follicle.report.tables import ReportTable, from_result

BANNER = f'<p class="demo" role="note">Demo cohort: {DEMO_NOTICE}.</p>'


def _copy_of_seed(folder: Path) -> Path:
    shutil.copytree(seed.path(), folder)
    return folder


@pytest.fixture(scope="module")
def copied_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a copy of the seed folder (``cp -r seed x && follicle report x``)."""
    root = tmp_path_factory.mktemp("copied")
    copy = _copy_of_seed(root / "x")
    build_report(follicle.load(copy), root / "report", now=NOW)
    return root / "report"


@pytest.fixture(scope="module")
def printed() -> dict[str, ReportTable]:
    cohort = follicle.load(seed.path())
    return {name: from_result(r) for name, r in cohort.results().items()}


def _rows(table: ReportTable) -> dict[str, tuple[str, ...]]:
    return {row[0]: row[1:] for row in table.rows}


# -- the demo cohort, recognised by its content (issue 4) --------------------------------


def test_a_copy_of_the_seed_folder_is_the_demo(copied_report: Path) -> None:
    assert BANNER in (copied_report / "index.html").read_text(encoding="utf-8")
    provenance = json.loads((copied_report / "results.json").read_text(encoding="utf-8"))
    assert provenance["provenance"]["demo"] is True
    assert provenance["provenance"]["notice"] == DEMO_NOTICE


def test_a_registry_the_seed_was_imported_into_is_the_demo(tmp_path: Path) -> None:
    from follicle.store.engine import ensure_schema, make_engine
    from follicle.store.importing.importer import import_workbook
    from follicle.workbook.validate import load_workbook

    url = f"sqlite:///{tmp_path / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_workbook(engine, load_workbook(_copy_of_seed(tmp_path / "seed")))
    engine.dispose()
    workbook = follicle.load(url).workbook
    assert all("(import " in name for name in workbook.checksums)  # keyed by import
    assert is_demo_workbook(workbook)
    assert provenance_of(workbook, now=NOW).demo


def test_the_seeds_row_counts_taken_from_its_files_are_those_of_its_tables() -> None:
    from follicle.report.provenance import _seed_files
    from follicle.workbook.validate import load_workbook

    digests, rows = _seed_files()
    workbook = load_workbook(seed.path())
    assert rows == workbook.row_counts
    assert digests == dict(workbook.checksums)


def test_the_seed_folder_is_recognised_by_checksum_without_validating_it_again() -> None:
    """Issue 13: the demo check hashed the report's input, then reloaded the seed."""
    from follicle.report.provenance import _seed_tables

    workbook = follicle.load(seed.path()).workbook
    _seed_tables.cache_clear()
    assert is_demo_workbook(workbook)
    assert _seed_tables.cache_info().misses == 0


def test_a_cohort_of_another_size_is_not_the_demo_without_loading_the_seed() -> None:
    from follicle.report.provenance import _seed_tables

    small = Cohort.from_path(Path(__file__).parents[1] / "fixtures" / "workbooks" / "small")
    _seed_tables.cache_clear()
    assert not is_demo_workbook(small.workbook)
    assert _seed_tables.cache_info().misses == 0


def test_a_seed_with_one_value_changed_is_not_the_demo(tmp_path: Path) -> None:
    copy = _copy_of_seed(tmp_path / "x")
    contacts = copy / "contacts.csv"
    contacts.write_text(contacts.read_text().replace(",phone,final,", ",records,final,", 1))
    assert not is_demo_workbook(follicle.load(copy).workbook)


def test_a_reformatted_copy_of_the_seed_is_still_the_demo(tmp_path: Path) -> None:
    copy = _copy_of_seed(tmp_path / "x")
    participants = copy / "participants.csv"
    participants.write_text(participants.read_text().replace("0.60,", "0.6,"))
    contacts = copy / "contacts.csv"
    contacts.write_bytes(contacts.read_bytes() + b"\n")
    assert is_demo_workbook(follicle.load(copy).workbook)


def test_a_registry_holding_the_seed_and_other_women_is_not_the_demo(tmp_path: Path) -> None:
    from follicle.store.engine import ensure_schema, make_engine
    from follicle.store.importing.importer import import_workbook
    from follicle.workbook.validate import load_workbook

    url = f"sqlite:///{tmp_path / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_workbook(engine, load_workbook(_copy_of_seed(tmp_path / "seed")))
    import_workbook(
        engine, load_workbook(Path(__file__).parents[1] / "fixtures" / "workbooks" / "small")
    )
    engine.dispose()
    assert not is_demo_workbook(follicle.load(url).workbook)


def test_other_cohorts_are_not_the_demo(tmp_path: Path) -> None:
    small = Cohort.from_path(Path(__file__).parents[1] / "fixtures" / "workbooks" / "small")
    assert not is_demo_workbook(small.workbook)


def test_the_demo_flag_can_still_be_overridden(tmp_path: Path) -> None:
    cohort = follicle.load(_copy_of_seed(tmp_path / "x"))
    paths = build_report(cohort, tmp_path / "report", now=NOW, demo=False)
    assert BANNER not in paths.html.read_text(encoding="utf-8")
    assert json.loads(paths.results_json.read_text(encoding="utf-8"))["provenance"]["demo"] is False


# -- the printed rows (issues 2, 3, 6, 7) -----------------------------------------------


def test_table1_prints_the_injection_period_and_one_number_of_decimals_per_cell(
    printed: dict[str, ReportTable],
) -> None:
    table1 = printed["table1"]
    rows = table1.rows
    given = [i for i, row in enumerate(rows) if row[0] == "Injections given"]
    assert len(given) == 1
    assert rows[given[0] + 1][0] == "Aug 2018 \u2013 Sep 2021"
    by_label = _rows(table1)
    assert by_label["Age at first injection (years)"][1] == "37.91 ± 4.98 (24–45)"
    assert by_label["Age at end of follow-up (years)"][1] == "41.98 ± 5.00 (27–50)"
    assert by_label["Follow-up from last injection (years)"][1] == "3.72 ± 0.86 (2.50–6.00)"
    assert table1.footnotes[0] == "N = 105 treated women."
    assert "integer" not in " ".join(table1.columns).lower()  # the flag is not printed


def test_injection_period_is_iso_in_results_json(copied_report: Path) -> None:
    document = json.loads((copied_report / "results.json").read_text(encoding="utf-8"))
    values = document["results"]["table1"]["values"]
    assert values["injection_period_start"].startswith("2018-08-")
    assert values["injection_period_end"].startswith("2021-09-")


def test_pregnancy_outcomes_print_the_papers_repeat_pregnancies(
    printed: dict[str, ReportTable],
) -> None:
    table = printed["pregnancy"]
    rows = _rows(table)
    # "One woman pregnant twice, another three times" (the same mode) …
    assert rows["Women pregnant twice by the same mode"][0] == "1"
    assert rows["Women pregnant three times by the same mode"][0] == "1"
    # … and the same counted over every mode (the two women pregnant both ways).
    assert rows["Women pregnant twice in all (any mode)"][0] == "3"
    assert rows["Women pregnant three times in all (any mode)"][0] == "1"
    footnotes = " ".join(table.footnotes)
    assert "_" not in footnotes  # no internal key name leaks
    assert rows["Months to IVF pregnancy"][1] == "5.49 (2.00–13.01)"
    assert rows["Months to spontaneous pregnancy"][1] == "2.97 (0.99–24.02)"


def test_baby_outcomes_print_the_twin_pregnancy(printed: dict[str, ReportTable]) -> None:
    assert _rows(printed["baby_outcomes"])["Twin (multiple) pregnancies"] == ("1",)


def test_table2_labels_and_notes(printed: dict[str, ReportTable], copied_report: Path) -> None:
    table2 = printed["table2"]
    notes = [n for n in table2.footnotes if "O − E" in n]
    assert len(notes) == 1  # the menses table only
    assert "Menses before injection" in notes[0]
    assert not any("Chi-squared approximation" in n for n in table2.footnotes)
    page = (copied_report / "index.html").read_text(encoding="utf-8")
    methods = page.split('id="methods"')[1].split('id="results"')[0]
    assert "O − E" not in methods
    assert "exactly 0" not in methods
