"""Fixtures of the API tests: clients that carry a personal access token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from follicle.store.access.accounts import User
from follicle.store.access.tokens import create_token

from ..client import TestClient
from ..conftest import engine_of

API = "/api/v1"


def token_for(app: FastAPI, user: User) -> str:
    """A fresh token of ``user``."""
    with engine_of(app).begin() as connection:
        return create_token(connection, user.username, now=datetime.now(UTC), actor="test").token


class Api:
    """A TestClient of the API that sends ``user``'s token (none for ``None``)."""

    def __init__(self, app: FastAPI, user: User | None, *, token: str | None = None) -> None:
        self.client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        self.token = token or (token_for(app, user) if user is not None else "")
        if self.token:
            self.client.headers["Authorization"] = f"Bearer {self.token}"

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """``method`` on ``/api/v1`` + ``path`` with ``body`` as JSON."""
        if body is not None:
            kwargs["json"] = body
        return self.client.request(method, API + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, body, **kwargs)
