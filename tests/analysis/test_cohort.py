"""The Cohort facade and follicle.load: delegation, caching, order, sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import follicle
from follicle.analysis.cohort import Cohort
from follicle.analysis.result import Result
from follicle.errors import WorkbookInvalid
from follicle.workbook import seed
from follicle.workbook.frames import Workbook
from follicle.workbook.validate import load_workbook

from .conftest import SMALL

PART1 = (
    "table1",
    "menstrual_transitions",
    "pregnancy",
    "figure1",
    "table2",
    "figure2",
    "table3",
    "baby_outcomes",
)
PART2 = (
    "intervals",
    "two_by_two",
    "icmart",
    "time_to_pregnancy",
    "figure_time_to_pregnancy",
    "regression",
    "figure_forest",
    "safety",
    "por_classification",
    "benchmarks",
    "audit",
)
ARMS = (
    "arms_table1",
    "arms_incidence",
    "figure_arms_incidence",
    "arms_models",
    "figure_arms_forest",
    "arms_balance",
)


def test_results_are_part1_then_part2_in_report_order(small: Cohort) -> None:
    results = small.results()
    assert tuple(results) == (*PART1, *PART2, "arms_table1")  # one arm: not compared
    assert all(isinstance(r, Result) and r.name == name for name, r in results.items())
    assert all(r.title and r.notes and not r.label for r in results.values())
    assert small.parts() == {
        "Reproduction of the published analysis": PART1,
        "Beyond the paper": PART2,
        "Comparison of arms": ("arms_table1",),
    }


def test_each_result_is_computed_once(small: Cohort) -> None:
    assert small.result("audit") is small.result("audit")
    assert small.results()["intervals"] is small.result("intervals")


def test_interval_method_and_level_reach_part2(small: Cohort) -> None:
    exact = Cohort(small.workbook, ci="clopper-pearson", level=0.9)
    wilson = small.result("icmart").values
    assert any("Clopper" in note for note in exact.result("icmart").notes)
    assert any("Wilson" in note for note in small.result("icmart").notes)
    changed = [
        k for k, v in exact.result("icmart").values.items() if k.endswith(".low") and v != wilson[k]
    ]
    assert changed
    with pytest.raises(ValueError, match="ci must be one of"):
        Cohort(small.workbook, ci="wald")
    with pytest.raises(ValueError, match="level"):
        Cohort(small.workbook, level=95)


TABLE_METHODS = {
    "table1": "table1",
    "menstrual_transitions": "menstrual_transitions",
    "pregnancy_outcomes": "pregnancy",
    "figure1_data": "figure1",
    "table2": "table2",
    "figure2_data": "figure2",
    "table3": "table3",
    "baby_outcomes": "baby_outcomes",
    "intervals": "intervals",
    "two_by_two": "two_by_two",
    "icmart_rates": "icmart",
    "time_to_pregnancy": "time_to_pregnancy",
    "regression": "regression",
    "safety": "safety",
    "por_classification": "por_classification",
    "benchmarks": "benchmarks",
    "audit": "audit",
}


@pytest.mark.parametrize("method", list(TABLE_METHODS))
def test_table_methods_return_dataframes_carrying_the_result(small: Cohort, method: str) -> None:
    frame = getattr(small, method)()
    result = small.result(TABLE_METHODS[method])
    assert isinstance(frame, pd.DataFrame)
    pd.testing.assert_frame_equal(frame, result.table)
    assert frame.attrs["name"] == result.name == TABLE_METHODS[method]
    assert (frame.attrs["label"], frame.attrs["title"]) == (result.label, result.title)
    assert frame.attrs["notes"] == list(result.notes)
    assert frame.attrs["values"] == pytest.approx(dict(result.values), nan_ok=True)


def test_the_documented_notebook_example_works(seed_cohort: Cohort) -> None:
    p = seed_cohort.table2().attrs["values"]["age.p"]
    assert p == pytest.approx(0.1189, abs=5e-5)
    assert p == seed_cohort.results()["table2"].values["age.p"]


def test_a_returned_frame_is_a_copy(small: Cohort) -> None:
    frame = small.table1()
    frame.attrs["values"]["n_women"] = -1
    frame.loc[0, "n"] = -1
    assert small.table1().attrs["values"]["n_women"] == 4
    assert small.result("table1").values["n_women"] == 4


def test_result_gives_one_result_by_name(small: Cohort) -> None:
    for name, result in small.results().items():
        assert small.result(name).name == name
        assert small.result(name).values == pytest.approx(dict(result.values), nan_ok=True)
    with pytest.raises(KeyError, match="table1, menstrual_transitions"):
        small.result("table4")


def test_every_value_is_a_plain_number_string_or_none(generated: Cohort) -> None:
    for result in generated.results().values():
        for name, value in result.values.items():
            assert value is None or type(value) in (int, float, str), (result.name, name)


def test_derived_frames_are_cached(small: Cohort) -> None:
    assert small.women is small.women
    assert small.pregnancies is small.pregnancies
    assert small.excluded is small.excluded


def test_methods_delegate_to_the_functions(small: Cohort) -> None:
    assert small.result("table1").values["n_women"] == len(small.women)
    assert small.pregnancy_rate().loc[0, "n"] == 3
    assert list(small.pregnancy_rate(by="age_group")["group"]) == ["<35", "≥35"]
    assert "Cohort of 4 treated women" in repr(small)


def test_load_reads_a_folder_or_a_path(tmp_path: Path) -> None:
    for source in (SMALL, str(SMALL)):
        cohort = follicle.load(source)
        assert isinstance(cohort, Cohort)
        assert len(cohort.women) == 4
    assert len(Cohort.from_path(SMALL).pregnancies) == 4


def test_load_refuses_an_invalid_workbook(tmp_path: Path) -> None:
    with pytest.raises(WorkbookInvalid):
        follicle.load(tmp_path / "missing")


def test_load_reads_the_registry_by_url(tmp_path: Path, small: Cohort) -> None:
    from follicle.store.engine import ensure_schema, make_engine
    from follicle.store.importing.importer import import_workbook

    url = f"sqlite:///{tmp_path / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_workbook(engine, small.workbook)
    engine.dispose()
    from_db = follicle.load(url)
    for name, result in small.results().items():
        assert from_db.results()[name].values == pytest.approx(dict(result.values), nan_ok=True)
    pd.testing.assert_frame_equal(from_db.women, small.women)


def test_the_package_exposes_its_api() -> None:
    assert follicle.__version__ == "0.1.0"
    assert set(follicle.__all__) == {"Cohort", "Result", "__version__", "load"}
    assert follicle.Cohort is Cohort
    assert follicle.Result is Result
    with pytest.raises(AttributeError):
        _ = follicle.no_such_thing


@pytest.mark.parametrize(
    "name", ["figure1", "figure2", "figure_time_to_pregnancy", "figure_forest"]
)
def test_figures_are_matplotlib_figures(small: Cohort, name: str) -> None:
    # Every figure result has its drawing method of the same name (the report relies on it).
    assert small.result(name).name == name
    assert isinstance(getattr(small, name)(), Figure)


def test_a_cohort_without_pregnancies_gives_every_result(small: Cohort) -> None:
    frames = dict(small.workbook.frames)
    for name in ("pregnancies", "infants", "infant_conditions", "ivf_cycles"):
        frames[name] = frames[name].iloc[:0]
    frames["conditions"] = frames["conditions"].iloc[:0]
    cohort = Cohort(Workbook(frames))
    results = cohort.results()
    assert results["pregnancy"].values["women_pregnant.n"] == 0
    assert results["table2"].values["age.chi2"] is None  # the pregnant column is empty
    assert results["figure1"].values["month_max"] is None
    assert results["figure2"].values["n"] == 0
    assert results["baby_outcomes"].values["infants"] == 0
    assert results["time_to_pregnancy"].values["events"] == 0
    assert results["regression"].values["parameters"] is None
    for name in ("figure1", "figure2", "figure_time_to_pregnancy", "figure_forest"):
        assert isinstance(getattr(cohort, name)(), Figure)


def test_compare_arms_returns_frames_of_every_result(arms_cohort: Cohort) -> None:
    frames = arms_cohort.compare_arms()
    assert list(frames) == list(ARMS)
    assert tuple(arms_cohort.results())[-len(ARMS) :] == ARMS
    assert arms_cohort.parts()["Comparison of arms"] == ARMS
    models = frames["arms_models"]
    assert isinstance(models, pd.DataFrame)
    assert set(models["arm_id"]) == {"MenSC", "PRP"}
    assert models.attrs["values"]["mensc.cs_adjusted.hr"] == pytest.approx(
        models.loc[
            (models["arm_id"] == "MenSC") & (models["model_id"] == "cs_adjusted"), "HR"
        ].iloc[0]
    )
    att = arms_cohort.compare_arms(estimand="ATT")["arms_models"]
    assert att["model"].str.contains("ATT").any()
    with pytest.raises(ValueError, match="ATE or ATT"):
        arms_cohort.compare_arms(estimand="ATO")


def test_a_single_arm_cohort_says_the_comparison_was_not_made(small: Cohort) -> None:
    frames = small.compare_arms()
    assert list(frames) == ["arms_table1"]
    assert "was not made" in frames["arms_table1"].attrs["notes"][0]
    assert small.arm_times["excluded"].isna().sum() == len(small.women)


def test_table1_by_a_group_can_print_medians() -> None:
    """``cohort.table1(by=, statistic="median")`` reaches ``table1_by``'s median rows."""
    cohort = Cohort(load_workbook(seed.path()))
    frame = cohort.table1(by="age_group", statistic="median")
    assert "Overall.median" in frame.columns
    assert "Overall.mean" not in frame.columns
    overall = frame.attrs["values"]["age.Overall.median"]
    assert frame["Overall.median"].iloc[0] == overall


def test_the_reports_table1_by_prints_what_statistic_chooses() -> None:
    """``Cohort(by=…, statistic="median")`` (``follicle report --continuous median``) gives
    the report's ``table1_by`` the median rows of ``cohort.table1(by=…, statistic=…)``."""
    workbook = load_workbook(seed.path())
    median = Cohort(workbook, by="age_group", statistic="median").result("table1_by")
    direct = Cohort(workbook).table1(by="age_group", statistic="median")
    pd.testing.assert_frame_equal(median.table, direct, check_like=False)
    mean = Cohort(workbook, by="age_group").result("table1_by")
    assert "Overall.mean" in mean.table.columns
    assert "Overall.median" not in mean.table.columns


def test_an_unknown_statistic_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'mode'"):
        Cohort(load_workbook(seed.path()), by="site", statistic="mode")  # type: ignore[arg-type]
