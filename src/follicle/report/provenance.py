"""Where a report's numbers come from: source, file checksums, date, software versions.

Every output of ``follicle report`` carries the same :class:`Provenance` — the HTML page
prints it, ``results.json`` stores it — so a number can always be traced to the exact
files it was computed from. When the cohort is follicle's bundled demo cohort the provenance
says so, in words that cannot be missed: it is reconstructed from published aggregates, not
patient data. The demo cohort is recognised by its **content** — the SHA-256 of its eight
files are among the workbook's checksums — so a copy of the seed folder, or a registry the
seed was imported into, is recognised as well as the package's own folder.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

#: The folder of the bundled demo cohort, inside the installed package.
SEED_FOLDER = Path(__file__).resolve().parent.parent / "workbook" / "seed"
#: The line every output of the demo cohort carries.
DEMO_NOTICE = "reconstructed from published aggregates; not patient data"
#: The software whose versions the methods cite, by distribution name.
SOFTWARE: Mapping[str, str] = {
    "follicle": "follicle",
    "pandas": "pandas",
    "NumPy": "numpy",
    "SciPy": "scipy",
    "statsmodels": "statsmodels",
    "lifelines": "lifelines",
    "matplotlib": "matplotlib",
}


class WorkbookLike(Protocol):
    """What provenance needs of a workbook: where it came from and its files' hashes."""

    @property
    def source(self) -> object:
        """A path or a database URL (without password)."""

    @property
    def checksums(self) -> Mapping[str, str]:
        """SHA-256 of each file read, by file name."""


@dataclass(frozen=True)
class Provenance:
    """The origin of a report.

    Attributes
    ----------
    source
        The workbook path (or database URL without password) the cohort was read from.
    checksums
        SHA-256 of each file read, by file name.
    generated
        When the report was made (UTC, ISO 8601, seconds).
    demo
        Whether the cohort is the bundled demo cohort.
    software
        Versions of Python and of the libraries that computed and drew the results.
    """

    source: str
    checksums: Mapping[str, str]
    generated: str
    demo: bool = False
    software: Mapping[str, str] = field(default_factory=dict)

    @property
    def notice(self) -> str:
        """The demo notice, or ``""`` for real data."""
        return DEMO_NOTICE if self.demo else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``provenance`` object of ``results.json``)."""
        data: dict[str, Any] = {
            "source": self.source,
            "checksums": {"algorithm": "SHA-256", "files": dict(sorted(self.checksums.items()))},
            "generated": self.generated,
            "demo": self.demo,
            "software": dict(self.software),
        }
        if self.demo:
            data["notice"] = DEMO_NOTICE
        return data


def software_versions() -> dict[str, str]:
    """Versions of Python and of :data:`SOFTWARE` (``"not installed"`` when absent)."""
    versions = {"Python": platform.python_version()}
    for label, distribution in SOFTWARE.items():
        try:
            versions[label] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[label] = "not installed"
    return versions


def is_demo_source(source: Any) -> bool:
    """Whether ``source`` lies inside the package's ``workbook/seed`` folder (by path only;
    :func:`is_demo_workbook` recognises the demo cohort by content, wherever it lies)."""
    if not source:
        return False
    try:
        path = Path(str(source)).resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return path == SEED_FOLDER or SEED_FOLDER in path.parents


@cache
def _seed_files() -> tuple[dict[str, str], dict[str, int]]:
    """The seed's SHA-256 by file name, and its rows per table (from the files, unparsed).

    Counting lines is enough for the row counts: the seed's files hold no quoted line
    breaks (a test holds them to the validated tables).
    """
    from follicle.workbook.read import sha256
    from follicle.workbook.schema import TABLES
    from follicle.workbook.seed import path

    folder = path()
    digests, rows = {}, {}
    for table in TABLES:
        file = folder / table.filename
        digests[table.filename] = sha256(file)
        with file.open("rb") as handle:
            lines = [line for line in handle if line.strip()]
        rows[table.name] = len(lines) - 1  # the header
    return digests, rows


@cache
def _seed_tables() -> dict[str, Any]:
    """The bundled seed cohort's eight typed tables, each in a canonical row order."""
    from follicle.workbook.seed import path
    from follicle.workbook.validate import load_workbook

    seed = load_workbook(path())
    return {name: _canonical(seed[name]) for name in seed}


def _canonical(frame: Any) -> Any:
    """``frame`` sorted by every column (row order carries no meaning), index reset."""
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def is_demo_workbook(workbook: WorkbookLike) -> bool:
    """Whether ``workbook`` holds exactly the bundled seed cohort, judged by its values.

    True when each of the eight tables has the very rows of the reconstruction (row order
    and file formatting aside). So the seed folder, a copy of it anywhere, an export of it
    and a registry that holds it and nothing else are recognised; a registry that holds
    the seed *and* other women, or the seed with one value changed, is not — its numbers
    are no longer the reconstruction's, and it may hold patients' data.

    Cheap for every cohort a report meets: the seed's files are hashed, never parsed,
    unless the question is open. A workbook whose row counts differ from the seed's is not
    the seed; one read from files byte-identical to the seed's (the same eight SHA-256) is
    the seed. Only a cohort of the seed's exact size read from other bytes (a reformatted
    copy, an export, a registry) is compared value by value with the validated seed.
    """
    frames = getattr(workbook, "frames", None)
    if frames is None:
        return False
    digests, rows = _seed_files()
    if any(name not in frames or len(frames[name]) != n for name, n in rows.items()):
        return False
    if dict(workbook.checksums or {}) == digests:
        return True
    seed = _seed_tables()
    for name, expected in seed.items():
        mine = frames[name]
        if list(mine.columns) != list(expected.columns):
            return False
        if not _canonical(mine.astype(expected.dtypes.to_dict())).equals(expected):
            return False
    return True


def provenance_of(
    workbook: WorkbookLike, *, now: datetime | None = None, demo: bool | None = None
) -> Provenance:
    """The provenance of a cohort read from ``workbook``.

    Parameters
    ----------
    workbook
        Anything with ``source`` and ``checksums`` (a
        :class:`follicle.workbook.frames.Workbook`).
    now
        The generation time; the current UTC time by default (tests pass a fixed one).
    demo
        Whether the cohort is the bundled demo cohort; by default recognised by content
        (:func:`is_demo_workbook`: its tables hold exactly the seed's rows).
        ``True`` or ``False`` overrides the detection.

    Returns
    -------
    Provenance
    """
    moment = now or datetime.now(UTC)
    return Provenance(
        source=str(workbook.source or ""),
        checksums=dict(workbook.checksums or {}),
        generated=moment.replace(microsecond=0).isoformat(),
        demo=is_demo_workbook(workbook) if demo is None else demo,
        software=software_versions(),
    )
