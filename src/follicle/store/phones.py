"""What a woman's telephone number may be: one rule for her page, the API and the identity
import (:mod:`follicle.store.importing.identity_import`).

Digits with spaces, dashes, dots, brackets and a leading ``+``; 6 to 15 digits (E.164
numbers have at most 15). An empty one is no number, not a bad one. A problem about a phone
number never carries the number itself (value ``None``): problems are shown and logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from follicle.errors import Problem

#: A phone number's characters.
PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
#: Fewest and most digits of a phone number.
PHONE_DIGITS = (6, 15)
#: What is wrong with one that is not.
PHONE_MESSAGE = (
    f"not a phone number: {PHONE_DIGITS[0]} to {PHONE_DIGITS[1]} digits, with spaces, "
    "dashes, dots, brackets and a leading + allowed"
)


def bad_phones(phone: pd.Series) -> np.ndarray:
    """Which cells of ``phone`` (text; ``""`` none given) are not phone numbers."""
    text = phone.fillna("").astype(str)
    digits = text.str.count(r"[0-9]")
    bad = (text != "") & (
        ~text.str.match(PHONE) | (digits < PHONE_DIGITS[0]) | (digits > PHONE_DIGITS[1])
    )
    return bad.to_numpy(dtype=bool)


def phone_problems(table: str, values: Mapping[str, object]) -> list[Problem]:
    """The problem of ``values["phone"]`` (a form's or a request's), if it is given and is
    not a phone number."""
    given = values.get("phone")
    if given is None or not bad_phones(pd.Series([given]))[0]:
        return []
    return [Problem(table, None, "phone", None, "not_a_phone_number", PHONE_MESSAGE)]
