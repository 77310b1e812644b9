"""The registry's tables are derived from the workbook schema, column for column."""

from __future__ import annotations

import pytest
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Text

from follicle.store.tables import (
    ROW_ID,
    SQL_TYPES,
    VERSION,
    WORKBOOK_TABLES,
    audit_log,
    data_columns,
    deid_keys,
    imports,
    metadata,
)
from follicle.workbook.schema import OPTIONAL_TABLES, TABLES


@pytest.mark.parametrize("table", [*TABLES, *OPTIONAL_TABLES], ids=lambda t: t.name)
def test_columns_are_the_schemas_columns(table):
    sql = WORKBOOK_TABLES.get(table.name, metadata.tables[table.name])
    names = [c.name for c in sql.columns if c.name not in (ROW_ID, VERSION)]
    assert names == list(table.column_names)
    if table in TABLES:
        assert data_columns(table.name) == table.column_names
    for column in table.columns:
        sql_column = sql.c[column.name]
        assert isinstance(sql_column.type, type(SQL_TYPES[column.dtype]())), column.name
        assert sql_column.nullable == (not column.required and column.name != table.key)


def test_schema_dtypes_map_to_the_documented_sql_types():
    assert SQL_TYPES == {
        "id": String,
        "text": Text,
        "category": String,
        "date": Date,
        "boolean": Boolean,
        "integer": Integer,
        "number": Float,
    }


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_primary_key_is_the_key_or_a_surrogate_row_id(table):
    sql = WORKBOOK_TABLES[table.name]
    primary = [c.name for c in sql.primary_key.columns]
    if table.key is not None:
        assert primary == [table.key]
        assert ROW_ID not in sql.c
    else:
        assert primary == [ROW_ID]
        assert sql.c[ROW_ID].autoincrement is True
        assert isinstance(sql.c[ROW_ID].type, Integer)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_foreign_keys_follow_the_schemas_references(table):
    sql = WORKBOOK_TABLES[table.name]
    expected = {(c.name, c.references) for c in table.columns if c.references is not None}
    actual = {
        (fk.parent.name, f"{fk.column.table.name}.{fk.column.name}") for fk in sql.foreign_keys
    }
    assert actual == expected


def test_the_chains_of_ownership_are_covered_by_foreign_keys():
    fks = {
        (fk.parent.table.name, fk.parent.name): f"{fk.column.table.name}.{fk.column.name}"
        for table in WORKBOOK_TABLES.values()
        for fk in table.foreign_keys
    }
    assert fks[("infants", "pregnancy_id")] == "pregnancies.pregnancy_id"
    assert fks[("infant_conditions", "infant_id")] == "infants.infant_id"
    assert fks[("pregnancies", "ivf_cycle_id")] == "ivf_cycles.cycle_id"
    for name in ("injections", "contacts", "conditions", "ivf_cycles", "pregnancies"):
        assert fks[(name, "participant_id")] == "participants.participant_id"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_participant_and_parent_columns_are_indexed(table):
    sql = WORKBOOK_TABLES[table.name]
    indexed = {tuple(c.name for c in index.columns) for index in sql.indexes}
    for column in table.columns:
        if column.references is not None:
            assert (column.name,) in indexed


def test_registry_tables():
    assert [c.name for c in audit_log.columns] == [
        "id",
        "at",
        "actor",
        "action",
        "table_name",
        "record_key",
        "before",
        "after",
        "reason",
        "prev_hash",
        "entry_hash",
    ]
    assert isinstance(audit_log.c.at.type, DateTime)
    assert audit_log.c.at.type.timezone
    assert [c.name for c in deid_keys.primary_key.columns] == ["participant_id"]
    assert {f"{fk.column.table.name}.{fk.column.name}" for fk in deid_keys.foreign_keys} == {
        "participants.participant_id"
    }
    assert any(
        [c.name for c in u.columns] == ["code"]
        for u in deid_keys.constraints
        if u.__class__.__name__ == "UniqueConstraint"
    )
    assert {"id", "at", "source", "checksums", "rows"} <= set(imports.c.keys())


def test_metadata_holds_exactly_the_workbook_and_registry_tables():
    assert set(metadata.tables) == {t.name for t in TABLES} | {
        "audit_log",
        "audit_checkpoints",
        "deid_keys",
        "imports",
        "sites",
        "users",
        "user_sites",
        "web_sessions",
        "api_tokens",
        "participant_identity",
        "checklist_submissions",
        "adjudicators",
    } | {t.name for t in OPTIONAL_TABLES}


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_workbook_table_has_a_version_starting_at_1(table):
    version = WORKBOOK_TABLES[table.name].c[VERSION]
    assert isinstance(version.type, Integer)
    assert not version.nullable
    assert version.server_default is not None
    assert str(version.server_default.arg) == "1"


def test_every_constraint_and_index_is_named():
    for table in metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, (table.name, constraint)
        for index in table.indexes:
            assert index.name, (table.name, index)
