#!/usr/bin/env python3
"""Build follicle's bundled seed cohort: a reconstruction, NOT patient data.

Zafardoust et al. (Stem Cell Research & Therapy 2025) followed 105 poor ovarian responders
after intra-ovarian injection of autologous menstrual-blood-derived stromal cells (MenSCs)
and published aggregates only. This script writes an individual-level workbook (the eight
CSVs of docs/workbook.md plus a README) whose rows reproduce every one of those
aggregates under the definitions of docs/results.md, and it fails loudly if any
aggregate or any consistency rule of :mod:`follicle.workbook.schema` does not hold.

Usage::

    python scripts/make_seed_cohort.py [OUTPUT_FOLDER]

The default folder is ``src/follicle/workbook/seed``. The output depends only on ``SEED``:
running the script twice gives byte-identical files.

How it works, in order: (1) the categorical structure (pregnant, age group, injections,
menses before/after, pregnancy modes, IVF-treated) is assigned by hand to the published
margins; (2) integer ages are drawn and nudged by a deterministic hill climb until the mean,
SD, range and the pregnant women's median hold; (3) injection dates, pregnancies (months to
pregnancy from a fixed list that meets the published medians and ranges), final contacts
(shifted until the mean follow-up is 3.72 years), IVF cycles, birth dates (chosen so that
the ages at follow-up give mean 41.98, SD 5.00) and the scheduled contacts follow; (4) the
written CSVs are read back and every aggregate and rule is asserted.
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from follicle.workbook.schema import TABLES_BY_NAME  # noqa: E402

SEED = 20250105
DEFAULT_OUT = ROOT / "src" / "follicle" / "workbook" / "seed"
SITE = "Avicenna Fertility Center"
ARM = "MenSC"

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 30.4375
N_WOMEN = 105

# Injection windows (three trial phases, August 2018 - September 2021).
PHASES = (
    (date(2018, 8, 1), date(2019, 7, 31)),
    (date(2019, 9, 1), date(2020, 2, 28)),
    (date(2020, 6, 1), date(2021, 9, 30)),
)
PHASE_WEIGHTS = (0.36, 0.20, 0.44)
LAST_INJECTION_DAY = date(2021, 9, 30)
FINAL_EARLIEST = date(2022, 1, 1)
FINAL_LATEST = date(2025, 6, 30)

MIN_FOLLOWUP_DAYS = 913  # 2.4997 years -> 2.5
MAX_FOLLOWUP_DAYS = 2191  # 5.9986 years -> 6.0
TARGET_FOLLOWUP_YEARS = 3.72

TARGET_AGE_SUM = 3981  # mean 37.914 -> 37.91
TARGET_AGE_SD = 4.98
TARGET_AGE_FU_SUM = 4408  # mean 41.981 -> 41.98
TARGET_AGE_FU_SD = 5.00

# Days from the most recent injection to conception. Spontaneous: 30 pregnancies, the 15th
# and 16th are 90 and 91 days (median 2.97 months -> 3), 16 within 3 months, min 30 days
# (0.99 -> 1 month), two at 731 days (24.02 months -> 24, both after two years).
SPONTANEOUS_DAYS = (
    30, 35, 41, 44, 50, 52, 58, 61, 63, 67, 70, 74, 79, 84, 90, 91,
    105, 128, 150, 183, 214, 262, 300, 345, 398, 452, 540, 610, 731, 731,
)  # fmt: skip
# IVF: 13 pregnancies, median (7th) 167 days = 5.49 months -> 5.5; 61 days = 2.00 -> 2;
# 396 days = 13.01 -> 13.
IVF_DAYS = (61, 84, 103, 121, 138, 152, 167, 189, 215, 248, 290, 335, 396)

# The women with more than one pregnancy (seed_published item 10):
# (mode, days, outcome) per pregnancy, in order.
REPEATERS = {
    "spont2": (("spontaneous", 35, "miscarriage"), ("spontaneous", 540, "live_birth")),
    "spont3": (
        ("spontaneous", 41, "miscarriage"),
        ("spontaneous", 183, "miscarriage"),
        ("spontaneous", 452, "live_birth"),
    ),
    "both1": (("ivf", 84, "miscarriage"), ("spontaneous", 262, "live_birth")),
    "both2": (("spontaneous", 44, "miscarriage"), ("ivf", 215, "live_birth")),
}


# --------------------------------------------------------------------------- data model
@dataclass
class Pregnancy:
    mode: str
    days: int  # from the reference (most recent) injection to conception
    outcome: str
    fetuses: int = 1
    conception: date | None = None
    outcome_date: date | None = None
    weeks: int = 0
    cycle: Cycle | None = None
    pid: str = ""


@dataclass
class Cycle:
    start: date
    oocytes: int | None
    embryos: int | None
    cancelled: bool
    cid: str = ""


@dataclass
class Contact:
    when: date
    mode: str
    milestone: str
    menses: str = ""
    checklist: bool = False


@dataclass
class Woman:
    idx: int
    pregnant: bool
    young: bool
    age: int = 0
    n_inj: int = 1
    menses_b: str = "regular"
    menses_f: str = "regular"
    ptype: str = "none"
    ivf_treated: bool = False
    role: str = ""  # "", "max_fu", "min_fu"
    injections: list[date] = field(default_factory=list)
    pregnancies: list[Pregnancy] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    final: date | None = None
    birth: date | None = None
    consent: date | None = None
    age_fu: int = 0
    pid: str = ""
    markers: dict[str, str] = field(default_factory=dict)


def completed_years(birth: date, on: date) -> int:
    """Completed years of age on ``on`` (anniversary rule)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def sd(values: list[int] | list[float]) -> float:
    """Sample standard deviation (R's sd())."""
    return statistics.stdev(values)


def fail(message: str) -> None:
    raise SystemExit(f"make_seed_cohort: {message}")


def check(condition: bool, message: str) -> None:
    if not condition:
        fail(message)


def pick(rng: np.random.Generator, items: list, k: int) -> list:
    """k distinct items, in a deterministic random order."""
    order = rng.permutation(len(items))[:k]
    return [items[i] for i in order]


def no_feb29(d: date) -> date:
    return d + timedelta(days=1) if (d.month, d.day) == (2, 29) else d


# --------------------------------------------------------------------- 1. categories
def assign_categories(rng: np.random.Generator) -> list[Woman]:
    women = [Woman(i, pregnant=i < 38, young=False) for i in range(N_WOMEN)]
    pregnant = [w for w in women if w.pregnant]
    others = [w for w in women if not w.pregnant]
    for w in pick(rng, pregnant, 12):
        w.young = True
    for w in pick(rng, others, 11):
        w.young = True
    return women


# Starting histograms of age at first injection (age: women), by group. Older pregnant
# women are mostly 35-38 (the pregnant median is 36); the never-pregnant skew older.
AGES_PREGNANT_YOUNG = {24: 1, 26: 1, 28: 1, 29: 1, 30: 1, 31: 1, 32: 2, 33: 2, 34: 2}
AGES_OTHER_YOUNG = {25: 1, 27: 1, 29: 1, 30: 1, 31: 1, 32: 1, 33: 2, 34: 3}
AGES_PREGNANT_OLD = {35: 5, 36: 5, 37: 4, 38: 3, 39: 3, 40: 2, 41: 2, 42: 1, 43: 1}
AGES_OTHER_OLD = {35: 2, 36: 3, 37: 4, 38: 5, 39: 5, 40: 6, 41: 6, 42: 7, 43: 6, 44: 6, 45: 6}


