"""Synthetic cohorts of any size, valid by construction, for benchmarks and tests.

A cohort is drawn in blocks of :data:`BLOCK_WOMEN` women, each from its own random stream
(``numpy.random.default_rng([seed, block])``), with numpy column operations only (no loop
over women). So a cohort is the same for a seed however it is written, a million women need
only one block's memory at a time, and :func:`write_synthetic` appends block after block to
the CSV files.

The cohort is shaped like the seed study (Zafardoust et al. 2025): about a third of the
women have two injections; scheduled contacts at 3, 6 and 12 months, annual contacts for
some, and a final telephone interview 2.5–6 years after the last injection, with menses that
change between baseline and the end; about a third become pregnant (some twice), half are
treated with IVF, with twins, miscarriages and the rarer outcomes; maternal conditions;
infants, a few with conditions. It is random data, not patient data, and it satisfies every
rule of the format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from follicle.analysis.frame import DAYS_PER_MONTH
from follicle.workbook.schema import (
    INFANT_CONDITIONS,
    MATERNAL_CONDITIONS,
    MENSES_BASELINE,
    MENSES_FOLLOWUP,
    TABLES,
)

#: Final interviews are placed on or before this day, so the cohort is never "in the future".
LAST_INTERVIEW = np.datetime64("2025-06-30")
#: Women drawn from one random stream; the unit of determinism and of streaming.
BLOCK_WOMEN = 10_000

#: Chance of a woman's menses at the final interview (columns: MENSES_FOLLOWUP) given her
#: menses at baseline (rows: MENSES_BASELINE).
_MENSES_CHANGE = np.array(
    [
        [0.80, 0.12, 0.02, 0.06],
        [0.35, 0.52, 0.05, 0.08],
        [0.20, 0.25, 0.35, 0.20],
    ]
)
#: Pregnancy outcomes (other than ongoing) with their chances and days from conception.
_OUTCOMES = (
    ("live_birth", 0.68, 245, 290),
    ("miscarriage", 0.26, 40, 130),
    ("ectopic", 0.02, 40, 70),
    ("stillbirth", 0.02, 170, 280),
    ("termination", 0.02, 50, 120),
)

Progress = Callable[[int, int], None]


def synthetic_workbook(
    n_women: int,
    *,
    seed: int = 0,
    sites: int = 5,
    pregnancy_rate: float = 1 / 3,
    arms: Mapping[str, float] | None = None,
    hazard_ratios: Mapping[str, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Draw a valid cohort of ``n_women`` as eight text frames (the CSVs' contents).

    ``pregnancy_rate`` is the chance that a woman has at least one pregnancy; ``sites`` the
    number of treating centres (``site-01`` …) the women are spread across. ``arms``
    (shares by arm, :func:`follicle.workbook.synthetic_arms.parse_arms`) draws several arms
    with confounded assignment and a known hazard ratio per arm (``hazard_ratios``,
    1 by default; :mod:`follicle.workbook.synthetic_arms`); ``pregnancy_rate`` then does
    not apply.
    """
    blocks = list(
        _blocks(
            n_women,
            seed=seed,
            sites=sites,
            pregnancy_rate=pregnancy_rate,
            arms=arms,
            hazard_ratios=hazard_ratios,
        )
    )
    return {
        table.name: _as_text(
            table.name, pd.concat([b[table.name] for b in blocks], ignore_index=True)
        )
        for table in TABLES
    }


