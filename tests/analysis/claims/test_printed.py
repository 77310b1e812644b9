"""Printed values: their precision, and which true values print as them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from follicle.analysis.claims.printed import parse


def test_a_number_keeps_its_printed_decimals() -> None:
    assert parse("5.00").decimals == 2
    assert parse("5.00").number == 5
    assert parse("36.19").unit == Fraction(1, 100)
    assert parse("105").decimals == 0
    assert parse("25 %").number == 25


def test_scientific_notation_has_significant_digits() -> None:
    chi2 = parse("6.0062e-31")
    assert chi2.significant == 5
    assert chi2.unit == Fraction(1, 10**35)
    assert chi2.contains(6.006192160121306e-31)
    assert not chi2.contains(6.0063e-31)
    assert not chi2.contains(0)


@pytest.mark.parametrize(
    ("text", "value", "agreement"),
    [
        ("36.19", 38 / 105 * 100, "rounded"),
        ("36.2", 33 / 91 * 100, "truncated"),  # 36.26 → 36.3 rounded
        ("13.1", 12 / 91 * 100, "truncated"),
        ("1.9", 1 / 91 * 100, None),
        ("0.11", 0.11887378334998593, "truncated"),
        ("0.1189", 0.11887378334998593, "rounded"),
        ("1", 0.9999999999999993, "rounded"),
        ("2.5", 2.4996577686516086, "rounded"),
        ("3", 2.4996577686516086, None),
        ("0.125", 0.125, "rounded"),
        ("0.12", 0.125, "rounded"),  # an exact half matches either neighbour
        ("0.13", 0.125, "rounded"),
        ("-1.5", -1.54, "rounded"),
        ("-1.5", -1.56, "truncated"),  # toward zero
        ("-1.5", -1.66, None),
    ],
)
def test_agreement_rounded_or_truncated(text: str, value: float, agreement: str | None) -> None:
    assert parse(text).agreement(value) == agreement


def test_bounds() -> None:
    assert parse("< 0.0001").relation == "<"
    assert parse("< 0.0001").agreement(3e-9) == "rounded"
    assert parse("< 0.0001").agreement(0.0002) is None
    assert parse(">= 3").relation == "≥"
    assert parse("≥ 3").agreement(3) == "rounded"
    assert parse("≥ 3").agreement(2.9996) is None


def test_dates_and_words() -> None:
    assert parse("2018-08").date == "2018-08"
    assert parse("Not  Significant").word == "not significant"
    assert parse("significant").number is None


@pytest.mark.parametrize("text", ["about 5", "5..2", "", "n/a", "1e"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a printed value"):
        parse(text)


def test_show_writes_a_value_at_the_printed_precision() -> None:
    assert parse("37.91").show(3981 / 105) == "37.91"
    assert parse("5.00").show(4.998) == "5.00"
    assert parse("6.0062e-31").show(6.006192160121306e-31) == "6.0062e-31"
    assert parse("16.6").show(50 / 3, extra=2) == "16.667"
