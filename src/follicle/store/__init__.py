"""The registry: the study's workbook tables in a database, with an audit trail.

:mod:`~follicle.store.tables` declares the database tables (derived from the workbook
schema), :mod:`~follicle.store.engine` connects to SQLite or PostgreSQL and migrates,
:mod:`~follicle.store.importing.importer` brings a validated workbook in (all or nothing,
per woman) and :mod:`~follicle.store.exporting.exporter` takes it back out, optionally
de-identified. The rest is grouped by topic: ``importing/``, ``exporting/``, ``access/``
(users, sites, sessions, tokens), ``follow_up/`` (schedule, worklist, checklist, review),
``audit_log/`` (the hash chain, checkpoints); ``records`` and ``woman`` change one record.
"""
