"""The methods section: written from the results' notes, the analysis constants and versions."""

from __future__ import annotations

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
