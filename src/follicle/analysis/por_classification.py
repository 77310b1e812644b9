"""The cohort by poor-ovarian-response definition: Bologna criteria and POSEIDON groups.

Each treated woman is labelled by :func:`follicle.analysis.eligibility.classify` from her age
at the first injection and her baseline record (AMH, AFC, prior conventional cycles, their
best oocyte count, a cancellation). This module counts the labels, with a confidence interval
for each share of the treated women, and says which parameter set was used and how complete
the inputs were. Where the inputs are missing, a woman is "not classifiable" — never put in a
group by default — and a cohort with no inputs at all says so plainly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from follicle.analysis import eligibility
from follicle.analysis.eligibility import (
    BOLOGNA_2011,
    POSEIDON_2016,
    BolognaCriteria,
    PoseidonParams,
)
from follicle.analysis.frame import Coded, codes_of
from follicle.analysis.result import COHORT_NOTE, Number, Result
from follicle.analysis.stats.intervals import CI_METHOD_NOTES, proportion_ci
from follicle.analysis.stats.proportions import percent

#: The baseline inputs, in the participants table, whose presence is reported.
INPUT_ITEMS = {
    "amh_ng_ml": "AMH recorded",
    "afc": "AFC recorded",
    "prior_ivf_cycles": "Number of prior cycles recorded",
    "prior_max_oocytes": "Best prior oocyte count recorded",
    "prior_cycle_cancelled": "Prior cancellation recorded (yes or no)",
}
INPUTS: tuple[str, ...] = tuple(INPUT_ITEMS)

BOLOGNA_ITEMS = {
    "por": "Poor ovarian responder",
    "expected_poor_responder": "Expected poor responder (age and reserve, no prior cycle)",
    "not_por": "Not a poor responder",
    "not_classifiable": "Not classifiable (inputs missing)",
}
POSEIDON_ITEMS = {
    "1a": "Group 1a (< 35, adequate reserve, < 4 oocytes)",
    "1b": "Group 1b (< 35, adequate reserve, 4\u20139 oocytes)",
    "2a": "Group 2a (\u2265 35, adequate reserve, < 4 oocytes)",
    "2b": "Group 2b (\u2265 35, adequate reserve, 4\u20139 oocytes)",
    "3": "Group 3 (< 35, poor reserve)",
    "4": "Group 4 (\u2265 35, poor reserve)",
    "not_poseidon": "Not POSEIDON",
    "not_classifiable": "Not classifiable (inputs missing)",
}
#: Summary rows: POSEIDON patients (groups 1–4), unexpected (1–2), expected (3–4).
POSEIDON_SUMMARY = {
    "any": ("Any POSEIDON group (1\u20134)", ("1a", "1b", "2a", "2b", "3", "4")),
    "unexpected": ("Unexpected low prognosis (groups 1\u20132)", ("1a", "1b", "2a", "2b")),
    "expected": ("Expected low prognosis (groups 3\u20134)", ("3", "4")),
}


def baseline(
    women: pd.DataFrame, participants: pd.DataFrame, coded: Coded | None = None
) -> pd.DataFrame:
    """The treated women with the columns :func:`~follicle.analysis.eligibility.classify`
    needs: ``age`` (completed years at the first injection) and the participants' baseline
    inputs :data:`INPUTS` (a column the participants table lacks is all missing).
    ``coded``: the women as codes (:class:`~follicle.analysis.frame.Coded`), when the
    caller has them."""
    inputs = participants.reindex(columns=["participant_id", *INPUTS])
    left = women.loc[:, ["participant_id", "age"]]
    if coded is not None and codes_of(coded, women, participants, "participants") is not None:
        # The left merge by codes: each woman's first participants row (-1 for code -1).
        at = np.append(coded.women.first_rows("participants"), -1)[coded.rows(women)]
        if (at >= 0).all():  # else a woman without a row: the merge says how to fill
            found = inputs.loc[:, list(INPUTS)].iloc[at].reset_index(drop=True)
            return pd.concat([left.reset_index(drop=True), found], axis=1)
    return left.merge(inputs.drop_duplicates("participant_id"), on="participant_id", how="left")


def _rows(labels: pd.Series, items: dict[str, str], scheme: str) -> pd.DataFrame:
    counts = labels.value_counts().reindex(list(items), fill_value=0)
    return pd.DataFrame(
        {
            "scheme": scheme,
            "key": list(items),
            "item": list(items.values()),
            "n": counts.to_numpy(dtype="int64"),
        }
    )


def _summary_rows(poseidon: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scheme": "POSEIDON",
            "key": list(POSEIDON_SUMMARY),
            "item": [label for label, _ in POSEIDON_SUMMARY.values()],
            "n": [int(poseidon.isin(groups).sum()) for _, groups in POSEIDON_SUMMARY.values()],
        }
    )


def _recorded(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scheme": "inputs",
            "key": list(INPUTS),
            "item": list(INPUT_ITEMS.values()),
            "n": [int(frame[c].notna().sum()) for c in INPUTS],
        }
    )


def _women(n: int, verb: str = "have") -> str:
    """``"1 woman has"``, ``"4 women have"`` (``verb`` "have" or "are")."""
    singular = {"have": "has", "are": "is"}[verb]
    return f"1 woman {singular}" if n == 1 else f"{n} women {verb}"


def _cohort_notes(frame: pd.DataFrame, labels: pd.DataFrame) -> list[str]:
    if frame.empty:
        return [f"{COHORT_NOTE}, there is no treated woman to classify."]
    recorded = frame.loc[:, list(INPUTS)].notna()
    if not recorded.to_numpy().any():
        return [
            f"{COHORT_NOTE}, AMH, AFC and the prior-cycle history are missing for every woman: "
            "no woman can be classified by either definition, and every woman is reported as "
            "not classifiable."
        ]
    notes = []
    no_marker = int((frame["amh_ng_ml"].isna() & frame["afc"].isna()).sum())
    if no_marker:
        notes.append(
            f"{COHORT_NOTE}, {_women(no_marker)} neither AMH nor AFC recorded and cannot be "
            "placed in a POSEIDON group."
        )
    for scheme, column in (("Bologna", "bologna"), ("POSEIDON", "poseidon")):
        open_ = int(labels[column].eq("not_classifiable").sum())
        if open_:
            notes.append(
                f"{COHORT_NOTE}, {_women(open_, 'are')} not classifiable by {scheme}: their "
                "missing inputs could change the label."
            )
    return notes


def por_classification(
    women: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    bologna_criteria: BolognaCriteria = BOLOGNA_2011,
    poseidon_params: PoseidonParams = POSEIDON_2016,
    method: str = "wilson",
    level: float = 0.95,
    coded: Coded | None = None,
) -> Result:
    """How many treated women meet the Bologna criteria, and in which POSEIDON group.

    Parameters
    ----------
    women
        :func:`follicle.analysis.frame.women` (for ``age``, completed years at the first
        injection).
    participants
        The workbook's participants table (AMH ng/mL, AFC follicles, prior cycles, best prior
        oocyte count, a prior cancellation).
    bologna_criteria
        :data:`~follicle.analysis.eligibility.BOLOGNA_2011` (default: AMH < 1.1 ng/mL,
        AFC < 7) or :data:`~follicle.analysis.eligibility.BOLOGNA_2014_AMH` (AMH < 1.3).
    poseidon_params
        :data:`~follicle.analysis.eligibility.POSEIDON_2016` (default: AMH < 1.2 ng/mL,
        AFC < 5, poor reserve = either marker) or a variant.
    method
        ``"wilson"`` or ``"clopper-pearson"`` for the intervals.
    level
        Confidence level, 0–1.
    coded
        The women as codes (:class:`~follicle.analysis.frame.Coded`), when the caller has
        them: the same results, without hashing the IDs again.

    Returns
    -------
    Result
        ``por_classification``. The table's rows: each Bologna label, each POSEIDON label,
        the POSEIDON summaries (any group, unexpected 1–2, expected 3–4) and how many women
        have each input recorded; columns ``scheme``, ``key``, ``item``, ``n``, ``total``
        (treated women), ``pct``, ``low``, ``high`` (percent).
    """
    frame = baseline(women, participants, coded)
    labels = eligibility.classify(
        frame, bologna_criteria=bologna_criteria, poseidon_params=poseidon_params
    )
    table = pd.concat(
        [
            _rows(labels["bologna"], BOLOGNA_ITEMS, "Bologna"),
            _rows(labels["poseidon"], POSEIDON_ITEMS, "POSEIDON"),
            _summary_rows(labels["poseidon"]),
            _recorded(frame),
        ],
        ignore_index=True,
    )
    total = len(frame)
    table["total"] = total
    n = table["n"].to_numpy(dtype=float)
    table["pct"] = percent(n, np.full(n.shape, total))
    low, high = proportion_ci(n, np.full(n.shape, total), method=method, level=level)
    table["low"], table["high"] = 100 * low, 100 * high

    prefix = {"Bologna": "bologna", "POSEIDON": "poseidon", "inputs": "recorded"}
    values: dict[str, Number] = {"women": total}
    for rec in table.itertuples(index=False):
        key = f"{prefix[rec.scheme]}.{rec.key}"
        values |= {
            f"{key}.n": int(rec.n),
            f"{key}.total": int(rec.total),
            f"{key}.pct": float(rec.pct),
            f"{key}.low": float(rec.low),
            f"{key}.high": float(rec.high),
        }
    pct = f"{level * 100:g} %"
    return Result(
        "por_classification",
        "",
        "The treated women by the Bologna criteria and the POSEIDON groups",
        table,
        values,
        (
            f"Bologna thresholds: {bologna_criteria.tag}. POSEIDON parameters: "
            f"{poseidon_params.tag}.",
            *labels.attrs["methods"].split("\n\n"),
            f"Percentages of the treated women, with {pct} confidence intervals: "
            f"{CI_METHOD_NOTES[method]}.",
            *_cohort_notes(frame, labels),
        ),
    )
