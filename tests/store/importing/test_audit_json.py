"""An import's audit JSON, built column-wise by Arrow, is byte for byte what ``json.dumps``
writes for the same rows (the form a single save's entry takes)."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from follicle.store.audit_log.chain import row_json
from follicle.store.importing.audit import json_by_woman
from follicle.store.importing.incoming import OWNER, incoming_frames
from follicle.workbook import seed
from follicle.workbook.schema import TABLES_BY_NAME
from follicle.workbook.validate import load_workbook


def _one_by_one(parts: dict[str, pd.DataFrame]) -> dict[str, str]:
    """The reference: each row through ``row_json``, grouped by woman then table."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, frame in parts.items():
        columns = TABLES_BY_NAME[name].column_names
        for record in frame[[*columns, OWNER]].to_dict("records"):
            owner = record.pop(OWNER)
            found.setdefault(owner, {}).setdefault(name, []).append(row_json(record) or "")
    return {
        woman: "{" + ",".join(f'"{t}":[' + ",".join(rows) + "]" for t, rows in by.items()) + "}"
        for woman, by in found.items()
    }


def test_the_bundled_cohort_as_json_dumps_writes_it():
    frames, _ = incoming_frames(load_workbook(seed.path()))
    built = json_by_woman(frames)
    expected = _one_by_one(frames)
    assert sorted(built.index) == sorted(expected)
    for woman, text in built.items():
        assert text == expected[woman], woman
        json.loads(text)


def test_awkward_values_as_json_dumps_writes_them():
    people = pd.DataFrame(
        {
            "participant_id": pd.array(["P-1", "P_2", "P3"], dtype="string"),
            "site": pd.array(['Nor"th', "back\\slash", "tab\there\nnewline é ✓"], dtype="string"),
            "arm": pd.array([None, "msc", ""], dtype="string"),
            "birth_date": pd.to_datetime(["1985-02-03", None, "1979-12-31"]),
            "consent_date": pd.to_datetime(["2019-01-01", "2019-06-30", None]),
            "menses_baseline": pd.array(["regular", None, "\x01"], dtype="string"),
            "amh_ng_ml": pd.array([3.0, None, 1e-05], dtype="Float64"),
            "afc": pd.array([2**40, None, 0], dtype="Int64"),
            "fsh_iu_l": np.array([0.1 + 0.2, 1e16, -0.0]),
            "prior_ivf_cycles": np.array([0, 3, 12], dtype=np.int64),
            "prior_max_oocytes": pd.array([None, None, None], dtype="Int64"),
            "prior_cycle_cancelled": pd.array([True, None, False], dtype="boolean"),
        }
    )
    people[OWNER] = people["participant_id"]
    injections = pd.DataFrame(
        {
            "participant_id": pd.array(["P3", "P-1", "P3"], dtype="string"),
            "injection_date": pd.to_datetime(["2020-01-02", "2020-03-04", "2020-05-06"]),
            "product": pd.array(["menstrual_msc"] * 3, dtype="string"),
            "dose_million_cells": pd.array([10.0, None, 12.5], dtype="Float64"),
            "ovary": pd.array(["both", "left", None], dtype="string"),
            "route": pd.array(["transvaginal"] * 3, dtype="string"),
        }
    )
    injections[OWNER] = injections["participant_id"]
    parts = {"participants": people, "injections": injections}
    built = json_by_woman(parts)
    expected = _one_by_one(parts)
    assert dict(built.items()) == expected
    assert (
        json.loads(built["P3"])["injections"][1]["injection_date"] == date(2020, 5, 6).isoformat()
    )


def test_no_rows_no_entries():
    empty = pd.DataFrame({c: [] for c in [*TABLES_BY_NAME["participants"].column_names, OWNER]})
    assert json_by_woman({"participants": empty}).empty
