"""What the registry's live report analyses: a de-identified copy, and the state it is of.

:func:`registry_state` names the registry's current content: the newest audit-log entry
that is a change (every change of data, judgment, user or site is audited; de-identified
exports are audited too, but change nothing, so they are skipped). A report computed at one
state is current until the state moves on.

:func:`deidentified_registry` is the registry as the analysis sees it on the web: the same
pseudonyms as the analyst's de-identified export (each woman's random code from
``deid_keys``, stored and audited as ``export.deidentified`` exactly as that export does),
pregnancy, IVF-cycle and infant IDs recoded for this copy, free text (notes, reasons of
judgments) and the reviewers' names dropped. Dates are kept, so that the numbers are those
of ``follicle report`` on the registry: the copy never leaves the server; only the report's
aggregate tables and figures do.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, func, not_, select

from follicle.store.exporting.exporter import participant_codes, read_registry, record_export
from follicle.store.follow_up.adjudication import all_judgments
from follicle.store.tables import audit_log
from follicle.workbook.events import KEY_SEPARATOR
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import row_owners
from follicle.workbook.schema import TABLES

#: IDs recoded per copy: ``table.key`` → the code's prefix.
_RECODED = {"pregnancies": "pregnancy-", "ivf_cycles": "cycle-", "infants": "infant-"}


def registry_state(connection: Connection) -> str:
    """A token that changes whenever the registry's content changes (see module doc)."""
    newest = connection.execute(
        select(func.max(audit_log.c.id)).where(not_(audit_log.c.action.like("export%")))
    ).scalar()
    return str(newest or 0)


def table_key(name: str) -> str:
    """The key column of a keyed table."""
    key = next(t.key for t in TABLES if t.name == name)
    assert key is not None, name
    return key


def deidentified_registry(
    engine: Engine, *, site: str | None = None, actor: str
) -> tuple[Workbook, pd.DataFrame]:
    """The registry (or one site of it), pseudonymised, with its pseudonymised judgments.

    Parameters
    ----------
    engine
        The registry.
    site
        Only the women of this site (``None``: every woman).
    actor
        Who asked (the audit entry of the codes names her).
    """
    workbook = read_registry(engine)
    frames = {t.name: workbook[t.name].copy() for t in TABLES}
    owners = row_owners(frames)
    if site is not None:
        women = frames["participants"].loc[
            frames["participants"]["site"].astype(object) == site, "participant_id"
        ]
        for table in TABLES:
            keep = owners[table.name].isin(women).to_numpy(dtype=bool)
            frames[table.name] = frames[table.name][keep].reset_index(drop=True)
            owners[table.name] = owners[table.name][keep].reset_index(drop=True)
    found = participant_codes(engine, frames["participants"]["participant_id"])
    rows = {name: len(frame) for name, frame in frames.items()}
    mapping: dict[str, pd.Series] = {"participants": found.codes}
    for name, prefix in _RECODED.items():
        ids = frames[name][table_key(name)].astype(object)
        width = max(3, len(str(len(ids))))
        mapping[name] = pd.Series(
            [f"{prefix}{i:0{width}d}" for i in range(1, len(ids) + 1)], index=ids.to_numpy()
        )
    for table in TABLES:
        frame = frames[table.name]
        for column in table.columns:
            target = (
                table.name if column.name == table.key else (column.references or "").split(".")[0]
            )
            if column.free_text:
                frame[column.name] = pd.Series(
                    pd.NA, index=frame.index, dtype=frame[column.name].dtype
                )
            elif target in mapping:
                frame[column.name] = frame[column.name].astype(object).map(mapping[target])
    judgments = _judgments(engine, mapping)
    copy = Workbook.from_frames(
        {t.name: frames[t.name] for t in TABLES},
        source="the registry, de-identified",
        checksums=workbook.checksums,
    )
    record_export(engine, found, actor, rows)
    return copy, judgments


def _judgments(engine: Engine, mapping: dict[str, pd.Series]) -> pd.DataFrame:
    """The judgments of the copy's women, their IDs recoded like the copy's, anonymous."""
    with engine.connect() as connection:
        found = all_judgments(connection)
    found = found[found["participant_id"].isin(mapping["participants"].index)]
    found = found.astype(object).reset_index(drop=True)
    if found.empty:
        return found
    parts = found["event_key"].astype(str).str.split(KEY_SEPARATOR, n=1, expand=True)
    head = parts[0]
    rest = parts[1] if 1 in parts.columns else pd.Series(None, index=found.index, dtype=object)
    kind = found["event_type"]
    new_head = pd.Series(None, index=found.index, dtype=object)
    for event_type, table in (
        ("condition", "participants"),
        ("death", "participants"),
        ("pregnancy", "pregnancies"),
        ("infant", "infants"),
        ("infant_condition", "infants"),
    ):
        hit = (kind == event_type).to_numpy(dtype=bool)
        new_head[hit] = head[hit].map(mapping[table])
    composite = kind.isin(["condition", "infant_condition"]).to_numpy(dtype=bool)
    found["event_key"] = new_head.where(~composite, new_head + KEY_SEPARATOR + rest)
    found["participant_id"] = found["participant_id"].map(mapping["participants"])
    # Who judged and why stay in the registry: the reviews are told apart by order only.
    order = found.groupby(["event_type", "event_key"]).cumcount() + 1
    found["reviewer"] = "reviewer " + order.astype(str)
    found["reason"] = None
    return found
