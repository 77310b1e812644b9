"""Importing workbooks: per woman, all or nothing, audited."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from editing import copy_workbook, read_rows, set_cell, to_xlsx, write_rows
from follicle.errors import Conflict, WorkbookInvalid
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.exporting.exporter import read_registry
from follicle.store.importing import importer
from follicle.store.importing.importer import ImportSummary, import_workbook
from follicle.store.tables import WORKBOOK_TABLES, audit_log, imports
from follicle.workbook.frames import Workbook
from follicle.workbook.schema import TABLES
from follicle.workbook.validate import load_workbook

from ..helpers import SMALL, assert_workbooks_equal, edited, snapshot, women


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _audit(engine, action=None):
    stmt = select(audit_log).order_by(audit_log.c.id)
    if action is not None:
        stmt = stmt.where(audit_log.c.action == action)
    with engine.connect() as connection:
        return connection.execute(stmt).mappings().all()


def test_import_writes_every_row(engine, small):
    summary = import_workbook(engine, small, actor="tester")
    assert isinstance(summary, ImportSummary)
    assert (summary.women_inserted, summary.women_unchanged, summary.women_updated) == (4, 0, 0)
    assert dict(summary.rows_written) == small.row_counts
    assert summary.total_rows_written == sum(small.row_counts.values())
    for table in TABLES:
        assert _count(engine, WORKBOOK_TABLES[table.name]) == len(small[table.name])
    assert_workbooks_equal(small, read_registry(engine))

    audit = _audit(engine)
    assert [a["action"] for a in audit] == ["import.insert"] * 4
    assert sorted(a["record_key"] for a in audit) == ["007", "008", "009", "010"]
    assert {a["actor"] for a in audit} == {"tester"}
    rows_009 = json.loads(next(a["after"] for a in audit if a["record_key"] == "009"))
    assert [r["infant_id"] for r in rows_009["infants"]] == ["B2", "B3"]
    assert rows_009["participants"][0]["birth_date"] == "1990-07-30"
    with engine.connect() as connection:
        logged = connection.execute(select(imports)).mappings().one()
    assert logged["rows"] == sum(small.row_counts.values())
    assert logged["source"] == str(SMALL)
    assert json.loads(logged["checksums"]).keys() == {t.filename for t in TABLES}
    assert logged["id"] == summary.import_id


def test_reimport_of_the_same_workbook_changes_nothing(engine, small):
    import_workbook(engine, small)
    before = snapshot(engine)
    summary = import_workbook(engine, load_workbook(SMALL))
    assert (summary.women_inserted, summary.women_unchanged, summary.women_updated) == (0, 4, 0)
    assert summary.total_rows_written == 0
    after = snapshot(engine)
    after.pop("imports"), before.pop("imports")  # the import itself is logged
    assert after == before
    assert len(_audit(engine)) == 4


def test_row_order_does_not_matter(engine, small):
    import_workbook(engine, small)
    shuffled = Workbook.from_frames(
        {name: small[name].sample(frac=1, random_state=3) for name in small}
    )
    summary = import_workbook(engine, shuffled)
    assert summary.women_unchanged == 4
    assert summary.total_rows_written == 0


def test_women_already_imported_are_left_alone(engine, small):
    import_workbook(engine, women(small, "007", "009"))
    summary = import_workbook(engine, small)
    assert (summary.women_inserted, summary.women_unchanged) == (2, 2)
    assert_workbooks_equal(small, read_registry(engine))


def test_a_conflicting_reimport_raises_and_writes_nothing(engine, small):
    import_workbook(engine, small)
    before = snapshot(engine)
    participants = small["participants"].copy()
    participants.loc[participants["participant_id"] == "008", "site"] = "East"
    contacts = small["contacts"].iloc[:-1]  # 010's only contact is gone
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, edited(small, participants=participants, contacts=contacts))
    assert "008" in str(caught.value)
    assert "010" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    site = next(p for p in caught.value.problems if p.column == "site")
    assert (site.file, site.row, site.value) == ("participants.csv", 3, "East")
    assert "North" in site.message
    lost = next(p for p in caught.value.problems if p.file == "contacts.csv")
    assert "010" in lost.message
    assert "2023-08-15" in lost.message
    assert snapshot(engine) == before


def test_conflict_problems_name_the_sheet_of_an_xlsx(engine, small):
    import_workbook(engine, small)
    pregnancies = small["pregnancies"].copy()
    pregnancies.loc[0, "gestational_weeks"] = 38.5
    changed = Workbook.from_frames(
        {**{n: small[n] for n in small}, "pregnancies": pregnancies}, source="/x/cohort.xlsx"
    )
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, changed)
    (problem,) = caught.value.problems
    assert problem.file == "cohort.xlsx, sheet pregnancies"
    assert (problem.row, problem.column, problem.value) == (2, "gestational_weeks", "38.5")
    assert "37.6" in problem.message
    assert "G1" in problem.message


def test_update_applies_the_workbook_and_audits_the_change(engine, small):
    import_workbook(engine, small)
    participants = small["participants"].copy()
    participants.loc[participants["participant_id"] == "008", "site"] = "East"
    pregnancies = small["pregnancies"][small["pregnancies"]["pregnancy_id"] != "G2"]  # 007's
    infants = small["infants"][small["infants"]["infant_id"] != "B3"]  # 009's
    contacts = pd.concat([small["contacts"], small["contacts"].iloc[[0]]])  # 007 twice
    book = edited(
        small,
        participants=participants,
        pregnancies=pregnancies,
        infants=infants,
        contacts=contacts,
    )
    summary = import_workbook(engine, book, update=True, actor="coordinator")
    assert (summary.women_inserted, summary.women_unchanged, summary.women_updated) == (0, 1, 3)
    assert set(summary.updated) == {"007", "008", "009"}
    assert summary.rows_written["participants"] == 1
    assert summary.rows_deleted["pregnancies"] == 1
    assert summary.rows_deleted["infants"] == 1
    assert_workbooks_equal(book, read_registry(engine))

    updates = {a["record_key"]: a for a in _audit(engine, "import.update")}
    assert set(updates) == {"007", "008", "009"}
    assert updates["008"]["actor"] == "coordinator"
    was, now = json.loads(updates["008"]["before"]), json.loads(updates["008"]["after"])
    assert was["participants"][0]["site"] == "North"
    assert now["participants"][0]["site"] == "East"
    assert set(was) == set(now) == {"participants"}  # only what changed
    assert [p["pregnancy_id"] for p in json.loads(updates["007"]["before"])["pregnancies"]] == [
        "G2"
    ]
    assert [i["infant_id"] for i in json.loads(updates["009"]["before"])["infants"]] == ["B3"]
    assert json.loads(updates["009"]["after"]) == {}

    # … and importing the same again is a no-op.
    again = import_workbook(engine, book)
    assert again.women_unchanged == 4
    assert again.total_rows_written == 0


def test_duplicate_rows_without_ids_count(engine, small):
    import_workbook(engine, small)
    doubled = pd.concat([small["injections"], small["injections"].iloc[[0]]])
    with pytest.raises(Conflict):
        import_workbook(engine, edited(small, injections=doubled))
    import_workbook(engine, edited(small, injections=doubled), update=True)
    assert _count(engine, WORKBOOK_TABLES["injections"]) == len(small["injections"]) + 1


def test_an_id_of_another_woman_is_a_conflict_even_with_update(engine, small):
    import_workbook(engine, women(small, "007"))
    before = snapshot(engine)
    # 010 arrives with a pregnancy whose ID the registry already gave to 007.
    newcomer = women(small, "010")
    pregnancies = newcomer["pregnancies"].copy()
    pregnancies["pregnancy_id"] = "G1"
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, edited(newcomer, pregnancies=pregnancies), update=True)
    (problem,) = caught.value.problems
    assert (problem.file, problem.column, problem.value) == (
        "pregnancies.csv",
        "pregnancy_id",
        "G1",
    )
    assert problem.rule == "id_of_another_woman"
    assert "007" in problem.message
    assert snapshot(engine) == before


def test_rows_of_women_not_in_the_workbook_are_invalid(engine, small):
    injections = pd.concat(
        [small["injections"], small["injections"].iloc[[0]].assign(participant_id="099")]
    )
    with pytest.raises(WorkbookInvalid) as caught:
        import_workbook(engine, edited(small, injections=injections))
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.value) == ("injections.csv", 7, "099")
    assert _count(engine, WORKBOOK_TABLES["participants"]) == 0


@pytest.mark.parametrize("registry", ["empty", "full"])
def test_a_failure_midway_leaves_the_registry_as_it_was(engine, small, monkeypatch, registry):
    if registry == "full":
        import_workbook(engine, women(small, "007", "008"))
        book = edited(small, contacts=small["contacts"].iloc[1:])  # 007 changed, 009/010 new
    else:
        book = small
    before = snapshot(engine)
    calls = []
    real = importer._write_chunk

    def fail_after_first_table(connection, statement, parameters):
        calls.append(statement)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(connection, statement, parameters)

    monkeypatch.setattr(importer, "_write_chunk", fail_after_first_table)
    with pytest.raises(RuntimeError, match="disk full"):
        import_workbook(engine, book, update=True)
    assert len(calls) == 2
    assert snapshot(engine) == before


def test_a_failing_progress_callback_rolls_back_too(engine, small):
    def progress(done, total):
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_workbook(engine, small, progress=progress)
    assert all(rows == [] for rows in snapshot(engine).values())


def test_progress_reports_every_row(engine, small, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    monkeypatch.setattr(importer, "CHUNK_IDS", 2)
    seen = []
    import_workbook(engine, small, progress=lambda done, total: seen.append((done, total)))
    total = sum(small.row_counts.values())
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) > len(TABLES)  # chunks, not one call per table
    assert import_workbook(engine, small).women_unchanged == 4  # chunked reads agree


def test_summary_reads_well(engine, small):
    text = str(import_workbook(engine, small))
    assert "4 new" in text
    assert "10 contacts" in text


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=st.sets(st.sampled_from(["007", "008", "009", "010"])))
def test_importing_in_two_steps_gives_the_same_registry(first):
    small = load_workbook(SMALL)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'r.db'}")
        ensure_schema(engine)
        import_workbook(engine, women(small, *sorted(first)))
        summary = import_workbook(engine, small)
        assert summary.women_unchanged == len(first)
        assert summary.women_inserted == 4 - len(first)
        assert_workbooks_equal(small, read_registry(engine))
        engine.dispose()


def test_update_can_rename_a_pregnancy_and_move_its_infants(engine, small):
    # Foreign keys are checked at every statement: the new pregnancy must exist before its
    # infants move to it, and the old one may go only after they have.
    import_workbook(engine, small)
    pregnancies = small["pregnancies"].copy()
    pregnancies["pregnancy_id"] = pregnancies["pregnancy_id"].replace({"G3": "G5"})
    infants = small["infants"].copy()
    infants["pregnancy_id"] = infants["pregnancy_id"].replace({"G3": "G5"})
    book = edited(small, pregnancies=pregnancies, infants=infants)
    summary = import_workbook(engine, book, update=True)
    assert summary.updated == ("009",)
    assert (summary.rows_written["pregnancies"], summary.rows_deleted["pregnancies"]) == (1, 1)
    assert summary.rows_written["infants"] == 2
    assert_workbooks_equal(book, read_registry(engine))


@pytest.mark.parametrize("reading", ["whole tables", "chunked IN lists"])
def test_both_ways_of_reading_the_registry_agree(engine, small, monkeypatch, reading):
    import_workbook(engine, women(small, "007", "008"))
    if reading == "whole tables":
        monkeypatch.setattr(importer, "WHOLE_TABLE_FRACTION", 10**9)
    else:
        monkeypatch.setattr(importer, "WHOLE_TABLE_FRACTION", 0)
        monkeypatch.setattr(importer, "CHUNK_IDS", 1)
    summary = import_workbook(engine, small)
    assert (summary.women_inserted, summary.women_unchanged) == (2, 2)

    participants = small["participants"].copy()
    participants.loc[0, "afc"] = 5
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, edited(small, participants=participants))
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(2, "afc", "5")]

    newcomer = women(small, "010")
    cycles = newcomer["ivf_cycles"].assign(cycle_id="C01")  # 009's cycle
    pregnancies = newcomer["pregnancies"].assign(ivf_cycle_id="C01")
    newcomer = edited(newcomer, ivf_cycles=cycles, pregnancies=pregnancies)
    newcomer = Workbook.from_frames(
        {**{n: newcomer[n] for n in newcomer}, "participants": participants.iloc[[3]]}
    )
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, newcomer, update=True)
    assert [p.rule for p in caught.value.problems] == ["id_of_another_woman"]


def test_a_sqlite_import_has_a_large_page_cache_and_gives_it_back(tmp_path, small, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}", pool_size=1, max_overflow=0)
    ensure_schema(engine)
    seen = []
    real = importer._import

    def spy(connection, *args, **kwargs):
        seen.append(connection.exec_driver_sql("PRAGMA cache_size").scalar())
        return real(connection, *args, **kwargs)

    monkeypatch.setattr(importer, "_import", spy)
    import_workbook(engine, small)
    assert seen == [-importer.IMPORT_CACHE_KIB]
    with engine.connect() as connection:  # the pool's one connection, back to SQLite's own
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
    changed = small["participants"].copy()
    changed.loc[0, "afc"] = 99
    with pytest.raises(Conflict):  # a refused import gives it back too
        import_workbook(engine, edited(small, participants=changed))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
    engine.dispose()


def _changed_below_blank_rows(tmp_path: Path, kind: str) -> tuple[Workbook, Workbook]:
    """The small workbook with a blank row above the data of participants and contacts, and
    that workbook with 008's afc and 007's second contact's mode changed."""
    folder = copy_workbook(tmp_path / "wb")
    for table in ("participants", "contacts"):
        rows = read_rows(folder, table)
        write_rows(folder, table, [rows[0], [""] * len(rows[0]), *rows[1:]])
    changed = copy_workbook(tmp_path / "changed", folder)
    set_cell(changed, "participants", 4, "afc", "9")  # 008, below the blank row 2
    set_cell(changed, "contacts", 4, "mode", "phone")  # 007's 6m visit
    if kind == "xlsx":
        return (
            load_workbook(to_xlsx(folder, tmp_path / "cohort.xlsx")),
            load_workbook(to_xlsx(changed, tmp_path / "changed.xlsx")),
        )
    return load_workbook(folder), load_workbook(changed)


