"""The registry's workbook as a download, for the data page and the JSON API alike.

Either is audited: a full export records who took it, a de-identified one stores the codes
it hands out (:func:`follicle.store.exporting.exporter.deidentify`), each under the
registry's writer.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from follicle.store.exporting.exporter import (
    DeidentifiedWorkbook,
    deidentify,
    read_registry,
    record_full_export,
    write_workbook,
)
from follicle.web.registry import Registry
from follicle.workbook.frames import Workbook

#: The download's formats: one ``.xlsx``, or a zip of the CSV files.
FORMATS = ("xlsx", "csv")


def export_bytes(reg: Registry, *, deidentified: bool, fmt: str, actor: str) -> bytes:
    """The registry's workbook as one file's bytes: an ``.xlsx``, or (``fmt="csv"``) a zip
    of the CSV files; de-identified (new codes stored) or full, audited either way."""
    workbook = read_registry(reg.engine)
    with tempfile.TemporaryDirectory(prefix="follicle-export-") as scratch:
        out: Workbook | DeidentifiedWorkbook = workbook
        if deidentified:
            with reg.writer():  # the export stores new codes and its audit entry
                out = deidentify(workbook, reg.engine, actor=actor)
        else:
            with reg.writer():
                record_full_export(reg.engine, workbook, actor=actor)
        if fmt == "xlsx":
            return write_workbook(out, Path(scratch) / "export.xlsx", format="xlsx").read_bytes()
        folder = write_workbook(out, Path(scratch) / "export", format="csv")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.glob("*.csv")):
                archive.write(path, path.name)
        return buffer.getvalue()
