"""A value as a paper prints it, and which true values it can stand for.

A printed number carries its precision: "36.19" says the value lies within half a unit of
the second decimal, "6.0062e-31" within half a unit of the fifth significant digit, and
"< 0.0001" only that it is below 0.0001. :class:`Printed` parses that text once and answers
whether a recomputed value agrees with it — rounded to the printed precision or, as some
papers do, truncated to it. All comparisons are exact (:class:`fractions.Fraction`): a float
is taken at its shortest decimal representation (``repr``), so 0.3 is 3/10, not the binary
neighbour of 0.3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

#: How a printed value relates to the truth: equal to it at the printed precision, or a bound.
Relation = Literal["=", "<", ">", "≤", "≥"]
#: The words a significance claim may print.
WORDS = ("significant", "not significant")
#: How a recomputed value agrees with a printed one.
Agreement = Literal["rounded", "truncated"]

_RELATIONS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "≤": "≤", "≥": "≥"}
_NUMBER = re.compile(r"^[+\-−]?(\d+)(?:\.(\d+))?(?:[eE]([+\-−]?\d+))?$")
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
# Floating-point results of the statistics (sums, divisions) can sit a few ulps off a
# printed boundary; this relative slack absorbs that and nothing a printed digit can show.
_SLACK = Fraction(1, 10**9)


def exact(x: float | int | Fraction) -> Fraction:
    """``x`` as an exact fraction; a float at its shortest decimal form (``repr``)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(x)
    return Fraction(Decimal(repr(float(x))))


@dataclass(frozen=True)
class Printed:
    """A value as printed: a number (with its precision and relation), a date or a word.

    Attributes
    ----------
    text
        The text as written in the claims file (``"36.19"``, ``"< 0.0001"``, ``"2018-08"``).
    number
        The number, exactly; ``None`` for a date or a word.
    decimals
        Places after the decimal point of a number in fixed notation ("3.72" → 2).
    significant
        Significant digits of a number in scientific notation ("6.0062e-31" → 5).
    relation
        ``"="`` for a value, or the bound printed before it (``"<"``, ``"≥"`` …).
    date
        An ISO date or month (``"2018-08"``) to which the recomputed date must agree.
    word
        ``"significant"`` or ``"not significant"``.
    """

    text: str
    number: Fraction | None = None
    decimals: int | None = None
    significant: int | None = None
    relation: Relation = "="
    date: str | None = None
    word: str | None = None

    @property
    def is_number(self) -> bool:
        """Whether the printed value is a number (possibly a bound)."""
        return self.number is not None

    @property
    def unit(self) -> Fraction:
        """One unit in the last printed place (0.01 for "36.19"; 1e-35 for "6.0062e-31")."""
        if self.number is None:
            raise ValueError(f"{self.text!r} is not a number")
        if self.significant is not None:
            exponent = _exponent(self.number) - self.significant + 1
            return Fraction(10) ** exponent
        return Fraction(1, 10 ** (self.decimals or 0))

    def contains(self, x: float | int | Fraction, how: Agreement = "rounded") -> bool:
        """Whether a true value ``x`` prints as this text, rounded or truncated.

        Rounded: ``|x − printed| ≤ unit / 2`` (either neighbour at an exact half).
        Truncated (toward zero): ``printed ≤ x < printed + unit`` for a positive number.
        A bound (``< 0.0001``) is a plain comparison, whatever ``how``.
        """
        if self.number is None:
            raise ValueError(f"{self.text!r} is not a number")
        value = exact(x)
        p = self.number
        slack = _SLACK * max(abs(p), abs(value), Fraction(1, 10**30))
        if self.relation != "=":
            return {
                "<": value < p + slack,
                ">": value > p - slack,
                "≤": value <= p + slack,
                "≥": value >= p - slack,
            }[self.relation]
        half = self.unit / 2
        if how == "rounded":
            return abs(value - p) <= half + slack
        if p >= 0 and value >= 0:
            return p - slack <= value < p + self.unit - slack
        return p - self.unit + slack < value <= p + slack

    def agreement(self, x: float | int | Fraction) -> Agreement | None:
        """``"rounded"`` when ``x`` rounds to the printed value, else ``"truncated"`` when it
        truncates to it, else ``None``."""
        if self.contains(x, "rounded"):
            return "rounded"
        if self.relation == "=" and self.contains(x, "truncated"):
            return "truncated"
        return None

    def show(self, x: float | int | Fraction | None, *, extra: int = 0) -> str:
        """``x`` written at this value's precision (plus ``extra`` decimals or digits)."""
        if x is None:
            return ""
        value = float(x)
        if self.significant is not None:
            return f"{value:.{self.significant - 1 + extra}e}"
        decimals = (self.decimals or 0) + extra
        if float(value).is_integer() and decimals == 0:
            return f"{value:.0f}"
        return f"{value:.{decimals}f}"


def show(x: float | int | Fraction, decimals: int = 2) -> str:
    """A number for a sentence: integers as integers, others with ``decimals`` decimals, and
    very small ones in scientific notation."""
    value = float(x)
    if value.is_integer():
        return f"{value:.0f}"
    if value != 0 and abs(value) < 10 ** (-decimals):
        return f"{value:.4g}"
    return f"{value:.{decimals}f}"


def _exponent(x: Fraction) -> int:
    """The decimal exponent of ``x`` (``6.0062e-31`` → −31), 0 for zero."""
    if x == 0:
        return 0
    return (Decimal(abs(x.numerator)) / Decimal(x.denominator)).adjusted()


def parse(text: object) -> Printed:
    """Parse a printed value.

    Numbers keep their precision ("5.00" has two decimals), may carry a trailing ``%`` and a
    leading bound (``<``, ``>``, ``≤``, ``≥``, ``<=``, ``>=``); scientific notation
    ("6.0062e-31") has significant digits instead of decimals. Dates are ``YYYY-MM`` or
    ``YYYY-MM-DD``; words are ``significant`` and ``not significant``.

    Raises
    ------
    ValueError
        For anything else (the message says what is accepted).
    """
    raw = str(text).strip()
    body = raw.removesuffix("%").strip()
    word = " ".join(body.lower().split())
    if word in WORDS:
        return Printed(raw, word=word)
    if _DATE.match(body):
        return Printed(raw, date=body)
    relation: Relation = "="
    for sign in ("<=", ">=", "<", ">", "≤", "≥"):
        if body.startswith(sign):
            relation = _RELATIONS[sign]  # type: ignore[assignment]
            body = body[len(sign) :].strip()
            break
    match = _NUMBER.match(body.replace(",", ""))
    if not match:
        raise ValueError(
            f"{raw!r} is not a printed value: write a number as printed (36.19, 5.00, "
            "6.0062e-31, < 0.0001, 25 %), a date (2018-08) or 'significant' / "
            "'not significant'"
        )
    number = Fraction(Decimal(body.replace(",", "").replace("−", "-")))
    fraction_digits = match.group(2) or ""
    if match.group(3) is not None:
        mantissa = (match.group(1) + fraction_digits).lstrip("0") or "0"
        return Printed(raw, number=number, significant=len(mantissa), relation=relation)
    return Printed(raw, number=number, decimals=len(fraction_digits), relation=relation)
