"""Report tables: analysis Results made into printed rows, once, for every renderer."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from report_samples import by_factor, demographics, transitions

from follicle.analysis.result import Result
from follicle.report.tables import (
    ReportTable,
    column_role,
    excel_format,
    from_result,
    header,
    with_footnotes,
)


def test_table1_merges_mean_sd_range_and_n_pct_under_section_headings() -> None:
    table = from_result(demographics())
    assert table.columns == ("Characteristic", "n (%)", "Mean ± SD (range)", "Median")
    assert table.caption.startswith("Table 1. Demographic characteristics")
    assert table.rows[0] == ("Age at first injection (years)", "105", "37.91 ± 4.98 (24–45)", "38")
    assert table.rows[1] == ("Age group", "", "", "")
    assert table.rows[2] == ("<35", "23 (21.90)", "", "")
    assert table.rows[4] == ("Follow-up (years)", "105", "3.72 ± 0.86 (2.50–6.00)", "3.50")
    assert table.rows[6] == ("Regular", "91 (86.67)", "", "")
    assert table.sections == (1, 5)
    assert table.indented == (2, 3, 6, 7)
    assert table.footnotes == ("N = 105 treated women.",)


def test_table2_prints_n_of_n_percent_statistic_and_p_value() -> None:
    table = from_result(by_factor())
    assert table.columns == ("Factor", "n/N (%)", "χ²", "df", "p")
    assert table.rows[0] == ("Pregnant women", "38/105 (36.19)", "", "", "")
    assert table.rows[3] == ("≥ 35 years", "26/82 (31.71)", "2.4321", "1", "0.1189")
    assert table.rows[6][2:] == ("0.0000", "1", "1")
    assert table.rows[-1][-1] == "< 0.0001"
    # The method column became a footnote-free drop: the notes already name the test.
    assert not any("Test:" in note for note in table.footnotes)
    assert 0 not in table.sections


def test_a_method_no_note_names_becomes_a_footnote() -> None:
    result = by_factor()
    silent = dataclasses.replace(result, notes=())
    table = from_result(silent)
    assert table.footnotes == (
        "Test: Pearson's Chi-squared test with Yates' continuity correction.",
    )


def test_count_and_percent_column_pairs_merge() -> None:
    table = from_result(transitions())
    assert table.columns == ("Menses before injection", "N", "Regular, n (%)", "Menopause, n (%)")
    assert table.rows == (
        ("Regular", "91", "78 (85.71)", "1 (1.10)"),
        ("Irregular", "14", "6 (42.86)", "4 (28.57)"),
    )


def test_spreadsheet_form_keeps_every_number_in_its_own_column() -> None:
    table = from_result(by_factor(), combine=False)
    assert table.columns == ("Factor", "n", "N", "%", "χ²", "df", "p", "Method")
    row = table.rows[3]
    assert row[1:7] == ("26", "82", "31.71", "2.4321", "1", "0.1189")
    assert table.number(3, 3) == pytest.approx(31.707317)
    assert table.number(3, 6) == pytest.approx(0.11893)
    assert table.number(3, 0) is None


def test_merged_cells_are_text_and_single_numbers_keep_their_value() -> None:
    table = from_result(demographics())
    assert table.number(0, 1) == 105
    assert table.number(0, 2) is None  # "37.91 ± 4.98 (24–45)" is text
    assert table.number(2, 1) is None  # "23 (21.90)" is text
    assert table.numeric_columns == (False, True, True, True)


def test_identifier_columns_are_not_printed() -> None:
    frame = pd.DataFrame({"participant_id": ["P001"], "key": ["k"], "item": ["Women"], "n": [3]})
    table = from_result(Result("x", "Table 9", "t", frame))
    assert table.columns == ("", "n")
    assert table.rows == (("Women", "3"),)


def test_a_table_without_text_columns_has_no_stub() -> None:
    frame = pd.DataFrame({"month": [0, 1], "total": [0.0, 4.0]})
    table = from_result(Result("f", "Figure 1", "t", frame))
    assert table.columns == ("Month", "N")
    assert table.rows == (("0", "0"), ("1", "4"))


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("p", "p"),
        ("p_value", "p"),
        ("p-value", "p"),
        ("p (Fisher)", "p"),
        ("pct", "pct"),
        ("Percentage", "pct"),
        ("regular_pct", "pct"),
        ("%", "pct"),
        ("statistic", "stat"),
        ("fisher_p", "p"),
        ("logrank p", "p"),
        ("group", "number"),
        ("chi2", "stat"),
        ("pregnant", "number"),
        ("n", "number"),
        ("df", "number"),
    ],
)
def test_column_roles_follow_the_names(name: str, role: str) -> None:
    assert column_role(name) == role


def test_headers_are_readable() -> None:
    assert header("p_value") == "p"
    assert header("total") == "N"
    assert header("months_since_injection") == "Months since injection"
    assert header("Already Printed") == "Already Printed"


@pytest.mark.parametrize(
    ("display", "number_format"),
    [
        ("36.19", "0.00"),
        ("12", "0"),
        ("0.1189", "0.0000"),
        ("0.0001234", "0.0000000"),
        ("1", "0"),
        ("< 0.0001", '[<0.0001]"< 0.0001";0.0000'),
        ("−2.50", "0.00"),
    ],
)
def test_excel_formats_show_the_printed_digits(display: str, number_format: str) -> None:
    assert excel_format(display) == number_format


def test_report_tables_are_immutable_and_changed_by_pure_functions() -> None:
    table = from_result(transitions())
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.title = "changed"  # type: ignore[misc]
    more = with_footnotes(table, "Another note.")
    assert more.footnotes == (*table.footnotes, "Another note.")
    assert table.footnotes == ("Row percentages.",)


def test_rows_must_match_the_header() -> None:
    with pytest.raises(ValueError, match="row 0 has 1 cells, not 2"):
        ReportTable("Table 1", "t", ("a", "b"), (("only one",),))


def test_confidence_intervals_merge_beside_their_estimates() -> None:
    table = pd.DataFrame(
        {
            "item": ["Pregnant", "Irregular menses"],
            "n": [38, 0],
            "total": [105, 14],
            "pct": [36.190476, 0.0],
            "low": [27.6, 0.0],
            "high": [45.8333, 21.53],
            "odds_ratio": [2.345, float("nan")],
            "odds_ratio_low": [0.9, float("nan")],
            "odds_ratio_high": [float("inf"), float("nan")],
        }
    )
    printed = from_result(Result("ci", "Intervals", "Proportions with 95% CI", table))
    assert printed.columns == ("", "n/N (%)", "95% CI", "Odds ratio (95% CI)")
    assert printed.rows[0] == ("Pregnant", "38/105 (36.19)", "27.60–45.83", "2.35 (0.90–∞)")
    assert printed.rows[1] == ("Irregular menses", "0/14 (0.00)", "0.00–21.53", "")
    wide = from_result(Result("ci", "Intervals", "", table), combine=False)
    assert wide.columns[-3:] == ("Odds ratio", "Odds ratio low", "Odds ratio high")


def test_a_mean_with_its_own_interval_prints_as_mean_with_ci() -> None:
    table = pd.DataFrame(
        {
            "item": ["Age (years)", "Pregnant"],
            "n": [105, 38],
            "total": [float("nan"), 105],
            "pct": [float("nan"), 36.190476],
            "low": [float("nan"), 27.64],
            "high": [float("nan"), 45.72],
            "mean": [37.914286, float("nan")],
            "mean_low": [36.95, float("nan")],
            "mean_high": [38.88, float("nan")],
        }
    )
    printed = from_result(Result("m", "Table 4", "Means", table))
    assert printed.columns == ("", "n/N (%)", "95% CI", "Mean (95% CI)")
    assert printed.rows[0] == ("Age (years)", "105", "", "37.91 (36.95–38.88)")
    assert printed.rows[1] == ("Pregnant", "38/105 (36.19)", "27.64–45.72", "")
    with_sd = table.assign(sd=[4.98, float("nan")])
    assert "Mean ± SD" in from_result(Result("m", "T", "", with_sd)).columns


def test_spreadsheet_only_columns_are_left_out_of_the_printed_table() -> None:
    table = pd.DataFrame(
        {
            "covariate": ["Age (per year)"],
            "or": [0.86],
            "or_low": [0.77],
            "or_high": [0.96],
            "chisq_uncorrected_p": [0.07],
            "min_expected": [8.3],
            "risk_difference_newcombe_low": [-1.5],
            "coef": [-0.15],
            "se": [0.06],
        }
    )
    printed = from_result(Result("r", "Table 8", "", table))
    assert printed.columns == ("Covariate", "OR (95% CI)")
    wide = from_result(Result("r", "Table 8", "", table), combine=False)
    assert wide.columns[-5:] == (
        "Chisq uncorrected p",
        "Min expected",
        "Risk difference newcombe low",
        "Coef",
        "Se",
    )
    assert wide.numbers[0][-2:] == (-0.15, 0.06)


def test_part2_headers() -> None:
    assert [header(n) for n in ("or_mle", "crude_or", "crude_p", "km", "aj")] == [
        "MLE OR",
        "Unadjusted OR",
        "Unadjusted p",
        "Kaplan–Meier, %",
        "Aalen–Johansen, %",
    ]
    assert [header(n) for n in ("benchmark_pct", "benchmark_denominator")] == [
        "Published %",
        "Published N",
    ]
    assert [header(n) for n in ("or_low", "crude_or_high", "km_low", "odds_ratio_low")] == [
        "OR low",
        "Unadjusted OR high",
        "Kaplan–Meier, % low",
        "Odds ratio low",
    ]
    assert [header(n) for n in ("upper_one_sided", "person_years", "rate", "basis")] == [
        "One-sided upper bound, %",
        "Person-years",
        "Per 100 person-years",
        "",
    ]


def test_a_p_value_prints_with_the_name_of_its_test() -> None:
    table = pd.DataFrame(
        {"group": ["a", "b", "c"], "p": [0.1189, 0.5, None], "test": ["χ²", None, "Fisher"]}
    )
    printed = from_result(Result("t", "T", "", table))
    assert printed.columns == ("Group", "p (test)")
    assert [row[1] for row in printed.rows] == ["0.1189 (χ²)", "0.5", ""]
    assert [n[1] for n in printed.numbers] == [None, 0.5, None]
    wide = from_result(Result("t", "T", "", table), combine=False)
    assert wide.columns == ("Group", "p", "Test")


def test_an_n_over_n_column_holding_plain_counts_gets_a_note() -> None:
    from follicle.report.tables import with_count_note

    table = ReportTable(
        label="Table 9",
        title="Outcomes",
        columns=("", "n/N (%)"),
        rows=(("Women pregnant", "38/105 (36.19)"), ("Pregnancies", "43")),
    )
    noted = with_count_note(table)
    assert noted.footnotes == ("Under “n/N (%)”, a number without a denominator is a count (n).",)
    assert with_count_note(noted) == noted  # said once
    proportions_only = ReportTable(
        label="", title="t", columns=("", "n/N (%)"), rows=(("a", "1/2 (50.00)"),)
    )
    assert with_count_note(proportions_only).footnotes == ()
