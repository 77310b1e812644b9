"""``follicle --help`` and ``follicle validate`` start without the scientific stack.

Measured with ``python -X importtime -m follicle --help``: typer and rich are the start-up;
pandas alone takes most of a second, SciPy, statsmodels, lifelines and matplotlib more.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