def assign_ages(rng: np.random.Generator, women: list[Woman]) -> None:
    """Integer ages at first injection meeting every published age aggregate."""
    groups = (
        ([w for w in women if w.young and w.pregnant], AGES_PREGNANT_YOUNG),
        ([w for w in women if w.young and not w.pregnant], AGES_OTHER_YOUNG),
        ([w for w in women if not w.young and w.pregnant], AGES_PREGNANT_OLD),
        ([w for w in women if not w.young and not w.pregnant], AGES_OTHER_OLD),
    )
    for members, histogram in groups:
        values = [age for age, n in sorted(histogram.items()) for _ in range(n)]
        check(len(values) == len(members), "age histogram size")
        for w, age in zip(pick(rng, members, len(members)), values, strict=True):
            w.age = age
    # Witnesses of the published extremes stay fixed: the youngest (24, pregnant), the
    # oldest pregnant woman (43) and the oldest woman (45).
    fixed = {
        next(w.idx for w in groups[0][0] if w.age == 24),
        next(w.idx for w in groups[2][0] if w.age == 43),
        next(w.idx for w in groups[3][0] if w.age == 45),
    }

    def ok(w: Woman, value: int) -> bool:
        if w.young:
            return 24 <= value <= 34
        if w.pregnant:
            return 35 <= value <= 43
        return 35 <= value <= 45

    def preg_median_ok() -> bool:
        ages = sorted(w.age for w in women if w.pregnant)
        return ages[18] + ages[19] == 72

    def objective() -> float:
        ages = [w.age for w in women]
        return (sum(ages) - TARGET_AGE_SUM) ** 2 + 1e4 * (sd(ages) - TARGET_AGE_SD) ** 2

    movable = [w for w in women if w.idx not in fixed]
    current = objective()
    for _ in range(200_000):
        ages = [w.age for w in women]
        if sum(ages) == TARGET_AGE_SUM and abs(sd(ages) - TARGET_AGE_SD) < 0.002:
            break
        if sum(ages) != TARGET_AGE_SUM:
            a = movable[int(rng.integers(len(movable)))]
            moves = [(a, 1 if sum(ages) < TARGET_AGE_SUM else -1)]
        else:
            a, b = (movable[int(i)] for i in rng.choice(len(movable), 2, replace=False))
            moves = [(a, 1), (b, -1)]
        if not all(ok(w, w.age + d) for w, d in moves):
            continue
        for w, d in moves:
            w.age += d
        new = objective()
        if new < current and preg_median_ok():
            current = new
        else:
            for w, d in moves:
                w.age -= d
    ages = [w.age for w in women]
    check(sum(ages) == TARGET_AGE_SUM, "age search did not converge (sum)")
    check(abs(sd(ages) - TARGET_AGE_SD) < 0.002, "age search did not converge (sd)")


def assign_structure(rng: np.random.Generator, women: list[Woman]) -> None:
    pregnant = [w for w in women if w.pregnant]
    others = [w for w in women if not w.pregnant]
    # Injections: one 29/two 9 among the pregnant, one 41/two 26 among the others.
    for w in pick(rng, pregnant, 9):
        w.n_inj = 2
    for w in pick(rng, others, 26):
        w.n_inj = 2
    # Menses. Menopause (5, not pregnant): four irregular and one regular at baseline, chosen
    # among the oldest women.
    oldest = sorted(others, key=lambda w: (-w.age, w.idx))[:16]
    meno = pick(rng, oldest, 5)
    for w in meno[:4]:
        w.menses_b, w.menses_f = "irregular", "menopause"
    meno[4].menses_b, meno[4].menses_f = "regular", "menopause"
    rest = [w for w in others if w not in meno]
    chosen = pick(rng, rest, 5 + 8)
    for w in chosen[:3]:
        w.menses_b, w.menses_f = "irregular", "regular"
    for w in chosen[3:5]:
        w.menses_b, w.menses_f = "irregular", "irregular"
    for w in chosen[5:13]:
        w.menses_b, w.menses_f = "regular", "irregular"
    chosen = pick(rng, pregnant, 5 + 4)
    for w in chosen[:3]:
        w.menses_b, w.menses_f = "irregular", "regular"
    for w in chosen[3:5]:
        w.menses_b, w.menses_f = "irregular", "irregular"
    for w in chosen[5:9]:
        w.menses_b, w.menses_f = "regular", "irregular"
    # Pregnancy types: 23 spontaneous once, one spontaneous twice, one three times, 11 IVF,
    # 2 both.
    types = ["spont"] * 23 + ["spont2", "spont3"] + ["ivf"] * 11 + ["both1", "both2"]
    for w, t in zip(pick(rng, pregnant, 38), types, strict=True):
        w.ptype = t
    # IVF-treated: the 13 IVF-pregnant women, 5 spontaneous-only, 36 never pregnant.
    for w in pregnant:
        w.ivf_treated = w.ptype in ("ivf", "both1", "both2")
    for w in pick(rng, [w for w in pregnant if w.ptype == "spont"], 5):
        w.ivf_treated = True
    for w in pick(rng, [w for w in others if w.menses_f != "menopause"], 36):
        w.ivf_treated = True
    # Follow-up witnesses: never pregnant, one injection, no menopause.
    plain = [w for w in others if w.n_inj == 1 and w.menses_f != "menopause"]
    wmax, wmin = pick(rng, plain, 2)
    wmax.role, wmin.role = "max_fu", "min_fu"


# ---------------------------------------------------------------- 2. injection dates
def random_day(rng: np.random.Generator, start: date, end: date) -> date:
    return no_feb29(start + timedelta(days=int(rng.integers(0, (end - start).days + 1))))


def assign_injections(rng: np.random.Generator, women: list[Woman]) -> None:
    for w in women:
        if w.role == "max_fu":
            first = date(2018, 8, 4)
        elif w.role == "min_fu":
            first = date(2021, 9, 22)
        else:
            while True:
                phase = PHASES[int(rng.choice(3, p=PHASE_WEIGHTS))]
                first = random_day(rng, *phase)
                if w.n_inj == 1 or (LAST_INJECTION_DAY - first).days >= 200:
                    break
        w.injections = [first]
        if w.n_inj == 2:
            room = (LAST_INJECTION_DAY - first).days
            gap = int(min(room, rng.integers(160, 640)))
            w.injections.append(no_feb29(first + timedelta(days=gap)))
    check(min(w.injections[0] for w in women) == date(2018, 8, 4), "first injection")


# ------------------------------------------------------------------ 3. pregnancies
def assign_pregnancies(rng: np.random.Generator, women: list[Woman]) -> None:
    spont_days = list(SPONTANEOUS_DAYS)
    ivf_days = list(IVF_DAYS)
    for plan in REPEATERS.values():
        for mode, days, _ in plan:
            (spont_days if mode == "spontaneous" else ivf_days).remove(days)
    singles = [w for w in women if w.ptype == "spont"]
    ivf_only = [w for w in women if w.ptype == "ivf"]
    check(len(spont_days) == len(singles) == 23, "spontaneous slots")
    check(len(ivf_days) == len(ivf_only) == 11, "IVF slots")
    for w, d in zip(singles, pick(rng, spont_days, 23), strict=True):
        w.pregnancies = [Pregnancy("spontaneous", d, "live_birth")]
    for w in pick(rng, singles, 3):
        w.pregnancies[0].outcome = "miscarriage"
    for w, d in zip(ivf_only, pick(rng, ivf_days, 11), strict=True):
        w.pregnancies = [Pregnancy("ivf", d, "live_birth")]
    for w in pick(rng, ivf_only, 4):
        w.pregnancies[0].outcome = "miscarriage"
    twin_mother = pick(rng, [w for w in ivf_only if w.pregnancies[0].outcome == "live_birth"], 1)
    twin_mother[0].pregnancies[0].fetuses = 2
    for w in women:
        if w.ptype in REPEATERS:
            w.pregnancies = [Pregnancy(m, d, o) for m, d, o in REPEATERS[w.ptype]]
    # Dates: every pregnancy of a woman with two injections follows the second.
    for w in women:
        ref = w.injections[-1]
        for p in w.pregnancies:
            p.conception = ref + timedelta(days=p.days)
            if p.outcome == "miscarriage":
                p.weeks = int(rng.integers(6, 13))
            elif p.fetuses == 2:
                p.weeks = int(rng.integers(35, 37))
            else:
                p.weeks = int(rng.choice(np.arange(34, 42), p=_LB_WEEKS))
            days = 7 * p.weeks - 14 + int(rng.integers(0, 5))
            p.outcome_date = p.conception + timedelta(days=days)
        for a, b in zip(w.pregnancies, w.pregnancies[1:], strict=False):
            check(b.conception > a.outcome_date + timedelta(days=30), f"overlap {w.idx}")


