"""Write the inputs of the regression's R fixtures (``tests/analysis/r/regression/inputs``).

Three cases, each as raw rows from which R derives the model's variables on its own:

* ``seed`` — the bundled seed cohort (AMH and AFC recorded for 96 of 105 women: both enter
  the model, fitted on the complete cases);
* ``generated`` — the generated cohort of ``tests/analysis/cohorts.py`` (baseline amenorrhea,
  three injections; no AMH or AFC);
* ``generated_markers`` — the generated cohort with AMH and AFC set here by
  :func:`with_markers`, deterministically: AMH recorded for about 90 % of the women (in the
  model), AFC for about 60 % (left out by the 80 % rule).

Files per case: ``participants_{case}.csv`` (``participant_id``, ``birth_date``,
``menses_baseline``, ``amh_ng_ml``, ``afc``; every enrolled woman, treated or not),
``injections_{case}.csv`` and ``pregnancies_{case}.csv`` (``participant_id`` and the date).
Regenerate from the repository root::

    .venv/bin/python tests/analysis/r/regression/make_inputs.py
    Rscript tests/analysis/r/regression/fixtures.R
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script, the tests package is not found
    sys.path.insert(0, str(HERE.parents[2]))
from analysis.r.make_inputs import cohort_workbook, dates_as_text  # noqa: E402

INPUTS = HERE / "inputs"
CASES = ("seed", "generated", "generated_markers")
#: Seed of the AMH and AFC values of ``generated_markers``.
MARKER_SEED = 20251126
PARTICIPANT_COLUMNS = ("participant_id", "birth_date", "menses_baseline", "amh_ng_ml", "afc")


def with_markers(participants: pd.DataFrame) -> pd.DataFrame:
    """``participants`` with deterministic AMH (ng/mL, ~90 % recorded) and AFC (~60 %).

    AMH is log-normal around 1 ng/mL, rounded to 0.01; AFC is 0–14 follicles. The values
    depend only on each row's position, so the same frame always gets the same markers.
    """
    rng = np.random.default_rng(MARKER_SEED)
    n = len(participants)
    amh = np.round(rng.lognormal(0.0, 0.7, n), 2)
    afc = rng.integers(0, 15, n)
    out = participants.copy()
    out["amh_ng_ml"] = pd.array(np.where(rng.random(n) < 0.9, amh, np.nan), dtype="Float64")
    out["afc"] = pd.Series(afc, index=out.index, dtype="Int64").where(rng.random(n) < 0.6)
    return out


def case_frames(case: str, scratch: Path) -> dict[str, pd.DataFrame]:
    """The analysis inputs of one case: women (frame.women) and the participants table."""
    from follicle.analysis import frame

    workbook = cohort_workbook(case, scratch)
    participants = workbook["participants"]
    if case == "generated_markers":
        participants = with_markers(participants)
    return {
        "women": frame.women(workbook),
        "participants": participants,
        "injections": workbook["injections"],
        "pregnancies": workbook["pregnancies"],
    }


def case_inputs(case: str, scratch: Path) -> dict[str, pd.DataFrame]:
    """The input files of one case, by file name."""
    frames = case_frames(case, scratch)
    injections = frames["injections"].loc[:, ["participant_id", "injection_date"]]
    pregnancies = frames["pregnancies"].loc[:, ["participant_id", "conception_date"]]
    return {
        f"participants_{case}.csv": dates_as_text(
            frames["participants"].loc[:, list(PARTICIPANT_COLUMNS)]
        ),
        f"injections_{case}.csv": dates_as_text(
            injections.sort_values(["participant_id", "injection_date"], ignore_index=True)
        ),
        f"pregnancies_{case}.csv": dates_as_text(
            pregnancies.sort_values(["participant_id", "conception_date"], ignore_index=True)
        ),
    }


def all_inputs(scratch: Path) -> dict[str, pd.DataFrame]:
    """Every input file's frame, by file name."""
    frames: dict[str, pd.DataFrame] = {}
    for case in CASES:
        frames |= case_inputs(case, scratch)
    return frames


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of an input frame (LF line ends, no index)."""
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> None:
    """Write every input file into ``inputs/``."""
    INPUTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, frame in all_inputs(Path(scratch)).items():
            (INPUTS / name).write_text(csv_text(frame), encoding="utf-8")


if __name__ == "__main__":
    main()
