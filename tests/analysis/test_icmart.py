"""ICMART live-birth rates beside the published ones (R agreement: test_r_safety.py)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.icmart import RATES, icmart_rates, live_birth_counts
from follicle.analysis.result import COHORT_NOTE, Result
from follicle.workbook.frames import Workbook

RATE_NAMES = [name for name, _, _, _ in RATES]


def _woman(pid: str) -> dict[str, str]:
    return {
        "participant_id": pid,
        "site": "North",
        "birth_date": "1981-03-02",
        "consent_date": "2018-07-20",
        "menses_baseline": "regular",
    }


def _pregnancy(
    gid: str, pid: str, conceived: str, outcome: str, ended: str = "", fetuses: str = "1"
) -> dict[str, str]:
    return {
        "pregnancy_id": gid,
        "participant_id": pid,
        "conception_date": conceived,
        "mode": "spontaneous",
        "fetuses": fetuses,
        "outcome": outcome,
        "outcome_date": ended,
    }


def _infant(iid: str, gid: str, born: str, died: str = "") -> dict[str, str]:
    return {"infant_id": iid, "pregnancy_id": gid, "birth_date": born, "death_date": died}


def tiny_cohort(
    women: list[str],
    pregnancies: list[dict[str, str]] | None = None,
    infants: list[dict[str, str]] | None = None,
    **tables: list[dict[str, str]],
) -> Cohort:
    """Women treated on 2018-08-04 and followed to 2023-02-01, with the given rows."""
    frames = {
        "participants": pd.DataFrame([_woman(p) for p in women], columns=list(_woman("x"))),
        "injections": pd.DataFrame(
            {"participant_id": women, "injection_date": "2018-08-04"},
            columns=["participant_id", "injection_date"],
        ),
        "contacts": pd.DataFrame(
            {"participant_id": women, "contact_date": "2023-02-01", "mode": "phone"},
            columns=["participant_id", "contact_date", "mode"],
        ),
        "pregnancies": pd.DataFrame(pregnancies or [], columns=list(_pregnancy("", "", "", ""))),
        "infants": pd.DataFrame(infants or [], columns=list(_infant("", "", ""))),
    }
    frames |= {name: pd.DataFrame(rows) for name, rows in tables.items()}
    return Cohort(Workbook.from_frames(frames))


def _icmart(cohort: Cohort, **kwargs: Any) -> Result:
    return icmart_rates(cohort.women, cohort.pregnancies, **kwargs)


def test_seed_cohort_gives_the_icmart_and_the_published_figures(seed_cohort: Cohort) -> None:
    values = _icmart(seed_cohort).values
    assert values["live_birth_deliveries"] == 31
    assert values["infants_born_alive"] == 32
    assert (values["live_birth_delivery_rate.n"], values["live_birth_delivery_rate.total"]) == (
        31,
        105,
    )
    assert round(values["live_birth_delivery_rate.pct"], 2) == 29.52
    assert round(values["live_birth_deliveries_per_pregnancy.pct"], 2) == 72.09
    assert round(values["published_live_birth_rate_per_woman.pct"], 2) == 30.48
    assert round(values["published_live_birth_rate_per_pregnancy.pct"], 2) == 74.42
    assert (values["miscarriage_per_pregnancy.n"], values["miscarriage_per_pregnancy.total"]) == (
        12,
        43,
    )
    assert values["cumulative_live_birth_rate.pct"] == values["live_birth_delivery_rate.pct"]


def test_the_published_rates_equal_part_1s_baby_outcomes(
    seed_cohort: Cohort, generated: Cohort
) -> None:
    for cohort in (seed_cohort, generated):
        ours = _icmart(cohort).values
        baby = cohort.result("baby_outcomes").values
        for mine, theirs in (
            ("published_live_birth_rate_per_woman", "live_birth_rate_per_treatment_cycle"),
            ("published_live_birth_rate_per_pregnancy", "live_birth_rate_per_pregnancy"),
        ):
            for part in ("n", "total", "pct"):
                assert ours[f"{mine}.{part}"] == baby[f"{theirs}.{part}"]
        assert ours["live_birth_deliveries"] == baby["live_birth_pregnancies"]


def test_every_rate_has_a_count_item_with_its_interval_and_a_footnote(
    seed_cohort: Cohort,
) -> None:
    result = _icmart(seed_cohort)
    for name in RATE_NAMES:
        for part in ("n", "total", "pct", "low", "high"):
            assert f"{name}.{part}" in result.values
        assert result.values[f"{name}.low"] <= result.values[f"{name}.pct"]
        assert result.values[f"{name}.pct"] <= result.values[f"{name}.high"]
    rates = result.table.loc[result.table["footnote"].ne("")]
    assert list(rates["footnote"]) == list("abcdef")
    for marker in rates["footnote"]:
        assert sum(note.startswith(f"({marker}) ") for note in result.notes) == 1
    assert list(dict.fromkeys(result.table["basis"])) == ["ICMART definitions", "As published"]
    published = result.table.loc[result.table["basis"].eq("As published"), "item"]
    assert published.iloc[:2].str.endswith("as published").all()
    assert published.iloc[2] == "Infants born alive"


def test_the_method_changes_the_intervals_and_is_named(seed_cohort: Cohort) -> None:
    wilson = _icmart(seed_cohort)
    exact = _icmart(seed_cohort, method="clopper-pearson")
    name = "live_birth_delivery_rate"
    assert wilson.values[f"{name}.low"] != exact.values[f"{name}.low"]
    assert any("prop.test" in n for n in wilson.notes)
    assert any("binom.test" in n for n in exact.notes)
    with pytest.raises(ValueError, match="interval method"):
        _icmart(seed_cohort, method="wald")


def test_a_single_episode_cohort_says_per_woman_and_cumulative_coincide(
    seed_cohort: Cohort,
) -> None:
    notes = [n for n in _icmart(seed_cohort).notes if n.startswith(COHORT_NOTE)]
    assert any("coincide" in n for n in notes)


def test_twins_are_one_delivery_and_two_infants() -> None:
    cohort = tiny_cohort(
        ["P1"],
        [_pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20", fetuses="2")],
        [_infant("B1", "G1", "2019-09-20"), _infant("B2", "G1", "2019-09-20")],
    )
    values = _icmart(cohort).values
    assert values["live_birth_deliveries"] == 1
    assert values["infants_born_alive"] == 2
    assert values["live_birth_delivery_rate.pct"] == 100.0
    assert values["live_birth_deliveries_per_pregnancy.pct"] == 100.0
    # 2 infants of 1 woman: 200 %, and no binomial interval exists.
    assert values["published_live_birth_rate_per_woman.pct"] == 200.0
    assert math.isnan(values["published_live_birth_rate_per_woman.low"])
    assert math.isnan(values["published_live_birth_rate_per_pregnancy.high"])


def test_a_stillborn_and_a_live_twin_are_one_live_birth_delivery_and_one_infant() -> None:
    cohort = tiny_cohort(
        ["P1", "P2"],
        [_pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20", fetuses="2")],
        [_infant("B1", "G1", "2019-09-20")],
    )
    values = _icmart(cohort).values
    assert (values["live_birth_deliveries"], values["infants_born_alive"]) == (1, 1)
    assert values["published_live_birth_rate_per_woman.pct"] == 50.0
    assert values["live_birth_delivery_rate.pct"] == 50.0


def test_unrecorded_infants_of_a_live_birth_are_its_fetuses() -> None:
    cohort = tiny_cohort(
        ["P1", "P2", "P3"],
        [_pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20", fetuses="2")],
    )
    values = _icmart(cohort).values
    assert (values["live_birth_deliveries"], values["infants_born_alive"]) == (1, 2)


def test_a_woman_with_two_deliveries_counts_twice_per_woman_once_cumulatively() -> None:
    cohort = tiny_cohort(
        ["P1", "P2"],
        [
            _pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20"),
            _pregnancy("G2", "P1", "2020-06-01", "live_birth", "2021-02-20"),
        ],
        [_infant("B1", "G1", "2019-09-20"), _infant("B2", "G2", "2021-02-20")],
    )
    result = _icmart(cohort)
    values = result.values
    assert (values["live_birth_delivery_rate.n"], values["live_birth_delivery_rate.total"]) == (
        2,
        2,
    )
    assert (values["cumulative_live_birth_rate.n"], values["cumulative_live_birth_rate.total"]) == (
        1,
        2,
    )
    assert values["women_with_repeat_live_birth_delivery"] == 1
    assert not any("coincide" in n for n in result.notes)
    assert any("1 woman had two or more live-birth deliveries" in n for n in result.notes)


def test_ongoing_pregnancies_leave_the_icmart_denominators_not_the_published_one() -> None:
    cohort = tiny_cohort(
        ["P1", "P2"],
        [
            _pregnancy("G1", "P1", "2019-01-10", "miscarriage", "2019-03-01"),
            _pregnancy("G2", "P2", "2022-11-01", "ongoing"),
        ],
    )
    result = _icmart(cohort)
    values = result.values
    assert values["miscarriage_per_pregnancy.total"] == 1
    assert values["miscarriage_per_pregnancy.pct"] == 100.0
    assert values["live_birth_deliveries_per_pregnancy.total"] == 1
    assert values["published_live_birth_rate_per_pregnancy.total"] == 2
    assert any("ongoing or of unknown outcome" in n for n in result.notes)


def test_ectopic_pregnancies_stay_in_the_per_pregnancy_denominator() -> None:
    cohort = tiny_cohort(
        ["P1"],
        [
            _pregnancy("G1", "P1", "2019-01-10", "ectopic", "2019-02-20"),
            _pregnancy("G2", "P1", "2019-06-01", "live_birth", "2020-02-20"),
        ],
        [_infant("B1", "G2", "2020-02-20")],
    )
    values = _icmart(cohort).values
    assert values["live_birth_deliveries_per_pregnancy.total"] == 2
    assert values["live_birth_deliveries_per_pregnancy.pct"] == 50.0


def test_no_pregnancies_gives_zero_rates_and_undefined_per_pregnancy_rates() -> None:
    values = _icmart(tiny_cohort(["P1", "P2", "P3"])).values
    assert values["live_birth_delivery_rate.pct"] == 0.0
    assert values["live_birth_delivery_rate.low"] == 0.0
    assert 0 < values["live_birth_delivery_rate.high"] < 100
    for name in ("live_birth_deliveries_per_pregnancy", "miscarriage_per_pregnancy"):
        assert values[f"{name}.total"] == 0
        assert math.isnan(values[f"{name}.pct"])
        assert math.isnan(values[f"{name}.low"])


def test_an_empty_cohort_gives_every_name_and_no_warning() -> None:
    cohort = Cohort(Workbook.from_frames({}))
    result = _icmart(cohort)
    assert result.values["women"] == 0
    for name in RATE_NAMES:
        assert result.values[f"{name}.n"] == 0
        assert math.isnan(result.values[f"{name}.pct"])
    assert len(result.table) == len(RATES) + 3


def test_counts_are_consistent_on_the_generated_cohort(generated: Cohort) -> None:
    c = live_birth_counts(generated.women, generated.pregnancies)
    assert c["women_with_live_birth_delivery"] <= c["live_birth_deliveries"]
    assert c["live_birth_deliveries"] <= c["infants_born_alive"]
    assert c["women_with_repeat_live_birth_delivery"] > 0  # the generated cohort has some
    values = _icmart(generated).values
    assert values["cumulative_live_birth_rate.pct"] < values["live_birth_delivery_rate.pct"]
