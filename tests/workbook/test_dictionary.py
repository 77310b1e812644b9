"""The data dictionary and the REDCap dictionary derive from the schema."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from follicle.cli import app
from follicle.workbook.dictionary import (
    REDCAP_COLUMNS,
    REDCAP_NAME_LIMIT,
    markdown,
    redcap_frame,
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
    result = CliRunner().invoke(app, ["dictionary", "--redcap", str(target)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == REDCAP_COLUMNS
    assert frame["Variable / Field Name"].is_unique
    # The record ID comes first, as REDCap requires.
    assert frame["Variable / Field Name"].iloc[0] == "participant_id"
    assert set(frame["Form Name"]) == {t.name for t in TABLES}


def test_redcap_fields_carry_types_choices_and_validation() -> None:
    frame = redcap_frame().set_index("Variable / Field Name")
    assert frame.loc["menses_baseline", "Field Type"] == "dropdown"
    assert (
        "irregular, irregular"
        in frame.loc["menses_baseline", "Choices, Calculations, OR Slider Labels"]
    )
    assert frame.loc["birth_date", "Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert frame.loc["birth_date", "Identifier?"] == "y"
    assert frame.loc["afc", "Text Validation Type OR Show Slider Number"] == "integer"
    assert frame.loc["afc", "Text Validation Min"] == "0"
    assert frame.loc["prior_cycle_cancelled", "Field Type"] == "yesno"
    # A name used by two tables is made unique by its table's short prefix.
    assert frame.loc["inf_birth_date", "Field Note"].startswith(
        "workbook column infants.birth_date"
    )
    assert frame.loc["infcond_condition", "Form Name"] == "infant_conditions"


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


def test_the_redcap_docstring_does_not_promise_a_direct_round_trip() -> None:
    from follicle.workbook import dictionary

    text = " ".join((dictionary.__doc__ or "").split())
    assert "export straight back" not in text
    assert "not* a follicle workbook" in text
    assert "note names its workbook ``table.column``" in text


def test_dictionary_command_prints_every_table() -> None:
    result = CliRunner().invoke(app, ["dictionary"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for table in TABLES:
        assert table.filename in result.output
