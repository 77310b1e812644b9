"""The web application's settings, read from ``FOLLICLE_*`` environment variables.

Built by :func:`get_settings` when an application is created, never at import, so tests
and ``follicle serve`` can set the environment first.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Settings of ``follicle serve`` (environment variables with the ``FOLLICLE_`` prefix)."""

    model_config = SettingsConfigDict(env_prefix="FOLLICLE_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="the registry; default: follicle.db in the working directory (SQLite)",
    )
    secure_cookies: bool = Field(
        default=False,
        description=(
            "mark the session cookie Secure even when the request arrives over plain HTTP "
            "(set it behind a TLS-terminating proxy that does not forward the scheme)"
        ),
    )
    session_minutes: int = Field(
        default=8 * 60,
        gt=0,
        description="a session ends after this many minutes without a request (sliding)",
    )

    sign_in_failures: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description=(
            "failed sign-ins one client (address; IPv6: its /64) may make in a row before "
            "it must wait (429); the count drains over FOLLICLE_SIGN_IN_WINDOW_MINUTES"
        ),
    )
    sign_in_window_minutes: int = Field(
        default=15,
        gt=0,
        le=24 * 60,
        description=(
            "minutes in which a client's count of failed sign-ins drains entirely: past the "
            "bound it may try once per window / FOLLICLE_SIGN_IN_FAILURES"
        ),
    )

    threads: int = Field(
        default=6,
        ge=1,
        le=1000,
        description=(
            "requests one server process works on at once (the threads its routes run on; "
            "more wait their turn): a process runs Python on one core, so more threads "
            "only contend for it"
        ),
    )

    @property
    def sign_in_window(self) -> timedelta:
        """How long a client's count of failed sign-ins takes to drain."""
        return timedelta(minutes=self.sign_in_window_minutes)

    @property
    def session_ttl(self) -> timedelta:
        """How long a session lives after its last request."""
        return timedelta(minutes=self.session_minutes)


def get_settings() -> WebSettings:
    """The settings as the environment holds them now."""
    return WebSettings()
