"""The claims file: a paper's published numbers as data, each with how to recompute it.

A claims file is YAML (``docs/audit.md`` documents it with an example)::

    title: Zafardoust et al., Stem Cell Res Ther 2025
    claims:
      - id: pregnancy_rate
        text: "36.19% of women became pregnant"
        where: Abstract; Results; Discussion
        value: 36.19
        kind: percent
        check:
          metric: pregnancy.women_pregnant.pct
          percent_of: {n: claim:women_pregnant, total: claim:women}

The models below hold it; :func:`follicle.analysis.claims.load.load_claims` reads a file
into them and turns every mistake into one :class:`ClaimsInvalid` naming the file, the claim
and the field. An **operand** (``n``, ``total``, ``statistic`` …) is a number as printed
(``91``), ``claim:<id>`` (the value another claim prints) or a metric path
``<result>.<value>`` (``table2.age.p``: a value of the analysis results, ``docs/results.md``).
"""

from __future__ import annotations

import ast
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from follicle.analysis.claims.printed import Printed, parse
from follicle.errors import FollicleError

#: A claim id: lower-case letters, digits and underscores.
CLAIM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: ``<result>.<value>``: a value of an analysis result.
METRIC_PATH = re.compile(r"^[a-z][a-z0-9_]*\.[^\s{}:]+$")
#: A reference to another claim's printed value.
CLAIM_PREFIX = "claim:"
#: What a claim's value is, for display (a ``%`` after percentages); it decides nothing.
Kind = Literal[
    "count",
    "percent",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "p",
    "statistic",
    "df",
    "date",
    "significance",
    "number",
]
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class ClaimsInvalid(FollicleError):
    """A claims file that cannot be audited; the message names file, claim and field."""

    code = "claims_invalid"
    http_status = 422


def _operand(text: object) -> str:
    value = str(text).strip()
    if value.startswith(CLAIM_PREFIX):
        if not CLAIM_ID.match(value.removeprefix(CLAIM_PREFIX)):
            raise ValueError(f"{value!r}: a claim reference is claim:<id>")
        return value
    if METRIC_PATH.match(value):
        return value
    try:
        parse(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is neither a number, claim:<id> nor a metric path <result>.<value>"
        ) from None
    if not parse(value).is_number or parse(value).relation != "=":
        raise ValueError(f"{value!r}: an operand must be a plain number")
    return value


#: A number as printed, ``claim:<id>`` or a metric path (see the module docs).
Operand = Annotated[str, BeforeValidator(_operand)]


def placeholders(formula: str) -> list[str]:
    """The operands of a formula: the texts between braces, in order."""
    return _PLACEHOLDER.findall(formula)


def formula_tree(formula: str) -> ast.Expression:
    """Parse a formula (``{a} + 2 * {b} - 4``) with each ``{operand}`` as a name ``_0``, ``_1``
    …; only numbers, + − × / and parentheses are allowed."""
    names = iter(range(10_000))
    code = _PLACEHOLDER.sub(lambda _: f"_{next(names)}", formula)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise ValueError(f"{formula!r} is not a formula of numbers, + - * / and ( )") from None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load)
    allowed_ops = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)
    for node in ast.walk(tree):
        ok = isinstance(node, allowed + allowed_ops) and not (
            isinstance(node, ast.Constant) and not isinstance(node.value, int | float)
        )
        if not ok:
            raise ValueError(f"{formula!r}: only numbers, {{operands}}, + - * / and ( ) allowed")
    return tree


def _formula(text: object) -> str:
    formula = str(text)
    for operand in placeholders(formula):
        _operand(operand)
    formula_tree(formula)
    return formula


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PercentOf(_Model):
    """The printed percentage is 100 × n / total at its printed precision."""

    n: Operand
    total: Operand


