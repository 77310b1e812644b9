"""Reported events and their review: which rows are events, and where each one stands.

An **event** is a workbook row that claims something happened to a woman or her child after
the first injection (``shared/spec/adjudication.md``):

================== ===================================== ================ ==================
event type         rows                                  key              recorded value
================== ===================================== ================ ==================
``condition``      every ``conditions`` row              pid|cond|date    ``condition``
``pregnancy``      every ``pregnancies`` row             ``pregnancy_id`` ``outcome``
``infant``         every ``infants`` row                 ``infant_id``    ``alive``/``died``
``infant_condition`` every ``infant_conditions`` row     infant|cond|date ``condition``
``death``          a woman with a contact ``deceased``   participant_id   ``deceased``
================== ===================================== ================ ==================

The key names the event in the ``judgments`` table (``event_key``), so a judgment travels
with the workbook. A condition has no ID of its own, so its key is the woman, the condition
and the diagnosis date (empty when unknown); two rows alike in those three are one event.

The **recorded value** is the event's defining field. A judgment stores the value it judged;
when the field changes (an outcome corrected from ``ongoing`` to ``miscarriage``), the earlier
judgments stay in the table as history but no longer count, and the event is back to
``to_review``. Only ``condition``, ``pregnancy`` and ``infant_condition`` can be
*reclassified* (to another word of their vocabulary, :data:`RECLASSIFY_VOCABULARY`); an
infant or a death is confirmed or rejected.

**Statuses** (:func:`review_status`), from the judgments of the current recorded value:
``to_review`` (no review yet) → ``one_judgment`` → ``settled`` (both reviews agree: same
verdict and, for reclassify, the same corrected value) or ``disputed`` → ``decided`` (the
adjudicator's decision). Settled and decided events have a **final** verdict and value.
Everything here takes and returns whole frames: no loop over events.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from follicle.workbook.frames import Workbook
from follicle.workbook.schema import (
    INFANT_CONDITIONS,
    JUDGMENTS,
    MATERNAL_CONDITIONS,
    PREGNANCY_OUTCOMES,
)

#: Review statuses, in the order of the flow.
STATUSES = ("to_review", "one_judgment", "settled", "disputed", "decided")
#: Statuses with a final verdict.
FINAL = ("settled", "decided")

#: The words an event of each type may be reclassified to (types absent: not reclassifiable).
RECLASSIFY_VOCABULARY: dict[str, tuple[str, ...]] = {
    "condition": MATERNAL_CONDITIONS,
    "pregnancy": PREGNANCY_OUTCOMES,
    "infant_condition": INFANT_CONDITIONS,
}

#: Per event type, the columns of its row that make its key or its recorded value: a change
#: of one of them makes it another event, or the same event with a new value, to review
#: again (a change of any other column leaves its judgments standing).
DEFINING_COLUMNS: dict[str, tuple[str, ...]] = {
    "condition": ("participant_id", "condition", "diagnosis_date"),
    "pregnancy": ("pregnancy_id", "outcome"),
    "infant": ("infant_id", "death_date"),
    "infant_condition": ("infant_id", "condition", "diagnosis_date"),
    "death": ("participant_id", "vital_status"),
}

#: The columns of :func:`reported_events`.
EVENT_COLUMNS = ("event_type", "event_key", "participant_id", "recorded_value", "event_date")

#: Separates the parts of a composite event key.
KEY_SEPARATOR = "|"


def text_of(values: pd.Series) -> pd.Series:
    """Cell text of a column: dates as ISO, missing as ``""``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("").astype(object)
    return values.astype(object).where(values.notna(), "").astype(str).astype(object)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _frame(
    kind: str, key: pd.Series, pid: pd.Series, value: pd.Series, when: pd.Series
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_type": kind,
            "event_key": key.to_numpy(dtype=object),
            "participant_id": pid.to_numpy(dtype=object),
            "recorded_value": value.to_numpy(dtype=object),
            "event_date": _dates(when).to_numpy(),
        }
    )


def condition_keys(frame: pd.DataFrame, owner: str) -> pd.Series:
    """The event keys of condition rows: ``owner|condition|diagnosis_date``."""
    return (
        text_of(frame[owner])
        + KEY_SEPARATOR
        + text_of(frame["condition"])
        + KEY_SEPARATOR
        + text_of(frame["diagnosis_date"])
    )


def reported_events(frames: Mapping[str, pd.DataFrame] | Workbook) -> pd.DataFrame:
    """Every event of a workbook's tables, one row each (:data:`EVENT_COLUMNS`).

    ``frames`` maps table names to typed frames (a :class:`~follicle.workbook.frames.Workbook`
    will do); ``event_date`` is the diagnosis, outcome (else conception), birth (or death) or
    first ``deceased`` contact date, for sorting queues.
    """
    conditions = frames["conditions"]
    pregnancies = frames["pregnancies"]
    infants = frames["infants"]
    infant_conditions = frames["infant_conditions"]
    contacts = frames["contacts"]

    infant_owner = infants.set_index("infant_id")["pregnancy_id"].map(
        pregnancies.set_index("pregnancy_id")["participant_id"]
    )
    deaths = contacts[contacts["vital_status"].astype(object) == "deceased"]
    deaths = deaths.assign(_d=_dates(deaths["contact_date"])).sort_values("_d")
    deaths = deaths.drop_duplicates("participant_id")
    outcome_or_conception = _dates(pregnancies["outcome_date"]).fillna(
        _dates(pregnancies["conception_date"])
    )
    parts = [
        _frame(
            "condition",
            condition_keys(conditions, "participant_id"),
            conditions["participant_id"],
            text_of(conditions["condition"]),
            conditions["diagnosis_date"],
        ),
        _frame(
            "pregnancy",
            text_of(pregnancies["pregnancy_id"]),
            pregnancies["participant_id"],
            text_of(pregnancies["outcome"]),
            outcome_or_conception,
        ),
        _frame(
            "infant",
            text_of(infants["infant_id"]),
            infants["infant_id"].map(infant_owner),
            pd.Series(np.where(infants["death_date"].isna(), "alive", "died"), index=infants.index),
            _dates(infants["death_date"]).fillna(_dates(infants["birth_date"])),
        ),
        _frame(
            "infant_condition",
            condition_keys(infant_conditions, "infant_id"),
            infant_conditions["infant_id"].map(infant_owner),
            text_of(infant_conditions["condition"]),
            infant_conditions["diagnosis_date"],
        ),
        _frame(
            "death",
            text_of(deaths["participant_id"]),
            deaths["participant_id"],
            pd.Series("deceased", index=deaths.index),
            deaths["contact_date"],
        ),
    ]
    found = [p for p in parts if len(p)]
    if not found:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS})
        return empty.assign(event_date=pd.Series(dtype="datetime64[ns]"))
    events = pd.concat(found, ignore_index=True)
    # A condition entered twice alike (notes apart) is one event.
    return events.drop_duplicates(["event_type", "event_key"]).reset_index(drop=True)


