"""Alembic's environment for the registry.

:func:`follicle.store.engine.ensure_schema` hands this script an open connection (in
``config.attributes["connection"]``) inside its own transaction. Without one, e.g. when a
developer runs ``alembic`` by hand with a config built by
:func:`follicle.store.engine.alembic_config`, it connects to ``sqlalchemy.url`` or to
``FOLLICLE_DATABASE_URL``.

New revisions: ``alembic revision --autogenerate`` compares against
:data:`follicle.store.tables.metadata`; review what it writes — a migration must create
exactly the metadata, and ``tests/store/test_migrations.py`` checks that it does.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from follicle.store.engine import database_url, make_engine
from follicle.store.tables import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: later migrations go through batch mode there.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_offline() -> None:
    """Write the migration SQL for ``sqlalchemy.url`` without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or database_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over the connection given, or over a new one to the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.begin() as new_connection:
            _configure(new_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
