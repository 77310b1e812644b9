"""Alembic migrations of the registry schema (run by :func:`follicle.store.engine.ensure_schema`).

A package only so that setuptools ships ``env.py``, ``script.py.mako`` and ``versions/``.
"""