_LB_WEEKS = np.array([0.03, 0.04, 0.08, 0.2, 0.25, 0.22, 0.13, 0.05])
_LB_WEEKS = _LB_WEEKS / _LB_WEEKS.sum()


# ---------------------------------------------------------------- 4. end of follow-up
def assign_final_contacts(rng: np.random.Generator, women: list[Woman]) -> None:
    lo: list[int] = []
    hi: list[int] = []
    base: list[float] = []
    for w in women:
        last = w.injections[-1]
        low = max(MIN_FOLLOWUP_DAYS + 1, (FINAL_EARLIEST - last).days)
        if w.pregnancies:
            low = max(low, (w.pregnancies[-1].outcome_date - last).days + 45)
        high = min(MAX_FOLLOWUP_DAYS - 1, (FINAL_LATEST - last).days)
        if w.role == "max_fu":
            low = high = MAX_FOLLOWUP_DAYS
        if w.role == "min_fu":
            low = high = MIN_FOLLOWUP_DAYS
        check(low <= high, f"no room for the final contact of woman {w.idx}")
        lo.append(low)
        hi.append(high)
        base.append(low + float(rng.beta(2.0, 2.0)) * (high - low))
    lo_a, hi_a, base_a = np.array(lo), np.array(hi), np.array(base)
    target = TARGET_FOLLOWUP_YEARS * DAYS_PER_YEAR * N_WOMEN

    def total(shift: float) -> float:
        return float(np.clip(base_a + shift, lo_a, hi_a).sum())

    a, b = -3000.0, 3000.0
    check(total(a) < target < total(b), "mean follow-up 3.72 is out of reach")
    for _ in range(100):
        mid = (a + b) / 2
        a, b = (mid, b) if total(mid) < target else (a, mid)
    days = [int(round(x)) for x in np.clip(base_a + a, lo_a, hi_a)]
    # Integer rounding: nudge single women by a day until the sum is the nearest integer.
    order = [int(i) for i in rng.permutation(N_WOMEN)]
    k = 0
    while sum(days) != round(target):
        i = order[k % N_WOMEN]
        step = 1 if sum(days) < round(target) else -1
        if lo[i] <= days[i] + step <= hi[i]:
            days[i] += step
        k += 1
    for w, d in zip(women, days, strict=True):
        w.final = w.injections[-1] + timedelta(days=d)


# ------------------------------------------------------------------------ 5. IVF cycles
def assign_cycles(rng: np.random.Generator, women: list[Woman]) -> None:
    for w in women:
        if not w.ivf_treated:
            continue
        blocked: list[tuple[date, date]] = []
        for p in w.pregnancies:
            blocked.append((p.conception - timedelta(days=40), p.outcome_date + timedelta(days=75)))
        for inj in w.injections:
            blocked.append((inj - timedelta(days=30), inj + timedelta(days=40)))
        cycles: list[Cycle] = []
        for p in w.pregnancies:
            if p.mode == "ivf":
                start = p.conception - timedelta(days=int(rng.integers(15, 20)))
                oocytes = int(rng.integers(2 if p.fetuses == 2 else 1, 6))
                embryos = 2 if p.fetuses == 2 else int(rng.integers(1, min(2, oocytes) + 1))
                p.cycle = Cycle(start, oocytes, embryos, False)
                cycles.append(p.cycle)
        if w.ptype in ("ivf", "both1", "both2"):
            n_extra = int(rng.choice(3, p=(0.45, 0.35, 0.20)))
        elif w.pregnant:
            n_extra = int(rng.choice((1, 2), p=(0.7, 0.3)))
        else:
            n_extra = int(rng.choice((1, 2, 3), p=(0.45, 0.35, 0.20)))
        window_lo = w.injections[0] + timedelta(days=45)
        window_hi = min(w.final - timedelta(days=45), w.injections[0] + timedelta(days=1300))
        if w.ptype in ("ivf", "both1", "both2"):
            # failed cycles come before the successful one
            window_hi = min(window_hi, min(c.start for c in cycles) - timedelta(days=70))
        placed = 0
        for _ in range(400):
            if placed == n_extra or window_hi <= window_lo:
                break
            start = random_day(rng, window_lo, window_hi)
            if any(a <= start <= b for a, b in blocked):
                continue
            if any(abs((start - c.start).days) < 75 for c in cycles):
                continue
            cycles.append(_failed_cycle(rng, start))
            placed += 1
        if not w.pregnant or w.ptype == "spont":
            check(placed >= 1, f"no IVF cycle could be placed for woman {w.idx}")
        w.cycles = sorted(cycles, key=lambda c: c.start)


def _failed_cycle(rng: np.random.Generator, start: date) -> Cycle:
    if rng.random() < 0.2:
        return Cycle(start, None, None, True)
    oocytes = int(rng.choice(6, p=(0.14, 0.26, 0.26, 0.18, 0.10, 0.06)))
    embryos = 0 if oocytes == 0 else int(rng.integers(0, min(2, oocytes) + 1))
    return Cycle(start, oocytes, embryos, False)


# ---------------------------------------------------------------- 6. birth dates, ages
def _birth_candidates(w: Woman) -> dict[int, list[date]]:
    """Birth dates giving her age at first injection, by completed years at follow-up.

    Dates within 3 days of a birthday at either end, or whose age by days / 365.25 would
    differ from the anniversary rule, are left out so that every reasonable implementation
    of "completed years" agrees.
    """
    first, final = w.injections[0], w.final
    top = date(first.year - w.age, first.month, first.day)
    out: dict[int, list[date]] = {}
    for back in range(0, 367):
        b = top - timedelta(days=back)
        if (b.month, b.day) == (2, 29):
            continue
        ok = True
        for when in (first, final):
            years = completed_years(b, when)
            if not (
                completed_years(b, when - timedelta(days=3)) == years
                and completed_years(b, when + timedelta(days=3)) == years
                and math.floor((when - b).days / DAYS_PER_YEAR) == years
            ):
                ok = False
        if not ok or completed_years(b, first) != w.age:
            continue
        out.setdefault(completed_years(b, final) - w.age, []).append(b)
    return out


