"""CPU and memory of the comparison of arms on one workbook (docs/performance.md, "The
comparison of arms").

In one process: load the workbook (the report's cost, not the comparison's), then
:func:`~follicle.analysis.arms.data.arm_times`, then
:func:`~follicle.analysis.arms.compare.compare_arms`, each timed in CPU seconds
(``time.process_time``, every thread) with the peak resident memory after it. Draw the
workbook once, outside the repository::

    .venv/bin/follicle synth --women 1000000 --sites 20 --seed 0 \\
        --arms MenSC:0.5,PRP:0.25,control:0.25 --hazard-ratio 1.5 /tmp/arms-1m
    .venv/bin/python bench/arms_scale.py /tmp/arms-1m
    .venv/bin/python bench/arms_scale.py /tmp/arms-100k --no-fine-gray

The code before a change is measured by running this script with ``PYTHONPATH`` set to the
other checkout's ``src``, alternated with this one's. ``--csv FILE`` also writes the
analysed women as ``tests/analysis/r/arms/fixtures.R`` reads them, the input of
``bench/arms_finegray.R``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--no-fine-gray", action="store_true", help="leave Fine–Gray out")
    parser.add_argument("--csv", type=Path, help="write the analysed women here")
    args = parser.parse_args()
    # The libraries a report with arms imports anyway: not the comparison's cost.
    import lifelines  # noqa: F401
    import statsmodels.discrete.discrete_model  # noqa: F401

    from follicle.analysis.arms import compare
    from follicle.analysis.arms.data import COVARIATES, arm_times
    from follicle.workbook.validate import load_workbook

    start = time.process_time()
    workbook = load_workbook(args.workbook)
    print(f"load          {time.process_time() - start:6.2f} s CPU, peak {_peak_mb():6.0f} MB")
    start = time.process_time()
    times = arm_times(workbook)
    print(f"arm_times     {time.process_time() - start:6.2f} s CPU, peak {_peak_mb():6.0f} MB")
    if args.no_fine_gray:
        compare.MAX_FINE_GRAY_ROWS = 0
    start = time.process_time()
    results = compare.compare_arms(times)
    print(f"compare_arms  {time.process_time() - start:6.2f} s CPU, peak {_peak_mb():6.0f} MB")
    models = results["arms_models"]
    print(models.table[["comparison", "model", "HR", "HR_low", "HR_high"]].to_string())
    for note in models.notes[4:]:
        print(note)
    if args.csv is not None:
        analysed = times.loc[times["excluded"].isna()]
        columns = ["participant_id", "arm", "months", "status", *COVARIATES]
        analysed.loc[:, columns].to_csv(args.csv, index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
