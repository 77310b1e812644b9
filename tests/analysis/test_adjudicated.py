"""The adjudicated cohort: confirmed events only, reclassified values, the rest counted.

The small workbook reports 007's ovarian cyst, pregnancies G1–G4 (G1 and G3 live births,
with infants B1; B2 and B3), and B2's thyroid disorder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from follicle.analysis.adjudicated import adjudicated_workbook
from follicle.analysis.cohort import Cohort
from follicle.report.build import build_report
from follicle.workbook.events import reported_events
from follicle.workbook.validate import load_workbook

SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"
CYST = "007|ovarian_cyst|2019-08-01"
THYROID = "B2|thyroid_disorder|2022-01-05"
#: The woman each event of the small workbook belongs to (a judgment names her).
OWNER = {"G3": "009", "B2": "009", "B3": "009", THYROID: "009", "G4": "010"}


def _judgments(*verdicts: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """Two agreeing reviews per (type, key, recorded, verdict, corrected value)."""
    rows = []
    for kind, key, recorded, verdict, value in verdicts:
        for who in ("rita", "rex"):
            rows.append(
                {
                    "judgment_id": f"J{len(rows) + 1:04d}",
                    "participant_id": OWNER.get(key, "007"),
                    "event_type": kind,
                    "event_key": key,
                    "recorded_value": recorded,
                    "stage": "review",
                    "reviewer": who,
                    "verdict": verdict,
                    "corrected_value": value,
                    "reason": "",
                    "judged_on": "2026-12-01",
                }
            )
    return pd.DataFrame(rows)


ALL_CONFIRMED = _judgments(
    ("condition", CYST, "ovarian_cyst", "confirm", ""),
    *[
        ("pregnancy", g, o, "confirm", "")
        for g, o in (
            ("G1", "live_birth"),
            ("G2", "miscarriage"),
            ("G3", "live_birth"),
            ("G4", "miscarriage"),
        )
    ],
    *[("infant", b, "alive", "confirm", "") for b in ("B1", "B2", "B3")],
    ("infant_condition", THYROID, "thyroid_disorder", "confirm", ""),
)


def test_every_event_confirmed_leaves_the_workbook_as_recorded():
    workbook = load_workbook(SMALL)
    adjudicated = adjudicated_workbook(workbook, ALL_CONFIRMED)
    assert adjudicated.awaiting == 0
    assert adjudicated.rejected == 0
    for name in workbook:
        pd.testing.assert_frame_equal(
            adjudicated.workbook[name], workbook[name].reset_index(drop=True)
        )


def test_rejected_and_unreviewed_events_are_left_out_with_what_hangs_on_them():
    workbook = load_workbook(SMALL)
    judgments = ALL_CONFIRMED[~ALL_CONFIRMED["event_key"].isin(["G3", "G4"])]
    judgments = pd.concat(
        [judgments, _judgments(("pregnancy", "G3", "live_birth", "reject", ""))],
        ignore_index=True,
    )
    adjudicated = adjudicated_workbook(workbook, judgments)
    wb = adjudicated.workbook
    assert list(wb["pregnancies"]["pregnancy_id"]) == ["G1", "G2"]  # G3 rejected, G4 awaiting
    assert list(wb["infants"]["infant_id"]) == ["B1"]  # G3's twins go with it
    assert wb["infant_conditions"].empty
    assert (adjudicated.rejected, adjudicated.awaiting) == (1, 1)
    assert "1 event(s) awaiting review were left out" in adjudicated.note


def test_a_reclassified_event_counts_with_its_corrected_value():
    workbook = load_workbook(SMALL)
    judgments = ALL_CONFIRMED[~ALL_CONFIRMED["event_key"].isin([CYST, "G1"])]
    judgments = pd.concat(
        [
            judgments,
            _judgments(
                ("condition", CYST, "ovarian_cyst", "reclassify", "endometrioma"),
                ("pregnancy", "G1", "live_birth", "reclassify", "stillbirth"),
            ),
        ],
        ignore_index=True,
    )
    wb = adjudicated_workbook(workbook, judgments).workbook
    assert list(wb["conditions"]["condition"]) == ["endometrioma"]
    assert wb["pregnancies"].set_index("pregnancy_id").loc["G1", "outcome"] == "stillbirth"
    assert "B1" not in set(wb["infants"]["infant_id"])  # no longer a live birth


def test_an_unconfirmed_death_leaves_vital_status_unknown():
    workbook = load_workbook(SMALL)
    contacts = workbook["contacts"].copy()
    contacts.loc[contacts.index[-1], "vital_status"] = "deceased"  # 010's last contact
    frames = {name: workbook[name] for name in workbook} | {"contacts": contacts}
    from follicle.workbook.frames import Workbook

    edited = Workbook.from_frames(frames, source="edited")
    events = reported_events(edited)
    assert list(events.loc[events["event_type"] == "death", "event_key"]) == ["010"]
    wb = adjudicated_workbook(edited, ALL_CONFIRMED).workbook
    assert wb["contacts"]["vital_status"].isna().sum() == contacts["vital_status"].isna().sum() + 1
    confirmed = pd.concat(
        [ALL_CONFIRMED, _judgments(("death", "010", "deceased", "confirm", ""))], ignore_index=True
    )
    wb = adjudicated_workbook(edited, confirmed).workbook
    assert (wb["contacts"]["vital_status"] == "deceased").sum() == 1


def test_the_adjudicated_cohort_reports_its_review(tmp_path):
    judgments = ALL_CONFIRMED[ALL_CONFIRMED["event_key"] != "G2"]
    cohort = Cohort(load_workbook(SMALL), judgments=judgments, adjudicated=True)
    recorded = Cohort(load_workbook(SMALL))
    assert "review" not in recorded.results()
    assert len(cohort.pregnancies) == len(recorded.pregnancies) - 1
    review = cohort.result("review")
    assert review.values["all.events"] == 9
    assert review.values["all.awaiting"] == 1
    assert review.values["all.kappa"] is None  # every verdict confirm: undefined, not NaN
    assert any("undefined" in n for n in review.notes)
    assert any("awaiting review were left out" in n for n in review.notes)
    paths = build_report(cohort, tmp_path)
    html = paths.html.read_text(encoding="utf-8")
    assert "Two-specialist review" in html
    assert "NaN" not in html
    review_json = json.loads(paths.results_json.read_text(encoding="utf-8"))
    found = json.dumps(review_json)
    assert '"all.kappa": null' in found
    assert "NaN" not in found


@pytest.mark.parametrize("bad", [{"ci": "wilson", "adjudicated": True}])
def test_adjudicated_without_any_judgment_leaves_every_event_out(bad):
    cohort = Cohort(load_workbook(SMALL), **bad)
    assert cohort.pregnancies.empty
    assert cohort.result("review").values["all.awaiting"] == 9


def test_a_workbook_carrying_its_judgments_loads_adjudicated(tmp_path):
    import follicle

    folder = tmp_path / "wb"
    folder.mkdir()
    for path in SMALL.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    ALL_CONFIRMED.to_csv(folder / "judgments.csv", index=False)
    cohort = follicle.load(folder, adjudicated=True)
    assert cohort.result("review").values["all.confirmed"] == 9
    assert cohort.result("review").values["all.awaiting"] == 0
    assert len(cohort.pregnancies) == len(follicle.load(folder).pregnancies)