def write_synthetic(
    folder: str | Path,
    n_women: int,
    *,
    seed: int = 0,
    sites: int = 5,
    pregnancy_rate: float = 1 / 3,
    progress: Progress | None = None,
    arms: Mapping[str, float] | None = None,
    hazard_ratios: Mapping[str, float] | None = None,
) -> Path:
    """Write a synthetic workbook folder of ``n_women`` and return its path.

    Block after block is appended to the eight CSV files, so memory stays that of one block
    whatever ``n_women`` is. ``progress(done, total)`` is called after each block with the
    number of women written so far. ``arms`` and ``hazard_ratios`` as in
    :func:`synthetic_workbook`. The files are written under temporary names and renamed
    when all are complete: a run that fails leaves the folder as it was.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    # Synthetic values never hold commas, quotes or line breaks, so none needs quoting.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    files = {}
    schemas: dict[str, pa.Schema] = {}
    writers: dict[str, pacsv.CSVWriter] = {}
    done = 0
    partial = {t.name: target / f".{t.filename}.partial" for t in TABLES}
    complete = False
    try:
        for table in TABLES:
            files[table.name] = partial[table.name].open("wb")
            files[table.name].write((",".join(table.column_names) + "\n").encode())
            schemas[table.name] = pa.schema([(c, pa.string()) for c in table.column_names])
            writers[table.name] = pacsv.CSVWriter(
                files[table.name], schemas[table.name], write_options=options
            )
        for block in _blocks(
            n_women,
            seed=seed,
            sites=sites,
            pregnancy_rate=pregnancy_rate,
            arms=arms,
            hazard_ratios=hazard_ratios,
        ):
            for table in TABLES:
                text = _as_text(table.name, block[table.name])
                writers[table.name].write_table(
                    pa.Table.from_pandas(text, schema=schemas[table.name], preserve_index=False)
                )
            done += len(block["participants"])
            if progress is not None:
                progress(done, n_women)
        complete = True
    finally:
        for writer in writers.values():
            writer.close()
        for handle in files.values():
            handle.close()
        if not complete:
            for path in partial.values():
                path.unlink(missing_ok=True)
    for table in TABLES:
        partial[table.name].replace(target / table.filename)
    return target


def _blocks(
    n_women: int,
    *,
    seed: int,
    sites: int,
    pregnancy_rate: float,
    arms: Mapping[str, float] | None = None,
    hazard_ratios: Mapping[str, float] | None = None,
) -> Iterator[dict[str, pd.DataFrame]]:
    """The cohort's typed frames, :data:`BLOCK_WOMEN` women at a time (at least one block)."""
    width = max(7, len(str(max(n_women - 1, 0))))
    starts = range(0, max(n_women, 1), BLOCK_WOMEN)
    for number, start in enumerate(starts):
        n = min(BLOCK_WOMEN, n_women - start)
        rng = np.random.default_rng([seed, number])
        if arms is not None:
            ratios = dict(hazard_ratios or dict.fromkeys(arms, 1.0))
            yield _draw_arms_block(
                rng, start, n, width=width, sites=sites, arms=arms, ratios=ratios
            )
        else:
            yield _draw_block(
                rng, start, n, width=width, sites=sites, pregnancy_rate=pregnancy_rate
            )


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("timedelta64[D]")


def _ids(
    prefix: str, numbers: np.ndarray, width: int, suffix: np.ndarray | None = None
) -> np.ndarray:
    if numbers.size == 0:  # numpy's zfill takes the widest of no strings: an error
        return np.array([], dtype=str)
    text = np.char.add(prefix, np.char.zfill(numbers.astype(str), width))
    if suffix is not None:
        text = np.char.add(np.char.add(text, "-"), suffix.astype(str))
    return text


def _draw_block(
    rng: np.random.Generator, start: int, n: int, *, width: int, sites: int, pregnancy_rate: float
) -> dict[str, pd.DataFrame]:
    """One block of ``n`` women numbered from ``start``: the eight tables as typed frames."""
    number = np.arange(start, start + n)
    pid = _ids("W", number, width)

    first = np.datetime64("2018-08-01") + _days(rng.integers(0, 1150, n))
    second = rng.random(n) < 1 / 3
    last = np.where(second, first + _days(rng.integers(90, 300, n)), first)
    age = rng.integers(24, 46, n)
    birth = first - _days((age * 365.25).astype(int)) - _days(rng.integers(1, 360, n))
    consent = first - _days(rng.integers(1, 30, n))
    # The final interview 2.5 to 6 years after the last injection.
    end = np.minimum(last + _days(rng.integers(913, 2191, n)), LAST_INTERVIEW)
    baseline_code = _choose(rng, np.array([0.85, 0.13, 0.02]), n)
    final_code = _choose_rows(rng, _MENSES_CHANGE[baseline_code])
    menses0 = np.array(MENSES_BASELINE)[baseline_code]
    menses1 = np.array(MENSES_FOLLOWUP)[final_code]

    participants = pd.DataFrame(
        {
            "participant_id": pid,
            "site": np.char.add(
                "site-", np.char.zfill((rng.integers(0, sites, n) + 1).astype(str), 2)
            ),
            "arm": "MenSC",
            "birth_date": birth,
            "consent_date": consent,
            "menses_baseline": menses0,
            "amh_ng_ml": np.round(rng.gamma(2.0, 0.35, n), 2),
            "afc": rng.integers(0, 9, n),
            "fsh_iu_l": np.round(rng.normal(11, 3, n).clip(2), 1),
            "prior_ivf_cycles": rng.integers(1, 5, n),
            "prior_max_oocytes": rng.integers(0, 6, n),
            "prior_cycle_cancelled": np.where(rng.random(n) < 0.3, "yes", "no"),
        }
    )

    injections = pd.DataFrame(
        {
            "participant_id": np.concatenate([pid, pid[second]]),
            "injection_date": np.concatenate([first, last[second]]),
            "product": "MenSC",
            "dose_million_cells": 10,
            "ovary": "both",
            "route": "transvaginal",
        }
    )

    contacts = _contacts(rng, pid, first, end, menses0, menses1)
    preg, ivf_cycles = _pregnancies(rng, number, pid, first, end, width, pregnancy_rate)
    infants, infant_conditions = _infants(rng, preg, width)
    conditions = _conditions(rng, pid, first, end, preg)
    return {
        "participants": participants,
        "injections": injections,
        "contacts": contacts,
        "conditions": conditions,
        "ivf_cycles": ivf_cycles,
        "pregnancies": preg,
        "infants": infants,
        "infant_conditions": infant_conditions,
    }


