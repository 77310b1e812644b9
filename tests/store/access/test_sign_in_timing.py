"""A locked account costs the same password check as a wrong password or an unknown user,
so that the time of a refusal does not tell that the account exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from follicle.errors import PermissionDenied
from follicle.store.access import accounts
from follicle.store.access.accounts import MAX_FAILED_LOGINS, User


def _checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every password check (by the hash it was checked against)."""
    made: list[str] = []
    real = accounts.verify_password

    def counted(password_hash: str, password: str) -> bool:
        made.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counted)
    return made


def test_every_refusal_costs_one_password_check(
    engine: Engine, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for _ in range(MAX_FAILED_LOGINS):  # lock nora's account
            with pytest.raises(PermissionDenied):
                accounts.authenticate(connection, "nora", "wrong", now=now)
    made = _checks(monkeypatch)
    for username, password in (("nora", "pw-north"), ("nobody", "x"), ("sam", "wrong")):
        before = len(made)
        with engine.begin() as connection, pytest.raises(PermissionDenied) as refused:
            accounts.authenticate(connection, username, password, now=now)
        assert len(made) == before + 1, username
        assert str(refused.value) == accounts.SIGN_IN_REFUSED
