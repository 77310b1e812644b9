"""Exporting: the registry back as a workbook (round trip), as files, and de-identified."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from sqlalchemy import select

from follicle.errors import NotFound
from follicle.store.exporting.exporter import (
    AGE_COLUMN,
    DeidentifiedWorkbook,
    cell_text,
    deidentify,
    read_registry,
    write_workbook,
)
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import audit_log, deid_keys
from follicle.workbook.frames import Workbook
from follicle.workbook.schema import TABLES
from follicle.workbook.validate import load_workbook

from ..helpers import assert_workbooks_equal, edited


def test_read_registry_gives_back_the_imported_workbook(engine, small):
    import_workbook(engine, small)
    back = read_registry(engine)
    assert isinstance(back, Workbook)
    assert_workbooks_equal(small, back)
    for name in small:
        assert list(back[name].columns) == list(small[name].columns)
        assert back[name].dtypes.equals(small[name].dtypes)
    assert "follicle:follicle" not in back.source  # the password is masked


def test_read_registry_carries_the_checksums_of_the_imported_files(engine, small):
    import_workbook(engine, small)
    checksums = read_registry(engine).checksums
    assert len(checksums) == len(small.checksums) == 8
    for file, digest in small.checksums.items():
        (recorded,) = [v for k, v in checksums.items() if k.startswith(f"{file} (import 1, ")]
        assert recorded == digest


def test_read_registry_orders_rows_stably(engine, small):
    shuffled = Workbook.from_frames(
        {name: small[name].sample(frac=1, random_state=7) for name in small}
    )
    import_workbook(engine, shuffled)
    back = read_registry(engine)
    assert back["participants"]["participant_id"].tolist() == ["007", "008", "009", "010"]
    assert back["pregnancies"]["pregnancy_id"].tolist() == ["G1", "G2", "G3", "G4"]
    contacts = back["contacts"]
    assert contacts["participant_id"].is_monotonic_increasing
    for _, dates in contacts.groupby("participant_id")["contact_date"]:
        assert dates.is_monotonic_increasing


def test_read_registry_of_an_empty_registry(engine):
    back = read_registry(engine)
    assert all(n == 0 for n in back.row_counts.values())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_through_files(engine, small, tmp_path, fmt):
    import_workbook(engine, small)
    out = tmp_path / ("export" if fmt == "csv" else "export.xlsx")
    written = write_workbook(read_registry(engine), out, format=fmt)
    assert written == out
    again = load_workbook(written)
    for name in small:
        pd.testing.assert_frame_equal(
            small[name].sort_values(list(small[name].columns)).reset_index(drop=True),
            again[name].sort_values(list(again[name].columns)).reset_index(drop=True),
        )


def test_csv_cells_are_written_as_the_format_says(small, tmp_path):
    write_workbook(small, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        t.filename for t in TABLES
    )
    with (tmp_path / "out" / "participants.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first, third = rows[0], rows[2]
    assert list(first) == list(TABLES[0].column_names)  # schema column order
    assert first["participant_id"] == "007"  # leading zeros kept
    assert first["birth_date"] == "1982-05-14"  # ISO dates
    assert first["prior_cycle_cancelled"] == "no"  # booleans yes/no
    assert first["afc"] == "4"  # integers without .0
    assert first["amh_ng_ml"] == "0.6"
    assert third["arm"] == ""
    assert third["afc"] == ""


def test_cell_text():
    assert cell_text(pd.Series([1.5, 2.0, None], dtype="Float64")).tolist() == ["1.5", "2", ""]
    assert cell_text(pd.Series([True, None], dtype="boolean")).tolist() == ["yes", ""]
    assert cell_text(pd.Series([3, None], dtype="Int64")).tolist() == ["3", ""]
    dates = pd.Series(pd.to_datetime(["2020-01-02", None])).astype("datetime64[ns]")
    assert cell_text(dates).tolist() == ["2020-01-02", ""]


def test_xlsx_keeps_text_that_looks_like_a_formula(small, tmp_path):
    conditions = small["conditions"].copy()
    conditions["notes"] = pd.Series(['=HYPERLINK("x")'], dtype="string")
    book = edited(small, conditions=conditions)
    again = load_workbook(write_workbook(book, tmp_path / "f.xlsx", format="xlsx"))
    assert again["conditions"]["notes"].tolist() == ['=HYPERLINK("x")']


def test_unknown_format(small, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        write_workbook(small, tmp_path / "x", format="ods")  # type: ignore[arg-type]


# -- de-identification -----------------------------------------------------------------


@pytest.fixture
def registry(engine, small):
    import_workbook(engine, small)
    return read_registry(engine)


def _codes(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(deid_keys.c.participant_id, deid_keys.c.code)).all())


def test_deidentified_export_has_no_dates_birth_dates_or_notes(engine, registry):
    out = deidentify(registry, engine)
    assert isinstance(out, DeidentifiedWorkbook)
    assert list(out) == [t.name for t in TABLES]
    for name, frame in out.frames.items():
        assert not any(c.endswith("_date") for c in frame.columns), name
        assert not any(pd.api.types.is_datetime64_any_dtype(frame[c]) for c in frame), name
        assert "notes" not in frame.columns
        assert "birth_date" not in frame.columns
    assert list(out["participants"].columns[:6]) == [
        "participant_id",
        "site",
        "arm",
        AGE_COLUMN,
        "age_at_last_contact",  # the age at the end of follow-up (issue 14)
        "consent_day",
    ]
    assert "injection_day" in out["injections"]
    assert "contact_day" in out["contacts"]
    assert "birth_day" in out["infants"]
    assert "death_day" in out["infants"]


def test_deidentified_ids_are_recoded_consistently(engine, registry):
    out = deidentify(registry, engine)
    codes = _codes(engine)
    assert set(out["participants"]["participant_id"]) == set(codes.values())
    originals = set(registry["participants"]["participant_id"])
    for name, frame in out.frames.items():
        if "participant_id" in frame:
            assert not set(frame["participant_id"]) & originals, name
            assert set(frame["participant_id"]) <= set(codes.values())
    assert not set(out["pregnancies"]["pregnancy_id"]) & set(
        registry["pregnancies"]["pregnancy_id"]
    )
    assert not set(out["ivf_cycles"]["cycle_id"]) & set(registry["ivf_cycles"]["cycle_id"])
    assert not set(out["infants"]["infant_id"]) & set(registry["infants"]["infant_id"])
    assert out["pregnancies"]["pregnancy_id"].str.startswith("pregnancy-").all()
    assert out["infants"]["infant_id"].str.startswith("infant-").all()
    # References still resolve, and point at the same things as before.
    pregnancies = out["pregnancies"]
    assert set(pregnancies["ivf_cycle_id"].dropna()) <= set(out["ivf_cycles"]["cycle_id"])
    assert set(out["infants"]["pregnancy_id"]) <= set(pregnancies["pregnancy_id"])
    assert set(out["infant_conditions"]["infant_id"]) <= set(out["infants"]["infant_id"])
    twins = out["infants"].groupby("pregnancy_id").size()
    (twin_pregnancy,) = twins[twins == 2].index
    assert (
        pregnancies.set_index("pregnancy_id").at[twin_pregnancy, "participant_id"] == codes["009"]
    )
    cycle = pregnancies.set_index("pregnancy_id").at[twin_pregnancy, "ivf_cycle_id"]
    cycles = out["ivf_cycles"].set_index("cycle_id")
    assert cycles.at[cycle, "oocytes_retrieved"] == 3  # C01's


def test_days_and_ages_are_computed_from_the_first_injection(engine, registry):
    out = deidentify(registry, engine)
    code = _codes(engine)
    p = out["participants"].set_index("participant_id")
    assert p.at[code["007"], AGE_COLUMN] == 36  # born 1982-05-14, first injection 2019-01-20
    assert p.at[code["010"], AGE_COLUMN] == 35  # born 1985-01-31, injected 2020-06-05
    assert p.at[code["007"], "consent_day"] == -10  # consent 2019-01-10
    inj = out["injections"]
    assert inj[inj["participant_id"] == code["008"]]["injection_day"].tolist() == [0, 189]
    contacts = out["contacts"]
    assert contacts[contacts["participant_id"] == code["009"]]["contact_day"].tolist() == [
        -5,
        90,
        1452,
    ]
    infants = out["infants"]
    assert sorted(infants["birth_day"].tolist()) == [365, 376, 377]
    assert infants["death_day"].isna().all()
    assert out["infant_conditions"]["diagnosis_day"].tolist() == [695]  # 2022-01-05 vs 2020-02-10
    assert out["conditions"]["diagnosis_day"].tolist() == [193]
    assert str(inj["injection_day"].dtype) == "Int64"


def test_codes_are_stable_across_exports_and_audited(engine, registry):
    first = deidentify(registry, engine)
    codes = _codes(engine)
    second = deidentify(read_registry(engine), engine)
    assert _codes(engine) == codes
    pd.testing.assert_frame_equal(first["participants"], second["participants"])
    with engine.connect() as connection:
        audits = (
            connection.execute(select(audit_log).where(audit_log.c.action == "export.deidentified"))
            .mappings()
            .all()
        )
    assert len(audits) == 2
    assert [json.loads(a["after"])["new_codes"] for a in audits] == [4, 0]
    for audit in audits:  # the audit never holds the key
        assert not any(code in audit["after"] for code in codes.values())


def test_codes_are_random_hex(engine, registry):
    deidentify(registry, engine)
    codes = list(_codes(engine).values())
    assert len(set(codes)) == len(codes) == 4
    assert all(len(c) == 12 and int(c, 16) >= 0 for c in codes)


def test_a_woman_without_injection_has_no_days(engine, small):
    participants = pd.concat(
        [small["participants"], small["participants"].iloc[[0]].assign(participant_id="011")]
    )
    book = edited(small, participants=participants)
    import_workbook(engine, book)
    out = deidentify(read_registry(engine), engine)
    p = out["participants"].set_index("participant_id")
    untreated = p.loc[_codes(engine)["011"]]
    assert pd.isna(untreated[AGE_COLUMN])
    assert pd.isna(untreated["consent_day"])


def test_a_control_woman_is_dated_from_her_consent(engine, small):
    # The comparison of arms follows a control from her consent: so does the export.
    first = small["participants"].iloc[[0]]
    control = first.assign(participant_id="012", arm="control")
    book = edited(small, participants=pd.concat([small["participants"], control]))
    import_workbook(engine, book)
    out = deidentify(read_registry(engine), engine)
    p = out["participants"].set_index("participant_id")
    row = p.loc[_codes(engine)["012"]]
    assert row["consent_day"] == 0
    consent = pd.Timestamp(control["consent_date"].iloc[0])
    birth = pd.Timestamp(control["birth_date"].iloc[0])
    age = consent.year - birth.year - ((consent.month, consent.day) < (birth.month, birth.day))
    assert row[AGE_COLUMN] == age


def test_an_empty_registry_exports_deidentified_without_a_crash(engine):
    # Found by Schemathesis through POST /api/v1/export on a new registry.
    out = deidentify(read_registry(engine), engine)
    assert all(len(out[t.name]) == 0 for t in TABLES)


def test_women_must_be_in_the_registry(engine, small):
    with pytest.raises(NotFound, match="import them"):
        deidentify(small, engine)
    assert _codes(engine) == {}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_deidentified_export_writes(engine, registry, tmp_path, fmt):
    out = deidentify(registry, engine)
    target = write_workbook(out, tmp_path / ("d" if fmt == "csv" else "d.xlsx"), format=fmt)
    if fmt == "csv":
        header = (target / "participants.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(out["participants"].columns)
        body = "".join(p.read_text(encoding="utf-8") for p in target.iterdir())
    else:
        import openpyxl

        book = openpyxl.load_workbook(target, read_only=True)
        body = " ".join(
            str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row
        )
        book.close()
    for secret in ("1982-05-14", "simple cyst", "G1", "B2", "C01"):
        assert secret not in body
