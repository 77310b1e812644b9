"""The judgments in the de-identified export (issue 11): coded, dated in days, no reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

import follicle
from editing import FIXTURES
from follicle.store.exporting.exporter import deidentify, read_registry, write_workbook
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import audit_log, deid_keys
from follicle.workbook.validate import load_workbook, validate_path

JUDGED = FIXTURES / "judged"


@pytest.fixture
def exported(engine, tmp_path: Path) -> tuple[pd.DataFrame, Path, dict[str, str]]:
    """The judged workbook imported, exported de-identified: its judgments, folder, codes."""
    import_workbook(engine, load_workbook(JUDGED))
    out = deidentify(read_registry(engine), engine)
    folder = write_workbook(out, tmp_path / "deid")
    with engine.connect() as connection:
        codes = dict(connection.execute(select(deid_keys.c.participant_id, deid_keys.c.code)).all())
    return out["judgments"], Path(folder), codes


def test_the_analysts_judgments_carry_codes_days_and_no_reasons(exported) -> None:
    judgments, _, codes = exported
    assert list(judgments.columns) == [
        "judgment_id",
        "participant_id",
        "event_type",
        "event_key",
        "recorded_value",
        "stage",
        "reviewer",
        "verdict",
        "corrected_value",
        "judged_on_day",
    ]
    assert set(judgments["participant_id"]) == {codes["007"], codes["009"]}
    # Reviewers by order of first judgment: reviewer_a judged first (J9, 2019), then
    # reviewer_b, then the adjudicator.
    assert set(judgments["reviewer"]) == {"R1", "R2", "R3"}
    decision = judgments[judgments["stage"] == "decision"]
    assert decision["reviewer"].tolist() == ["R3"]
    cells = set(judgments.astype(str).to_numpy().ravel())
    for identifying in ("reviewer_a", "adjudicator", "007", "009", "G1", "B2"):
        assert identifying not in cells
    text = judgments.astype(str).to_csv()
    for identifying in ("reviewer_", "|007|", "2019-08-01", "2023-", "ultrasound", "tubal"):
        assert identifying not in text


def test_the_days_count_from_the_womans_first_injection(exported) -> None:
    judgments, _, codes = exported
    # 007's first injection is 2019-01-20 (injections.csv): J9 on 2019-06-01 is day 132, her
    # cyst diagnosed on 2019-08-01 is day 193.
    first = load_workbook(JUDGED)["injections"].groupby("participant_id")["injection_date"].min()
    assert first["007"] == pd.Timestamp("2019-01-20")
    mine = judgments[judgments["participant_id"] == codes["007"]]
    assert mine["judged_on_day"].min() == 132
    cyst = mine[mine["event_type"] == "condition"]["event_key"].tolist()
    assert cyst == [f"{codes['007']}|ovarian_cyst|193"]


def test_the_export_is_valid_and_the_adjudicated_analysis_matches_the_identified_one(
    exported,
) -> None:
    _, folder, _ = exported
    assert validate_path(folder).ok, validate_path(folder).problems
    identified = follicle.load(JUDGED, adjudicated=True).result("review").values
    analysts = follicle.load(folder, adjudicated=True).result("review").values
    assert analysts == identified
    assert analysts["all.events"] == 9
    assert analysts["all.decided"] == 1
    assert analysts["all.reclassified"] == 1


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        keys = len(connection.execute(select(deid_keys.c.code)).all())
        exports = connection.execute(
            select(audit_log.c.id).where(audit_log.c.action == "export.deidentified")
        ).all()
    return keys, len(exports)


def test_judgments_of_pregnancies_only_are_exported(engine, tmp_path: Path) -> None:
    # No judged event has a key of parts ("|"): the keys' later parts are empty throughout.
    book = tmp_path / "pregnancies-only"
    shutil.copytree(JUDGED, book)
    judged = pd.read_csv(book / "judgments.csv", dtype=str, keep_default_na=False)
    judged[judged["event_type"] == "pregnancy"].to_csv(book / "judgments.csv", index=False)
    import_workbook(engine, load_workbook(book))
    out = deidentify(read_registry(engine), engine)
    assert set(out["judgments"]["event_type"]) == {"pregnancy"}
    assert out["judgments"]["event_key"].str.startswith("pregnancy-").all()
    assert validate_path(write_workbook(out, tmp_path / "deid")).ok
    assert _counts(engine)[1] == 1


def test_an_export_that_fails_leaves_no_codes_and_no_audit_entry(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import follicle.store.exporting.exporter as exporter

    import_workbook(engine, load_workbook(JUDGED))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(exporter, "_recode_ids", broken)
    with pytest.raises(RuntimeError):
        deidentify(read_registry(engine), engine)
    assert _counts(engine) == (0, 0)
    monkeypatch.undo()
    deidentify(read_registry(engine), engine)
    keys, exports = _counts(engine)
    assert exports == 1
    assert keys > 0
