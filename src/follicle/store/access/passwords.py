"""What a new password must be: NIST SP 800-63B's memorised-secret rules.

A password is accepted when it has at least :data:`MIN_LENGTH` characters (counted as
Unicode code points after NFKC normalisation, so that the same password typed on two
keyboards counts the same), at most :data:`MAX_LENGTH`, is not among the 20,000 most common
passwords (``data/common-passwords.txt.gz``, compared lower-cased; its source is in
``data/common-passwords.md``), is not the user name, and is not repetitive or sequential
(800-63B names these too: ``aaaaaaaaaaaa``, ``adminadminadmin``, ``123456789012``,
``qwertyuiopas`` — few of the block list's words reach twelve characters, so it alone
would let them through). As 800-63B recommends, there are no
composition rules (no "one digit, one symbol") and no forced periodic changes: length and
a block list are what make a password hard to guess. Spaces are allowed (pass phrases).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache
from importlib.resources import files

from follicle.errors import WeakPassword

#: Fewest characters of a password (800-63B asks for at least 8; the registry holds
#: patients' identities, so it asks for more).
MIN_LENGTH = 12

#: Most characters (800-63B: allow at least 64); bounds the hashing work of one sign-in.
MAX_LENGTH = 256


#: Fewest different characters.
MIN_DISTINCT = 5

#: Runs a sequential password follows (forwards or backwards, and round again): digits,
#: the alphabet, and the rows of a QWERTY keyboard.
SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")

_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)


def _sequential(text: str) -> bool:
    """Whether ``text`` runs along one of :data:`SEQUENCES` (wrapping round)."""
    for sequence in SEQUENCES:
        for run in (sequence, sequence[::-1]):
            cycle = run * (len(text) // len(run) + 2)
            if text in cycle:
                return True
    return False


@cache
def common_passwords() -> frozenset[str]:
    """The block list, lower-cased (read once)."""
    data = files("follicle.store").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(word.casefold() for word in gzip.decompress(data).decode("utf-8").split())


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why ``password`` is refused, or ``None`` when it is acceptable."""
    text = unicodedata.normalize("NFKC", password)
    if len(text) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters (it has {len(text)})"
    if len(text) > MAX_LENGTH:
        return f"the password may have at most {MAX_LENGTH} characters"
    folded = text.casefold()
    if folded in common_passwords() or folded.replace(" ", "") in common_passwords():
        return "the password is one of the most common passwords: choose another"
    if username and folded == username.strip().casefold():
        return "the password must not be the user name"
    bare = folded.replace(" ", "")
    if len(set(bare)) < MIN_DISTINCT or _REPEATED.fullmatch(bare):
        return "the password repeats the same few characters: choose another"
    if _sequential(bare):
        return "the password is a run of consecutive characters (digits, letters or keys)"
    return None


def check_password(password: str, *, username: str = "") -> None:
    """Raise :class:`~follicle.errors.WeakPassword` saying why, unless acceptable."""
    problem = password_problem(password, username=username)
    if problem is not None:
        raise WeakPassword(problem)
