"""``follicle audit``: the audit in the terminal and as JSON; exit 1 only for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import follicle.workbook.seed as seed
from follicle.cli import app

CLAIMS = """\
title: Mine
claims:
  - id: women
    text: "we treated 105 women"
    where: Abstract
    value: 105
    check: {metric: table1.n_women}
  - id: rate
    text: "40 % pregnant"
    where: Results
    value: 40
    kind: percent
    check: {metric: pregnancy.women_pregnant.pct}
"""


def test_audit_of_the_seed_cohort_prints_every_claim_and_a_summary() -> None:
    result = CliRunner().invoke(app, ["audit", str(seed.path())], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Reproduction audit" in result.output
    assert "menses_irregular_baseline_text" in result.output
    assert "claims:" in result.output
    assert "inconsistent in the paper" in result.output
    assert "another definition" in result.output


def test_audit_as_json(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(seed.path()), "--claims", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["title"] == "Mine"
    assert document["counts"] == {
        "matches": 1,
        "inconsistent in the paper": 0,
        "another definition": 0,
        "differs from the data": 1,
        "cannot be computed": 0,
    }
    rate = document["claims"][1]
    assert rate["id"] == "rate"
    assert rate["status"] == "differs from the data"
    assert rate["recomputed"] == "36.19 %"
    assert abs(rate["recomputed_value"] - 100 * 38 / 105) < 1e-12


def test_a_bad_claims_file_exits_1_naming_the_claim(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(CLAIMS.replace("    where: Results\n", ""), encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", str(seed.path()), "--claims", str(path)])
    assert result.exit_code == 1
    # Rich wraps long lines: compare with the whitespace collapsed
    assert "claim 'rate' (claims[1]), field where" in " ".join(result.output.split())


def test_a_bad_workbook_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(tmp_path / "missing")])
    assert result.exit_code == 1


def test_audit_of_the_registry(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    url = f"sqlite:///{database}"
    imported = CliRunner().invoke(
        app, ["import", str(seed.path()), "--create-sites"], env={"FOLLICLE_DATABASE_URL": url}
    )
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(app, ["audit", "--json"], env={"FOLLICLE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    counts = document["counts"]
    assert counts["inconsistent in the paper"] > 0
    assert counts["another definition"] == 3
    rate = next(c for c in document["claims"] if c["id"] == "live_birth_rate_per_cycle")
    assert rate["status"] == "another definition"
    assert abs(rate["recomputed_paper_definition"] - 3200 / 105) < 1e-12
    assert sum(counts.values()) == len(json.loads(result.output)["claims"])