class PFrom(_Model):
    """The printed p-value (or ``p``) follows from the statistic and its degrees of freedom.

    ``chisq`` (upper tail, ``df``), ``z`` and ``t`` (two-sided; ``t`` with ``df``), ``f``
    (upper tail, ``df`` and ``df2``).
    """

    test: Literal["chisq", "z", "t", "f"]
    statistic: Operand
    df: Operand | None = None
    df2: Operand | None = None
    p: Operand | None = None

    @model_validator(mode="after")
    def _dfs(self) -> PFrom:
        if self.test in ("chisq", "t", "f") and self.df is None:
            raise ValueError(f"a {self.test} test needs df")
        if self.test == "f" and self.df2 is None:
            raise ValueError("an F test needs df and df2")
        return self


class Grim(_Model):
    """GRIM: the printed mean (or ``mean``) of ``n`` integer values is possible.

    ``items``: each value is the mean of that many integer items (a scale score).
    """

    n: Operand
    mean: Operand | None = None
    items: int = Field(1, ge=1)


class Reading(_Model):
    """One reading of a formula: what the words mean, and the arithmetic they imply."""

    reading: str
    formula: Annotated[str, BeforeValidator(_formula)]


def _readings(value: object) -> object:
    """A bare formula is one reading without a name."""
    return ({"reading": "", "formula": value},) if isinstance(value, str) else value


class Significance(_Model):
    """The claim's words ("significant" or "not significant") hold at ``alpha`` given ``p``;
    ``also``: further p-values (another test) reported beside it."""

    p: Operand
    alpha: float = Field(0.05, gt=0, lt=1)
    also: tuple[Operand, ...] = ()


class ChisqExact(_Model):
    """Pearson's χ² of two groups' ``n`` of ``total``, in exact rational arithmetic
    (Yates' correction, as R's default, unless ``correct`` is false)."""

    n: tuple[Operand, Operand]
    total: tuple[Operand, Operand]
    correct: bool = True


class PaperDefinition(_Model):
    """The definition the paper used where it is not the standard one the ``metric`` computes
    (e.g. live births counting infants, where ICMART counts deliveries), and the formula
    that computes the claim under it, usually from the data. It explains a difference; it
    never makes a claim match."""

    definition: str = Field(min_length=1)
    formula: Annotated[str, BeforeValidator(_formula)]


class Check(_Model):
    """How a claim is recomputed: from the data (``metric``) and by internal arithmetic."""

    metric: str | None = Field(None, pattern=METRIC_PATH.pattern)
    percent_of: PercentOf | None = None
    p_from: PFrom | None = None
    grim: Grim | None = None
    formula: Annotated[tuple[Reading, ...], BeforeValidator(_readings)] | None = None
    significance: Significance | None = None
    same_quantity_as: str | None = Field(None, pattern=CLAIM_ID.pattern)
    chisq_exact: ChisqExact | None = None
    paper_definition: PaperDefinition | None = None

    @model_validator(mode="after")
    def _something(self) -> Check:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("a check needs at least one of " + ", ".join(type(self).model_fields))
        return self

    def readings(self) -> tuple[Reading, ...]:
        """The formula's readings (a bare formula is one unnamed reading)."""
        return self.formula or ()


class Claim(_Model):
    """One published value: where it is printed, as printed, and how to check it."""

    id: str = Field(pattern=CLAIM_ID.pattern)
    text: str
    where: str
    section: str = ""
    value: Annotated[Printed, BeforeValidator(parse)]
    kind: Kind = "number"
    definition: str = ""
    check: Check

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _words(self) -> Claim:
        if (self.value.word is None) != (self.check.significance is None):
            raise ValueError(
                "a significance check needs value 'significant' or 'not significant', "
                "and such a value needs a significance check"
            )
        return self


class Claims(_Model):
    """A claims file: a title, where it came from, and the claims in the order printed."""

    title: str = ""
    source: str = ""
    claims: tuple[Claim, ...]

    def by_id(self) -> dict[str, Claim]:
        """The claims keyed by id."""
        return {c.id: c for c in self.claims}
