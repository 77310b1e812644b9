"""The sites of an imported workbook: registered, created, or refused — never silently unseen.

A coordinator sees the women of her sites only, and a site is a row of the ``sites`` table
(:mod:`follicle.store.access.accounts`). Women imported at a site code that is not registered, or
at a site no coordinator works for, would be in the registry yet on no coordinator's
worklist. So an import, inside its transaction:

* with ``unknown_sites="refuse"`` (the command line and the web application), refuses a
  workbook whose ``participants.site`` names an unregistered site — one problem per site,
  naming it, its first spreadsheet row and how many women, and listing the registered
  sites — and writes nothing;
* with ``"create"`` (``follicle import --create-sites``, ``follicle demo``), registers each
  such site (its name = its code, to be renamed by an admin; audited), or refuses the
  workbook, naming the row, if a code cannot be a site's (too long, invisible characters);
* with ``"allow"`` (the library's default, for scripts and tests that manage sites
  themselves), does neither.

Whatever the choice, the summary names every site of the workbook that no active
coordinator works for (:func:`sites_without_coordinator`): its women are seen by admins
only until someone is given that site.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from sqlalchemy import Connection, select

from follicle.errors import Problem, WorkbookInvalid
from follicle.store.access.accounts import InvalidName, checked_name, create_site
from follicle.store.tables import sites, user_sites, users
from follicle.workbook.frames import Workbook
from follicle.workbook.schema import escape_unprintable

#: What an import does with a site code that is not registered.
UnknownSites = Literal["refuse", "create", "allow"]


def _workbook_sites(workbook: Workbook) -> pd.DataFrame:
    """Each site code of the workbook's women: ``site``, ``first_row`` (spreadsheet row,
    header = 1, as validation named it) and ``women``."""
    column = workbook["participants"]["site"].astype("string")
    rows = workbook.spreadsheet_rows("participants")
    frame = pd.DataFrame({"site": column.array, "row": rows}).dropna()
    frame = frame[frame["site"].str.len() > 0]
    grouped = frame.groupby("site", sort=True)["row"]
    return pd.DataFrame({"first_row": grouped.min(), "women": grouped.size()}).reset_index()


def registered_sites(connection: Connection) -> list[str]:
    """The registered site codes, sorted."""
    return sorted(connection.execute(select(sites.c.code)).scalars())


def settle_sites(
    connection: Connection, workbook: Workbook, policy: UnknownSites, *, actor: str
) -> tuple[str, ...]:
    """Apply ``policy`` to the workbook's unregistered sites; the codes created.

    Raises
    ------
    WorkbookInvalid
        ``policy == "refuse"`` and a site is not registered (one problem per site).
    """
    if policy == "allow":
        return ()
    found = _workbook_sites(workbook)
    known = registered_sites(connection)
    unknown = found[~found["site"].isin(known)]
    if unknown.empty:
        return ()
    if policy == "refuse":
        listed = ", ".join(known) if known else "none yet"
        raise WorkbookInvalid(
            workbook.in_file_terms(
                Problem(
                    workbook.label("participants"),
                    int(row.first_row),
                    "site",
                    str(row.site),
                    "site_not_registered",
                    f"site {row.site!r} ({row.women} women) is not a registered site; "
                    f"registered: {listed}. Add it first (follicle site add) or import "
                    "with --create-sites",
                )
                for row in unknown.itertuples()
            )
        )
    # Validation refuses such codes already (not_a_site_code); a workbook built in code
    # skips it, and is told where each code is all the same, before anything is created.
    label = workbook.label("participants")
    refused = []
    for row in unknown.itertuples():
        try:
            checked_name(str(row.site), "a site's code")
        except InvalidName as exc:
            shown = escape_unprintable(str(row.site))
            refused.append(
                Problem(
                    label,
                    int(row.first_row),
                    "site",
                    shown,
                    "not_a_site_code",
                    f"site ({row.women} women) cannot be registered: {exc}",
                )
            )
    if refused:
        raise WorkbookInvalid(workbook.in_file_terms(refused))
    for code in unknown["site"]:
        create_site(connection, str(code), str(code), actor=actor)
    return tuple(str(c) for c in unknown["site"])


def sites_without_coordinator(connection: Connection, workbook: Workbook) -> dict[str, int]:
    """Sites of the workbook (code → its women in the workbook) that no active coordinator
    works for: their women are on no coordinator's worklist."""
    found = _workbook_sites(workbook)
    staffed = set(
        connection.execute(
            select(user_sites.c.site_code)
            .join(users, users.c.id == user_sites.c.user_id)
            .where(users.c.active.is_(True), users.c.role == "coordinator")
        ).scalars()
    )
    alone = found[~found["site"].isin(staffed)]
    return {str(s): int(n) for s, n in zip(alone["site"], alone["women"], strict=True)}
