"""The migrations create exactly the metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect

from follicle.store.engine import alembic_config, ensure_schema
from follicle.store.tables import metadata


def _differences(engine, target=metadata):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, target)


def test_migrated_schema_equals_the_metadata(engine):
    assert _differences(engine) == []


def test_the_comparison_would_see_a_difference(engine):
    # Guard against a vacuous pass: a column the migrations lack must show up.
    changed = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["participants"].append_column(Column("extra", Integer))
    diffs = _differences(engine, changed)
    assert [d[0] for d in diffs] == ["add_column"]


def test_one_linear_history_starting_at_0001():
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == ["0007"]
    assert scripts.get_revision("0007").down_revision == "0006"
    assert scripts.get_revision("0004").down_revision == "0003"
    assert scripts.get_revision("0006").down_revision == "0005"
    assert scripts.get_revision("0005").down_revision == "0004"
    assert scripts.get_revision("0002").down_revision == "0001"
    assert scripts.get_revision("0001").down_revision is None


def test_downgrade_removes_everything_and_upgrade_restores_it(engine):
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    ensure_schema(engine)
    assert _differences(engine) == []
