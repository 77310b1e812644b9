"""Helpers of the registry tests: edited workbooks, database snapshots, frame comparison."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select

from follicle.store.tables import metadata
from follicle.workbook.frames import Workbook

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"


def edited(workbook: Workbook, **frames: pd.DataFrame) -> Workbook:
    """``workbook`` with some tables replaced (the others copied)."""
    tables = {name: workbook[name].copy() for name in workbook}
    tables.update(frames)
    return Workbook.from_frames(tables, source=workbook.source, checksums=workbook.checksums)


def women(workbook: Workbook, *ids: str) -> Workbook:
    """Only the women ``ids`` of ``workbook`` (each with all her rows)."""
    keep = set(ids)
    p = workbook["participants"]
    pregnancies = workbook["pregnancies"][workbook["pregnancies"]["participant_id"].isin(keep)]
    infants = workbook["infants"][
        workbook["infants"]["pregnancy_id"].isin(set(pregnancies["pregnancy_id"]))
    ]
    frames = {
        name: workbook[name][workbook[name]["participant_id"].isin(keep)]
        for name in ("injections", "contacts", "conditions", "ivf_cycles")
    }
    frames["participants"] = p[p["participant_id"].isin(keep)]
    frames["pregnancies"] = pregnancies
    frames["infants"] = infants
    frames["infant_conditions"] = workbook["infant_conditions"][
        workbook["infant_conditions"]["infant_id"].isin(set(infants["infant_id"]))
    ]
    return Workbook.from_frames(frames, source=workbook.source)


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every registry table, sorted: equal snapshots = identical databases."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in a canonical row order (all columns), index reset."""
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def assert_workbooks_equal(left: Workbook, right: Mapping[str, pd.DataFrame] | Workbook) -> None:
    """Every table equal, whatever the row order."""
    for name in left:
        pd.testing.assert_frame_equal(sorted_frame(left[name]), sorted_frame(right[name]))
