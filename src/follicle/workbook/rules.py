"""The consistency rules across rows and tables, one vectorised check per rule code.

Each check is registered under a code of :data:`follicle.workbook.schema.RULES` (a test holds
the two sets equal) and reports every row that breaks its rule to a
:class:`~follicle.workbook.problems.ProblemSink`. Checks look only at values that parsed:
a cell that failed to parse is ``<NA>`` and already reported. A woman's first injection and
end of follow-up are unknown (``NaT``) when any of her injection (contact) dates failed to
parse, since the missing one could be the first (last): a comparison with a guess would
report errors that are not there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from follicle.workbook.dates import completed_years
from follicle.workbook.judgment_rules import JUDGMENT_CHECKS
from follicle.workbook.keys import NAT, Women, date_ticks, extreme_by_woman, isin, lookup, positions
from follicle.workbook.problems import ProblemSink, flags
from follicle.workbook.schema import (
    AGE_AT_FIRST_INJECTION,
    BIRTH_OUTCOME_TOLERANCE_DAYS,
    INJECTIONS,
    OPEN_OUTCOMES,
    OPTIONAL_TABLES,
    RULES_BY_CODE,
    TABLES,
)

#: Arms that name a treatment (the injected products, "other" among them), compared
#: case-blind: a woman in one needs an injection before her events; any other arm is a
#: control arm.
TREATMENT_ARMS = tuple(
    v.casefold()
    for v in next(c for c in INJECTIONS.columns if c.name == "product").vocabulary or ()
)

Frames = Mapping[str, pd.DataFrame]
Labels = Mapping[str, str]

#: A rule's check: ``(frames, labels, found)``, adding what it finds to ``found``.
RuleCheck = Callable[[Mapping[str, pd.DataFrame], Mapping[str, str], ProblemSink], None]
#: Every rule's check by its code (filled by ``@_rule``): :func:`check_rules` runs them
#: all; a one-woman save (:mod:`follicle.store.woman`) runs those its change touches.
RULE_CHECKS: dict[str, RuleCheck] = {}


def _rule(code: str) -> Callable[[RuleCheck], RuleCheck]:
    def register(check: RuleCheck) -> RuleCheck:
        assert code in RULES_BY_CODE, code
        RULE_CHECKS[code] = check
        return check

    return register


def implemented_rules() -> frozenset[str]:
    """The rule codes this module checks (a test holds them equal to the schema's)."""
    return frozenset(RULE_CHECKS)


def check_rules(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    found: ProblemSink,
    *,
    unread: frozenset[str] = frozenset(),
) -> None:
    """Check every consistency rule; ``unread`` names the ``table.column`` not read."""
    frames = frames if isinstance(frames, SharedFrames) else SharedFrames(frames)
    for code, check in RULE_CHECKS.items():
        # A table without its reason column (the de-identified export leaves the free-text
        # reasons out) cannot say why: that is by design, not a missing reason.
        if code == "judgment_reason_missing" and "judgments.reason" in unread:
            continue
        check(frames, labels, found)
    # "She has no injection" is only true if the injections could be read.
    if "injections.participant_id" not in unread:
        events_of_untreated_women(frames, labels, found)


class SharedFrames(dict[str, pd.DataFrame]):
    """The frames, with what several rules derive from them computed once.

    Each woman's first injection and end of follow-up, and their lookups for the rows of a
    table, are needed by several rules; at a million women each costs seconds.
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        super().__init__(frames)
        self.memo: dict[object, Any] = {}

    def remember(self, key: object, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def _remembered(frames: Mapping[str, pd.DataFrame], key: object, compute: Callable[[], Any]) -> Any:
    if isinstance(frames, SharedFrames):
        return frames.remember(key, compute)
    return compute()


def _text(code: str) -> str:
    return RULES_BY_CODE[code].text


#: The tables that name a woman by ``participant_id``.
_WOMAN_TABLES = tuple(
    t.name for t in (*TABLES, *OPTIONAL_TABLES) if "participant_id" in t.column_names
)


def coded_women(frames: Mapping[str, pd.DataFrame], *tables: str) -> Women:
    """The women named in ``tables``, coded once (:class:`~follicle.workbook.keys.Women`).

    Checking a whole workbook, one coding of every table serves every rule. Otherwise
    (one rule run alone, as ``store.woman`` asks which tables each rule reads) only the
    tables the rule names are read.
    """
    if isinstance(frames, SharedFrames):
        return frames.remember(
            "women",
            lambda: Women({n: frames[n]["participant_id"] for n in _WOMAN_TABLES if n in frames}),
        )
    return Women({n: frames[n]["participant_id"] for n in tables})


def _first_injection(frames: Mapping[str, pd.DataFrame], women: Women) -> np.ndarray:
    """Each woman's first injection date; ``NaT`` if one of her dates did not parse."""
    return _remembered(
        frames,
        "first_injection",
        lambda: women.extreme("injections", frames["injections"]["injection_date"], "min"),
    )


def _end_of_followup(frames: Mapping[str, pd.DataFrame], women: Women) -> np.ndarray:
    """Each woman's latest contact date; ``NaT`` if one of her dates did not parse."""
    return _remembered(
        frames,
        "end_of_followup",
        lambda: women.extreme("contacts", frames["contacts"]["contact_date"], "max"),
    )


def _dates_per_row(frames: Frames, women: Women, table: str, dates: np.ndarray) -> pd.Series:
    """Per-woman ``dates`` for each row of ``table`` (``NaT`` where it names no woman)."""
    return women.per_row(table, dates, frames[table].index, np.datetime64("NaT", "ns"))


def _iso(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("unknown")


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Dates as days since 1970-01-01, floats (``NaN`` for a missing date): differences of
    them cannot overflow, and a comparison with ``NaN`` is false."""
    day = np.asarray(dates.to_numpy(dtype="datetime64[D]"))
    days = day.astype(np.int64).astype(float)
    days[np.isnat(day)] = np.nan
    return days


def _at(bad: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` in the rows where ``bad`` is true: messages are built for those alone."""
    return values[flags(bad)]


def _quoting(text: str, bad: pd.Series, dates: pd.Series) -> Callable[[], pd.Series]:
    """The message ``text (date)`` of each row where ``bad`` is true, quoting its date of
    ``dates``; made by :meth:`ProblemSink.add` only when a row is hit (most checks find
    nothing, and the message would be most of their cost on a woman's few rows)."""
    return lambda: text + " (" + _iso(_at(bad, dates)) + ")"


def _date_order(code: str, table: str, later: str, earlier: str, *, strict: bool) -> None:
    """Register the rule ``code``: in each row of ``table``, ``later`` comes after ``earlier``.

    ``strict`` forbids the same day. The problem is reported on ``later``, quoting
    ``earlier`` so that the coordinator sees both dates.
    """

    def check(frames: Frames, labels: Labels, found: ProblemSink) -> None:
        rows = frames[table]
        bad = rows[later] <= rows[earlier] if strict else rows[later] < rows[earlier]
        found.add(
            labels[table],
            bad,
            later,
            rows[later],
            code,
            _quoting(_text(code), bad, rows[earlier]),
        )

    _rule(code)(check)


# Orders of two dates in the same row: one generic check each.
_date_order("consent_after_birth", "participants", "consent_date", "birth_date", strict=True)
_date_order(
    "outcome_before_conception", "pregnancies", "outcome_date", "conception_date", strict=False
)
_date_order("death_before_birth", "infants", "death_date", "birth_date", strict=False)


@_rule("consent_before_first_injection")
def _consent_before_first_injection(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    p = frames["participants"]
    first = _first_injection_of_participants(frames)
    bad = p["consent_date"] > first
    found.add(
        labels["participants"],
        bad,
        "consent_date",
        p["consent_date"],
        "consent_before_first_injection",
        _quoting(_text("consent_before_first_injection"), bad, first),
    )


def _first_injection_of_participants(frames: Frames) -> pd.Series:
    """Each participants row's first injection date (``NaT`` if unknown)."""
    women = coded_women(frames, "participants", "injections")
    return _remembered(
        frames,
        "first_injection_of_participants",
        lambda: _dates_per_row(frames, women, "participants", _first_injection(frames, women)),
    )


@_rule("age_at_first_injection")
def _age_at_first_injection(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    p = frames["participants"]
    first = _first_injection_of_participants(frames)
    age = completed_years(p["birth_date"], first)
    low, high = AGE_AT_FIRST_INJECTION
    bad = (age < low) | (age > high)
    found.add(
        labels["participants"],
        bad,
        "birth_date",
        p["birth_date"],
        "age_at_first_injection",
        lambda: (
            _text("age_at_first_injection")
            + "; this birth date makes her "
            + _at(bad, age).astype(str)
            + " at her first injection ("
            + _iso(_at(bad, first))
            + ")"
        ),
    )


@_rule("contact_before_consent")
def _contact_before_consent(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    c = frames["contacts"]
    women = coded_women(frames, "contacts", "participants")
    consent = _dates_per_row(frames, women, "contacts", _consent(frames, women))
    bad = c["contact_date"] < consent
    found.add(
        labels["contacts"],
        bad,
        "contact_date",
        c["contact_date"],
        "contact_before_consent",
        _quoting(_text("contact_before_consent"), bad, consent),
    )


#: The dated events that must fall inside a woman's treated follow-up.
_EVENTS = (
    ("injections", "injection_date"),
    ("conditions", "diagnosis_date"),
    ("ivf_cycles", "start_date"),
    ("pregnancies", "conception_date"),
)


@_rule("before_first_injection")
def _before_first_injection(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    women = coded_women(frames, *(name for name, _ in _EVENTS))
    firsts = _first_injection(frames, women)
    for name, column in _EVENTS[1:]:  # an injection cannot precede the first injection
        f = frames[name]
        if f.empty:
            continue
        first = _dates_per_row(frames, women, name, firsts)
        bad = f[column] < first
        found.add(
            labels[name],
            bad,
            column,
            f[column],
            "before_first_injection",
            _quoting(f"{column} " + _text("before_first_injection"), bad, first),
        )


def _consent(frames: Frames, women: Women) -> np.ndarray:
    """Each woman's consent date, from her first participants row."""
    dates = frames["participants"]["consent_date"]
    return women.first("participants", dates, np.datetime64("NaT", "ns"))


def is_control_arm(arm: pd.Series) -> pd.Series:
    """Whether each arm names no treatment (``control``, ``declined``, …): not empty (the
    default arm is MenSC) and not an injected product (:data:`TREATMENT_ARMS`). A woman of
    a control arm has no injection by design and is followed from her consent date."""
    # A handful of arms among a million women: each spelling is judged once, in Python
    # (casefold has no Arrow kernel, and pandas' string methods cost more on a handful of
    # words than the words themselves).
    codes, spellings = pd.factorize(arm.astype("string"))
    words = (str(s).strip().casefold() for s in spellings)
    control = [word != "" and word not in TREATMENT_ARMS for word in words]
    return pd.Series(np.array([*control, False], dtype=bool)[codes], index=arm.index)


def _control_arm(participants: pd.DataFrame) -> pd.Series:
    if "arm" not in participants:
        return pd.Series(False, index=participants.index)
    return is_control_arm(participants["arm"])


def events_of_untreated_women(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    """Events of a woman with no injection row at all (part of ``before_first_injection``).

    A woman of a treatment arm (MenSC, PRP, BMDSC, or no arm: MenSC by default) needs an
    injection before any event. A woman of a control arm (``control``, ``declined``, …) has
    none by design and is followed from her consent date: her events must be on or after
    it, and need one. Rows, not dates: a woman whose injection date failed to parse has an
    injection, and that date's own error is the one to fix.
    """
    women = coded_women(frames, *(name for name, _ in _EVENTS), "participants")
    # Enrolled (a participants row) and without an injection row.
    enrolled_untreated = women.having("participants") & ~women.having("injections")
    if not enrolled_untreated.any():  # every check below is of such a woman's events
        return
    # Her first participants row decides her arm and consent date.
    control = women.first("participants", _control_arm(frames["participants"]), False)
    consent = _consent(frames, women)
    for name, column in _EVENTS[1:]:
        f = frames[name]
        if f.empty:
            continue
        untreated = f[column].notna() & women.per_row(name, enrolled_untreated, f.index, False)
        in_control = women.per_row(name, control, f.index, False)
        found.add(
            labels[name],
            untreated & ~in_control,
            column,
            f[column],
            "before_first_injection",
            f"{column} " + _text("before_first_injection") + ", but she has no injection recorded",
        )
        start = _dates_per_row(frames, women, name, consent)
        no_consent = untreated & in_control & start.isna()
        found.add(
            labels[name],
            no_consent,
            column,
            f[column],
            "before_first_injection",
            f"{column} of a woman of a control arm, who is followed from her consent date, "
            "but none is recorded",
        )
        before = (untreated & in_control & (f[column] < start)).fillna(False)
        found.add(
            labels[name],
            before,
            column,
            f[column],
            "before_first_injection",
            _quoting(
                f"{column} is before her consent date, from which a woman of a control arm "
                "is followed",
                before,
                start,
            ),
        )


@_rule("after_end_of_followup")
def _after_end_of_followup(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    women = coded_women(frames, "contacts", *(name for name, _ in _EVENTS))
    ends = _end_of_followup(frames, women)
    for name, column in _EVENTS:
        f = frames[name]
        if f.empty:
            continue
        end = _dates_per_row(frames, women, name, ends)
        bad = f[column] > end
        found.add(
            labels[name],
            bad,
            column,
            f[column],
            "after_end_of_followup",
            _quoting(f"{column} " + _text("after_end_of_followup"), bad, end),
        )


def _deceased(contacts: pd.DataFrame) -> pd.Series:
    """Whether each contact recorded the woman as deceased (an empty cell means alive)."""
    return (contacts["vital_status"].astype("string") == "deceased").fillna(False)


def _deaths(frames: Frames) -> tuple[Women, np.ndarray]:
    """The women of the contacts and the dated events, and each one's death as the date of
    her first contact that recorded her deceased (``NaT``: none did)."""

    def compute() -> tuple[Women, np.ndarray]:
        c = frames["contacts"]
        women = coded_women(frames, "contacts", *(name for name, _ in _EVENTS))
        # Contacts that say she is alive, or say nothing (alive by default), do not count,
        # nor do dates that failed to parse: unlike her end of follow-up, a missing date
        # cannot make this one earlier.
        ticks = np.where(_deceased(c).to_numpy(dtype=bool), date_ticks(c["contact_date"]), NAT)
        return women, extreme_by_woman(women.codes["contacts"], ticks, women.count, "min")

    return _remembered(frames, "deaths", compute)


@_rule("after_death")
def _after_death(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    women, deaths = _deaths(frames)
    for name, column in _EVENTS:
        f = frames[name]
        if f.empty:
            continue
        death = _dates_per_row(frames, women, name, deaths)
        bad = f[column] > death
        found.add(
            labels[name],
            bad,
            column,
            f[column],
            "after_death",
            _quoting(
                f"{column} must be on or before the contact that recorded her as deceased",
                bad,
                death,
            ),
        )


@_rule("contact_after_death")
def _contact_after_death(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    # A warning, not an error: a later contact that records no vital status (alive by
    # default) may be a records review that did not ask; one that says "alive" contradicts
    # the death, but which of the two is wrong the coordinator must tell.
    c = frames["contacts"]
    women, deaths = _deaths(frames)
    death = _dates_per_row(frames, women, "contacts", deaths)
    # A records review after her death may still be dated later; it records her deceased.
    alive = (c["contact_date"] > death) & ~_deceased(c)
    if alive.any():  # a vital status that did not parse is not alive: it is reported
        alive &= ~found.reported(labels["contacts"], "vital_status", c.index)
    found.add(
        labels["contacts"],
        alive,
        "vital_status",
        c["vital_status"],
        "contact_after_death",
        _quoting(
            "a contact after the one that recorded her as deceased does not record her deceased",
            alive,
            death,
        ),
        warning=True,
    )


@_rule("outcome_date_missing")
def _outcome_date_missing(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"]
    closed = g["outcome"].notna() & ~g["outcome"].isin(OPEN_OUTCOMES)
    bad = closed & g["outcome_date"].isna()
    if bad.any():  # an outcome date that did not parse is not missing: it is reported
        bad &= ~found.reported(labels["pregnancies"], "outcome_date", g.index)
    found.add(
        labels["pregnancies"],
        bad,
        "outcome_date",
        g["outcome_date"],
        "outcome_date_missing",
        lambda: (
            _text("outcome_date_missing")
            + " (the outcome is "
            + _at(bad, g["outcome"]).astype(str)
            + ")"
        ),
    )


def _cycles_by_id(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return (
        frames["ivf_cycles"]
        .dropna(subset=["cycle_id"])
        .drop_duplicates("cycle_id")
        .set_index("cycle_id")
    )


@_rule("ivf_cycle_other_woman")
def _ivf_cycle_other_woman(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"]
    owner = lookup(g["ivf_cycle_id"], _cycles_by_id(frames)["participant_id"])
    bad = owner.notna() & g["participant_id"].notna() & (owner != g["participant_id"])
    found.add(
        labels["pregnancies"],
        bad,
        "ivf_cycle_id",
        g["ivf_cycle_id"],
        "ivf_cycle_other_woman",
        lambda: (
            _text("ivf_cycle_other_woman") + " (the cycle is " + _at(bad, owner).astype(str) + "'s)"
        ),
    )


@_rule("ivf_cycle_wrong_mode")
def _ivf_cycle_wrong_mode(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"]
    bad = g["ivf_cycle_id"].notna() & g["mode"].notna() & (g["mode"] != "ivf")
    found.add(
        labels["pregnancies"],
        bad,
        "ivf_cycle_id",
        g["ivf_cycle_id"],
        "ivf_cycle_wrong_mode",
        lambda: (
            _text("ivf_cycle_wrong_mode") + " (the mode is " + _at(bad, g["mode"]).astype(str) + ")"
        ),
    )


@_rule("conception_before_ivf_cycle")
def _conception_before_ivf_cycle(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"]
    start = lookup(g["ivf_cycle_id"], _cycles_by_id(frames)["start_date"])
    bad = g["conception_date"] < start
    found.add(
        labels["pregnancies"],
        bad,
        "conception_date",
        g["conception_date"],
        "conception_before_ivf_cycle",
        _quoting(
            "the pregnancy's conception date is before the first day of stimulation of the IVF "
            "cycle that gave it; the cycle started",
            bad,
            start,
        ),
        # A warning: the conception date is an estimate (workbook.md), which may be dated
        # from the last period, a day or two before stimulation starts.
        warning=True,
    )


@_rule("pregnancies_overlap")
def _pregnancies_overlap(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"].dropna(subset=["participant_id", "conception_date"])
    g = g.sort_values(["participant_id", "conception_date"], kind="stable")
    same_woman = g["participant_id"].eq(g["participant_id"].shift())
    previous_end = g["outcome_date"].shift()
    previous_ongoing = g["outcome"].shift().eq("ongoing")
    previous_row = pd.Series(g.index, index=g.index).shift()
    bad = same_woman & ((g["conception_date"] <= previous_end) | previous_ongoing)
    message = (
        _text("pregnancies_overlap")
        + " (row "
        + _at(bad, previous_row).astype("Int64").astype(str)
        + " ends "
        + _iso(_at(bad, previous_end))
        + ")"
    )
    found.add(
        labels["pregnancies"],
        bad,
        "conception_date",
        g["conception_date"],
        "pregnancies_overlap",
        message,
    )


def _pregnancy_of(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each infant's pregnancy columns (outcome, outcome_date, fetuses, conception_date),
    row-aligned."""
    return _remembered(frames, "pregnancy_of_infants", lambda: _lookup_pregnancies(frames))


def _lookup_pregnancies(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    preg = frames["pregnancies"].dropna(subset=["pregnancy_id"]).drop_duplicates("pregnancy_id")
    preg = preg.set_index("pregnancy_id")
    inf = frames["infants"]
    at = positions(inf["pregnancy_id"], preg.index)  # hashed once for the three columns
    return pd.DataFrame(
        {
            c: lookup(inf["pregnancy_id"], preg[c], at)
            for c in ("outcome", "outcome_date", "fetuses", "conception_date")
        },
        index=inf.index,
    )


@_rule("infant_condition_before_conception")
def _infant_condition_before_conception(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    ic = frames["infant_conditions"]
    if ic.empty:
        return
    infants = frames["infants"]
    conception = pd.Series(
        _pregnancy_of(frames)["conception_date"].to_numpy(), index=infants["infant_id"]
    )
    # An infant ID repeated in its table counts once (its first row), as its references do.
    conception = conception[conception.index.notna() & ~conception.index.duplicated()]
    conceived = lookup(ic["infant_id"], conception)
    bad = ic["diagnosis_date"] < conceived
    found.add(
        labels["infant_conditions"],
        bad,
        "diagnosis_date",
        ic["diagnosis_date"],
        "infant_condition_before_conception",
        _quoting(_text("infant_condition_before_conception") + "; it was", bad, conceived),
    )


@_rule("infant_of_non_live_birth")
def _infant_of_non_live_birth(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    inf = frames["infants"]
    outcome = _pregnancy_of(frames)["outcome"]
    bad = outcome.notna() & (outcome != "live_birth")
    found.add(
        labels["infants"],
        bad,
        "pregnancy_id",
        inf["pregnancy_id"],
        "infant_of_non_live_birth",
        lambda: (
            _text("infant_of_non_live_birth")
            + " (its outcome is "
            + _at(bad, outcome).astype(str)
            + ")"
        ),
    )


@_rule("more_infants_than_fetuses")
def _more_infants_than_fetuses(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    g = frames["pregnancies"]
    inf = frames["infants"].dropna(subset=["pregnancy_id"])
    counts = inf.groupby("pregnancy_id").size()
    n = lookup(g["pregnancy_id"], counts).fillna(0).astype(int)
    fetuses = g["fetuses"].fillna(1)
    bad = flags(n > fetuses)
    if not bad.any():
        return
    # Fetuses that did not parse are not the default one: that cell's problem is reported.
    bad &= ~found.reported(labels["pregnancies"], "fetuses", g.index)
    if not bad.any():
        return
    # The infants' row lists are joined in Python, so only for the pregnancies in error.
    over = inf[isin(inf["pregnancy_id"], g.loc[bad, "pregnancy_id"])]
    rows = (
        pd.Series(over.index, index=over.index)
        .groupby(over["pregnancy_id"])
        .agg(lambda r: ", ".join(str(x) for x in r))
    )
    message = (
        _text("more_infants_than_fetuses")
        + ": "
        + n.astype(str)
        + " infants (rows "
        + lookup(g["pregnancy_id"], rows).astype(str)
        + " of infants) but fetuses is "
        + fetuses.astype(str)
    )
    found.add(
        labels["pregnancies"], bad, "fetuses", g["fetuses"], "more_infants_than_fetuses", message
    )


@_rule("birth_not_at_outcome")
def _birth_not_at_outcome(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    inf = frames["infants"]
    outcome_date = _pregnancy_of(frames)["outcome_date"]
    # In days, not pandas' nanoseconds: two dates 292 years apart (a typo of 1719 for 2019,
    # each a valid date) overflow a nanosecond difference.
    days = _day_numbers(inf["birth_date"]) - _day_numbers(outcome_date)
    bad = pd.Series(np.abs(days) > BIRTH_OUTCOME_TOLERANCE_DAYS, index=inf.index)
    found.add(
        labels["infants"],
        bad,
        "birth_date",
        inf["birth_date"],
        "birth_not_at_outcome",
        lambda: _text("birth_not_at_outcome") + " (outcome " + _iso(_at(bad, outcome_date)) + ")",
    )


@_rule("same_day_injection")
def _same_day_injection(frames: Frames, labels: Labels, found: ProblemSink) -> None:
    inj = frames["injections"]
    keys = ["participant_id", "injection_date"]
    # Her code and the date's integer stand for (participant_id, injection_date): integers
    # are hashed in a fraction of the time of a million text IDs.
    woman = coded_women(frames, "injections").codes["injections"]
    date = inj["injection_date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    known = np.flatnonzero((woman >= 0) & (date != np.iinfo(np.int64).min))
    pairs = pd.DataFrame({"woman": woman[known], "date": date[known]})
    repeated = np.zeros(len(inj), dtype=bool)
    repeated[known[pairs.duplicated(keep=False).to_numpy()]] = True
    involved = inj[repeated]
    if involved.empty:
        return
    first_row = (
        pd.Series(involved.index, index=involved.index)
        .groupby([involved[k] for k in keys])
        .transform("min")
    )
    found.add(
        labels["injections"],
        involved.duplicated(keys, keep="first"),
        "injection_date",
        involved["injection_date"],
        "same_day_injection",
        _text("same_day_injection")
        + " (row "
        + first_row.astype(str)
        + " is her injection of the same date)",
    )


# The judgments table's rules live beside it (judgment_rules.py); they register here.
for _code, _check in JUDGMENT_CHECKS.items():
    _rule(_code)(_check)


def warn_untreated(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    found: ProblemSink,
    *,
    unread: frozenset[str] = frozenset(),
) -> None:
    """Warn of women not yet treated, or not yet followed up, if the tables could say."""
    p = frames["participants"]
    women = coded_women(frames, "participants", "injections", "contacts")
    treated = women.per_row("participants", women.having("injections"), p.index, False)
    # A woman of a control arm has no injection by design: nothing to warn of.
    control = _control_arm(p)
    found.add(
        labels["participants"],
        p["participant_id"].notna()
        & ~treated
        & ~control
        & ("injections.participant_id" not in unread),
        "participant_id",
        p["participant_id"],
        "no_injection",
        "she has no injection recorded (enrolled, not yet treated): the analysis of the "
        "treated women leaves her out",
        warning=True,
    )
    contacted = women.per_row("participants", women.having("contacts"), p.index, False)
    found.add(
        labels["participants"],
        p["participant_id"].notna()
        & treated
        & ~contacted
        & ("contacts.participant_id" not in unread),
        "participant_id",
        p["participant_id"],
        "no_contact",
        "she has no follow-up contact recorded, so her end of follow-up is unknown",
        warning=True,
    )
