"""The I/O floor: read every CSV file of a workbook folder with pyarrow, and nothing else.

Usage: python bench/floor.py WORKBOOK_FOLDER

Multi-threaded, typed by pyarrow's own inference: the least any tool must spend to have the
workbook's cells in memory. bench/run.py times it in the same run as follicle's steps.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.csv as pacsv


def read_all(folder: Path) -> int:
    """Read every CSV of ``folder``; return the number of rows read."""
    return sum(pacsv.read_csv(file).num_rows for file in sorted(folder.glob("*.csv")))


if __name__ == "__main__":
    print(read_all(Path(sys.argv[1])))