def assign_births(rng: np.random.Generator, women: list[Woman]) -> None:
    options = [_birth_candidates(w) for w in women]
    gains = [sorted(o) for o in options]
    # start from each woman's more likely gain
    chosen = [max(o, key=lambda k, o=o: (len(o[k]), k)) for o in options]
    ages = [w.age for w in women]

    def fu_ages() -> list[int]:
        return [a + k for a, k in zip(ages, chosen, strict=True)]

    def objective() -> float:
        values = fu_ages()
        return (sum(values) - TARGET_AGE_FU_SUM) ** 2 + 1e4 * (sd(values) - TARGET_AGE_FU_SD) ** 2

    current = objective()
    for _ in range(200_000):
        values = fu_ages()
        if sum(values) == TARGET_AGE_FU_SUM and abs(sd(values) - TARGET_AGE_FU_SD) < 0.002:
            break
        if sum(values) != TARGET_AGE_FU_SUM:
            picks = [int(rng.integers(N_WOMEN))]
        else:
            picks = [int(i) for i in rng.choice(N_WOMEN, 2, replace=False)]
        old = [chosen[i] for i in picks]
        for i in picks:
            alternatives = [k for k in gains[i] if k != chosen[i]]
            if alternatives:
                chosen[i] = alternatives[int(rng.integers(len(alternatives)))]
        new = objective()
        if new < current:
            current = new
        else:
            for i, k in zip(picks, old, strict=True):
                chosen[i] = k
    values = fu_ages()
    check(sum(values) == TARGET_AGE_FU_SUM, "age at follow-up search did not converge (sum)")
    check(abs(sd(values) - TARGET_AGE_FU_SD) < 0.002, "age at follow-up search (sd)")
    for w, o, k in zip(women, options, chosen, strict=True):
        dates = o[k]
        w.birth = dates[int(rng.integers(len(dates)))]
        w.age_fu = w.age + k
        w.consent = w.injections[0] - timedelta(days=int(rng.integers(1, 61)))


# ------------------------------------------------------------------------- 7. contacts
def _jitter(rng: np.random.Generator, d: date, spread: int) -> date:
    return d + timedelta(days=int(rng.integers(-spread, spread + 1)))


def assign_contacts(rng: np.random.Generator, women: list[Woman]) -> None:
    meno_women = [w for w in women if w.menses_f == "menopause"]
    early_meno = {w.idx for w in meno_women[:3]}  # first report before the final call
    for w in women:
        final = w.final
        contacts: list[Contact] = []
        for j, inj in enumerate(w.injections):
            stop = w.injections[j + 1] if j + 1 < len(w.injections) else final
            for months, label in ((3, "3m"), (6, "6m"), (12, "12m")):
                when = _jitter(rng, inj + timedelta(days=round(months * DAYS_PER_MONTH)), 10)
                if when < stop - timedelta(days=20):
                    contacts.append(Contact(when, "clinic", label))
        anchor = w.injections[-1] + timedelta(days=365)
        year = 1
        while True:
            when = _jitter(rng, anchor + timedelta(days=365 * year), 30)
            if when >= final - timedelta(days=90):
                break
            contacts.append(Contact(when, "records", "annual"))
            year += 1
        contacts.sort(key=lambda c: c.when)
        contacts.append(Contact(final, "phone", "final", checklist=True))
        # When the pattern changed.
        change: date | None = None
        if w.menses_f != w.menses_b:
            if w.menses_f == "menopause":
                later = [c.when for c in contacts[:-1] if c.when > w.injections[0] + timedelta(365)]
                if w.idx in early_meno and later:
                    change = later[int(rng.integers(max(0, len(later) - 2), len(later)))]
                else:
                    change = final
            else:
                span = (final - w.injections[0]).days - 180
                change = w.injections[0] + timedelta(days=120 + int(rng.integers(0, span)))
        for c in contacts:
            in_pregnancy = any(p.conception <= c.when <= p.outcome_date for p in w.pregnancies)
            if in_pregnancy and c.milestone != "final":
                c.menses = ""
            elif change is not None and c.when >= change:
                c.menses = w.menses_f
            else:
                c.menses = w.menses_b
        dates = [c.when for c in contacts]
        check(len(set(dates)) == len(dates), f"two contacts on one day for woman {w.idx}")
        w.contacts = contacts
    early = [w for w in meno_women if w.contacts[-2].menses == "menopause"]
    check(len(early) == 3, "three women first report menopause before the final call")


# ----------------------------------------------------------------- 8. baseline markers
def assign_markers(rng: np.random.Generator, women: list[Woman]) -> None:
    """Plausible poor-responder values; NOT published by the seed paper."""
    adequate = {w.idx for w in pick(rng, women, 9)}  # POSEIDON 1/2-like reserve
    for w in women:
        m: dict[str, str] = {}
        if w.idx in adequate:
            amh = float(rng.uniform(1.25, 2.6))
            afc = int(rng.integers(5, 10))
        else:
            amh = float(np.exp(rng.normal(math.log(0.45), 0.55)))
            amh = min(amh, 1.6)
            afc = int(min(8, rng.poisson(3.2)))
        fsh = float(np.clip(rng.normal(11.5 + 0.25 * (w.age - 38), 3.2), 4.0, 28.0))
        m["amh_ng_ml"] = "" if rng.random() < 0.08 else f"{max(amh, 0.02):.2f}"
        m["afc"] = "" if rng.random() < 0.07 else str(afc)
        m["fsh_iu_l"] = "" if rng.random() < 0.10 else f"{fsh:.1f}"
        prior = int(rng.choice(5, p=(0.10, 0.34, 0.30, 0.16, 0.10)))
        if rng.random() < 0.05:
            m["prior_ivf_cycles"] = m["prior_max_oocytes"] = m["prior_cycle_cancelled"] = ""
        elif prior == 0:
            m["prior_ivf_cycles"], m["prior_max_oocytes"], m["prior_cycle_cancelled"] = "0", "", ""
        else:
            if w.idx in adequate:
                best = int(rng.integers(1, 7))
            else:
                best = int(rng.choice(6, p=(0.08, 0.22, 0.28, 0.27, 0.10, 0.05)))
            cancelled = best == 0 or rng.random() < 0.3
            m["prior_ivf_cycles"] = str(prior)
            m["prior_max_oocytes"] = "" if rng.random() < 0.06 else str(best)
            m["prior_cycle_cancelled"] = "yes" if cancelled else "no"
        w.markers = m


# ------------------------------------------------------------------------- assembly
def build() -> list[Woman]:
    rng = np.random.default_rng(SEED)
    women = assign_categories(rng)
    assign_ages(rng, women)
    assign_structure(rng, women)
    assign_injections(rng, women)
    assign_pregnancies(rng, women)
    assign_final_contacts(rng, women)
    assign_cycles(rng, women)
    assign_births(rng, women)
    assign_contacts(rng, women)
    assign_markers(rng, women)
    # IDs in order of first injection.
    women.sort(key=lambda w: (w.injections[0], w.idx))
    for n, w in enumerate(women, 1):
        w.pid = f"P{n:03d}"
    cycles = sorted(
        ((c, w) for w in women for c in w.cycles), key=lambda cw: (cw[0].start, cw[1].pid)
    )
    for n, (c, _) in enumerate(cycles, 1):
        c.cid = f"C{n:03d}"
    pregnancies = sorted(
        ((p, w) for w in women for p in w.pregnancies),
        key=lambda pw: (pw[0].conception, pw[1].pid),
    )
    for n, (p, _) in enumerate(pregnancies, 1):
        p.pid = f"G{n:03d}"
    return women


