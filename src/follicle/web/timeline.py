"""A woman's timeline: every dated event of her record, oldest first."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from follicle.web.pages import label

#: (table, date column, css class, kind shown) — one timeline entry per row and date.
EVENTS: tuple[tuple[str, str, str, str], ...] = (
    ("injections", "injection_date", "injection", "Injection"),
    ("contacts", "contact_date", "contact", "Follow-up contact"),
    ("ivf_cycles", "start_date", "ivf", "IVF cycle started"),
    ("pregnancies", "conception_date", "pregnancy", "Pregnancy conceived"),
    ("pregnancies", "outcome_date", "pregnancy", "Pregnancy ended"),
    ("infants", "birth_date", "infant", "Infant born"),
    ("infants", "death_date", "infant", "Infant died"),
    ("conditions", "diagnosis_date", "condition", "Condition diagnosed"),
)


def _details(table: str, rows: pd.DataFrame, column: str) -> pd.Series:
    """What each event says beside its kind (vectorised over the table's rows)."""

    def text(name: str) -> pd.Series:
        if name not in rows.columns:
            return pd.Series("", index=rows.index)
        return rows[name].astype("string").fillna("").map(label)

    if table == "injections":
        return text("product") + " · " + text("ovary") + " ovary"
    if table == "contacts":
        return text("mode") + " · milestone " + text("milestone")
    if table == "pregnancies" and column == "outcome_date":
        return rows["pregnancy_id"].astype("string") + " · " + text("outcome")
    if table == "pregnancies":
        return rows["pregnancy_id"].astype("string") + " · " + text("mode")
    if table == "infants":
        return rows["infant_id"].astype("string") + " · " + text("sex")
    if table == "conditions":
        return text("condition")
    if table == "ivf_cycles":
        return rows["cycle_id"].astype("string")
    return pd.Series("", index=rows.index)


def timeline(rows: Mapping[str, pd.DataFrame]) -> list[dict[str, str]]:
    """Every dated event in ``rows`` (a woman's tables), sorted by date, as text."""
    parts = []
    for table, column, css, kind in EVENTS:
        frame = rows.get(table)
        if frame is None or frame.empty or column not in frame.columns:
            continue
        dated = frame[frame[column].notna()]
        if dated.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "date": pd.to_datetime(dated[column]),
                    "kind": kind,
                    "css": css,
                    "details": _details(table, dated, column).str.strip(" ·"),
                }
            )
        )
    if not parts:
        return []
    events = pd.concat(parts, ignore_index=True).sort_values("date", kind="stable")
    events["date"] = events["date"].dt.strftime("%Y-%m-%d")
    return events.to_dict("records")
