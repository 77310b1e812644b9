"""The cohort by Bologna criteria and POSEIDON group (the criteria: test_eligibility.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from analysis.test_icmart import _woman, tiny_cohort
from follicle.analysis.cohort import Cohort
from follicle.analysis.eligibility import (
    BOLOGNA_2014_AMH,
    BOLOGNA_LABELS,
    POSEIDON_LABELS,
    PoseidonParams,
    classify,
)
from follicle.analysis.por_classification import (
    INPUTS,
    POSEIDON_SUMMARY,
    baseline,
    por_classification,
)
from follicle.analysis.result import COHORT_NOTE, Result
from follicle.workbook.frames import Workbook


def _por(cohort: Cohort, **kwargs: Any) -> Result:
    return por_classification(cohort.women, cohort.workbook["participants"], **kwargs)


def _participant(pid: str, born: str, **baseline: object) -> dict[str, object]:
    return _woman(pid) | {"birth_date": born} | baseline


def test_each_scheme_accounts_for_every_woman(seed_cohort: Cohort) -> None:
    values = _por(seed_cohort).values
    assert values["women"] == 105
    assert sum(values[f"bologna.{k}.n"] for k in BOLOGNA_LABELS) == 105
    assert sum(values[f"poseidon.{k}.n"] for k in POSEIDON_LABELS) == 105
    groups = POSEIDON_SUMMARY["any"][1]
    assert values["poseidon.any.n"] == sum(values[f"poseidon.{g}.n"] for g in groups)
    assert (
        values["poseidon.any.n"] == values["poseidon.unexpected.n"] + values["poseidon.expected.n"]
    )


def test_counts_are_the_labels_of_classify(seed_cohort: Cohort) -> None:
    values = _por(seed_cohort).values
    labels = classify(baseline(seed_cohort.women, seed_cohort.workbook["participants"]))
    for scheme in ("bologna", "poseidon"):
        for label, n in labels[scheme].value_counts().items():
            assert values[f"{scheme}.{label}.n"] == n


def test_seed_inputs_are_mostly_recorded_and_reported(seed_cohort: Cohort) -> None:
    result = _por(seed_cohort)
    for column in INPUTS:
        recorded = int(seed_cohort.workbook["participants"][column].notna().sum())
        assert result.values[f"recorded.{column}.n"] == recorded
    assert result.values["bologna.por.n"] > 0
    assert not any("missing for every woman" in n for n in result.notes)


def test_the_parameter_sets_are_named_in_the_notes(seed_cohort: Cohort) -> None:
    default = _por(seed_cohort)
    assert "bologna_2011 (AMH < 1.1 ng/mL, AFC < 7)" in default.notes[0]
    assert "poor reserve = either" in default.notes[0]
    variant = _por(
        seed_cohort,
        bologna_criteria=BOLOGNA_2014_AMH,
        poseidon_params=PoseidonParams(poor_reserve="both"),
    )
    assert "bologna_2014_amh (AMH < 1.3 ng/mL" in variant.notes[0]
    assert "poor reserve = both" in variant.notes[0]
    # A looser AMH cut-off can only add poor responders; "both" can only shrink poor reserve.
    assert variant.values["bologna.por.n"] >= default.values["bologna.por.n"]
    assert variant.values["poseidon.expected.n"] <= default.values["poseidon.expected.n"]


def test_intervals_follow_the_method(seed_cohort: Cohort) -> None:
    wilson = _por(seed_cohort).values
    exact = _por(seed_cohort, method="clopper-pearson").values
    assert wilson["bologna.por.low"] != exact["bologna.por.low"]
    for values in (wilson, exact):
        assert values["bologna.por.low"] <= values["bologna.por.pct"] <= values["bologna.por.high"]


def test_a_cohort_without_inputs_says_so_and_classifies_nobody(generated: Cohort) -> None:
    result = _por(generated)
    values = result.values
    assert values["bologna.not_classifiable.pct"] == 100.0
    assert values["poseidon.not_classifiable.pct"] == 100.0
    assert values["recorded.amh_ng_ml.n"] == 0
    notes = [n for n in result.notes if n.startswith(COHORT_NOTE)]
    assert notes == [
        f"{COHORT_NOTE}, AMH, AFC and the prior-cycle history are missing for every woman: no "
        "woman can be classified by either definition, and every woman is reported as not "
        "classifiable."
    ]


def test_hand_built_women_land_in_their_groups() -> None:
    participants = [
        # 42, poor reserve, one cycle with 2 oocytes: Bologna POR, POSEIDON 4.
        _participant("P1", "1976-01-01", amh_ng_ml="0.5", afc="4", prior_ivf_cycles="1",
                     prior_max_oocytes="2", prior_cycle_cancelled=False),
        # 33, adequate reserve, 2 oocytes: only one Bologna criterion; POSEIDON 1a.
        _participant("P2", "1985-01-01", amh_ng_ml="2.5", afc="9", prior_ivf_cycles="1",
                     prior_max_oocytes="2", prior_cycle_cancelled=False),
        # 42, poor reserve, never stimulated: an expected poor responder; POSEIDON 4.
        _participant("P3", "1976-01-01", amh_ng_ml="0.4", afc="3", prior_ivf_cycles="0"),
        # Nothing recorded: not classifiable by either.
        _participant("P4", "1985-01-01"),
    ]  # fmt: skip
    cohort = tiny_cohort(["P1", "P2", "P3", "P4"], participants=participants)
    result = _por(cohort)
    values = result.values
    assert values["bologna.por.n"] == 1
    assert values["bologna.not_por.n"] == 1
    assert values["bologna.expected_poor_responder.n"] == 1
    assert values["bologna.not_classifiable.n"] == 1
    assert (values["poseidon.4.n"], values["poseidon.1a.n"]) == (2, 1)
    assert values["poseidon.not_classifiable.n"] == 1
    assert values["poseidon.any.pct"] == 75.0
    assert f"{COHORT_NOTE}, 1 woman has neither AMH nor AFC recorded" in " ".join(result.notes)


def test_an_empty_cohort_gives_every_name_and_a_note() -> None:
    result = _por(Cohort(Workbook.from_frames({})))
    assert result.values["women"] == 0
    assert math.isnan(result.values["bologna.por.pct"])
    assert result.notes[-1] == f"{COHORT_NOTE}, there is no treated woman to classify."


def test_an_unknown_method_is_refused(seed_cohort: Cohort) -> None:
    with pytest.raises(ValueError, match="interval method"):
        _por(seed_cohort, method="wald")