def empty_judgments() -> pd.DataFrame:
    """A judgments frame with no rows and the table's columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in JUDGMENTS.column_names})


def judgments_agree(first: pd.DataFrame, second: pd.DataFrame) -> np.ndarray:
    """Row by row, whether two reviewers' judgments agree: the same verdict and, for a
    reclassification, the same corrected value."""
    same_verdict = text_of(first["verdict"]).to_numpy() == text_of(second["verdict"]).to_numpy()
    same_value = (
        text_of(first["corrected_value"]).to_numpy()
        == text_of(second["corrected_value"]).to_numpy()
    )
    reclassify = text_of(first["verdict"]).to_numpy() == "reclassify"
    return np.asarray(same_verdict & (~reclassify | same_value), dtype=bool)


def review_status(events: pd.DataFrame, judgments: pd.DataFrame) -> pd.DataFrame:
    """Each event with where its review stands and, when final, its verdict.

    ``judgments`` holds rows of the ``judgments`` table; only those whose
    ``recorded_value`` is the event's current one count. The first two reviews (by
    ``judged_on``, then ``judgment_id``) are *first* and *second*; the latest decision
    decides.

    Returns
    -------
    pandas.DataFrame
        ``events`` plus ``status`` (:data:`STATUSES`), ``reviews`` (0–2), ``reviewer_1``,
        ``verdict_1``, ``value_1``, ``reviewer_2``, ``verdict_2``, ``value_2``,
        ``decided_by``, ``final_verdict`` and ``final_value`` (the corrected value of a final
        reclassify, else the recorded value; empty when not final).
    """
    keys = ["event_type", "event_key", "recorded_value"]
    # Typed (registry) or text (CSV) alike: plain objects, missing as None.
    judgments = judgments.astype(object).where(judgments.notna(), None)
    judgments["corrected_value"] = judgments["corrected_value"].fillna("")
    events = events.astype(dict.fromkeys(keys, object))
    current = judgments.merge(events[keys], on=keys, how="inner")
    current = current.sort_values(["judged_on", "judgment_id"], kind="stable")
    reviews = current[current["stage"] == "review"].copy()
    reviews["_n"] = reviews.groupby(keys[:2]).cumcount()
    decisions = current[current["stage"] == "decision"].drop_duplicates(keys[:2], keep="last")

    out = events.copy()
    for n, suffix in ((0, "1"), (1, "2")):
        nth = reviews[reviews["_n"] == n][[*keys[:2], "reviewer", "verdict", "corrected_value"]]
        nth = nth.rename(
            columns={
                "reviewer": f"reviewer_{suffix}",
                "verdict": f"verdict_{suffix}",
                "corrected_value": f"value_{suffix}",
            }
        )
        out = out.merge(nth, on=keys[:2], how="left")
    decided = decisions[[*keys[:2], "reviewer", "verdict", "corrected_value"]].rename(
        columns={"reviewer": "decided_by", "verdict": "_dv", "corrected_value": "_dval"}
    )
    out = out.merge(decided, on=keys[:2], how="left")

    has_1 = out["verdict_1"].notna().to_numpy()
    has_2 = out["verdict_2"].notna().to_numpy()
    first = pd.DataFrame({"verdict": out["verdict_1"], "corrected_value": out["value_1"]})
    second = pd.DataFrame({"verdict": out["verdict_2"], "corrected_value": out["value_2"]})
    agree = has_2 & judgments_agree(first, second)
    has_decision = out["_dv"].notna().to_numpy()
    status = np.select(
        [~has_1, ~has_2, agree, has_decision],
        ["to_review", "one_judgment", "settled", "decided"],
        default="disputed",
    )
    out["status"] = pd.Categorical(status, categories=STATUSES)
    out["reviews"] = has_1.astype(int) + has_2.astype(int)
    final_verdict = np.where(
        status == "settled",
        out["verdict_1"].to_numpy(dtype=object),
        np.where(status == "decided", out["_dv"].to_numpy(dtype=object), None),
    )
    corrected = np.where(status == "settled", out["value_1"], out["_dval"])
    final_value = np.where(
        final_verdict == "reclassify",
        corrected,
        np.where(pd.notna(final_verdict), out["recorded_value"], None),
    )
    out["final_verdict"] = final_verdict
    out["final_value"] = final_value
    return out.drop(columns=["_dv", "_dval"])
