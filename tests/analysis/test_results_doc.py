"""docs/results.md documents every value of Part 1, and documents nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.stratified import VARIABLES

DOC = Path(__file__).parents[2] / "docs" / "results.md"
SECTION = re.compile(r"^## `(\w+)`")
ROW = re.compile(r"^\| `([^`]+)` \| (number|count item|date|text) \|")
PLACEHOLDER = re.compile(r"^- `\{(\w+)\}`: (.+)$")


def _placeholders(text: str) -> dict[str, str]:
    found: dict[str, list[str] | None] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = PLACEHOLDER.match(line)
        if match:
            words = match.group(2)
            j = i + 1
            while j < len(lines) and lines[j].startswith("  "):
                words += " " + lines[j].strip()
                j += 1
            if words.startswith("any "):
                # A label as the data spell it ("<35", "East"): anything without a dot.
                found[match.group(1)] = ["__any__"]
                continue
            if words.startswith("every "):
                # Open-ended ("every count item of {result}"): any dotted name.
                found[match.group(1)] = None
                continue
            listed = words.split("—")[0].split("(")[0]
            options = re.findall(r"\b[a-z0-9_]+(?:\.[a-z0-9_]+)*\b", listed)
            found[match.group(1)] = options
    alternation = {
        k: r"[a-z0-9_]+(?:\.[a-z0-9_]+)*"
        if v is None
        else r"[^.]+"
        if v == ["__any__"]
        else "|".join(map(re.escape, v))
        for k, v in found.items()
    }
    alternation["k"] = r"[2-9]|[1-9][0-9]+"
    return {k: f"(?:{v})" for k, v in alternation.items()}


def _documented() -> dict[str, list[re.Pattern[str]]]:
    text = DOC.read_text(encoding="utf-8")
    holders = _placeholders(text)
    patterns: dict[str, list[re.Pattern[str]]] = {}
    section = ""
    for line in text.splitlines():
        if m := SECTION.match(line):
            section = m.group(1)
            patterns[section] = []
        elif (m := ROW.match(line)) and section:
            name, kind = m.groups()
            regex = re.sub(r"\\\{(\w+)\\\}", lambda g: holders[g.group(1)], re.escape(name))
            names = [f"{regex}\\.(?:n|total|pct|low|high)"] if kind == "count item" else [regex]
            patterns[section] += [re.compile(f"^{n}$") for n in names]
    return patterns


DOCUMENTED = _documented()


#: Each cohort's results with Table 1 by a group (``table1_by``) among them.
BY = {
    "small": "site",
    "seed_cohort": "age_group",
    "generated": "menses_baseline",
    "arms_cohort": "age_group",
}


def _by(cohort: Cohort, which: str) -> Cohort:
    """The cohort with Table 1 by a group of every other variable."""
    by = BY[which]
    return Cohort(cohort.workbook, by=by, variables=[v for v in VARIABLES if v != by])


def test_the_doc_has_a_section_per_result_in_report_order(arms_cohort: Cohort) -> None:
    # A cohort with arms has every result (one arm: the comparison is one table).
    assert list(DOCUMENTED) == list(_by(arms_cohort, "arms_cohort").results())


@pytest.mark.parametrize("which", ["small", "seed_cohort", "generated", "arms_cohort"])
def test_every_value_is_documented(which: str, request: pytest.FixtureRequest) -> None:
    cohort = _by(request.getfixturevalue(which), which)
    for name, result in cohort.results().items():
        undocumented = [
            key for key in result.values if not any(p.match(key) for p in DOCUMENTED[name])
        ]
        assert not undocumented, f"{name}: {undocumented}"


def test_every_documented_name_is_produced(
    seed_cohort: Cohort, generated: Cohort, arms_cohort: Cohort
) -> None:
    produced: dict[str, set[str]] = {}
    for cohort in (
        _by(seed_cohort, "seed_cohort"),
        _by(generated, "generated"),
        _by(arms_cohort, "arms_cohort"),
    ):
        for name, result in cohort.results().items():
            produced.setdefault(name, set()).update(result.values)
    for section, patterns in DOCUMENTED.items():
        for pattern in patterns:
            assert any(pattern.match(k) for k in produced[section]), (section, pattern.pattern)
