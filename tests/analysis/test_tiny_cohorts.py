"""Cohorts of no and of one treated woman: every result, figure and the report still work.

An empty workbook, one with only enrolled (untreated) women, and one-woman cohorts with and
without a pregnancy. Nothing may crash or warn (pytest turns warnings into errors): tables
show zero counts, tests that cannot be computed are ``None``, and figures with nothing to
plot are empty axes that say "No pregnancies".
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from follicle.analysis.cohort import Cohort
from follicle.analysis.figures import NO_DATA
from follicle.analysis.result import FRAME_ATTRS
from follicle.report.build import build_report
from follicle.report.tables import from_result
from follicle.workbook.frames import Workbook
from follicle.workbook.keys import lookup

TABLE_METHODS = (
    "table1",
    "menstrual_transitions",
    "pregnancy_outcomes",
    "table2",
    "table3",
    "baby_outcomes",
    "figure1_data",
    "figure2_data",
)

PARTICIPANT = {
    "participant_id": ["P1"],
    "site": ["North"],
    "birth_date": ["1981-03-02"],
    "consent_date": ["2018-07-20"],
    "menses_baseline": ["regular"],
}
INJECTION = {"participant_id": ["P1"], "injection_date": ["2018-08-04"]}
CONTACT = {
    "participant_id": ["P1"],
    "contact_date": ["2022-02-01"],
    "mode": ["phone"],
    "milestone": ["final"],
    "menses": ["regular"],
}
PREGNANCY = {
    "pregnancy_id": ["G1"],
    "participant_id": ["P1"],
    "conception_date": ["2019-01-10"],
    "mode": ["spontaneous"],
    "fetuses": ["1"],
    "outcome": ["live_birth"],
    "outcome_date": ["2019-10-01"],
}
INFANT = {"infant_id": ["B1"], "pregnancy_id": ["G1"], "birth_date": ["2019-10-01"]}


def _workbook(**tables: dict[str, list[str]]) -> Workbook:
    return Workbook.from_frames({name: pd.DataFrame(rows) for name, rows in tables.items()})


COHORTS = {
    "empty": {},
    "only_untreated": {"participants": PARTICIPANT},
    "one_woman": {"participants": PARTICIPANT, "injections": INJECTION, "contacts": CONTACT},
    "one_pregnant_woman": {
        "participants": PARTICIPANT,
        "injections": INJECTION,
        "contacts": CONTACT,
        "pregnancies": PREGNANCY,
        "infants": INFANT,
    },
    # A maternal condition of a woman who is not treated: table3 looks her up by woman.
    "untreated_with_condition": {
        "participants": PARTICIPANT,
        "conditions": {
            "participant_id": ["P1"],
            "condition": ["ovarian_cyst"],
            "diagnosis_date": ["2018-09-01"],
        },
    },
}


@pytest.fixture(params=list(COHORTS))
def tiny(request: pytest.FixtureRequest) -> Cohort:
    return Cohort(_workbook(**COHORTS[request.param]))


def test_every_result_and_table_method_works(tiny: Cohort) -> None:
    results = tiny.results()
    assert tuple(results) == tuple(name for part in tiny.parts().values() for name in part)
    assert len(results) == 20  # 19 of the paper and beyond; one arm at most: not compared
    for result in results.values():
        from_result(result)  # printable
        from_result(result, combine=False)
    for method in TABLE_METHODS:
        frame = getattr(tiny, method)()
        assert isinstance(frame, pd.DataFrame)
        assert set(frame.attrs) == set(FRAME_ATTRS)


def test_every_figure_draws(tiny: Cohort) -> None:
    for name in (
        "figure1",
        "figure2",
        "figure_time_to_pregnancy",
        "figure_forest",
    ):
        assert isinstance(getattr(tiny, name)(), Figure)


def test_the_whole_report_builds(tiny: Cohort, tmp_path: Path) -> None:
    paths = build_report(tiny, tmp_path)
    for path in paths.all():
        assert path.is_file()
    document = json.loads(paths.results_json.read_text(encoding="utf-8"))
    assert list(document["results"]) == list(tiny.results())


@pytest.mark.parametrize("name", ["empty", "only_untreated", "untreated_with_condition"])
def test_no_treated_woman_gives_zero_counts_and_no_tests(name: str) -> None:
    cohort = Cohort(_workbook(**COHORTS[name]))
    results = cohort.results()
    assert results["table1"].values["n_women"] == 0
    assert results["table1"].values["injection_period_start"] is None
    table3 = results["table3"]
    assert table3.values["maternal.total"] == 0
    assert (table3.table["n"] == 0).all()
    assert table3.values["maternal.ovarian_cyst.n"] == 0  # her condition is not counted
    for factor in ("age", "menses", "injections"):
        assert results["table2"].values[f"{factor}.p"] is None
        assert results["table2"].values[f"{factor}.chi2"] is None
    assert results["pregnancy"].values["pregnancies"] == 0
    assert results["baby_outcomes"].values["infants"] == 0


def test_one_woman_is_counted_in_the_singular() -> None:
    cohort = Cohort(_workbook(**COHORTS["one_woman"]))
    table1 = cohort.result("table1")
    assert table1.values["n_women"] == 1
    assert table1.notes[0] == "N = 1 treated woman."
    given = table1.table.loc[table1.table["characteristic"] == "Injections given", "level"]
    assert list(given) == ["Aug 2018"]  # one month, not "Aug 2018 – Aug 2018"
    assert cohort.result("table2").values["age.p"] is None  # a margin is zero
    untreated = dict(COHORTS["one_woman"])
    untreated["participants"] = {k: [*v, v[0] + "x" if k == "participant_id" else v[0]]
                                 for k, v in PARTICIPANT.items()}  # fmt: skip
    notes = Cohort(_workbook(**untreated)).result("table1").notes
    assert notes[0] == "N = 1 treated woman; 1 enrolled woman with no injection left out."


@pytest.mark.parametrize("name", ["empty", "one_woman"])
def test_a_figure_with_no_pregnancy_is_empty_axes_with_a_note(name: str) -> None:
    cohort = Cohort(_workbook(**COHORTS[name]))
    for figure in (cohort.figure1(), cohort.figure2()):
        ax = figure.axes[0]
        assert [t.get_text() for t in ax.texts] == [NO_DATA]
        assert not ax.patches or all(p.get_height() == 0 for p in ax.patches)
        assert not ax.collections
        assert ax.get_legend() is None
        assert list(ax.get_xticks()) == list(ax.get_yticks()) == []  # no scale to read
        assert ax.get_ylabel()


def test_an_empty_cohort_still_shows_the_papers_rows() -> None:
    cohort = Cohort(_workbook())
    transitions = cohort.menstrual_transitions()
    assert list(transitions["menses_baseline"]) == ["regular", "irregular"]
    assert list(transitions["total"]) == [0, 0]
    table1 = cohort.table1()
    given = table1.loc[table1["characteristic"] == "Injections given", "level"]
    assert list(given) == ["no injections"]


def test_a_figure_with_a_pregnancy_has_no_note() -> None:
    cohort = Cohort(_workbook(**COHORTS["one_pregnant_woman"]))
    for figure in (cohort.figure1(), cohort.figure2()):
        assert not figure.axes[0].texts


def test_lookup_keeps_the_dtype_of_an_empty_table() -> None:
    dates = pd.Series([], dtype="datetime64[ns]", index=pd.Index([], dtype="string"))
    keys = pd.Series(["P1", "P2"], dtype="string", index=[5, 7])
    found = lookup(keys, dates)
    assert found.dtype == "datetime64[ns]"
    assert list(found.index) == [5, 7]
    assert found.isna().all()
    full = pd.Series(pd.to_datetime(["2020-01-01"]), index=pd.Index(["P2"], dtype="string"))
    assert list(lookup(keys, full)) == [pd.NaT, pd.Timestamp("2020-01-01")]
