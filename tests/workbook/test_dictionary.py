"""The data dictionary and the REDCap dictionary derive from the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from follicle.cli import app
from follicle.workbook.dictionary import (
    FIELD_LABELS,
    REDCAP_COLUMNS,
    REDCAP_NAME_LIMIT,
    REPEATING_COLUMNS,
    choice_label,
    markdown,
    redcap_frame,
    repeating_frame,
)
from follicle.workbook.schema import TABLES

DOCS = Path(__file__).parents[2] / "docs" / "workbook.md"


def test_docs_workbook_md_is_the_generated_dictionary() -> None:
    # Regenerate with: follicle dictionary --markdown > docs/workbook.md
    assert DOCS.read_text(encoding="utf-8") == markdown() + "\n"


def test_every_schema_column_is_in_the_dictionary() -> None:
    text = markdown()
    for table in TABLES:
        assert f"## {table.filename}" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text


def test_redcap_dictionary_has_redcaps_columns_and_unique_variable_names(tmp_path: Path) -> None:
    target = tmp_path / "redcap.csv"
    result = CliRunner().invoke(
        app, ["dictionary", "--redcap", str(target)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == REDCAP_COLUMNS
    assert frame["Variable / Field Name"].is_unique
    # The record ID comes first, as REDCap requires.
    assert frame["Variable / Field Name"].iloc[0] == "participant_id"
    assert set(frame["Form Name"]) == {t.name for t in TABLES}
    # The repeating-instruments setup is written beside it.
    assert "redcap_repeating.csv" in result.output
    repeating = pd.read_csv(tmp_path / "redcap_repeating.csv", dtype=str, keep_default_na=False)
    assert tuple(repeating.columns) == REPEATING_COLUMNS == ("form_name", "custom_form_label")


def test_every_table_but_participants_is_a_repeating_instrument() -> None:
    repeating = repeating_frame()
    assert repeating["form_name"].tolist() == [t.name for t in TABLES[1:]]
    # Each instance is labelled by piping fields of its own instrument.
    frame = redcap_frame()
    for form, label in zip(repeating["form_name"], repeating["custom_form_label"], strict=True):
        piped = re.findall(r"\[([a-z0-9_]+)\]", label)
        assert piped
        own = set(frame.loc[frame["Form Name"] == form, "Variable / Field Name"])
        assert set(piped) <= own, (form, piped)


def test_redcap_fields_carry_types_choices_and_validation() -> None:
    frame = redcap_frame().set_index("Variable / Field Name")
    assert frame.loc["menses_baseline", "Field Type"] == "dropdown"
    assert frame.loc["menses_baseline", "Choices, Calculations, OR Slider Labels"] == (
        "regular, Regular | irregular, Irregular | amenorrhea, Amenorrhea"
    )
    assert frame.loc["birth_date", "Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert frame.loc["birth_date", "Identifier?"] == "y"
    assert frame.loc["afc", "Text Validation Type OR Show Slider Number"] == "integer"
    assert frame.loc["afc", "Text Validation Min"] == "0"
    assert frame.loc["prior_cycle_cancelled", "Field Type"] == "yesno"
    # A strict minimum, which REDCap cannot check, is said under the field with its unit.
    assert frame.loc["dose_million_cells", "Field Note"] == "million cells; must be more than 0"
    # A name used by two tables is made unique by its table's short prefix; the annotation
    # (for the project's designers) keeps the workbook column it holds.
    annotation = frame.loc["inf_birth_date", "Field Annotation"]
    assert annotation == "follicle workbook: infants.birth_date"
    assert frame.loc["infcond_condition", "Form Name"] == "infant_conditions"
    # Only an IVF pregnancy shows the IVF cycle field.
    assert frame.loc["ivf_cycle_id", "Branching Logic (Show field only if...)"] == (
        "[preg_mode] = 'ivf'"
    )


def test_every_dropdown_has_a_human_label_for_each_code() -> None:
    frame = redcap_frame()
    dropdowns = frame[frame["Field Type"] == "dropdown"]
    assert len(dropdowns) == 13
    for choices in dropdowns["Choices, Calculations, OR Slider Labels"]:
        pairs = [c.split(", ", 1) for c in choices.split(" | ")]
        codes = [code for code, _ in pairs]
        labels = [label for _, label in pairs]
        # Codes are REDCap-valid raw values; no label is its code or has an underscore.
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", code) for code in codes)
        assert all(label != code and "_" not in label for code, label in pairs)
        assert len(set(labels)) == len(labels)
    assert choice_label("live_birth") == "Live birth"
    assert choice_label("ivf") == "IVF / ICSI"
    assert choice_label("3m") == "3 months"


def test_labels_are_for_people_and_notes_are_identifiers() -> None:
    frame = redcap_frame()
    text = " ".join(frame["Field Label"]) + " ".join(frame["Field Note"])
    assert "workbook" not in text
    assert "_" not in " ".join(frame["Field Label"])
    assert frame["Field Label"].str.match(r"[A-Z]").all()
    identifiers = frame.loc[frame["Identifier?"] == "y", "Variable / Field Name"]
    assert sorted(identifiers) == ["birth_date", "inf_birth_date", "infcond_notes", "notes"]
    notes = frame[frame["Field Type"] == "notes"]
    assert len(notes) == 2
    assert (notes["Identifier?"] == "y").all()


def test_every_column_has_a_field_label() -> None:
    keys = {f"{t.name}.{c.name}" for t in TABLES for c in t.columns}
    assert keys - {f"{t.name}.participant_id" for t in TABLES[1:]} <= set(FIELD_LABELS)
    assert set(FIELD_LABELS) <= keys


def test_redcap_variable_names_are_short_valid_and_unique() -> None:
    names = redcap_frame()["Variable / Field Name"]
    assert names.is_unique
    # REDCap recommends at most 26 characters; names are lower-case letters, digits, _.
    assert names.str.len().max() <= REDCAP_NAME_LIMIT == 26
    assert names.str.fullmatch(r"[a-z][a-z0-9_]*").all()


def test_every_table_declares_a_distinct_short_prefix_and_a_noun() -> None:
    prefixes = [t.prefix for t in TABLES]
    assert all(prefixes)
    assert len(set(prefixes)) == len(prefixes)
    assert all(t.noun for t in TABLES)
    assert [t.a_noun for t in TABLES if t.noun[0] in "aeiouAEIOU"] == [
        "an injection",
        "an IVF cycle",
        "an infant",
        "an infant condition",
    ]


def test_dictionary_command_prints_every_table() -> None:
    result = CliRunner().invoke(app, ["dictionary"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for table in TABLES:
        assert table.filename in result.output
