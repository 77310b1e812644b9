"""Random corruptions of a valid workbook: validation never crashes, import never half-writes.

The import half of these properties is in tests/store/importing/test_import_properties.py.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from editing import SMALL, apply, corruptions
from follicle.workbook.validate import validate_path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=corruptions())
def test_validation_never_crashes_and_locates_every_problem(
    edits: list[tuple[str, str, int, int, str]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "wb"
        shutil.copytree(SMALL, folder)
        apply(folder, edits)
        result = validate_path(folder)
        for problem in result.problems:
            assert problem.file
            assert problem.rule
            assert problem.message
            assert problem.row is None or problem.row >= 1
        if result.ok:
            result.workbook()  # a valid result always yields a typed workbook
