"""Each command imports only what it uses: ``--help`` and ``validate`` start without the
scientific stack, and ``report`` imports each output's writer only when it is asked for.

Measured with ``python -X importtime -m follicle --help``: typer and rich are the start-up;
pandas alone takes 0.4 s of CPU, ``scipy.special`` and ``scipy.optimize`` 0.3 s more, and
``scipy.stats``, statsmodels, lifelines and matplotlib would add about a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from follicle.workbook import seed

ANALYSIS = ("scipy", "statsmodels", "lifelines", "matplotlib")


def _modules_after(args: list[str]) -> set[str]:
    """Every module imported by running ``follicle ARGS`` in a fresh interpreter."""
    code = (
        "import sys, json\n"
        "from follicle.cli import app\n"
        f"sys.argv = ['follicle', *{args!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _loaded_after(args: list[str]) -> set[str]:
    """Top-level modules imported by running ``follicle ARGS`` in a fresh interpreter."""
    return {m.split(".")[0] for m in _modules_after(args)}


def test_help_imports_no_data_or_analysis_library() -> None:
    loaded = _loaded_after(["--help"])
    for name in (*ANALYSIS, "sqlalchemy", "pandas", "numpy", "pyarrow", "openpyxl"):
        assert name not in loaded, name


def test_validate_imports_no_analysis_or_database_library() -> None:
    loaded = _loaded_after(["validate", str(seed.path())])
    assert "pandas" in loaded  # the check itself ran
    for name in (*ANALYSIS, "sqlalchemy", "openpyxl", "xlsxwriter", "docx", "jinja2", "yaml"):
        assert name not in loaded, name
    # Typer 0.29 parses every parameter through pydantic (0.05-0.07 s of CPU): pyproject.toml
    # keeps Typer below it, and this says so if a newer Typer slips in.
    assert "pydantic" not in loaded


def test_help_of_a_command_imports_no_data_library() -> None:
    loaded = _loaded_after(["report", "--help"])
    for name in (*ANALYSIS, "sqlalchemy", "pandas", "numpy", "docx", "openpyxl"):
        assert name not in loaded, name


def test_audit_of_a_workbook_imports_no_database_library() -> None:
    loaded = _loaded_after(["audit", str(seed.path()), "--json"])
    assert "pandas" in loaded
    for name in ("sqlalchemy", "alembic", "matplotlib", "docx", "openpyxl"):
        assert name not in loaded, name


# What each output of ``follicle report`` may import (issue 13): a workbook's report needs
# no database library, and each output only its own writer. The statistics of a cohort
# without arms need neither statsmodels nor lifelines (the arms' propensity score and Cox
# model import them when they fit). tables.xlsx is written by XlsxWriter: openpyxl (0.2 s
# of CPU to import) only reads .xlsx workbooks, which a folder of CSV files is not.
WITHOUT_ARMS = ("sqlalchemy", "alembic", "statsmodels", "lifelines", "openpyxl")
REPORT_IMPORTS = {
    "json": {"absent": ("matplotlib", "docx", "xlsxwriter", "jinja2", *WITHOUT_ARMS)},
    "html": {"absent": ("docx", "xlsxwriter", *WITHOUT_ARMS)},
    "docx,xlsx": {"absent": ("matplotlib", "jinja2", *WITHOUT_ARMS)},
    "all": {"absent": WITHOUT_ARMS},
}


@pytest.mark.parametrize("formats", list(REPORT_IMPORTS))
def test_a_workbook_report_imports_only_what_its_outputs_need(formats: str, tmp_path: Path) -> None:
    loaded = _loaded_after(
        ["report", str(seed.path()), "--out", str(tmp_path), "--format", formats]
    )
    assert {"pandas", "scipy"} <= loaded  # the analysis ran
    assert any(tmp_path.iterdir())
    for name in REPORT_IMPORTS[formats]["absent"]:
        assert name not in loaded, name


@pytest.mark.parametrize(
    "args",
    [["dictionary"], ["synth", "--women", "20", "--seed", "1"]],
    ids=["dictionary", "synth"],
)
def test_workbook_commands_import_no_analysis_or_database_library(
    args: list[str], tmp_path: Path
) -> None:
    if args[0] == "synth":
        args = [*args, str(tmp_path / "synthetic")]
    loaded = _loaded_after(args)
    assert "pandas" in loaded  # the command ran
    for name in (*ANALYSIS, "sqlalchemy", "alembic", "openpyxl", "docx"):
        assert name not in loaded, name


@pytest.mark.parametrize("formats", ["json", "all"])
def test_a_report_does_not_import_scipy_stats(formats: str, tmp_path: Path) -> None:
    """``scipy.stats`` builds its hundred distributions at import (about 0.3 s of CPU beyond
    ``scipy.special`` and ``scipy.optimize``, which the statistics use); the distribution
    functions come from ``analysis/stats/distributions.py``, the 2 × 2 tests, the binomial test,
    Kaplan–Meier, the log-rank test and the logistic regression from numpy and
    ``scipy.special`` (issue 13)."""
    loaded = _modules_after(
        ["report", str(seed.path()), "--out", str(tmp_path), "--format", formats]
    )
    assert any(tmp_path.iterdir())
    assert "scipy.special" in loaded  # the statistics ran
    assert not {m for m in loaded if m == "scipy.stats" or m.startswith("scipy.stats.")}


def test_a_report_draws_its_figures_without_pyplot(tmp_path: Path) -> None:
    """matplotlib resolves an unnamed backend by importing pyplot (about 0.04 s of CPU);
    the command line names Agg, as it only writes files (issue 13)."""
    loaded = _modules_after(["report", str(seed.path()), "--out", str(tmp_path), "--format", "png"])
    assert "matplotlib.figure" in loaded  # the figures were drawn
    assert "matplotlib.pyplot" not in loaded
