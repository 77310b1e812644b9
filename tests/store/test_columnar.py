"""The registry read column-wise (ADBC) gives exactly what SQLAlchemy's rows give.

Both readers run on the same registry — the workbook with judgments, and a synthetic one
with empty cells in every column kind — on SQLite and PostgreSQL; every frame, dtype and
provenance line must be equal.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from editing import FIXTURES
from follicle.store import columnar, exporter
from follicle.store.importer import import_workbook
from follicle.store.tables import judgments
from follicle.workbook.frames import Workbook
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import load_workbook


def _through_sqlalchemy(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Workbook:
    with monkeypatch.context() as patch:
        patch.setattr(exporter, "read_arrow", lambda _engine, _queries: None)
        return exporter.read_registry(engine)


def _assert_same(columnwise: Workbook, rows: Workbook) -> None:
    assert list(columnwise) == list(rows)
    for name in rows:
        pd.testing.assert_frame_equal(columnwise[name], rows[name], check_exact=True)
    assert dict(columnwise.checksums) == dict(rows.checksums)
    assert columnwise.source == rows.source


def test_the_judged_workbook_reads_the_same_both_ways(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_workbook(engine, load_workbook(FIXTURES / "judged"))
    with engine.connect() as connection:
        assert connection.execute(select(judgments)).first() is not None
    assert columnar.read_arrow(engine, {"j": select(judgments)}) is not None  # not skipped
    _assert_same(exporter.read_registry(engine), _through_sqlalchemy(engine, monkeypatch))


def test_a_synthetic_registry_reads_the_same_both_ways(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    # 300 women: most columns have empty cells, some long runs of them (the first 1,024
    # cells of a column empty must not make SQLite's driver guess its type wrongly).
    import_workbook(engine, load_workbook(write_synthetic(tmp_path / "wb", 300, seed=3)))
    _assert_same(exporter.read_registry(engine), _through_sqlalchemy(engine, monkeypatch))


def test_an_in_memory_registry_is_read_through_sqlalchemy() -> None:
    from follicle.store.engine import make_engine

    memory = make_engine("sqlite://")
    try:
        assert columnar.read_arrow(memory, {}) is None
    finally:
        memory.dispose()
