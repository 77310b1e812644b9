"""Time validation and import of a generated workbook (default 100,000 women).

Usage: python bench/bench_workbook.py [--women N] [--database URL] [--keep DIR]

Prints the seconds each step took and the process's peak memory. The workbook is drawn by
follicle.workbook.synthetic (valid by construction); the registry is a fresh SQLite file
unless --database names another (it must be empty).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from follicle.store.engine import ensure_schema, make_engine
from follicle.store.importing.importer import import_workbook
from follicle.workbook.synthetic import write_synthetic
from follicle.workbook.validate import validate_path


def peak_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=100_000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "workbook"
        t0 = time.perf_counter()
        write_synthetic(folder, args.women, seed=args.seed)
        t1 = time.perf_counter()
        result = validate_path(folder)
        t2 = time.perf_counter()
        assert result.ok, result.problems[:5]
        book = result.workbook()
        url = args.database or f"sqlite:///{Path(tmp) / 'registry.db'}"
        engine = make_engine(url)
        ensure_schema(engine)
        t3 = time.perf_counter()
        summary = import_workbook(engine, book)
        t4 = time.perf_counter()
        engine.dispose()

    rows = sum(result.row_counts.values())
    print(f"women: {args.women:,}; rows in all tables: {rows:,}")
    print(f"generate workbook: {t1 - t0:8.2f} s")
    print(f"validate:          {t2 - t1:8.2f} s  ({rows / (t2 - t1):,.0f} rows/s)")
    backend = engine.url.get_backend_name()
    print(f"import ({backend}):  {t4 - t3:8.2f} s  ({rows / (t4 - t3):,.0f} rows/s)")
    print(f"peak memory:       {peak_mib():8.0f} MiB")
    print(summary)


if __name__ == "__main__":
    main()