def _iso(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def tables(women: list[Woman]) -> dict[str, list[dict[str, str]]]:
    rng = np.random.default_rng(SEED + 1)  # infant details and the cyst
    out: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES_BY_NAME}
    for w in women:
        out["participants"].append(
            {
                "participant_id": w.pid,
                "site": SITE,
                "arm": ARM,
                "birth_date": _iso(w.birth),
                "consent_date": _iso(w.consent),
                "menses_baseline": w.menses_b,
                **w.markers,
            }
        )
        for inj in w.injections:
            out["injections"].append(
                {"participant_id": w.pid, "injection_date": _iso(inj), "product": "MenSC"}
            )
        for c in w.contacts:
            out["contacts"].append(
                {
                    "participant_id": w.pid,
                    "contact_date": _iso(c.when),
                    "mode": c.mode,
                    "milestone": c.milestone,
                    "menses": c.menses,
                    "checklist_complete": _yes(c.checklist),
                    "vital_status": "alive",
                }
            )
    for w in women:
        for c in w.cycles:
            out["ivf_cycles"].append(
                {
                    "cycle_id": c.cid,
                    "participant_id": w.pid,
                    "start_date": _iso(c.start),
                    "oocytes_retrieved": "" if c.oocytes is None else str(c.oocytes),
                    "embryos_transferred": "" if c.embryos is None else str(c.embryos),
                    "cancelled": _yes(c.cancelled),
                }
            )
    out["ivf_cycles"].sort(key=lambda r: r["cycle_id"])
    preg_rows: list[tuple[Pregnancy, Woman]] = sorted(
        ((p, w) for w in women for p in w.pregnancies), key=lambda pw: pw[0].pid
    )
    infant_n = 0
    for p, w in preg_rows:
        out["pregnancies"].append(
            {
                "pregnancy_id": p.pid,
                "participant_id": w.pid,
                "conception_date": _iso(p.conception),
                "mode": p.mode,
                "ivf_cycle_id": p.cycle.cid if p.cycle else "",
                "fetuses": str(p.fetuses),
                "outcome": p.outcome,
                "outcome_date": _iso(p.outcome_date),
                "gestational_weeks": str(p.weeks),
            }
        )
        if p.outcome != "live_birth":
            continue
        for _ in range(p.fetuses):
            infant_n += 1
            if p.fetuses == 2:
                weight = int(rng.integers(2050, 2650))
            elif p.weeks < 37:
                weight = int(rng.integers(2150, 2900))
            else:
                weight = int(rng.normal(3150 + 90 * (p.weeks - 38), 330))
            out["infants"].append(
                {
                    "infant_id": f"I{infant_n:03d}",
                    "pregnancy_id": p.pid,
                    "birth_date": _iso(p.outcome_date),
                    "sex": "female" if rng.random() < 0.49 else "male",
                    "birth_weight_g": str(int(np.clip(weight, 1900, 4300))),
                    "gestational_weeks": str(p.weeks),
                    "death_date": "",
                }
            )
    # One ovarian cyst, diagnosed during a singleton live-birth pregnancy, resolved.
    candidates = [
        (p, w) for p, w in preg_rows if p.outcome == "live_birth" and p.mode == "spontaneous"
    ]
    p, w = candidates[int(rng.integers(len(candidates)))]
    out["conditions"].append(
        {
            "participant_id": w.pid,
            "condition": "ovarian_cyst",
            "diagnosis_date": _iso(p.conception + timedelta(days=int(rng.integers(50, 80)))),
            "during_pregnancy": "yes",
            "resolved": "yes",
            "notes": "simple cyst seen on first-trimester ultrasound; resolved without "
            "intervention (reconstructed record)",
        }
    )
    return out


