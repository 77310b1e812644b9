"""A small version of the arms simulation study (bench/arms_simulation.py) runs in CI.

Three cohorts cannot measure coverage; they check that the one command runs end to end
and writes its page, and that the bias it is there to show is visible: the crude hazard
ratio, confounded by age and AMH, is further from the truth than the adjusted one.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _study() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "arms_simulation", ROOT / "bench" / "arms_simulation.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_study_runs_and_writes_its_page(tmp_path: Path) -> None:
    study = _study()
    out = tmp_path / "simulation.md"
    study.main(["--cohorts", "2", "--women", "300", "--truth-women", "5000", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "--cohorts 2 --women 300" in text
    for label in study.LABELS.values():
        assert text.count(f"| {label} |") == 2  # MenSC and PRP


def test_the_crude_estimate_is_confounded_and_the_adjusted_is_not() -> None:
    study = _study()
    estimates = study.run(cohorts=3, women=600, seed=7)
    mean = estimates.groupby("model")["log_hr"].mean()
    truth = math.log(1.5)
    assert abs(mean["cs_crude"] - truth) > 0.1
    assert abs(mean["cs_adjusted"] - truth) < abs(mean["cs_crude"] - truth) / 2
