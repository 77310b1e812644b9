"""The judgments table of the de-identified export (the analysts' workbook).

The review travels with the analysts' data so that ``follicle report --adjudicated`` works
from their export, de-identified like the other tables:

* ``participant_id`` → the woman's code, as in every table;
* ``judged_on`` → ``judged_on_day``: whole days since that woman's first injection;
* ``reason`` (free text, which may name the woman) is left out;
* ``reviewer`` → ``R1``, ``R2``, …: one code per specialist, numbered in the order of their
  first judgment in the export, the same specialist keeping her code in every row;
* ``judgment_id`` → ``judgment-001``, … in the order of the rows (woman's code, day);
* ``event_key`` → the key of the recoded event: the recoded pregnancy or infant ID, the
  woman's code for a death, and for a condition or infant condition the recoded owner, the
  condition and the diagnosis as a day (``<code>|endometrioma|412``), which the reader turns
  back into a date on the de-identified calendar (:mod:`follicle.workbook.deidentified`).
"""

from __future__ import annotations

import pandas as pd

from follicle.workbook.deidentified import day_column
from follicle.workbook.events import KEY_SEPARATOR
from follicle.workbook.schema import JUDGMENTS


def _recode(keys: pd.Series, codes: pd.Series) -> pd.Series:
    """``keys`` mapped by ``codes`` (old → new); a key without a code stays empty."""
    return keys.map(codes).astype(object)


def deidentified_judgments(
    judgments: pd.DataFrame,
    codes: pd.Series,
    first: pd.Series,
    recoded: dict[str, pd.Series],
) -> pd.DataFrame:
    """The de-identified form of the workbook's typed ``judgments`` table.

    Parameters
    ----------
    judgments
        The typed table (``judged_on`` a date).
    codes
        Each woman's code, by ``participant_id``.
    first
        Each woman's day 0 (first injection, or consent in a control arm), by
        ``participant_id``.
    recoded
        The export's ID codes by ``table.key`` (``"pregnancies.pregnancy_id"``, …).
    """
    j = judgments.reset_index(drop=True)
    pid = j["participant_id"].astype(object)
    reference = pd.Series(
        first.reindex(pid.to_numpy()).to_numpy(dtype="datetime64[ns]"), index=j.index
    )
    kind = j["event_type"].astype(object)
    key = j["event_key"].astype(object).fillna("")
    # As text: a part no key has (judgments of pregnancies only: no "|" at all) is
    # otherwise a column of floats, which text cannot be added to.
    parts = (
        key.str.split(KEY_SEPARATOR, n=2, expand=True).reindex(columns=[0, 1, 2]).astype("string")
    )
    diagnosis = pd.to_datetime(parts[2].where(parts[2] != ""), errors="coerce", format="%Y-%m-%d")
    day = (diagnosis - reference).dt.days.astype("Int64").astype("string").fillna("")
    pregnancies = recoded.get("pregnancies.pregnancy_id", pd.Series(dtype="string"))
    infants = recoded.get("infants.infant_id", pd.Series(dtype="string"))
    condition_owner = _recode(parts[0], codes).where(
        kind == "condition", _recode(parts[0], infants)
    )
    # Every part as text: a part that is empty in every row (judgments of pregnancies
    # only) is otherwise a column of nothing, which Arrow's text join has no kernel for.
    condition_key = (
        condition_owner.astype("string")
        + KEY_SEPARATOR
        + parts[1].astype("string").fillna("")
        + KEY_SEPARATOR
        + day
    ).astype(object)
    event_key = pd.Series(pd.NA, index=j.index, dtype=object)
    event_key = event_key.mask(kind == "pregnancy", _recode(key, pregnancies))
    event_key = event_key.mask(kind == "infant", _recode(key, infants))
    event_key = event_key.mask(kind == "death", _recode(key, codes))
    event_key = event_key.mask(kind.isin(["condition", "infant_condition"]), condition_key)

    # Reviewers numbered by their first judgment, not by name (which would hint at it).
    order = j.assign(_d=j["judged_on"]).sort_values(["_d", "judgment_id"], kind="stable")
    reviewers = order["reviewer"].astype(object).drop_duplicates()
    reviewer_codes = pd.Series(
        [f"R{n}" for n in range(1, len(reviewers) + 1)], index=reviewers.to_numpy()
    )

    columns: dict[str, pd.Series] = {}
    for column in JUDGMENTS.columns:
        name = column.name
        if column.free_text:
            continue
        if name == "participant_id":
            columns[name] = pid.map(codes).astype("string")
        elif name == "event_key":
            columns[name] = event_key.astype("string")
        elif name == "reviewer":
            columns[name] = j["reviewer"].astype(object).map(reviewer_codes).astype("string")
        elif column.is_date:
            columns[day_column(name)] = (j[name] - reference).dt.days.astype("Int64")
        else:
            columns[name] = j[name]
    out = pd.DataFrame(columns, index=j.index)
    out = out.sort_values(
        ["participant_id", day_column("judged_on"), "judgment_id"],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)
    width = max(3, len(str(len(out))))
    out["judgment_id"] = pd.Series(
        [f"judgment-{n:0{width}d}" for n in range(1, len(out) + 1)], dtype="string"
    )
    return out
