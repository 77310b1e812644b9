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
    assert scripts.get_heads() == ["0008"]
    assert scripts.get_revision("0008").down_revision == "0007"
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


def test_the_keyless_tables_keep_their_rows_and_numbers_through_0008(engine):
    """0008 rebuilds the keyless tables with SQLite's AUTOINCREMENT; their rows and row_ids
    stay, and a number is not handed out twice afterwards (PostgreSQL: unchanged)."""
    from sqlalchemy import text

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO participants (participant_id, site, arm, birth_date, consent_date,"
                " menses_baseline) VALUES ('A1', 'S', 'MenSC', '1980-01-01', '2020-01-01',"
                " 'regular')"
            )
        )
        for day in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO contacts (participant_id, contact_date, mode) "
                    f"VALUES ('A1', '2021-01-0{day}', 'phone')"
                )
            )
        connection.execute(text("DELETE FROM contacts WHERE row_id = 2"))
    ensure_schema(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'contacts'")
            ).scalar_one()
            assert "AUTOINCREMENT" in sql
        kept = connection.execute(
            text("SELECT row_id, CAST(contact_date AS TEXT) FROM contacts ORDER BY row_id")
        ).all()
        assert [tuple(r) for r in kept] == [(1, "2021-01-01"), (3, "2021-01-03")]
        connection.execute(text("DELETE FROM contacts WHERE row_id = 3"))
        connection.execute(
            text(
                "INSERT INTO contacts (participant_id, contact_date, mode) "
                "VALUES ('A1', '2021-01-04', 'phone')"
            )
        )
        numbers = connection.execute(text("SELECT row_id FROM contacts")).scalars().all()
    assert sorted(numbers) == [1, 4]
    assert _differences(engine) == []
