"""``bench/scale_table.py`` builds the docs' tables from the suite's result files only.

``bench/results/`` also holds the fuzzer's summaries (``fuzz-*.json``), which have no
``started`` time and no runs; rebuilding the tables with them beside a run must not fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def test_the_tables_are_built_with_the_fuzzers_summaries_beside_the_runs(tmp_path: Path) -> None:
    run = RESULTS / "2026-12-05T1614-vm.json"
    fuzz = RESULTS / "fuzz-10000.json"
    for file in (run, fuzz):
        shutil.copy(file, tmp_path / file.name)
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scale_table.py"),
            str(tmp_path / run.name),
            str(tmp_path / fuzz.name),
            "--docs",
            str(docs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = docs.read_text()
    # The small-cohort table of that run: the report's median CPU and the R peer's.
    assert "| `follicle report` (every output) | 4.22 |" in text
    assert "| R peer (`Rscript bench/peer.R`) | 1.06 |" in text
