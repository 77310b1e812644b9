"""Read a claims file (YAML) into :class:`~follicle.analysis.claims.schema.Claims`.

Numbers are kept as written — ``5.00`` stays "5.00", so its two decimals define what
"matches to the published rounding" means — and every mistake in the file (a missing field,
an unknown check, a reference to a claim that does not exist) is reported at once in one
:class:`~follicle.analysis.claims.schema.ClaimsInvalid` that names the file, the claim and
the field.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from follicle.analysis.claims.schema import (
    CLAIM_PREFIX,
    Claim,
    Claims,
    ClaimsInvalid,
    placeholders,
)

#: The seed paper's claims (Zafardoust et al., Stem Cell Res Ther 2025), bundled.
SEED_CLAIMS: Traversable = resources.files("follicle.analysis.claims") / "seed_2025.yaml"


# libyaml's safe loader where PyYAML was built with it: the bundled claims file (about 2,000
# nodes) parses in 0.02 s instead of the pure-Python parser's 0.15 s, a tenth of a small
# report's CPU (issue 13). Same resolver, same constructors, so the same documents.
if getattr(yaml, "__with_libyaml__", False):

    class _TextLoader(yaml.CSafeLoader):
        """YAML that keeps numbers and dates as their text (``5.00`` is not ``5.0``)."""

else:  # pragma: no cover - PyYAML without libyaml

    class _TextLoader(yaml.SafeLoader):  # type: ignore[no-redef]
        """YAML that keeps numbers and dates as their text (``5.00`` is not ``5.0``)."""


def _keep_text(loader: _TextLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in ("int", "float", "timestamp"):
    _TextLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _keep_text)


def load_claims(path: str | Path | Traversable = SEED_CLAIMS) -> Claims:
    """Read and check a claims file.

    Parameters
    ----------
    path
        A YAML claims file (``docs/audit.md``); by default the bundled seed paper's.

    Raises
    ------
    ClaimsInvalid
        The file cannot be read, is not YAML, or breaks the format; the message lists every
        problem as ``file: claim 'id' (claims[i]), field a.b: what is wrong``.
    """
    name = str(path)
    try:
        text = (Path(path) if isinstance(path, str) else path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ClaimsInvalid(f"{name}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        line = _line_of(exc)
        raise ClaimsInvalid(
            f"{name}: not UTF-8 text (byte {exc.start + 1}{line}): a claims file is YAML, "
            "saved as UTF-8"
        ) from None
    try:
        data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a safe loader's subclass
    except yaml.YAMLError as exc:
        raise ClaimsInvalid(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ClaimsInvalid(f"{name}: a claims file is a mapping with a 'claims' list")
    try:
        claims = Claims.model_validate(data)
    except ValidationError as exc:
        raise ClaimsInvalid(_message(name, data, _pydantic_problems(exc, data))) from None
    problems = _reference_problems(claims)
    if problems:
        raise ClaimsInvalid(_message(name, data, problems))
    return claims


def _line_of(error: UnicodeDecodeError) -> str:
    """ ", line N" of the byte that could not be decoded."""
    newlines = error.object[: error.start].count(b"\n")
    return f", line {newlines + 1}"


def _where(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """``claim 'age_mean' (claims[3]), field check.grim.n`` for a pydantic location."""
    if len(loc) >= 2 and loc[0] == "claims" and isinstance(loc[1], int):
        items = data.get("claims")
        raw = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        ident = raw.get("id") if isinstance(raw, dict) else None
        claim = f"claim {ident!r} (claims[{loc[1]}])" if ident else f"claims[{loc[1]}]"
        field = ".".join(str(p) for p in loc[2:] if not str(p).startswith("function-"))
        return f"{claim}, field {field}" if field else claim
    return "field " + ".".join(str(p) for p in loc) if loc else "the file"


def _pydantic_problems(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for error in exc.errors():
        # Union members add their type names to the location; they mean nothing to a user.
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p == "str"))
        )
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{_where(data, loc)}: {message}")
    return list(dict.fromkeys(problems))


def _references(claim: Claim) -> list[tuple[str, str]]:
    """(field, operand) of every operand a claim's checks use."""
    check = claim.check
    found: list[tuple[str, str]] = []
    for field in ("percent_of", "p_from", "grim", "significance", "chisq_exact"):
        part = getattr(check, field)
        if part is None:
            continue
        for key, value in part.model_dump().items():
            values = value if isinstance(value, list | tuple) else [value]
            found += [(f"check.{field}.{key}", v) for v in values if isinstance(v, str)]
    for i, reading in enumerate(check.readings()):
        found += [(f"check.formula[{i}]", op) for op in placeholders(reading.formula)]
    if check.paper_definition is not None:
        formula = check.paper_definition.formula
        found += [("check.paper_definition.formula", op) for op in placeholders(formula)]
    if check.same_quantity_as is not None:
        found.append(("check.same_quantity_as", CLAIM_PREFIX + check.same_quantity_as))
    return found


def _reference_problems(claims: Claims) -> list[str]:
    """Duplicate ids, and references to claims that do not exist or print no number."""
    problems = []
    counts = Counter(c.id for c in claims.claims)
    by_id = claims.by_id()
    for i, claim in enumerate(claims.claims):
        where = f"claim {claim.id!r} (claims[{i}])"
        if counts[claim.id] > 1:
            problems.append(f"{where}, field id: the id is used {counts[claim.id]} times")
        for field, operand in _references(claim):
            if not operand.startswith(CLAIM_PREFIX):
                continue
            target = operand.removeprefix(CLAIM_PREFIX)
            if target not in by_id:
                problems.append(f"{where}, field {field}: no claim has the id {target!r}")
            elif target == claim.id and field == "check.same_quantity_as":
                problems.append(f"{where}, field {field}: a claim cannot refer to itself")
            elif not by_id[target].value.is_number or by_id[target].value.relation != "=":
                problems.append(
                    f"{where}, field {field}: claim {target!r} prints "
                    f"{by_id[target].value.text!r}, not a number"
                )
    return list(dict.fromkeys(problems))


def _message(name: str, data: dict[str, Any], problems: list[str]) -> str:
    lines = [f"{name}: {len(problems)} problem(s) in the claims file"]
    lines += [f"  {name}: {p}" for p in problems]
    return "\n".join(lines)
