"""Reading claims files: the bundled seed file, and clear errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from follicle.analysis.claims import SEED_CLAIMS, ClaimsInvalid, load_claims

GOOD = """\
claims:
  - id: women
    text: "105 women"
    where: Abstract
    value: 105
    check: {metric: table1.n_women}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_seed_claims_load_with_their_printed_precision() -> None:
    claims = load_claims()
    by_id = claims.by_id()
    assert len(by_id) == len(claims.claims) > 100
    assert by_id["age_followup_sd"].value.text == "5.00"
    assert by_id["age_followup_sd"].value.decimals == 2
    assert by_id["menses_chi2"].value.significant == 5
    assert by_id["injections_from"].value.date == "2018-08"
    assert by_id["age_significant_discussion"].value.word == "significant"
    assert load_claims(SEED_CLAIMS) == claims


def test_a_good_user_file_loads(tmp_path: Path) -> None:
    claims = load_claims(_write(tmp_path, GOOD))
    assert claims.claims[0].id == "women"
    assert load_claims(str(tmp_path / "claims.yaml")) == claims


BAD = [
    ("claims: []\nextra: 1\n", "field extra: Extra inputs are not permitted"),
    (
        GOOD.replace("    where: Abstract\n", ""),
        "claim 'women' (claims[0]), field where: Field required",
    ),
    (
        GOOD.replace("metric: table1.n_women", "metrc: table1.n_women"),
        "claim 'women' (claims[0]), field check.metrc",
    ),
    (GOOD.replace("table1.n_women", "n_women"), "claim 'women' (claims[0]), field check.metric"),
    (
        GOOD.replace("value: 105", "value: about 105"),
        "field value: 'about 105' is not a printed value",
    ),
    (
        GOOD.replace("id: women", "id: Women!"),
        "claim 'Women!' (claims[0]), field id: String should",
    ),
    (GOOD.replace("{metric: table1.n_women}", "{}"), "field check: a check needs at least one of"),
    (
        GOOD.replace("{metric: table1.n_women}", "{percent_of: {n: 'claim:men', total: 105}}"),
        "claim 'women' (claims[0]), field check.percent_of.n: no claim has the id 'men'",
    ),
    (
        GOOD.replace("{metric: table1.n_women}", "{percent_of: {n: 'seven', total: 105}}"),
        "field check.percent_of.n: 'seven' is neither a number, claim:<id> nor a metric path",
    ),
    (
        GOOD.replace("{metric: table1.n_women}", "{formula: '{table1.n_women} ** 2'}"),
        "field check.formula",
    ),
    (
        GOOD.replace("{metric: table1.n_women}", "{formula: '__import__(1)'}"),
        "only numbers, {operands}, + - * / and ( ) allowed",
    ),
    (
        GOOD + GOOD.removeprefix("claims:\n"),
        "claim 'women' (claims[0]), field id: the id is used 2 times",
    ),
    (
        GOOD.replace("value: 105", "value: significant"),
        "a significance check needs value 'significant' or 'not significant'",
    ),
    (
        GOOD.replace("{metric: table1.n_women}", "{p_from: {test: chisq, statistic: 2.43}}"),
        "field check.p_from: a chisq test needs df",
    ),
    (
        GOOD.replace("{metric: table1.n_women}", "{same_quantity_as: women}"),
        "a claim cannot refer to itself",
    ),
    (
        GOOD.replace(
            "{metric: table1.n_women}",
            "{metric: table1.n_women, paper_definition: {definition: x, formula: '{claim:men}'}}",
        ),
        "field check.paper_definition.formula: no claim has the id 'men'",
    ),
    (
        GOOD.replace(
            "{metric: table1.n_women}",
            "{metric: table1.n_women, paper_definition: {formula: '{table1.n_women}'}}",
        ),
        "field check.paper_definition.definition: Field required",
    ),
    ("claims:\n  - [1, 2\n", "not valid YAML"),
    ("- 1\n- 2\n", "a claims file is a mapping with a 'claims' list"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_claims_file_names_file_claim_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ClaimsInvalid) as caught:
        load_claims(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_reference_to_a_claim_printing_no_number_is_refused(tmp_path: Path) -> None:
    text = (
        GOOD
        + """\
  - id: sig
    text: "significant"
    where: Discussion
    value: significant
    check: {significance: {p: table2.age.p}}
  - id: pct
    text: "x"
    where: Results
    value: 10
    check: {percent_of: {n: "claim:sig", total: 105}}
"""
    )
    with pytest.raises(ClaimsInvalid, match="claim 'sig' prints 'significant', not a number"):
        load_claims(_write(tmp_path, text))


def test_a_missing_file_is_a_claims_error(tmp_path: Path) -> None:
    with pytest.raises(ClaimsInvalid, match="cannot be read"):
        load_claims(tmp_path / "nowhere.yaml")