def write_tables(folder: Path, data: dict[str, list[dict[str, str]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in TABLES_BY_NAME.items():
        columns = table.column_names
        with open(folder / table.filename, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in data[name]:
                unknown = set(row) - set(columns)
                check(not unknown, f"{name}: undeclared columns {sorted(unknown)}")
                writer.writerow([row.get(c, "") for c in columns])


# ---------------------------------------------------------------------- verification
def read_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for name, table in TABLES_BY_NAME.items():
        with open(folder / table.filename, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            check(tuple(reader.fieldnames or ()) == table.column_names, f"{name} header")
            out[name] = list(reader)
    return out


def _d(text: str) -> date:
    return date.fromisoformat(text)


def aggregates(data: dict[str, list[dict[str, str]]]) -> list[tuple[str, str, str]]:
    """(item, published, reconstructed) for every published aggregate, from the rows."""
    parts = data["participants"]
    ids = [p["participant_id"] for p in parts]
    inj: dict[str, list[date]] = {i: [] for i in ids}
    for r in data["injections"]:
        inj[r["participant_id"]].append(_d(r["injection_date"]))
    for v in inj.values():
        v.sort()
    contacts: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    for r in data["contacts"]:
        contacts[r["participant_id"]].append(r)
    for v in contacts.values():
        v.sort(key=lambda r: r["contact_date"])
    birth = {p["participant_id"]: _d(p["birth_date"]) for p in parts}
    end = {i: _d(contacts[i][-1]["contact_date"]) for i in ids}
    age = [completed_years(birth[i], inj[i][0]) for i in ids]
    age_fu = [completed_years(birth[i], end[i]) for i in ids]
    fu = [(end[i] - inj[i][-1]).days / DAYS_PER_YEAR for i in ids]
    base = {p["participant_id"]: p["menses_baseline"] for p in parts}
    follow = {i: [c["menses"] for c in contacts[i] if c["menses"]][-1] for i in ids}
    pregs = data["pregnancies"]
    by_woman: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    for p in pregs:
        by_woman[p["participant_id"]].append(p)
    pregnant = {i for i in ids if by_woman[i]}
    spont = {i for i in ids if any(p["mode"] == "spontaneous" for p in by_woman[i])}
    ivf = {i for i in ids if any(p["mode"] == "ivf" for p in by_woman[i])}
    treated = {c["participant_id"] for c in data["ivf_cycles"]}
    n_inj = {i: len(inj[i]) for i in ids}

    def months(p: dict[str, str]) -> float:
        conception = _d(p["conception_date"])
        ref = max(d for d in inj[p["participant_id"]] if d <= conception)
        return (conception - ref).days / DAYS_PER_MONTH

    m_spont = [months(p) for p in pregs if p["mode"] == "spontaneous"]
    m_ivf = [months(p) for p in pregs if p["mode"] == "ivf"]
    preg_ages = [a for i, a in zip(ids, age, strict=True) if i in pregnant]
    infants = data["infants"]
    preg_mode = {p["pregnancy_id"]: p["mode"] for p in pregs}
    ivf_infants = sum(preg_mode[b["pregnancy_id"]] == "ivf" for b in infants)
    live = [p for p in pregs if p["outcome"] == "live_birth"]
    repeat = sorted(len(v) for v in by_woman.values() if len(v) > 1)

    def frac(n: int, d: int) -> str:
        return f"{n}/{d} ({100 * n / d:.2f} %)"

    def group(pred) -> str:
        members = [i for i, a in zip(ids, age, strict=True) if pred(i, a)]
        return frac(sum(i in pregnant for i in members), len(members))

    trans = {}
    for b in ("regular", "irregular"):
        for f in ("regular", "irregular", "menopause"):
            trans[(b, f)] = sum(base[i] == b and follow[i] == f for i in ids)
    all_dates = [d for v in inj.values() for d in v]
    return [
        ("women", "105", str(len(ids))),
        (
            "injections",
            "Aug 2018 – Sep 2021",
            f"{min(all_dates):%b %Y} – {max(all_dates):%b %Y}",
        ),
        (
            "age at first injection",
            "37.91 ± 4.98, range 24–45",
            f"{statistics.mean(age):.2f} ± {sd(age):.2f}, range {min(age)}–{max(age)}",
        ),
        (
            "women < 35 / ≥ 35",
            "23 / 82",
            f"{sum(a < 35 for a in age)} / {sum(a >= 35 for a in age)}",
        ),
        ("age at follow-up", "41.98 ± 5.00", f"{statistics.mean(age_fu):.2f} ± {sd(age_fu):.2f}"),
        (
            "one / two injections",
            "70 / 35",
            f"{sum(n == 1 for n in n_inj.values())} / {sum(n == 2 for n in n_inj.values())}",
        ),
        (
            "follow-up from last injection, years",
            "mean 3.72, min 2.5, max 6",
            f"mean {statistics.mean(fu):.2f}, min {min(fu):.1f}, max {max(fu):.1f}",
        ),
        (
            "menses before injection: regular / irregular",
            "91 / 14",
            f"{sum(v == 'regular' for v in base.values())} / "
            f"{sum(v == 'irregular' for v in base.values())}",
        ),
        (
            "menses at follow-up: regular / irregular / menopause",
            "84 / 16 / 5",
            " / ".join(
                str(sum(v == k for v in follow.values()))
                for k in ("regular", "irregular", "menopause")
            ),
        ),
        (
            "regular at baseline → irregular / menopause",
            "12 / 1",
            f"{trans[('regular', 'irregular')]} / {trans[('regular', 'menopause')]}",
        ),
        (
            "irregular at baseline → regular / menopause",
            "6 / 4",
            f"{trans[('irregular', 'regular')]} / {trans[('irregular', 'menopause')]}",
        ),
        ("women pregnant", "38 (36.19 %)", f"{len(pregnant)} ({100 * len(pregnant) / 105:.2f} %)"),
        (
            "spontaneous / IVF / both",
            "27 (25.7 %) / 13 / 2",
            f"{len(spont)} ({100 * len(spont) / 105:.1f} %) / {len(ivf)} / {len(spont & ivf)}",
        ),
        (
            "repeat pregnancies (spontaneous only)",
            "one woman twice, another three times",
            str(sorted(len(by_woman[i]) for i in ids if len(by_woman[i]) > 1 and i not in ivf)),
        ),
        (
            "months to spontaneous pregnancy",
            "median 3, range 1–24",
            f"median {statistics.median(m_spont):.1f}, range "
            f"{min(m_spont):.1f}–{max(m_spont):.1f} (n = {len(m_spont)})",
        ),
        (
            "women IVF-treated after injection; IVF-pregnant",
            "54; 13 (24 %)",
            f"{len(treated)}; {len(ivf & treated)} ({100 * len(ivf) / len(treated):.0f} %)",
        ),
        (
            "months to IVF pregnancy",
            "median 5.5, range 2–13",
            f"median {statistics.median(m_ivf):.1f}, range "
            f"{min(m_ivf):.1f}–{max(m_ivf):.1f} (n = {len(m_ivf)})",
        ),
        ("pregnant, age < 35", "12/23 (52.17 %)", group(lambda i, a: a < 35)),
        ("pregnant, age ≥ 35", "26/82 (31.71 %)", group(lambda i, a: a >= 35)),
        ("pregnant, regular menses", "33/91 (36.26 %)", group(lambda i, a: base[i] == "regular")),
        (
            "pregnant, irregular menses",
            "5/14 (35.71 %)",
            group(lambda i, a: base[i] == "irregular"),
        ),
        ("pregnant, one injection", "29/70 (41.43 %)", group(lambda i, a: n_inj[i] == 1)),
        ("pregnant, two injections", "9/35 (25.71 %)", group(lambda i, a: n_inj[i] == 2)),
        (
            "age of the women who became pregnant",
            "median 36, range 24–43",
            f"median {statistics.median(preg_ages):g}, range {min(preg_ages)}–{max(preg_ages)}",
        ),
        ("pregnancies", "43", str(len(pregs))),
        ("miscarriages", "12", str(sum(p["outcome"] == "miscarriage" for p in pregs))),
        (
            "live-birth pregnancies; infants",
            "31; 32 (one twin pair)",
            f"{len(live)}; {len(infants)} ({sum(p['fetuses'] == '2' for p in live)} twin pair)",
        ),
        (
            "live birth rate per treatment cycle (infants / women)",
            "30.48 %",
            f"{100 * len(infants) / 105:.2f} %",
        ),
        (
            "live birth rate per pregnancy (infants / pregnancies)",
            "74.42 %",
            f"{100 * len(infants) / len(pregs):.2f} %",
        ),
        (
            "IVF live birth rate (infants / IVF-treated women)",
            "16.6 %",
            f"{ivf_infants}/{len(treated)} = {100 * ivf_infants / len(treated):.2f} %",
        ),
        (
            "maternal conditions",
            "ovarian cyst 1, all others 0",
            "; ".join(
                f"{r['condition']} {r['during_pregnancy']}/{r['resolved']}"
                for r in data["conditions"]
            )
            + " (during pregnancy/resolved)",
        ),
        ("ectopic pregnancies", "0", str(sum(p["outcome"] == "ectopic" for p in pregs))),
        (
            "infant deaths; infant conditions",
            "0; 0",
            f"{sum(bool(b['death_date']) for b in infants)}; {len(data['infant_conditions'])}",
        ),
        ("repeaters", "", str(repeat)),
    ]


EXPECTED = {
    "women": "105",
    "injections": "Aug 2018 – Sep 2021",
    "age at first injection": "37.91 ± 4.98, range 24–45",
    "women < 35 / ≥ 35": "23 / 82",
    "age at follow-up": "41.98 ± 5.00",
    "one / two injections": "70 / 35",
    "follow-up from last injection, years": "mean 3.72, min 2.5, max 6.0",
    "menses before injection: regular / irregular": "91 / 14",
    "menses at follow-up: regular / irregular / menopause": "84 / 16 / 5",
    "regular at baseline → irregular / menopause": "12 / 1",
    "irregular at baseline → regular / menopause": "6 / 4",
    "women pregnant": "38 (36.19 %)",
    "spontaneous / IVF / both": "27 (25.7 %) / 13 / 2",
    "repeat pregnancies (spontaneous only)": "[2, 3]",
    "months to spontaneous pregnancy": "median 3.0, range 1.0–24.0 (n = 30)",
    "women IVF-treated after injection; IVF-pregnant": "54; 13 (24 %)",
    "months to IVF pregnancy": "median 5.5, range 2.0–13.0 (n = 13)",
    "pregnant, age < 35": "12/23 (52.17 %)",
    "pregnant, age ≥ 35": "26/82 (31.71 %)",
    "pregnant, regular menses": "33/91 (36.26 %)",
    "pregnant, irregular menses": "5/14 (35.71 %)",
    "pregnant, one injection": "29/70 (41.43 %)",
    "pregnant, two injections": "9/35 (25.71 %)",
    "age of the women who became pregnant": "median 36, range 24–43",
    "pregnancies": "43",
    "miscarriages": "12",
    "live-birth pregnancies; infants": "31; 32 (1 twin pair)",
    "live birth rate per treatment cycle (infants / women)": "30.48 %",
    "live birth rate per pregnancy (infants / pregnancies)": "74.42 %",
    "IVF live birth rate (infants / IVF-treated women)": "9/54 = 16.67 %",
    "maternal conditions": "ovarian_cyst yes/yes (during pregnancy/resolved)",
    "ectopic pregnancies": "0",
    "infant deaths; infant conditions": "0; 0",
    "repeaters": "[2, 2, 2, 3]",
}


def verify_rules(data: dict[str, list[dict[str, str]]]) -> None:
    """Every consistency rule of the schema, and the column rules, on the written rows."""
    today = date.today()
    for name, table in TABLES_BY_NAME.items():
        rows = data[name]
        if table.key:
            keys = [r[table.key] for r in rows]
            check(len(set(keys)) == len(keys), f"{name}: duplicate {table.key}")
        for n, row in enumerate(rows, 2):
            for col in table.columns:
                value = row[col.name]
                where = f"{name} row {n} {col.name}={value!r}"
                if not value:
                    check(not col.required, f"{where}: required")
                    continue
                if col.vocabulary:
                    check(value in col.vocabulary, f"{where}: vocabulary")
                if col.dtype == "date":
                    check(_d(value) <= today and _d(value) <= FINAL_LATEST, f"{where}: date")
                if col.dtype == "boolean":
                    check(value in ("yes", "no"), f"{where}: boolean")
                if col.dtype in ("integer", "number"):
                    x = float(value)
                    if col.dtype == "integer":
                        check(value.isdigit(), f"{where}: integer")
                    if col.minimum is not None:
                        ok = x > col.minimum if col.exclusive_minimum else x >= col.minimum
                        check(ok, f"{where}: minimum")
                if col.references:
                    t, c = col.references.split(".")
                    check(value in {r[c] for r in data[t]}, f"{where}: reference")
    parts = {p["participant_id"]: p for p in data["participants"]}
    first: dict[str, date] = {}
    for r in data["injections"]:
        d = _d(r["injection_date"])
        first[r["participant_id"]] = min(first.get(r["participant_id"], d), d)
    end: dict[str, date] = {}
    for r in data["contacts"]:
        d = _d(r["contact_date"])
        end[r["participant_id"]] = max(end.get(r["participant_id"], d), d)
    for pid, p in parts.items():
        birth, consent = _d(p["birth_date"]), _d(p["consent_date"])
        check(birth < consent, f"{pid}: consent_after_birth")
        check(consent <= first[pid], f"{pid}: consent_before_first_injection")
        check(0 < (first[pid] - consent).days <= 60, f"{pid}: consent 1-60 days before")
        check(18 <= completed_years(birth, first[pid]) <= 55, f"{pid}: age_at_first_injection")
    for r in data["contacts"]:
        check(
            _d(r["contact_date"]) >= _d(parts[r["participant_id"]]["consent_date"]),
            "contact_before_consent",
        )
    dated = (
        ("injections", "injection_date"),
        ("conditions", "diagnosis_date"),
        ("ivf_cycles", "start_date"),
        ("pregnancies", "conception_date"),
    )
    for name, col in dated:
        for r in data[name]:
            d, pid = _d(r[col]), r["participant_id"]
            check(d >= first[pid], f"{name} {pid}: before_first_injection")
            check(d <= end[pid], f"{name} {pid}: after_end_of_followup")
    cycles = {c["cycle_id"]: c for c in data["ivf_cycles"]}
    by_woman: dict[str, list[dict[str, str]]] = {}
    for p in data["pregnancies"]:
        check(_d(p["outcome_date"]) >= _d(p["conception_date"]), "outcome_before_conception")
        check(bool(p["outcome_date"]), "outcome_date_missing")
        check(_d(p["outcome_date"]) <= end[p["participant_id"]], "outcome after follow-up")
        if p["ivf_cycle_id"]:
            check(p["mode"] == "ivf", "ivf_cycle_wrong_mode")
            cycle = cycles[p["ivf_cycle_id"]]
            check(cycle["participant_id"] == p["participant_id"], "ivf_cycle_other_woman")
            gap = (_d(p["conception_date"]) - _d(cycle["start_date"])).days
            check(0 <= gap <= 20, "IVF conception within 20 days of the cycle start")
        by_woman.setdefault(p["participant_id"], []).append(p)
    for ps in by_woman.values():
        ps.sort(key=lambda p: p["conception_date"])
        for a, b in zip(ps, ps[1:], strict=False):
            check(b["conception_date"] > a["outcome_date"], "pregnancies_overlap")
    pregs = {p["pregnancy_id"]: p for p in data["pregnancies"]}
    counts: dict[str, int] = {}
    for b in data["infants"]:
        p = pregs[b["pregnancy_id"]]
        check(p["outcome"] == "live_birth", "infant_of_non_live_birth")
        counts[b["pregnancy_id"]] = counts.get(b["pregnancy_id"], 0) + 1
        check(abs((_d(b["birth_date"]) - _d(p["outcome_date"])).days) <= 1, "birth_not_at_outcome")
        check(not b["death_date"], "death_before_birth (no deaths)")
    for k, n in counts.items():
        check(n <= int(pregs[k]["fetuses"]), "more_infants_than_fetuses")


# --------------------------------------------------------------------------- README
README = """\
# The bundled seed cohort — a reconstruction, NOT patient data

**These files describe no real person.** They are an individual-level reconstruction,
generated by `scripts/make_seed_cohort.py` (fixed seed {seed}), of the cohort of

> Zafardoust S, et al. Intra-ovarian injection of autologous menstrual blood-derived
> mesenchymal stromal cells: a safe and promising method to improve pregnancy rate in poor
> ovarian responders. *Stem Cell Research & Therapy* 2025.

The paper publishes aggregates only (105 women treated at the Avicenna Fertility Center,
August 2018 – September 2021, followed for 2.5–6 years). Every row here was invented so that,
computed with the definitions of `docs/results.md`, the rows give back **every
aggregate the paper publishes**, to the published decimals. Any other statistic (a
Kaplan–Meier curve, an odds ratio, a POSEIDON group) is a property of this reconstruction, not
of the study. Use it to demonstrate and test follicle; never cite it as data.

Size: {n_women} women, {n_inj} injections, {n_contacts} contacts, {n_cycles} IVF cycles,
{n_preg} pregnancies, {n_inf} infants, {n_cond} maternal condition, 0 infant conditions. The
eight CSVs follow `docs/workbook.md` (header = the schema's columns in schema order; UTF-8;
ISO dates; `yes`/`no`; empty = unknown) and satisfy every rule of
`follicle.workbook.schema.RULES`.

## How it was built
1. **Categories first**, by hand to the published margins: 38 of 105 pregnant; 23 women < 35
   (12 pregnant) and 82 ≥ 35 (26); 35 with two injections (9 pregnant); baseline menses
   regular 91 (33 pregnant) / irregular 14 (5); follow-up menses by the published transitions
   (regular → regular 78, → irregular 12, → menopause 1; irregular → regular 6, → irregular 4,
   → menopause 4). The 5 women who reached menopause are among the oldest and none was
   pregnant. Pregnancy modes: 25 spontaneous only, 11 IVF only, 2 both; 54 women IVF-treated
   (the 13 IVF-pregnant, 5 spontaneous-only and 36 never-pregnant women, none of them among
   the 5 who reached menopause).
2. **Ages**: integer completed years drawn per group, then nudged by a deterministic hill
   climb until mean 37.91, SD 4.98 (sample SD), range 24–45, and the pregnant women's median
   36 and range 24–43 hold.
3. **Dates**: first injections in three trial windows (Aug 2018 – Jul 2019, Sep 2019 – Feb
   2020, Jun 2020 – Sep 2021); second injections 5–21 months later (by September 2021);
   consent 1–60 days before the first injection. Every pregnancy of a woman with two
   injections follows her second injection (the second injection "was typically administered
   to women who did not achieve pregnancy after the first"). Conception dates come from fixed
   lists of days after the most recent injection (below). The final phone call (the latest
   contact: mode `phone`, milestone `final`, checklist complete, menses recorded) is placed
   between 2022 and 2025-06-30, after every pregnancy outcome, and the follow-up times are
   shifted together until their mean is 3.72 years; one woman has exactly 913 days (2.50
   years) and one 2,191 days (6.00 years). Birth dates are then chosen within the year that
   gives each woman her age at first injection so that the ages at follow-up give mean 41.98,
   SD 5.00; no birth date lies within 3 days of a birthday at either end, so every usual way
   of computing completed years (anniversary rule, days / 365.25) agrees.
4. **Contacts**: clinic visits 3, 6 and 12 months after each injection (those of the first
   injection only while before the second), yearly `records` reviews, and the final phone
   call. Menses are recorded at every contact except those during a pregnancy; women whose
   pattern changed report the new pattern from a drawn date on. Of the 5 women who reached
   menopause, 3 first report it at a contact before the final call (that date is the
   competing event of the survival analysis) and 2 first at the final call.
5. **IVF cycles**: each IVF pregnancy names a cycle of hers that started 15–19 days before
   conception; 0–2 earlier failed cycles for IVF-pregnant women, 1–3 cycles for the others
   (never during a pregnancy, at least 6 weeks after an injection, about 20 % of failed
   cycles cancelled, 0–5 oocytes as in poor responders).
6. The script reads the written CSVs back and **asserts every aggregate below and every
   schema rule**; it stops with an error if one fails.

## The published aggregates, recomputed from these rows
| item | published | this cohort |
|---|---|---|
{table}

Months to pregnancy = days from the most recent injection on or before conception / 30.4375.
The days used:

- spontaneous (30 pregnancies): {spont_days};
- IVF (13 pregnancies): {ivf_days}.

Spontaneous: median (90 + 91) / 2 days = 2.97 months, minimum 30 days = 0.99 months, maximum
731 days = 24.02 months. 16 of the 30 fall within the first 3 months ("a large proportion of
spontaneous pregnancies occurred within the first 3 months"), and the two at 731 days are the
"two cases achieving pregnancy after two years" while the maximum still rounds to 24 months.
IVF: median 167 days = 5.49 months, minimum 61 days = 2.00, maximum 396 days = 13.01.

## Where the paper contradicts itself, and the reading used
(numbered as in `docs/audit.md`, "How the seed paper's inconsistencies are found")
1. **Follow-up**: 3.72 years (text) vs 3.14 (Table 1). Used **3.72 years from the last
   injection**, which the mean ages (37.91 → 41.98) support. The reproduction audit will
   report Table 1's 3.14 as inconsistent in the paper.
2. **Irregular cycles at baseline**: "24" (text) vs 14 (Table 1). Used **14**: only 14 closes
   the transitions (84 = 91 − 12 − 1 + 6; 16 = 12 + 14 − 6 − 4; 5 = 1 + 4). The text's 25 % and
   16 % therefore become 6/14 = 42.86 % and 4/14 = 28.57 %.
3. "1 woman (1.9 %) entered menopause" of 91 regular: the count **1** is used (1/91 = 1.10 %);
   likewise 12/91 = 13.19 % (printed 13.1 %).
4. Pregnancy rate 36.15 % (discussion) vs 36.19 %: 38/105 = **36.19 %**.
5. Median months to IVF pregnancy 5.5 (results) vs 5 (discussion): built to **5.5** at one
   decimal (167 days = 5.49 months, which is also 5 at whole months).
6. "Significantly higher odds" under 35: the counts are the published 12/23 vs 26/82, which
   give Yates χ² = 2.4321, p = 0.1189 (Fisher p = 0.0879) — not significant.
7. **Live-birth rates count infants**: 31 live-birth pregnancies, one of them twins (an IVF
   pregnancy with `fetuses` = 2), give 32 infants; 32/105 = 30.48 % ("per treatment cycle",
   in fact per woman) and 32/43 = 74.42 % ("per pregnancy"). The ICMART delivery rates are
   31/105 = 29.52 % and 31/43 = 72.09 %.
8. Minimum follow-up "3 years (3 to 6)" (methods) vs 2.5 (results): used the results,
   **minimum 2.5, maximum 6** years.
9. The χ² of 6.0062e-31 for menses is floating-point noise of R's Yates correction; the counts
   33/91 and 5/14 give exactly 0 (p = 1).
10. **43 pregnancies in 38 women** only under this reading: 34 women pregnant once, one woman
    twice and one three times (both **spontaneous only**, so that "27 spontaneous" and "13 IVF"
    still count women), and the 2 "both" women with one spontaneous and one IVF pregnancy each
    (38 + 1 + 2 + 2 = 43). So 30 spontaneous and 13 IVF pregnancies. The repeaters:
    twice = miscarriage (35 days) then live birth (540 days); three times = miscarriage (41
    days), miscarriage (183 days), live birth (452 days). The "both" women: IVF miscarriage
    (84 days) then spontaneous live birth (262 days); spontaneous miscarriage (44 days) then
    IVF live birth (215 days).
11. **IVF live birth rate 16.6 %** = 9/54 (16.67 %, printed as 16.6). Consistent with
    the paper's other live-birth rates, this counts **infants**: 8 IVF pregnancies ended in a
    live birth, one of them the twins, giving 9 infants; 9/54. (Counted as deliveries or
    women it is 8/54 = 14.81 %.) Outcomes: spontaneous 23 live births + 7 miscarriages, IVF 8
    live births + 5 miscarriages; 12 miscarriages in all.
12. **Box-plot whiskers 24–42** (Fig. 2 text) with median 36 and maximum 43 (Fig. 2
    caption): impossible under R's boxplot rule (whiskers at the most extreme values within
    1.5 × IQR of the hinges): for 43 to lie beyond the upper whisker while 24 is the lower
    whisker, the upper hinge would have to be below 35.875, but it is at least the median,
    36. The cohort satisfies the median and the range (24–43); its whiskers are {whiskers}.

## What is invented (not published by the paper)
Birth dates, all calendar dates, contact schedule and modes, baseline AMH, AFC, FSH, prior
IVF cycles, prior maximum oocytes and prior cancellation (drawn as plausible poor-responder
values — AMH mostly < 1.2 ng/mL, AFC mostly < 7, prior maximum oocytes ≤ 3 for most; about
5–10 % missing; 9 women with an adequate reserve so that POSEIDON groups 1–2 are represented),
IVF cycle details, which woman has which outcome, gestational weeks, infants' sex and birth
weight, the ovarian cyst's dates. Injection dose, ovary and route are left empty (unknown).
Any analysis of these variables describes the reconstruction only.

Regenerate with `.venv/bin/python scripts/make_seed_cohort.py` (byte-identical output).
"""


def boxplot_whiskers(values: list[int]) -> tuple[float, float]:
    """R's boxplot.stats whiskers (Tukey hinges from fivenum, coef 1.5)."""
    x = sorted(values)
    n = len(x)
    n4 = math.floor((n + 3) / 2) / 2
    d = [n4, n + 1 - n4]

    def at(pos: float) -> float:
        return 0.5 * (x[math.floor(pos) - 1] + x[math.ceil(pos) - 1])

    lo_h, hi_h = at(d[0]), at(d[1])
    iqr = hi_h - lo_h
    inside = [v for v in x if lo_h - 1.5 * iqr <= v <= hi_h + 1.5 * iqr]
    return min(inside), max(inside)


def write_readme(folder: Path, data: dict[str, list[dict[str, str]]], rows) -> None:
    table = "\n".join(f"| {item} | {pub} | {ours} |" for item, pub, ours in rows if pub)
    ages = {}
    inj: dict[str, date] = {}
    for r in data["injections"]:
        d = _d(r["injection_date"])
        inj[r["participant_id"]] = min(inj.get(r["participant_id"], d), d)
    for p in data["participants"]:
        ages[p["participant_id"]] = completed_years(_d(p["birth_date"]), inj[p["participant_id"]])
    preg_ages = [ages[i] for i in sorted({p["participant_id"] for p in data["pregnancies"]})]
    lo, hi = boxplot_whiskers(preg_ages)
    text = README.format(
        seed=SEED,
        n_women=len(data["participants"]),
        n_inj=len(data["injections"]),
        n_contacts=len(data["contacts"]),
        n_cycles=len(data["ivf_cycles"]),
        n_preg=len(data["pregnancies"]),
        n_inf=len(data["infants"]),
        n_cond=len(data["conditions"]),
        table=table,
        spont_days=", ".join(map(str, SPONTANEOUS_DAYS)),
        ivf_days=", ".join(map(str, IVF_DAYS)),
        whiskers=f"{lo:g}–{hi:g}",
    )
    (folder / "README.md").write_text(text, encoding="utf-8", newline="\n")


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    women = build()
    data = tables(women)
    write_tables(folder, data)
    back = read_tables(folder)
    verify_rules(back)
    rows = aggregates(back)
    for item, _, ours in rows:
        want = EXPECTED.get(item)
        check(want == ours, f"{item}: got {ours!r}, want {want!r}")
    missing = set(EXPECTED) - {item for item, _, _ in rows}
    check(not missing, f"unchecked aggregates {missing}")
    # the two published whole-number readings
    write_readme(folder, back, rows)
    print(f"wrote the seed cohort to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
