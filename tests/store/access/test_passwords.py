"""New passwords: at least 12 characters, not a common password, not the user name."""

from __future__ import annotations

import hashlib

import pytest

from follicle.errors import WeakPassword
from follicle.store.access.passwords import (
    MAX_LENGTH,
    check_password,
    common_passwords,
    password_problem,
)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("admin", "at least 12 characters (it has 5)"),
        ("elevenchars", "at least 12 characters (it has 11)"),
        ("password1234", "most common passwords"),
        ("QWERTY123456", "most common passwords"),  # compared case-insensitively
        ("1q2w3e4r5t6y", "most common passwords"),
        ("x" * (MAX_LENGTH + 1), "at most"),
        ("Nora.Tehrani", "must not be the user name"),
        # Repetitive and sequential (800-63B): too long for the block list's words.
        ("aaaaaaaaaaaa", "repeats the same few characters"),
        ("adminadminadmin", "repeats the same few characters"),
        ("passwordpassword", "repeats the same few characters"),
        ("aaaabbbbcccc", "repeats the same few characters"),
        ("123456789012", "run of consecutive characters"),
        ("210987654321", "run of consecutive characters"),
        ("abcdefghijkl", "run of consecutive characters"),
        ("qwertyuiopas", "run of consecutive characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    problem = password_problem(password, username="nora.tehrani")
    assert problem is not None
    assert reason in problem
    with pytest.raises(WeakPassword, match=reason.split(" (")[0]):
        check_password(password, username="nora.tehrani")


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Tr0ub4dor&3xy",
        "ترانه‌ی شب بارانی",
        (hashlib.sha512(b"a").hexdigest() + hashlib.sha512(b"b").hexdigest())[:MAX_LENGTH],
    ],
)
def test_long_uncommon_passwords_pass_without_composition_rules(password: str) -> None:
    assert password_problem(password, username="nora") is None
    check_password(password, username="nora")


def test_the_block_list_is_the_shipped_twenty_thousand() -> None:
    words = common_passwords()
    assert 19_000 < len(words) <= 20_000
    assert {"password", "123456", "qwerty123456"} <= words
    assert all(w == w.casefold() for w in words)
