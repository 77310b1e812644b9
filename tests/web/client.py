"""Starlette's TestClient, imported without its httpx deprecation warning.

Starlette 1.x prefers the ``httpx2`` package and warns when it falls back to ``httpx``
(which the project installs); the suite turns warnings into errors, so the import is
made here once, with that one warning silenced.
"""

from __future__ import annotations

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx`", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

__all__ = ["TestClient"]
