"""The judgments table at the command line: damaged ones refused, valid ones imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from editing import FIXTURES
from follicle.cli import app
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.tables import WORKBOOK_TABLES, judgments

runner = CliRunner(env={"COLUMNS": "400"})
JUDGED = FIXTURES / "judged"
#: The damaged fixtures (tests/workbook/test_judgment_rules.py) → the column and rule named.
DAMAGED = {
    "judgments_reason_missing": ("reason", "judgment_reason_missing"),
    "judgments_unknown_event": ("event_key", "judgment_unknown_event"),
    "judgments_other_woman": ("event_key", "judgment_unknown_event"),
    "judgments_corrected_value": ("corrected_value", "judgment_corrected_value"),
    "judgments_same_reviewer": ("reviewer", "judgment_same_reviewer"),
    "judgments_too_many": ("stage", "judgment_too_many"),
    "judgments_decision_without_dispute": ("stage", "judgment_decision_without_dispute"),
}


@pytest.mark.parametrize("fixture", sorted(DAMAGED))
def test_follicle_validate_and_import_refuse_a_damaged_judgments_table(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    column, rule = DAMAGED[fixture]
    ensure_schema(make_engine(url))  # an existing registry, so that "nothing written" is seen
    checked = runner.invoke(app, ["validate", str(FIXTURES / fixture)])
    assert checked.exit_code == 1
    assert rule in checked.output
    assert "judgments.csv" in checked.output
    imported = runner.invoke(app, ["import", str(FIXTURES / fixture), "--create-sites"])
    assert imported.exit_code == 1
    assert rule in imported.output
    assert column in imported.output
    assert "Traceback" not in imported.output
    # Nothing half-written: no woman and no judgment reached the registry.
    engine = make_engine(url)
    with engine.connect() as connection:
        for table in (WORKBOOK_TABLES["participants"], judgments):
            assert connection.execute(select(func.count()).select_from(table)).scalar() == 0


def test_the_valid_judged_workbook_imports_its_judgments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    assert runner.invoke(app, ["import", str(JUDGED), "--create-sites"]).exit_code == 0
    with make_engine(url).connect() as connection:
        keys = set(connection.execute(select(judgments.c.event_key)).scalars())
    assert "007|ovarian_cyst|2019-08-01" in keys


def test_follicle_report_adjudicated_runs_from_the_de_identified_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    assert runner.invoke(app, ["import", str(JUDGED), "--create-sites"]).exit_code == 0
    deid = tmp_path / "deid"
    exported = runner.invoke(app, ["export", "--deidentified", str(deid)])
    assert exported.exit_code == 0, exported.output
    assert "reviewer_a" not in (deid / "judgments.csv").read_text()
    out = tmp_path / "report"
    reported = runner.invoke(app, ["report", str(deid), "--adjudicated", "--out", str(out)])
    assert reported.exit_code == 0, reported.output
    review = json.loads((out / "results.json").read_text())["results"]["review"]["values"]
    assert (review["all.events"], review["all.decided"], review["all.settled"]) == (9, 1, 1)
