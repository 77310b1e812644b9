"""The audit of a large import is built in batches of women, with the same entries."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, select

from follicle.store.engine import ensure_schema
from follicle.store.importing import importer
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import audit_log
from follicle.workbook.frames import Workbook

from ..helpers import edited, women


def _entries(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    return [(r["action"], r["record_key"], r["before"], r["after"]) for r in rows]


def _fresh(tmp_path_factory: pytest.TempPathFactory, name: str) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp(name) / 'registry.db'}")
    ensure_schema(engine)
    return engine


def test_batched_audit_entries_are_the_unbatched_ones(
    small: Workbook, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = edited(small, contacts=small["contacts"].iloc[1:])
    whole = _fresh(tmp_path_factory, "whole")
    import_workbook(whole, women(small, "007", "008"))
    import_workbook(whole, changed, update=True)

    monkeypatch.setattr(importer, "AUDIT_WOMEN", 1)
    batched = _fresh(tmp_path_factory, "batched")
    import_workbook(batched, women(small, "007", "008"))
    import_workbook(batched, changed, update=True)

    expected = _entries(whole)
    assert {e[0] for e in expected} == {"import.insert", "import.update"}
    assert _entries(batched) == expected
    assert len(pd.unique(pd.Series([e[1] for e in expected]))) == 4
