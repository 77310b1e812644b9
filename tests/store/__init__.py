"""Tests of :mod:`follicle.store` (the registry), on SQLite and PostgreSQL."""
