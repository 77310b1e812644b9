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
from follicle.store.exporting import columnar, exporter
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import judgments
from follicle.workbook.frames import Workbook
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import load_workbook


def _through_sqlalchemy(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Workbook:
    with monkeypatch.context() as patch:
        patch.setattr(exporter, "read_arrow", lambda _engine, _queries, alone: None)
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
    assert columnar.read_arrow(engine, {"j": select(judgments)}, alone=True) is not None
    _assert_same(
        exporter.read_registry(engine, alone=True), _through_sqlalchemy(engine, monkeypatch)
    )


def test_a_synthetic_registry_reads_the_same_both_ways(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    # 300 women: most columns have empty cells, some long runs of them (the first 1,024
    # cells of a column empty must not make SQLite's driver guess its type wrongly).
    import_workbook(engine, load_workbook(write_synthetic(tmp_path / "wb", 300, seed=3)))
    _assert_same(
        exporter.read_registry(engine, alone=True), _through_sqlalchemy(engine, monkeypatch)
    )


def test_an_in_memory_registry_is_read_through_sqlalchemy() -> None:
    from follicle.store.engine import make_engine

    memory = make_engine("sqlite://")
    try:
        assert columnar.read_arrow(memory, {}, alone=True) is None
    finally:
        memory.dispose()


def test_beside_open_connections_sqlite_is_not_read_by_adbc(tmp_path) -> None:
    """The web application reads the registry beside its own open connections. ADBC's copy
    of SQLite, closing, dropped their file locks and deleted the write-ahead log under them:
    later saves went to a deleted file, lost on a crash and unseen by other processes."""
    import subprocess
    import sys

    from sqlalchemy import text

    from follicle.store.engine import ensure_schema, make_engine

    path = tmp_path / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        ensure_schema(engine)
        import_workbook(engine, load_workbook(FIXTURES / "judged"))
        with engine.connect() as held:  # as a server's pool holds them
            held.execute(text("select 1"))
            assert columnar.read_arrow(engine, {"j": select(judgments)}) is None
            exporter.read_registry(engine)
            assert path.with_name("registry.db-wal").exists()
            with engine.begin() as writer:
                writer.execute(text("create table probe (x integer)"))
                writer.execute(text("insert into probe values (42)"))
            seen = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    " print(c.execute('select x from probe').fetchone()[0])",
                    str(path),
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            assert seen.stdout.strip() == "42"  # another process sees the save
        # Alone with the file (a command-line run), the engine's pool closed first, ADBC
        # reads it, and the log is the database's own business again.
        assert columnar.read_arrow(engine, {"j": select(judgments)}, alone=True) is not None
    finally:
        engine.dispose()
