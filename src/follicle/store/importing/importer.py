"""Importing a validated workbook into the registry: all or nothing, woman by woman.

The unit of import is a **woman**: her participants row and every row that hangs off her —
injections, contacts, conditions, IVF cycles, pregnancies, the infants of those pregnancies
and the infants' conditions. For each woman in the workbook:

* not in the registry yet → all her rows are inserted;
* in the registry with identical data (all her rows in every table; order does not matter,
  and for tables without IDs neither do duplicates beyond their count) → nothing is
  written;
* in the registry with different data → :class:`~follicle.errors.Conflict`, listing what
  differs, unless ``update=True``: then her rows are brought in line with the workbook and
  the audit log records what they were before and what they are now.

A pregnancy, IVF cycle or infant ID that the registry already holds under *another* woman
is always a conflict: IDs do not move between women silently.

Everything runs in one transaction; any error rolls it back, so the registry holds either
the whole workbook or nothing of it. The work is vectorised: the registry's rows for the
women concerned are read with a few chunked ``IN (...)`` queries per table (or, when the
workbook covers a large part of the registry, one query per table), compared with pandas
(cell by cell, aligned on the ID, for tables with IDs; by exact row factorisation and
counts for the others), and written with chunked ``executemany`` inserts, updates and
deletes — never a query per row. Rows are identified to the user by their spreadsheet row
and file, as validation named them (a blank row it skipped is not counted away).

This module holds the public entry point and the transaction; the steps live beside it:
:mod:`~follicle.store.importing.incoming` (the workbook's rows and their women),
:mod:`~follicle.store.importing.existing` (the registry's rows for those women),
:mod:`~follicle.store.importing.changes` (the comparison: what to write, what differs),
:mod:`~follicle.store.importing.writes` (the chunked writes, in foreign-key order) and
:mod:`~follicle.store.importing.audit` (each woman's rows before and after, as JSON).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from follicle.errors import Conflict, Problem, RegistryBusy, WorkbookInvalid
from follicle.store.importing.audit import json_by_woman, write_audit
from follicle.store.importing.changes import plan_changes
from follicle.store.importing.existing import existing_rows, foreign_ids
from follicle.store.importing.import_sites import (
    UnknownSites,
    settle_sites,
    sites_without_coordinator,
)
from follicle.store.importing.incoming import OWNER, incoming_frames
from follicle.store.importing.judgment_import import import_judgments
from follicle.store.importing.writes import BulkInsert, Progress, Writer, apply_plan
from follicle.store.tables import WORKBOOK_TABLES, imports
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import positions
from follicle.workbook.schema import TABLES

# The three sizes below are read when an import runs (and handed to the reading, writing
# and audit steps), so that tests can shrink them on this module.

#: Rows per ``executemany`` call (bounded so that memory and statement size stay small).
CHUNK_ROWS = 2_000

#: Women per batch of audit entries (their JSON is built and written a batch at a time).
AUDIT_WOMEN = 20_000

#: Values per ``IN (...)`` list when reading the registry's rows for a set of women.
CHUNK_IDS = 500

#: SQLite's page cache during an import, KiB (:func:`_page_cache`): a ceiling, filled only
#: as far as the import's pages need it.
IMPORT_CACHE_KIB = 262_144

#: Read whole registry tables (and filter in pandas) rather than ``IN (...)`` chunks when
#: the workbook's women are at least 1/this of the registry's.
WHOLE_TABLE_FRACTION = 4


@dataclass(frozen=True)
class ImportSummary:
    """What an import did.

    Attributes
    ----------
    women_inserted, women_unchanged, women_updated
        How many women of the workbook were new, identical to the registry, or changed.
    rows_written
        Rows inserted or updated, per table (schema order; zero when untouched).
    rows_deleted
        Rows removed by ``update=True`` because the workbook no longer has them.
    updated
        The participant IDs of the women whose rows changed.
    import_id
        The row of the ``imports`` table that records this import.
    sites_created
        Sites registered by this import (``unknown_sites="create"``).
    unseen_sites
        Sites of the workbook (code → women) that no active coordinator works for.
    judgments_added
        Judgments of the workbook's optional ``judgments`` table new to the registry
        (:mod:`follicle.store.importing.judgment_import`).
    """

    women_inserted: int
    women_unchanged: int
    women_updated: int
    rows_written: Mapping[str, int]
    rows_deleted: Mapping[str, int] = field(default_factory=dict)
    updated: tuple[str, ...] = ()
    import_id: int | None = None
    sites_created: tuple[str, ...] = ()
    unseen_sites: Mapping[str, int] = field(default_factory=dict)
    judgments_added: int = 0

    @property
    def total_rows_written(self) -> int:
        """Rows inserted or updated, over all tables."""
        return sum(self.rows_written.values())

    def __str__(self) -> str:
        women = (
            f"women: {self.women_inserted} new, {self.women_updated} updated, "
            f"{self.women_unchanged} unchanged"
        )
        written = ", ".join(f"{n} {name}" for name, n in self.rows_written.items() if n)
        deleted = ", ".join(f"{n} {name}" for name, n in self.rows_deleted.items() if n)
        lines = [women, f"rows written: {written or 'none'}"]
        if deleted:
            lines.append(f"rows removed: {deleted}")
        if self.sites_created:
            lines.append(
                f"sites registered: {', '.join(self.sites_created)} "
                "(named by their code: an admin can rename them)"
            )
        for site, count in self.unseen_sites.items():
            lines.append(
                f"warning: site {site} ({count} women) has no coordinator yet: only admins "
                "see these women until a coordinator is given the site"
            )
        if self.judgments_added:
            lines.append(f"judgments added: {self.judgments_added}")
        return "\n".join(lines)

    def __rich__(self) -> str:
        """Rich prints the plain summary (not the dataclass repr)."""
        return str(self)


def import_workbook(
    engine: Engine,
    workbook: Workbook,
    *,
    update: bool = False,
    actor: str = "cli",
    progress: Progress | None = None,
    unknown_sites: UnknownSites = "allow",
    update_hint: str = "import with --update to apply the workbook",
) -> ImportSummary:
    """Import ``workbook`` into the registry at ``engine``, all or nothing.

    Parameters
    ----------
    engine
        The registry; its schema must be current (:func:`follicle.store.engine.ensure_schema`).
    workbook
        A validated workbook (:func:`follicle.workbook.validate.load_workbook`). Each woman
        must come whole: every row must reach a participant of the workbook.
    update
        Apply the workbook to women already in the registry whose data differ, instead of
        raising :class:`~follicle.errors.Conflict`. Every change is audited.
    actor
        Who imports (a user name or ``"cli"``), for the audit log and the import log.
    progress
        Called as ``progress(done_rows, total_rows)`` while rows are written.
    unknown_sites
        What to do with a site code that is not registered: ``"refuse"`` the workbook,
        ``"create"`` the site, or ``"allow"`` it (:mod:`follicle.store.importing.import_sites`).
    update_hint
        How the caller's user asks for ``update``, said in the :class:`~follicle.errors.Conflict`
        when women differ (the command line's ``--update``; a form's checkbox).

    Returns
    -------
    ImportSummary
        Women inserted / unchanged / updated and rows written per table.

    Raises
    ------
    Conflict
        A woman differs from the registry (and ``update`` is false), or an ID belongs to
        another woman in the registry. ``problems`` names file, row, column and value.
    WorkbookInvalid
        Rows that reach no woman of the workbook, duplicate IDs, (``"refuse"``) an
        unregistered site; or a de-identified workbook, whose days are not calendar dates
        and whose IDs are recoded: it is for analysis, never for the registry.
    RegistryBusy
        SQLite only: another writer held the file past the busy timeout.
    """
    if workbook.deidentified:
        raise WorkbookInvalid(
            [
                Problem(
                    "participants.csv",
                    None,
                    "age_at_first_injection",
                    None,
                    "deidentified_import",
                    "a de-identified workbook (days since the first injection, ages, recoded "
                    "IDs) is for analysis: it cannot be imported into the registry",
                )
            ]
        )
    incoming, labels = incoming_frames(workbook)
    try:
        with engine.connect() as connection, _page_cache(connection), connection.begin():
            created = settle_sites(connection, workbook, unknown_sites, actor=actor)
            summary = _import(
                connection, workbook, incoming, labels, update, actor, progress, update_hint
            )
            return replace(
                summary,
                sites_created=created,
                unseen_sites=sites_without_coordinator(connection, workbook),
            )
    except IntegrityError as exc:
        # Another writer got there between our reads and our writes (or the registry holds
        # something the comparison did not foresee): nothing was written.
        raise Conflict(f"the registry refused the import, nothing was written: {exc.orig}") from exc
    except DataError as exc:
        # A value the database's column cannot hold: the schema's bounds are meant to stop
        # those at validation, so this is a gap in them, said without a traceback.
        raise Conflict(
            "the registry's database refused a value of the workbook, nothing was written: "
            f"{str(exc.orig).splitlines()[0]}"
        ) from exc
    except OperationalError as exc:
        if "locked" not in str(exc.orig).lower():
            raise
        # SQLite has one writer at a time; its busy timeout ran out while another import (or
        # a save from the web registry) held the file.
        raise RegistryBusy(
            "another import or a save is writing to this registry (SQLite lets one writer "
            "in at a time) and did not finish in time; nothing was written. Run the import "
            "again once the other one has finished"
        ) from exc


@contextmanager
def _page_cache(connection: Connection) -> Iterator[None]:
    """SQLite: a page cache of :data:`IMPORT_CACHE_KIB` for the import, then the
    connection's own again (after the commit, so that no dirty page is spilled to make room).

    With SQLite's default of 2 MiB, a large import keeps spilling pages of the indexes it
    fills in random order (the audit log's unique hashes) to the WAL and reading them back:
    at a million women, a tenth of its CPU went to those reads and writes.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    # Past SQLAlchemy: a PRAGMA through it would open the transaction begun just after.
    raw = connection.connection.driver_connection
    assert raw is not None
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={int(before)}")


def _batches(
    frames: Mapping[str, pd.DataFrame], women: list[str], size: int
) -> Iterator[tuple[list[str], dict[str, pd.DataFrame]]]:
    """``women`` in batches of ``size``, each with the rows of ``frames`` that are theirs.

    The audit's JSON is built a batch at a time: for a million women at once it would
    hold gigabytes of text.
    """
    index = pd.Index(women, dtype="string")
    # Each table's rows ordered once by their woman's position in ``women`` (rows of no
    # woman of ``women``, coded -1, first): a batch is then a slice of that order, not a
    # mask over every row per batch.
    orders, bounds = {}, {}
    for name, frame in frames.items():
        codes = (
            positions(frame[OWNER], index) if OWNER in frame.columns else np.full(len(frame), -1)
        )
        orders[name] = np.argsort(codes, kind="stable")
        bounds[name] = np.searchsorted(codes[orders[name]], np.arange(0, len(women) + size, size))
    for k, start in enumerate(range(0, len(women), size)):
        yield (
            women[start : start + size],
            {
                name: frame.iloc[orders[name][bounds[name][k] : bounds[name][k + 1]]]
                for name, frame in frames.items()
            },
        )


def _write_chunk(connection: Connection, statement: Any, parameters: Any) -> None:
    """Execute one chunk of a write (a seam for tests that fail an import midway)."""
    if isinstance(statement, BulkInsert):
        statement.run(connection, parameters)
        return
    connection.execute(statement, parameters)


def _import(
    connection: Connection,
    workbook: Workbook,
    incoming: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    update: bool,
    actor: str,
    progress: Progress | None,
    update_hint: str,
) -> ImportSummary:
    """Compare, refuse or write, and log: the body of :func:`import_workbook`'s transaction."""
    women = incoming["participants"]["participant_id"].dropna().unique().tolist()
    participants = WORKBOOK_TABLES["participants"]
    in_registry = connection.execute(select(func.count()).select_from(participants)).scalar_one()
    whole = len(women) * WHOLE_TABLE_FRACTION >= in_registry  # read whole tables?
    chunk = None if whole else CHUNK_IDS
    registry = existing_rows(connection, women, chunk)
    known = set(registry["participants"]["participant_id"])

    clashes = foreign_ids(connection, incoming, labels, chunk)
    plan = plan_changes(incoming, registry, labels, known)
    touched = plan.owners()
    new_women = [w for w in women if w not in known]
    changed = [w for w in women if w in known and w in touched]
    problems = list(clashes)
    reasons = []
    if clashes:
        reasons.append(f"{len(clashes)} ID(s) of the workbook belong to other women")
    if changed and not update:
        problems += plan.differences
        shown = ", ".join(changed[:20]) + (" …" if len(changed) > 20 else "")
        women_differ = "1 woman" if len(changed) == 1 else f"{len(changed)} women"
        verb = "differs" if len(changed) == 1 else "differ"
        reasons.append(
            f"{women_differ} already in the registry {verb} from the workbook ({shown}); "
            + update_hint
        )
    if reasons:
        raise Conflict(
            "; ".join(reasons) + "; nothing was written", workbook.in_file_terms(problems)
        )

    writer = Writer(
        connection,
        plan.total_rows(),
        progress,
        rows_per_chunk=CHUNK_ROWS,
        ids_per_chunk=CHUNK_IDS,
        execute=_write_chunk,  # looked up now, so that tests can replace it
    )
    apply_plan(plan, writer)

    at = datetime.now(UTC)
    for batch, inserted in _batches(incoming, new_women, AUDIT_WOMEN):
        write_audit(
            connection,
            "import.insert",
            batch,
            None,
            json_by_woman(inserted),
            at,
            actor,
            rows_per_chunk=CHUNK_ROWS,
        )
    # What the changed women's rows are after the import; built only when some changed
    # (a copy of every table written: at a million new women, most of a gigabyte).
    written = (
        {t.name: pd.concat([plan.inserts[t.name], plan.updates[t.name]]) for t in TABLES}
        if changed
        else {}
    )
    batches = zip(
        _batches(plan.before, changed, AUDIT_WOMEN),
        _batches(written, changed, AUDIT_WOMEN),
        strict=True,
    )
    for (batch, before), (_, after) in batches:
        write_audit(
            connection,
            "import.update",
            batch,
            json_by_woman(before),
            json_by_woman(after),
            at,
            actor,
            rows_per_chunk=CHUNK_ROWS,
        )
    judged = import_judgments(connection, workbook.judgments, actor=actor, at=at)
    rows_written = {t.name: len(plan.inserts[t.name]) + len(plan.updates[t.name]) for t in TABLES}
    rows_deleted = {t.name: len(plan.deletes[t.name]) for t in TABLES}
    import_id = connection.execute(
        insert(imports).returning(imports.c.id),
        {
            "at": at,
            "actor": actor,
            "source": workbook.source,
            "checksums": json.dumps(dict(workbook.checksums), sort_keys=True),
            "rows": sum(rows_written.values()) + sum(rows_deleted.values()) + judged,
        },
    ).scalar_one()
    return ImportSummary(
        women_inserted=len(new_women),
        women_unchanged=len(women) - len(new_women) - len(changed),
        women_updated=len(changed),
        rows_written=rows_written,
        rows_deleted=rows_deleted,
        updated=tuple(changed),
        import_id=import_id,
        judgments_added=judged,
    )
