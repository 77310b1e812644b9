"""Benchmarks: the published figures as data, the cohort's rates and the binomial tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from follicle.analysis.benchmarks import (
    FIELDS,
    MEASURES,
    NOT_CONFIRMED,
    benchmarks,
    cohort_rates,
    load_benchmarks,
)
from follicle.analysis.cohort import Cohort
from follicle.analysis.result import COHORT_NOTE
from follicle.report.tables import from_result


def test_the_bundled_benchmarks_are_complete_and_flagged() -> None:
    bench = load_benchmarks()
    assert list(bench.columns) == list(FIELDS)
    assert set(bench["measure"]) == set(MEASURES)
    assert bench["value"].between(0, 1, inclusive="neither").all()
    published_ci = bench["ci_low"].notna()
    assert (bench.loc[published_ci, "ci_low"] < bench.loc[published_ci, "value"]).all()
    assert (bench.loc[published_ci, "value"] < bench.loc[published_ci, "ci_high"]).all()
    # every figure the seed quotes that could not be found is flagged
    assert not bench.loc[bench["id"] == "vahabi_dastjerdi_2024", "confirmed"].any()
    assert bench.loc[bench["confirmed"] == False, "quoted_by_seed"].all()  # noqa: E712


def _write(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"benchmarks": entries}), encoding="utf-8")
    return path


def _entry(**changes: object) -> dict[str, object]:
    entry = load_benchmarks().iloc[0].to_dict()
    entry["denominator"] = int(entry["denominator"])
    return entry | changes


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"id": "x"}], "lack the fields"),
        ([_entry(measure="biochemical_pregnancy")], "unknown benchmark measures"),
        ([_entry(value=7.0)], "strictly between 0 and 1"),
        ([_entry(), _entry()], "repeated"),
    ],
)
def test_a_malformed_benchmark_file_is_refused(
    tmp_path: Path, entries: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_benchmarks(_write(tmp_path, entries))


def test_the_cohort_rates_follow_their_definitions(generated: Cohort) -> None:
    women, pregnancies = generated.women, generated.pregnancies
    rates = cohort_rates(women, pregnancies)
    live = pregnancies.groupby("participant_id")["live_birth"].any()
    assert rates["live_birth"].n == int(live.sum())
    assert rates["live_birth"].total == len(women)
    treated = women["ivf_treated"].fillna(False)
    assert rates["ivf_pregnancy"].total == int(treated.sum())
    assert rates["ivf_pregnancy"].n == int((women["pregnant_ivf"] & treated).sum())
    assert rates["spontaneous_pregnancy"].n == int(women["pregnant_spontaneous"].sum())


def test_each_benchmark_gets_a_row_a_test_and_its_footnote(generated: Cohort) -> None:
    result = benchmarks(generated.women, generated.pregnancies)
    bench = load_benchmarks()
    assert len(result.table) == len(bench)
    confirmed = result.table.set_index("key")["confirmed"]
    expected = {f"{m}.{i}": bool(c) for m, i, c in bench[["measure", "id", "confirmed"]].values}
    assert confirmed.to_dict() == expected
    assert any(NOT_CONFIRMED in note for note in result.notes)
    first = ~result.table["measure"].duplicated()
    for row in result.table.loc[first].itertuples(index=False):
        measure = row.key.split(".")[0]
        assert (row.n, row.pct) == (result.values[f"{measure}.n"], result.values[f"{measure}.pct"])
        assert row.low == result.values[f"{measure}.low"]
    assert result.table.loc[~first, "n"].isna().all()
    printed = from_result(result)
    assert printed.title.startswith("Pregnancy and live-birth rates beside")
    assert printed.columns[:4] == ("Measure", "n/N (%)", "95% CI", "Published % (95% CI)")
    for m, i, value in bench[["measure", "id", "value"]].itertuples(index=False):
        assert 0 <= result.values[f"{m}.{i}.p"] <= 1  # type: ignore[operator]
        assert result.values[f"{m}.{i}.value"] == pytest.approx(100 * value)
        assert result.values[f"{m}.{i}.difference"] == pytest.approx(
            result.values[f"{m}.pct"] - 100 * value  # type: ignore[operator]
        )
    assert any("cross-study" in note for note in result.notes)
    for name, value in result.values.items():
        assert value is None or type(value) in (int, float, str), name


def test_an_empty_denominator_gets_no_test(seed_cohort: Cohort) -> None:
    women = seed_cohort.women.assign(ivf_treated=pd.array([False] * len(seed_cohort.women)))
    pregnancies = seed_cohort.pregnancies.loc[seed_cohort.pregnancies["mode"] != "ivf"]
    result = benchmarks(women, pregnancies)
    assert result.values["ivf_pregnancy.total"] == 0
    assert result.values["ivf_pregnancy.wu_2024.p"] is None
    assert any(n.startswith(COHORT_NOTE) and "ivf pregnancy" in n for n in result.notes)


def test_a_given_benchmark_table_and_method_are_used(seed_cohort: Cohort) -> None:
    one = load_benchmarks().iloc[[0]]
    result = benchmarks(
        seed_cohort.women, seed_cohort.pregnancies, published=one, method="clopper-pearson"
    )
    assert len(result.table) == 1
    assert any("Clopper–Pearson" in n for n in result.notes)
