"""Random corruptions of a valid workbook never half-write the registry.

A registry already holds the small fixture workbook. Each example corrupts a copy of it
(tests/workbook/test_corruption_properties.py draws the corruptions), adds a new woman, and
imports it: either the import succeeds and the registry holds exactly the workbook's
women, or it is refused and the registry is exactly as it was.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from editing import SMALL, append_row, apply, corruptions
from follicle.errors import Conflict, WorkbookInvalid
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.exporting.exporter import read_registry
from follicle.store.importing.importer import import_workbook
from follicle.workbook.validate import load_workbook, validate_path

from ..helpers import snapshot


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=corruptions())
def test_import_is_all_or_nothing_whatever_the_corruption(
    edits: list[tuple[str, str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'registry.db'}")
        try:
            ensure_schema(engine)
            import_workbook(engine, load_workbook(SMALL))
            before = snapshot(engine)
            folder = Path(tmp) / "wb"
            shutil.copytree(SMALL, folder)
            apply(folder, edits)
            try:
                append_row(folder, "participants", {
                    "participant_id": "NEW1", "site": "North", "birth_date": "1980-01-01",
                    "menses_baseline": "regular",
                })  # fmt: skip
            except (IndexError, csv.Error, UnicodeDecodeError):
                pass  # the corruption left no header row to append under
            result = validate_path(folder)
            if not result.ok:
                return  # the CLI refuses before touching the registry (test_cli_bad_input)
            book = result.workbook()
            try:
                import_workbook(engine, book)
            except (Conflict, WorkbookInvalid):
                assert snapshot(engine) == before
                return
            stored = read_registry(engine)
            incoming = set(book["participants"]["participant_id"])
            assert incoming <= set(stored["participants"]["participant_id"])
        finally:
            engine.dispose()
