"""The benchmark suite runs end to end at 1,000 women (a smoke test, not a timing).

CI runs it once so that ``bench/run.py`` keeps working on a clean clone: every step must
finish and succeed, and the results file and the docs table must be written. The numbers
themselves are not checked — they belong to the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runs_at_a_thousand_women(tmp_path: Path) -> None:
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\n## Web registry under load\n\nnot ours\n")
    args = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--sizes",
        "1000",
        "--cache",
        str(tmp_path / "cache"),
        "--results",
        str(tmp_path / "results"),
        "--docs",
        str(docs),
        "--baseline-budget",
        "60",
        "--timeout",
        "300",
        "--bundled-rounds",
        "1",
    ]
    postgres = os.environ.get("FOLLICLE_TEST_POSTGRES_URL", "")
    if postgres:
        args += ["--postgres-url", postgres]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    (results,) = (tmp_path / "results").glob("*.json")
    document = json.loads(results.read_text())
    bundled, run = document["runs"]
    assert bundled["cohort"] == "bundled"
    assert bundled["women"] == 105
    assert set(bundled["steps"]) == {"help", "validate", "report_json", "report_workbook", "peer"}
    assert run["cohort"] == "synthetic"
    assert run["women"] == 1000
    assert run["rows"] > 5000
    expected = {"floor", "validate", "import_sqlite", "report_workbook", "report_registry"}
    expected |= {"report_json", "peer", "baseline"}
    expected |= {"import_postgres", "report_registry_postgres"} if postgres else set()
    assert set(run["steps"]) == expected
    for name, step in [*run["steps"].items(), *bundled["steps"].items()]:
        assert step["ok"], (name, step)
        if name == "peer" and shutil.which("Rscript") is None:
            assert step["note"] == "Rscript not found"
            continue
        assert step["seconds"] > 0, name
        assert step["peak_rss_mib"] > 0, name
    assert document["machine"]["cores"]
    assert document["machine"]["packages"]["pandas"]

    text = docs.read_text()
    assert "not ours" in text  # another section is left alone
    assert "| 1,000 |" in text
    assert "## Scale" in text
    assert "## Small cohorts" in text
    assert "`follicle report --format json`" in text

    # Run again: the cached workbook is reused and the table replaced, not appended.
    again = subprocess.run(
        [*args[:2], "--sizes", "1000", "--steps", "floor", *args[4:-2], "--bundled-rounds", "0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert docs.read_text().count("## Scale") == 1
    assert docs.read_text().count("## Small cohorts") == 1
