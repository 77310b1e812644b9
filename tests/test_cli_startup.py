"""Each command imports only what it uses: ``--help`` and ``validate`` start without the
scientific stack, and ``report`` imports each output's writer only when it is asked for.

Measured with ``python -X importtime -m follicle --help``: typer and rich are the start-up;
pandas alone takes most of a second, SciPy, statsmodels, lifelines and matplotlib more.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from follicle.workbook import seed

ANALYSIS = ("scipy", "statsmodels", "lifelines", "matplotlib")


def _loaded_after(args: list[str]) -> set[str]:
    """Top-level modules imported by running ``follicle ARGS`` in a fresh interpreter."""
    code = (
        "import sys, json\n"
        "from follicle.cli import app\n"
        f"sys.argv = ['follicle', *{args!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_no_data_or_analysis_library() -> None:
    loaded = _loaded_after(["--help"])
    for name in (*ANALYSIS, "sqlalchemy", "pandas", "numpy", "pyarrow", "openpyxl"):
        assert name not in loaded, name


def test_validate_imports_no_analysis_or_database_library() -> None:
    loaded = _loaded_after(["validate", str(seed.path())])
    assert "pandas" in loaded  # the check itself ran
    for name in (*ANALYSIS, "sqlalchemy", "openpyxl"):
        assert name not in loaded, name


def test_help_of_a_command_imports_no_data_library() -> None:
    loaded = _loaded_after(["report", "--help"])
    for name in (*ANALYSIS, "sqlalchemy", "pandas", "numpy", "docx", "openpyxl"):
        assert name not in loaded, name


# What each output of ``follicle report`` may import (issue 13): a workbook's report needs
# no database library, and each output only its own writer.
# lifelines (the arms' Cox model) only for a cohort with arms, which the bundled one is not.
REPORT_IMPORTS = {
    "json": {
        "absent": ("matplotlib", "docx", "openpyxl", "jinja2", "sqlalchemy", "alembic", "lifelines")
    },
    "html": {"absent": ("docx", "openpyxl", "sqlalchemy", "alembic", "lifelines")},
    "docx,xlsx": {"absent": ("matplotlib", "jinja2", "sqlalchemy", "alembic", "lifelines")},
    "all": {"absent": ("sqlalchemy", "alembic", "lifelines")},
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


def test_a_report_without_arms_does_not_import_statsmodels_api(tmp_path: Path) -> None:
    """``statsmodels.api`` pulls in its graphics and time series (about 0.3 s of CPU); the
    propensity score of the arms imports only the GLM, and only when it fits (issue 13)."""
    code = (
        "import sys\n"
        "from follicle.cli import app\n"
        f"sys.argv = ['follicle', 'report', {str(seed.path())!r}, '--out', "
        f"{str(tmp_path)!r}, '--format', 'json']\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('statsmodels')), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = done.stderr.strip().splitlines()[-1]
    assert any(tmp_path.iterdir())
    for name in ("'statsmodels.api'", "'statsmodels.graphics.api'", "'statsmodels.tsa.api'"):
        assert name not in loaded, name