def _choose(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` category codes drawn with chances ``p``."""
    return np.searchsorted(np.cumsum(p), rng.random(n) * p.sum(), side="right")


def _choose_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category code per row of chances ``p`` (rows sum to 1)."""
    u = rng.random(len(p))[:, None]
    return np.minimum((np.cumsum(p, axis=1) <= u).sum(axis=1), p.shape[1] - 1)


def _contacts(
    rng: np.random.Generator,
    pid: np.ndarray,
    first: np.ndarray,
    end: np.ndarray,
    menses0: np.ndarray,
    menses1: np.ndarray,
) -> pd.DataFrame:
    """Clinic visits at 3, 6 and 12 months, annual visits for some, the final interview."""
    n = len(pid)
    annual = rng.random(n) < 0.3
    parts = []
    schedule = [("3m", 91), ("6m", 182), ("12m", 365)] + [("annual", 365 * y) for y in (2, 3, 4, 5)]
    for milestone, days in schedule:
        when = first + np.timedelta64(days, "D")
        keep = when < end
        if milestone == "annual":
            keep &= annual
        # Menses move from baseline towards the final state over the first year.
        moved = rng.random(n) < min(days / 365, 1.0) * 0.5
        parts.append(
            pd.DataFrame(
                {
                    "participant_id": pid[keep],
                    "contact_date": when[keep],
                    "mode": "clinic",
                    "milestone": milestone,
                    "menses": np.where(moved, menses1, menses0)[keep],
                    "checklist_complete": "no",
                    "vital_status": "alive",
                }
            )
        )
    parts.append(
        pd.DataFrame(
            {
                "participant_id": pid,
                "contact_date": end,
                "mode": "phone",
                "milestone": "final",
                "menses": menses1,
                "checklist_complete": "yes",
                "vital_status": "alive",
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


def _outcomes(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Outcome names and days from conception to outcome for ``k`` pregnancies."""
    p = np.array([o[1] for o in _OUTCOMES])
    code = _choose(rng, p, k)
    low = np.array([o[2] for o in _OUTCOMES])[code]
    high = np.array([o[3] for o in _OUTCOMES])[code]
    days = low + (rng.random(k) * (high - low)).astype(int)
    return np.array([o[0] for o in _OUTCOMES])[code], days


def _pregnancies(
    rng: np.random.Generator,
    number: np.ndarray,
    pid: np.ndarray,
    first: np.ndarray,
    end: np.ndarray,
    width: int,
    pregnancy_rate: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pregnancies (a first for some women, a second for some of them) and IVF cycles."""
    n = len(pid)
    idx = np.arange(n)
    women = idx[rng.random(n) < pregnancy_rate]
    conceive1 = first[women] + _days(rng.integers(20, 500, len(women)))
    women, conceive1 = women[conceive1 <= end[women]], conceive1[conceive1 <= end[women]]
    outcome1, days1 = _outcomes(rng, len(women))
    date1 = conceive1 + _days(days1)
    # A second pregnancy at least two months after the first one ended.
    again = (rng.random(len(women)) < 0.15) & (date1 <= end[women])
    conceive2 = date1 + _days(rng.integers(60, 500, len(women)))
    again &= conceive2 <= end[women]
    women2 = women[again]
    outcome2, days2 = _outcomes(rng, len(women2))
    w = np.concatenate([women, women2])
    order = np.concatenate([np.ones(len(women), int), np.full(len(women2), 2)])
    conceive = np.concatenate([conceive1, conceive2[again]])
    outcome = np.concatenate([outcome1, outcome2])
    days = np.concatenate([days1, days2])
    preg, from_pregnancy, ivf = _pregnancy_rows(
        rng,
        w,
        order,
        number=number,
        pid=pid,
        width=width,
        conceive=conceive,
        outcome=outcome,
        days=days,
        earliest=first,
        end=end,
        cycle_suffix=order,
    )

    # Enough other women have cancelled or unsuccessful cycles that half the women had IVF.
    had_ivf = np.zeros(n, bool)
    had_ivf[w[ivf]] = True
    others = idx[~had_ivf]
    chance = max(0.5 * n - had_ivf.sum(), 0) / max(len(others), 1)
    others = others[rng.random(len(others)) < chance]
    tries = rng.integers(1, 3, len(others))
    cycle_woman = np.repeat(others, tries)
    cycle_order = np.concatenate([np.arange(1, t + 1) for t in tries]) if len(tries) else tries
    m = len(cycle_woman)
    span = np.maximum((end[cycle_woman] - first[cycle_woman]).astype(int), 1)
    cancelled = rng.random(m) < 0.3
    unsuccessful = pd.DataFrame(
        {
            "cycle_id": _ids("X", number[cycle_woman], width, cycle_order),
            "participant_id": pid[cycle_woman],
            "start_date": first[cycle_woman] + _days((rng.random(m) * span).astype(int)),
            "oocytes_retrieved": np.where(cancelled, np.nan, rng.integers(0, 6, m)),
            "embryos_transferred": np.where(cancelled, np.nan, rng.integers(0, 3, m)),
            "cancelled": np.where(cancelled, "yes", "no"),
        }
    )
    ivf_cycles = pd.concat([from_pregnancy, unsuccessful], ignore_index=True)
    for column in ("oocytes_retrieved", "embryos_transferred"):
        ivf_cycles[column] = ivf_cycles[column].astype("Int64")
    return preg, ivf_cycles


def _pregnancy_rows(
    rng: np.random.Generator,
    women: np.ndarray,
    order: np.ndarray,
    *,
    number: np.ndarray,
    pid: np.ndarray,
    width: int,
    conceive: np.ndarray,
    outcome: np.ndarray,
    days: np.ndarray,
    earliest: np.ndarray,
    end: np.ndarray,
    cycle_suffix: np.ndarray | None,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The pregnancies conceived on ``conceive`` by the women at positions ``women`` (each
    her ``order``-th), and the IVF cycle of each IVF pregnancy.

    A pregnancy ends ``days`` after conception with ``outcome``, unless that is after the
    woman's ``end`` of follow-up (then it is ongoing); 40 % are IVF, and a live birth is of
    twins with chance 10 % (IVF) or 1.5 % (spontaneous). Each IVF pregnancy comes from a
    cycle started two weeks before conception, never before her ``earliest`` date. Cycle
    IDs carry ``cycle_suffix`` when given. Returns the pregnancies, the cycles and which
    pregnancies are IVF.
    """
    date = conceive + _days(days)
    still_open = date > end[women]
    ivf = rng.random(women.size) < 0.4
    twins = (outcome == "live_birth") & (rng.random(women.size) < np.where(ivf, 0.1, 0.015))
    cycle_id = np.where(ivf, _ids("C", number[women], width, cycle_suffix), "")
    preg = pd.DataFrame(
        {
            "pregnancy_id": _ids("G", number[women], width, order),
            "participant_id": pid[women],
            "conception_date": conceive,
            "mode": np.where(ivf, "ivf", "spontaneous"),
            "ivf_cycle_id": cycle_id,
            "fetuses": np.where(twins, 2, 1),
            "outcome": np.where(still_open, "ongoing", outcome),
            "outcome_date": np.where(still_open, np.datetime64("NaT"), date),
            "gestational_weeks": np.where(still_open, np.nan, np.round((days + 14) / 7, 1)),
        }
    )
    cycles = pd.DataFrame(
        {
            "cycle_id": cycle_id[ivf],
            "participant_id": pid[women[ivf]],
            "start_date": np.maximum(conceive[ivf] - np.timedelta64(14, "D"), earliest[women[ivf]]),
            "oocytes_retrieved": rng.integers(1, 8, int(ivf.sum())),
            "embryos_transferred": rng.integers(1, 3, int(ivf.sum())),
            "cancelled": "no",
        }
    )
    return preg, cycles, ivf


def _infants(
    rng: np.random.Generator, preg: pd.DataFrame, width: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One infant per fetus of each live birth, born on the outcome date; a few conditions."""
    born = preg[preg["outcome"] == "live_birth"]
    born = born.loc[born.index.repeat(born["fetuses"])]
    k = len(born)
    twin = born.groupby("pregnancy_id").cumcount().to_numpy() + 1
    infant_id = np.char.add(
        "B",
        np.char.add(
            born["pregnancy_id"].str[1:].to_numpy().astype(str), np.char.add("-", twin.astype(str))
        ),
    )
    birth = born["outcome_date"].to_numpy()
    weeks = born["gestational_weeks"].to_numpy()
    died = rng.random(k) < 0.003
    death = np.minimum(birth + _days(rng.integers(0, 300, k)), LAST_INTERVIEW)
    infants = pd.DataFrame(
        {
            "infant_id": infant_id,
            "pregnancy_id": born["pregnancy_id"].to_numpy(),
            "birth_date": birth,
            "sex": np.where(rng.random(k) < 0.49, "female", "male"),
            "birth_weight_g": (rng.normal(3250, 450, k) - np.where(born["fetuses"] > 1, 700, 0))
            .clip(600, 5200)
            .astype(int),
            "gestational_weeks": weeks,
            "death_date": np.where(died & (death >= birth), death, np.datetime64("NaT")),
        }
    )
    ill = rng.random(k) < 0.03
    diagnosed = birth[ill] + _days(rng.integers(0, 700, int(ill.sum())))
    infant_conditions = pd.DataFrame(
        {
            "infant_id": infant_id[ill],
            "condition": rng.choice(np.array(INFANT_CONDITIONS), int(ill.sum())),
            "diagnosis_date": np.minimum(diagnosed, np.maximum(LAST_INTERVIEW, birth[ill])),
        }
    )
    return infants, infant_conditions


def _conditions(
    rng: np.random.Generator,
    pid: np.ndarray,
    first: np.ndarray,
    end: np.ndarray,
    preg: pd.DataFrame,
) -> pd.DataFrame:
    """Maternal conditions for about one woman in twelve, between first injection and end."""
    n = len(pid)
    women = np.flatnonzero(rng.random(n) < 0.08)
    span = np.maximum((end[women] - first[women]).astype(int), 0)
    diagnosed = first[women] + _days((rng.random(len(women)) * span).astype(int))
    p = np.array([0.35, 0.02, 0.12, 0.15, 0.01, 0.05, 0.06, 0.02, 0.04, 0.03, 0.15])
    condition = np.array(MATERNAL_CONDITIONS)[_choose(rng, p, len(women))]
    # During a pregnancy when the diagnosis falls between conception and outcome.
    during = np.zeros(len(women), dtype=bool)
    if len(women) and len(preg):  # (pandas cannot map onto an empty table's dates)
        pregnancies = preg.set_index("participant_id")
        start = pd.Series(pid[women]).map(pregnancies["conception_date"].groupby(level=0).min())
        stop = pd.Series(pid[women]).map(pregnancies["outcome_date"].groupby(level=0).min())
        during = (start.to_numpy() <= diagnosed) & (
            diagnosed <= stop.fillna(pd.Timestamp(LAST_INTERVIEW)).to_numpy()
        )
    return pd.DataFrame(
        {
            "participant_id": pid[women],
            "condition": condition,
            "diagnosis_date": diagnosed,
            "during_pregnancy": np.where(during, "yes", "no"),
            "resolved": np.where(rng.random(len(women)) < 0.6, "yes", "no"),
        }
    )


def _as_text(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the text a CSV holds: ISO dates, empty cells for missing values."""
    table = next(t for t in TABLES if t.name == name)
    out = {}
    for column in table.columns:
        if column.name not in frame.columns:
            out[column.name] = pd.Series("", index=frame.index, dtype=object)
            continue
        values = frame[column.name]
        if column.dtype == "date":
            text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(values) and column.dtype == "integer":
            text = values.astype("Int64").astype(str)
        else:
            text = values.astype(object).astype(str)
        out[column.name] = (
            text.where(values.notna(), "")
            .replace({"nan": "", "NaT": "", "<NA>": ""})
            .astype(object)
        )
    return pd.DataFrame(out)


def _draw_arms_block(
    rng: np.random.Generator,
    start: int,
    n: int,
    *,
    width: int,
    sites: int,
    arms: Mapping[str, float],
    ratios: Mapping[str, float],
) -> dict[str, pd.DataFrame]:
    """One block of women in several arms, drawn from the known model of
    :mod:`follicle.workbook.synthetic_arms`: the eight tables as typed frames.

    A treated woman's time zero is her (only) injection; a control has none and is
    followed from her consent. A pregnancy is her first event when it comes before
    menopause and censoring; menopause is reported at a contact on its day and at every
    contact after it.
    """
    from follicle.workbook.synthetic_arms import CONTROL, draw_women

    number = np.arange(start, start + n)
    pid = _ids("W", number, width)
    drawn = draw_women(rng, n, arms, ratios)
    arm = drawn.arm.astype(str)
    treated = arm != CONTROL
    t0 = np.datetime64("2018-08-01") + _days(rng.integers(0, 1150, n))
    # Follow-up also ends at the last interview day (never in the future): censoring that
    # depends on the calendar date of time zero alone, not on the arm.
    cap = (LAST_INTERVIEW - t0).astype(int) / DAYS_PER_MONTH - 1 / DAYS_PER_MONTH
    drawn = replace(drawn, censoring=np.minimum(drawn.censoring, cap))
    birth = t0 - _days((drawn.age * 365.25).astype(int)) - _days(rng.integers(1, 360, n))
    consent = np.where(treated, t0 - _days(rng.integers(1, 30, n)), t0)

    def at(months: np.ndarray) -> np.ndarray:
        return t0 + _days(np.floor(months * DAYS_PER_MONTH).astype(int))

    end = at(drawn.censoring)
    status = drawn.status
    menopause = status == 2
    meno_date = at(drawn.menopause)
    baseline_code = _choose(rng, np.array([0.85, 0.13, 0.02]), n)
    menses0 = np.array(MENSES_BASELINE)[baseline_code]
    participants = pd.DataFrame(
        {
            "participant_id": pid,
            "site": np.char.add(
                "site-", np.char.zfill((rng.integers(0, sites, n) + 1).astype(str), 2)
            ),
            "arm": arm,
            "birth_date": birth,
            "consent_date": consent,
            "menses_baseline": menses0,
            "amh_ng_ml": drawn.amh,
            "afc": rng.integers(0, 9, n),
            "fsh_iu_l": np.round(rng.normal(11, 3, n).clip(2), 1),
            "prior_ivf_cycles": rng.integers(0, 5, n),
            "prior_max_oocytes": rng.integers(0, 6, n),
            "prior_cycle_cancelled": np.where(rng.random(n) < 0.3, "yes", "no"),
        }
    )
    products = np.where(np.isin(arm, ["MenSC", "PRP", "BMDSC"]), arm, "other")
    injections = pd.DataFrame(
        {
            "participant_id": pid[treated],
            "injection_date": t0[treated],
            "product": products[treated],
            "dose_million_cells": np.where(products[treated] == "MenSC", "10", ""),
            "ovary": "both",
            "route": "transvaginal",
        }
    )
    contacts = _contacts(rng, pid, t0, end, menses0, menses0)
    # Menopause: reported on its day, and at every contact after it.
    after = (
        contacts["contact_date"].to_numpy()
        >= pd.Series(meno_date, index=pid).reindex(contacts["participant_id"]).to_numpy()
    )
    after &= pd.Series(menopause, index=pid).reindex(contacts["participant_id"]).to_numpy()
    contacts.loc[after, "menses"] = "menopause"
    report = pd.DataFrame(
        {
            "participant_id": pid[menopause],
            "contact_date": meno_date[menopause],
            "mode": "phone",
            "milestone": "unscheduled",
            "menses": "menopause",
            "checklist_complete": "no",
            "vital_status": "alive",
        }
    )
    contacts = pd.concat([contacts, report], ignore_index=True)

    women = np.flatnonzero(status == 1)
    conceive = at(drawn.pregnancy)[women]
    outcome, days = _outcomes(rng, women.size)
    preg, ivf_cycles, _ = _pregnancy_rows(
        rng,
        women,
        np.ones(women.size, int),
        number=number,
        pid=pid,
        width=width,
        conceive=conceive,
        outcome=outcome,
        days=days,
        earliest=t0,
        end=end,
        cycle_suffix=None,
    )
    infants, infant_conditions = _infants(rng, preg, width)
    conditions = _conditions(rng, pid, t0, end, preg)
    return {
        "participants": participants,
        "injections": injections,
        "contacts": contacts,
        "conditions": conditions,
        "ivf_cycles": ivf_cycles,
        "pregnancies": preg,
        "infants": infants,
        "infant_conditions": infant_conditions,
    }
