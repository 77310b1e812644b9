"""The rules of the optional ``judgments`` table: one vectorised check per rule code.

A judgment is about one **event** (:mod:`follicle.workbook.events`) at the value it judged
(``event_type``, ``event_key``, ``recorded_value``): judgments of an older value stay in
the table as history, so the counts below are per event *and* recorded value, as the
registry's review counts them. Reviews are taken in the order the review reads them
(``judged_on``, then ``judgment_id``): the third review of an event is the one reported.

:mod:`follicle.workbook.rules` registers :data:`JUDGMENT_CHECKS` under their codes; every
check returns at once when the workbook has no ``judgments`` table (it stays valid).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from follicle.workbook.events import (
    RECLASSIFY_VOCABULARY,
    judgments_agree,
    reported_events,
    text_of,
)
from follicle.workbook.keys import isin
from follicle.workbook.problems import ProblemSink
from follicle.workbook.schema import RULES_BY_CODE

Frames = Mapping[str, pd.DataFrame]
Labels = Mapping[str, str]
Check = Callable[[Frames, Labels, ProblemSink], None]

#: An event at the value judged: what two reviews and one decision are counted per.
EVENT = ["event_type", "event_key", "recorded_value"]


def _words(code: str) -> str:
    return RULES_BY_CODE[code].text


def _judgments(frames: Frames) -> pd.DataFrame | None:
    """The judgments as plain text (missing as ``""``), in review order; ``None``: none."""
    typed = frames.get("judgments")
    if typed is None or typed.empty:
        return None
    text = pd.DataFrame({c: text_of(typed[c]) for c in typed.columns}, index=typed.index)
    # The spreadsheet row breaks ties of date and ID, so that the order is total.
    order = text.assign(_row=text.index).sort_values(
        ["judged_on", "judgment_id", "_row"], kind="stable"
    )
    return order.drop(columns="_row")


def _reason_missing(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    needs = (j["verdict"].isin(["reclassify", "reject"])) | (j["stage"] == "decision")
    bad = needs & (j["reason"].str.strip() == "")
    what = np.where(j["stage"] == "decision", "a decision", "a " + j["verdict"])
    found.add(
        labels["judgments"],
        bad,
        "reason",
        j["reason"],
        "judgment_reason_missing",
        pd.Series(what, index=j.index) + " needs a reason (why it was judged so)",
    )


def _event_owners(frames: Frames, j: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """For each judgment of ``j`` (as :func:`_judgments` gives them): whether it names no
    event of the workbook, whether it names another woman's, and the event's woman."""
    events = reported_events(frames)[["event_type", "event_key", "participant_id"]]
    events = events.astype(object).rename(columns={"participant_id": "_owner"})
    events["_owner"] = events["_owner"].where(events["_owner"].notna(), "")
    matched = j[["event_type", "event_key"]].merge(
        events, on=["event_type", "event_key"], how="left"
    )
    owner = pd.Series(matched["_owner"].to_numpy(dtype=object), index=j.index)
    # A type or key that did not parse is reported by its own cell check already.
    judged = (j["event_type"] != "") & (j["event_key"] != "")
    missing = judged & owner.isna()
    # A woman not in the workbook is reported by the reference check already.
    known = isin(j["participant_id"], frames["participants"]["participant_id"].dropna())
    other = judged & known & owner.notna() & (owner != j["participant_id"])
    return missing, other, owner


def judgments_of_no_event(frames: Frames) -> pd.Series:
    """Whether each row of ``frames["judgments"]`` names no event of its woman in the
    other tables (what ``judgment_unknown_event`` reports), aligned with that frame.

    In the registry such judgments are history: their condition was corrected or its date
    changed (a condition's key is the woman, the condition and the date), or the event
    was deleted.
    """
    typed = frames["judgments"]
    j = _judgments(frames)
    if j is None:
        return pd.Series(False, index=typed.index)
    missing, other, _ = _event_owners(frames, j)
    return (missing | other).reindex(typed.index)


def _unknown_event(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    missing, other, owner = _event_owners(frames, j)
    kind = j["event_type"].str.replace("_", " ")
    message = pd.Series(
        np.where(
            missing,
            "there is no " + kind + " " + j["event_key"] + " in this workbook",
            "the "
            + kind
            + " "
            + j["event_key"]
            + " is of woman "
            + owner.fillna("").astype(str)
            + ", not "
            + j["participant_id"],
        ),
        index=j.index,
    )
    found.add(
        labels["judgments"],
        missing | other,
        "event_key",
        j["event_key"],
        "judgment_unknown_event",
        message + ": " + _words("judgment_unknown_event"),
    )


def _corrected_value(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    corrected = j["corrected_value"].str.strip()
    valid = pd.Series(False, index=j.index)
    allowed = pd.Series("", index=j.index)
    # One pass per reclassifiable event type (three), not per row.
    for event_type, words in RECLASSIFY_VOCABULARY.items():
        of_type = j["event_type"] == event_type
        valid |= of_type & corrected.isin(words)
        allowed = allowed.mask(of_type, "one of " + ", ".join(words))
    reclassify = j["verdict"] == "reclassify"
    not_reclassifiable = reclassify & ~j["event_type"].isin(list(RECLASSIFY_VOCABULARY))
    same = reclassify & valid & (corrected == j["recorded_value"])
    invalid = reclassify & ~valid & ~not_reclassifiable & (j["event_type"] != "")
    stray = ~reclassify & (j["verdict"] != "") & (corrected != "")
    kind = j["event_type"].str.replace("_", " ")
    message = pd.Series(
        np.select(
            [not_reclassifiable, same, invalid, stray],
            [
                "an event of type " + kind + " is confirmed or rejected, not reclassified",
                "the corrected value is the recorded one: the verdict is confirm",
                "reclassify needs the corrected value, " + allowed,
                "a corrected value goes with reclassify only",
            ],
            default="",
        ),
        index=j.index,
    )
    found.add(
        labels["judgments"],
        not_reclassifiable | same | invalid | stray,
        "corrected_value",
        j["corrected_value"],
        "judgment_corrected_value",
        message,
    )


def _too_many(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    nth = j.groupby([*EVENT, "stage"], sort=False).cumcount()
    bad = ((j["stage"] == "review") & (nth >= 2)) | ((j["stage"] == "decision") & (nth >= 1))
    which = np.where(j["stage"] == "decision", "a second decision", "a third review")
    found.add(
        labels["judgments"],
        bad,
        "stage",
        j["stage"],
        "judgment_too_many",
        pd.Series(which, index=j.index)
        + " of "
        + j["event_type"].str.replace("_", " ")
        + " "
        + j["event_key"]
        + ": "
        + _words("judgment_too_many"),
    )


def _same_reviewer(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    judged = j["reviewer"] != ""
    bad = judged & j.duplicated([*EVENT, "reviewer"], keep="first")
    found.add(
        labels["judgments"],
        bad,
        "reviewer",
        j["reviewer"],
        "judgment_same_reviewer",
        j["reviewer"]
        + " has judged "
        + j["event_type"].str.replace("_", " ")
        + " "
        + j["event_key"]
        + " already: "
        + _words("judgment_same_reviewer"),
    )


def _decision_without_dispute(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    j = _judgments(frames)
    if j is None:
        return
    reviews = j[j["stage"] == "review"]
    reviews = reviews.assign(_n=reviews.groupby(EVENT, sort=False).cumcount())
    first = reviews[reviews["_n"] == 0].set_index(EVENT)
    second = reviews[reviews["_n"] == 1].set_index(EVENT)
    both = first.index.intersection(second.index)
    agree = judgments_agree(first.loc[both], second.loc[both])
    disputed = both[~agree]
    keys = pd.MultiIndex.from_frame(j[EVENT])
    bad = (j["stage"] == "decision") & ~pd.Series(keys.isin(disputed), index=j.index)
    found.add(
        labels["judgments"],
        bad,
        "stage",
        j["stage"],
        "judgment_decision_without_dispute",
        "the reviews of "
        + j["event_type"].str.replace("_", " ")
        + " "
        + j["event_key"]
        + " (at "
        + j["recorded_value"]
        + ") are not two that disagree: "
        + _words("judgment_decision_without_dispute"),
    )


#: The checks by rule code, for :mod:`follicle.workbook.rules` to register.
JUDGMENT_CHECKS: dict[str, Check] = {
    "judgment_reason_missing": _reason_missing,
    "judgment_unknown_event": _unknown_event,
    "judgment_corrected_value": _corrected_value,
    "judgment_too_many": _too_many,
    "judgment_same_reviewer": _same_reviewer,
    "judgment_decision_without_dispute": _decision_without_dispute,
}
