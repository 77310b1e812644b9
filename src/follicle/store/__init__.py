"""The registry: the study's workbook tables in a database, with an audit trail.

:mod:`~follicle.store.tables` declares the database tables (derived from the workbook
schema), :mod:`~follicle.store.engine` connects to SQLite or PostgreSQL and migrates,
:mod:`~follicle.store.importer` brings a validated workbook in (all or nothing, per woman)
and :mod:`~follicle.store.exporter` takes it back out, optionally de-identified.
"""
