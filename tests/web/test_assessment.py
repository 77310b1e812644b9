"""The live POR assessment agrees with the analysis's own classifier."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from follicle.analysis.eligibility import classify
from follicle.web.assessment import assess

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("fields", "age"),
    [
        (
            {
                "birth_date": "1982-03-01",
                "amh_ng_ml": "0.5",
                "afc": "4",
                "prior_ivf_cycles": "2",
                "prior_max_oocytes": "2",
                "prior_cycle_cancelled": "no",
            },
            44,
        ),
        (
            {
                "birth_date": "1994-12-01",
                "amh_ng_ml": "2.5",
                "afc": "9",
                "prior_ivf_cycles": "1",
                "prior_max_oocytes": "2",
                "prior_cycle_cancelled": "no",
            },
            31,
        ),
        ({"birth_date": "1990-01-01", "amh_ng_ml": "3", "afc": "12", "prior_ivf_cycles": "0"}, 36),
        ({"birth_date": "1990-01-01", "injection_date": "2020-01-01", "afc": "3"}, 30),
    ],
)
def test_the_form_assessment_is_the_analysis_classification(
    fields: dict[str, str], age: int
) -> None:
    shown = assess(fields, today=TODAY)
    assert shown.age == age
    frame = pd.DataFrame(
        {
            "age": [float(age)],
            "amh_ng_ml": [float(fields["amh_ng_ml"]) if "amh_ng_ml" in fields else None],
            "afc": [float(fields["afc"])],
            "prior_max_oocytes": [
                float(fields["prior_max_oocytes"]) if "prior_max_oocytes" in fields else None
            ],
            "prior_cycle_cancelled": pd.array(
                [{"no": False}.get(fields.get("prior_cycle_cancelled", ""))], dtype="boolean"
            ),
            "prior_ivf_cycles": [
                float(fields["prior_ivf_cycles"]) if "prior_ivf_cycles" in fields else None
            ],
        }
    ).astype(
        {"amh_ng_ml": "Float64", "prior_max_oocytes": "Float64", "prior_ivf_cycles": "Float64"}
    )
    expected = classify(frame).iloc[0]
    assert shown.bologna == expected["bologna"]
    assert shown.poseidon == expected["poseidon"]


def test_an_empty_or_garbled_form_is_not_classifiable() -> None:
    for fields in ({}, {"birth_date": "not a date", "afc": "many"}):
        shown = assess(fields, today=TODAY)
        assert shown.age is None
        assert shown.bologna == "not_classifiable"
        assert shown.poseidon == "not_classifiable"


def test_a_44_year_old_with_poor_reserve_and_poor_response_meets_bologna() -> None:
    shown = assess(
        {
            "birth_date": "1982-03-01",
            "amh_ng_ml": "0.5",
            "afc": "4",
            "prior_ivf_cycles": "1",
            "prior_max_oocytes": "2",
        },
        today=TODAY,
    )
    assert (shown.bologna, shown.poseidon) == ("por", "4")
