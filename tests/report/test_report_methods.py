"""The methods section: written from the results' notes, the analysis constants and versions."""

from __future__ import annotations

from follicle.analysis.result import COHORT_NOTE
from follicle.report.methods import collect_notes, software_sentence, write_methods
from follicle.report.provenance import Provenance
from follicle.report.tables import ReportTable


def test_only_notes_that_name_a_method_are_collected_once_with_their_labels() -> None:
    chi = "Pearson's Chi-squared test with Yates' continuity correction (R chisq.test)."
    notes = collect_notes(
        [
            ("Table 1", ("N = 105 treated women.",)),
            ("Table 2", (chi, "n/N: women pregnant / women in the group.")),
            ("Table 4", (chi,)),
            ("Figure 2", ("Box: Tukey's hinges (R fivenum).",)),
        ]
    )
    assert [(n.text, n.labels) for n in notes] == [
        (chi, ("Table 2", "Table 4")),
        ("Box: Tukey's hinges (R fivenum).", ("Figure 2",)),
    ]


def test_the_methods_cite_counts_definitions_conventions_and_software(
    provenance: Provenance,
) -> None:
    table = ReportTable("Table 2", "t", ("a",), (("1",),), ("Fisher's exact test.",))
    methods = write_methods([table], provenance, women=105, pregnancies=43, excluded=2)
    text = " ".join(methods.paragraphs)
    assert "105 women" in text
    assert "43 pregnancies" in text
    assert "2 enrolled women without an injection are not analysed" in text
    assert "365.25 days" in text
    assert "30.4375 days" in text
    assert "< 35" in text
    assert "two decimals" in text
    assert "four significant digits (< 0.0001 below that)" in text
    assert [n.text for n in methods.notes] == ["Fisher's exact test."]
    assert methods.software.startswith(f"follicle {provenance.software['follicle']}, Python ")


def test_unknown_counts_leave_their_sentence_out(provenance: Provenance) -> None:
    methods = write_methods([], provenance)
    assert not any("women treated" in p for p in methods.paragraphs)
    assert methods.notes == ()


def test_software_sentence_keeps_the_cited_order() -> None:
    versions = {"matplotlib": "3.9", "Python": "3.11.7", "follicle": "0.1.0", "other": "1"}
    assert software_sentence(versions) == "follicle 0.1.0, Python 3.11.7, matplotlib 3.9"


def test_lifelines_and_statsmodels_are_cited_only_for_the_comparison_of_arms() -> None:
    versions = {"follicle": "0.1.0", "lifelines": "0.30", "statsmodels": "0.14", "SciPy": "1.16"}
    alone = software_sentence(versions, ["table1", "table2", "time_to_pregnancy"])
    assert alone == "follicle 0.1.0, SciPy 1.16"  # Kaplan–Meier is numpy's, not lifelines'
    balance = software_sentence(versions, ["table1", "arms_table1", "arms_balance"])
    assert balance == "follicle 0.1.0, SciPy 1.16, statsmodels 0.14"
    models = software_sentence(versions, ["table1", "arms_models"])
    assert models == "follicle 0.1.0, SciPy 1.16, lifelines 0.30, statsmodels 0.14"


def test_a_note_about_this_cohort_is_no_method_even_when_it_names_a_test() -> None:
    fact = (
        f"{COHORT_NOTE}, Menses before injection (regular menses vs irregular menses): "
        "|O − E| ≤ 0.5 in every cell, so the corrected χ² is exactly 0 and p = 1."
    )
    warned = f"{COHORT_NOTE}, Injections: R's chisq.test warns of a small expected count."
    chi = "Pearson's Chi-squared test with Yates' continuity correction (R chisq.test)."
    notes = collect_notes([("Table 2", (chi, fact, warned))])
    assert [n.text for n in notes] == [chi]


def test_the_cohort_sentence_counts_in_the_singular_and_plural(provenance: Provenance) -> None:
    def sentence(women: int, pregnancies: int) -> str:
        return write_methods([], provenance, women=women, pregnancies=pregnancies).paragraphs[0]

    assert sentence(1, 1) == (
        "The analysis includes 1 woman treated with intra-ovarian injection and the 1 "
        "pregnancy she conceived after the first one."
    )
    assert sentence(1, 0) == (
        "The analysis includes 1 woman treated with intra-ovarian injection; she did not "
        "conceive after it."
    )
    assert sentence(3, 0).endswith(
        "3 women treated with intra-ovarian injection; none conceived after it."
    )
    assert sentence(0, 0) == "The analysis includes no women treated with intra-ovarian injection."
    assert "105 women" in sentence(105, 43)
    assert "43 pregnancies they conceived" in sentence(105, 43)