@pytest.mark.parametrize(("kind", "sheet"), [("csv", "{}.csv"), ("xlsx", "changed.xlsx, sheet {}")])
def test_conflicts_below_a_blank_row_name_the_rows_validation_names(
    engine, tmp_path: Path, kind: str, sheet: str
):
    first, changed = _changed_below_blank_rows(tmp_path, kind)
    import_workbook(engine, first)
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, changed)
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == [
        (sheet.format("participants"), 4, "afc", "9"),
        (sheet.format("contacts"), 4, "mode", "phone"),
    ]


def test_a_changed_row_without_an_id_names_the_cells_that_differ(engine, small):
    import_workbook(engine, small)
    contacts = small["contacts"].copy()
    contacts.loc[1, ["mode", "menses"]] = ["phone", pd.NA]  # 007's 6m visit, row 3
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, edited(small, contacts=contacts))
    problems = caught.value.problems
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("contacts.csv", 3, "mode", "phone", "differs_from_registry"),
        ("contacts.csv", 3, "menses", "", "differs_from_registry"),
    ]
    assert problems[0].message == (
        "participant 007: the registry holds clinic in her row most like this one "
        "(contact_date=2019-07-20, mode=clinic, milestone=6m, menses=regular, "
        "checklist_complete=no, vital_status=alive), which the workbook lacks"
    )
    assert problems[1].message.startswith("participant 007: the registry holds regular in")


def test_a_new_row_without_an_id_names_its_first_cell_and_describes_itself(engine, small):
    import_workbook(engine, small)
    added = pd.DataFrame(
        {"participant_id": ["010"], "contact_date": [pd.Timestamp("2024-01-10")], "mode": ["phone"]}
    )
    doubled = pd.concat([small["injections"], small["injections"].iloc[[0]]])  # 007's, again
    contacts = pd.concat([small["contacts"], added])
    with pytest.raises(Conflict) as caught:
        import_workbook(engine, edited(small, contacts=contacts, injections=doubled))
    problems = caught.value.problems
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("injections.csv", 7, "injection_date", "2019-01-20", "not_in_registry"),
        ("contacts.csv", 12, "contact_date", "2024-01-10", "not_in_registry"),
    ]
    assert problems[1].message == (
        "participant 010: the registry has no such row for her (contact_date=2024-01-10, "
        "mode=phone): it is new in the workbook, or one copy more than the registry holds"
    )
