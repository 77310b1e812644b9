"""The analysis frames: one row per treated woman, one row per pregnancy.

Every statistic of the analysis starts from the two frames built here, derived from a
validated :class:`~follicle.workbook.frames.Workbook` with the definitions of
``docs/results.md`` (each value with its definition). Everything is vectorised: ``groupby``,
``merge`` and ``merge_asof`` over whole tables, never a loop over women.

Units
-----
* ages in **completed years** (the anniversary rule,
  :func:`follicle.workbook.dates.completed_years`);
* durations in **years** = days / 365.25 (:data:`DAYS_PER_YEAR`);
* times to pregnancy in **months** = days / 30.4375 (:data:`DAYS_PER_MONTH`, i.e. 365.25 / 12).

Who is analysed
---------------
A woman enters the analysis when she has at least one injection. Enrolled women with no
injection (consented, not yet treated) are left out; :func:`excluded` lists them so that
every report can say how many. Pregnancies, IVF cycles and conditions dated before a woman's
first injection (the validator rejects them) are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from follicle.workbook.dates import completed_years
from follicle.workbook.frames import Workbook, with_defaults
from follicle.workbook.keys import NAT, Women, date_ticks, extreme_by_woman
from follicle.workbook.schema import PARTICIPANTS, PREGNANCIES

#: Days in a year of the analysis (Julian year): years = days / 365.25.
DAYS_PER_YEAR = 365.25
#: Days in a month of the analysis (a twelfth of a Julian year): months = days / 30.4375.
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: Women younger than this (completed years at the first injection) form the younger group.
AGE_GROUP_CUTOFF = 35
#: Labels of the two age groups, in table order.
AGE_GROUPS = (f"<{AGE_GROUP_CUTOFF}", f"≥{AGE_GROUP_CUTOFF}")

MonthBinning = Literal["round", "floor", "ceiling"]

#: Columns of :func:`women`, in order.
WOMEN_COLUMNS = (
    "participant_id",
    "site",
    "arm",
    "birth_date",
    "age",
    "age_followup",
    "age_group",
    "injections",
    "first_injection",
    "last_injection",
    "end_of_followup",
    "followup_years",
    "menses_baseline",
    "menses_followup",
    "menopause_date",
    "pregnant",
    "pregnant_spontaneous",
    "pregnant_ivf",
    "both",
    "n_pregnancies",
    "first_conception",
    "ivf_treated",
    "ivf_cycles",
)

#: Columns of :func:`pregnancies`, in order.
PREGNANCY_COLUMNS = (
    "pregnancy_id",
    "participant_id",
    "pregnancy_number",
    "conception_date",
    "mode",
    "ivf_cycle_id",
    "fetuses",
    "outcome",
    "outcome_date",
    "gestational_weeks",
    "injection_number",
    "injection_date",
    "days_since_injection",
    "months_since_injection",
    "month",
    "months_since_first_injection",
    "live_birth",
    "infants_recorded",
    "infants",
)


def treated_ids(workbook: Workbook) -> pd.Series:
    """The ``participant_id`` of every woman with at least one injection, sorted."""
    ids = workbook["injections"]["participant_id"].dropna().drop_duplicates()
    return ids.sort_values(ignore_index=True)


def excluded(workbook: Workbook) -> pd.DataFrame:
    """The enrolled women left out of the analysis because no injection is recorded.

    Returns
    -------
    DataFrame
        ``participant_id``, ``site`` and ``consent_date`` of each untreated woman, sorted by
        ``participant_id`` (no rows when every woman was treated).
    """
    p = workbook["participants"]
    # Coded, not sorted: the treated women's IDs are only needed as a set.
    women = workbook.coded_women("participants", "injections")
    untreated = ~women.per_row("participants", women.having("injections"), p.index, False)
    out = p.loc[untreated, ["participant_id", "site", "consent_date"]]
    return out.sort_values("participant_id", ignore_index=True)


def select_labels(
    conditions: Sequence[np.ndarray | pd.Series],
    labels: Sequence[str],
    index: pd.Index,
    default: str | None = None,
) -> pd.Series:
    """Text ``np.select``: each row's label of the first true condition, else ``default``
    (``<NA>`` when ``None``), as a ``string`` Series.

    The conditions choose a code and the labels are taken by code: ``np.select`` on the
    labels themselves broadcasts each into a fixed-width text array as long as the cohort
    (hundreds of megabytes at a million women), then into a million Python strings.
    """
    masks = [np.asarray(c, dtype=bool) for c in conditions]
    fallback = len(labels) if default is not None else -1
    code = (
        np.select(masks, list(range(len(labels))), fallback)
        if masks
        else np.full(len(index), fallback)
    )
    words = pd.array([*labels, *([default] if default is not None else [])], dtype="string")
    return pd.Series(words.take(code, allow_fill=True), index=index)


def _attach(
    frame: pd.DataFrame,
    by_key: pd.Series | pd.DataFrame,
    *,
    key: str = "participant_id",
    how: Literal["left", "inner"] = "left",
) -> pd.DataFrame:
    """``frame`` with the columns of ``by_key`` (indexed by ``key``) joined on ``key``."""
    right = by_key.to_frame() if isinstance(by_key, pd.Series) else by_key
    right = right.rename_axis(key).reset_index()
    return frame.merge(right, on=key, how=how)


def _count(woman: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    """How many of ``rows`` (a mask) each woman has."""
    return np.bincount(woman[rows & (woman >= 0)], minlength=count)


@dataclass(frozen=True)
class Coded:
    """The women of the analysis frames and of the workbook's tables as the codes of one
    coding of their IDs (:class:`~follicle.workbook.keys.Women`, validation's when the
    workbook carries it): what the statistics look women up by, instead of hashing a
    million text IDs again in each merge, ``isin`` or group-by.
    """

    women: Women
    #: The women frame (:func:`women`) and the code of each of its rows.
    women_frame: pd.DataFrame
    of_women: np.ndarray
    #: The pregnancies frame (:func:`pregnancies`) and the code of each of its rows.
    pregnancy_frame: pd.DataFrame
    of_pregnancies: np.ndarray
    #: The workbook's tables whose rows ``women.codes`` follow.
    tables: Mapping[str, pd.DataFrame]

    def rows(self, frame: pd.DataFrame, name: str | None = None) -> np.ndarray | None:
        """The code of each row of ``frame`` — the women frame, the pregnancies frame or
        the workbook's table ``name``, the very frames that were coded; ``None`` for any
        other frame (a caller then looks its IDs up as text)."""
        if frame is self.women_frame:
            return self.of_women
        if frame is self.pregnancy_frame:
            return self.of_pregnancies
        if name is not None and self.tables.get(name) is frame and name in self.women.codes:
            return self.women.codes[name]
        return None

    def per_woman(self, values: pd.Series, fill: object) -> np.ndarray:
        """A column of the women frame by code, plus one more entry, ``fill``, which the
        code -1 picks; ``fill`` too for a woman not in the frame."""
        data = values.to_numpy()
        out = np.full(self.women.count + 1, fill, dtype=data.dtype)
        out[self.of_women] = data
        return out

    def treated(self) -> np.ndarray:
        """Whether each code is a woman of the women frame (then one more entry, false,
        which the code -1 picks)."""
        out = np.zeros(self.women.count + 1, dtype=bool)
        out[self.of_women] = True
        return out


def codes_of(
    coded: Coded | None, women: pd.DataFrame, frame: pd.DataFrame, name: str | None = None
) -> np.ndarray | None:
    """The code of each row of ``frame`` (see :meth:`Coded.rows`) when ``coded`` codes it
    and the women frame ``women`` too — what a statistic given both frames looks women up
    by; ``None`` otherwise, and the statistic looks them up by their text IDs."""
    if coded is None or coded.rows(women) is None:
        return None
    return coded.rows(frame, name)


def _latest_menses(women: Women, contacts: pd.DataFrame) -> pd.Series:
    """The pattern of each woman's latest contact that records one (``<NA>`` if none).

    A tie on that date goes to the later row, as a stable sort by date then the last
    would: among her recorded rows, those on their latest date, then the last of them.
    """
    woman = women.codes["contacts"]
    days = date_ticks(contacts["contact_date"])
    menses, patterns = pd.factorize(contacts["menses"])
    recorded = np.flatnonzero((menses >= 0) & (woman >= 0) & (days != NAT))
    latest_day = np.full(women.count, NAT)
    np.maximum.at(latest_day, woman[recorded], days[recorded])
    on_latest = recorded[days[recorded] == latest_day[woman[recorded]]]
    latest_row = np.full(women.count, -1)
    np.maximum.at(latest_row, woman[on_latest], on_latest)
    pattern = np.append(menses, -1)[latest_row]  # -1 (no row) picks the -1 appended
    return pd.Series(pd.array(patterns, dtype="string").take(pattern, allow_fill=True))


def women(workbook: Workbook, pregnancy_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per treated woman with the derived variables of the analysis.

    Women with no injection are left out (see :func:`excluded`). Rows are sorted by
    ``participant_id``; the index is 0..n-1.

    Parameters
    ----------
    workbook
        A validated workbook.
    pregnancy_frame
        :func:`pregnancies` of the same workbook, when the caller has it already (the
        pregnancy flags are derived from it); computed when ``None``.

    Returns
    -------
    DataFrame
        The columns of :data:`WOMEN_COLUMNS`:

        ``age`` (Int64, completed years)
            age at the first injection (anniversary rule; R: ``as.POSIXlt`` year
            difference less one if the birthday is not yet reached).
        ``age_followup`` (Int64, completed years)
            age at the end of follow-up; ``<NA>`` without a contact.
        ``age_group`` (string)
            ``"<35"`` or ``"≥35"`` by ``age`` (:data:`AGE_GROUPS`).
        ``injections`` (Int64)
            number of injections; ``first_injection``, ``last_injection`` their dates.
        ``end_of_followup`` (date)
            the latest contact; ``<NaT>`` when she has none.
        ``followup_years`` (Float64, years)
            (``end_of_followup`` − ``last_injection``) in days / 365.25.
        ``menses_baseline``, ``menses_followup`` (string)
            baseline pattern; the pattern of the latest contact that records one.
        ``menopause_date`` (date)
            the first contact reporting menopause (the competing event of the survival
            analysis); ``<NaT>`` if none.
        ``pregnant``, ``pregnant_spontaneous``, ``pregnant_ivf``, ``both`` (boolean)
            at least one pregnancy on or after the first injection; of that mode; both
            modes. Pregnancies by IUI or another mode count for ``pregnant`` only.
        ``n_pregnancies`` (Int64), ``first_conception`` (date)
            pregnancies on or after the first injection and the first conception date.
        ``ivf_treated`` (boolean), ``ivf_cycles`` (Int64)
            at least one IVF cycle started on or after the first injection — or a pregnancy
            conceived by IVF, which implies one even when the cycle row is missing.
    """
    return women_coded(workbook, pregnancy_frame)[0]


def women_coded(
    workbook: Workbook,
    pregnancy_frame: pd.DataFrame | None = None,
    pregnancy_codes: tuple[Women, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, Women, np.ndarray]:
    """:func:`women`, with the coding of the IDs it used and the code of each of its rows.

    ``pregnancy_codes``: the coding and the codes of ``pregnancy_frame``'s rows
    (:func:`pregnancies_coded`), used when they are of the same coding.
    """
    p = workbook["participants"]
    if pregnancy_frame is None:
        pregnancy_frame, coding, preg_rows = pregnancies_coded(workbook)
        pregnancy_codes = (coding, preg_rows)
    preg = pregnancy_frame
    inj, contacts = workbook["injections"], workbook["contacts"]
    cycles = workbook["ivf_cycles"]
    # A million women: each table's IDs are hashed once, together (by validation, whose
    # coding the workbook carries), and every per-woman value is a numpy reduction over
    # the codes, looked up by code (no group-by or merge on text IDs, each of which would
    # hash them again). The pregnancy frame's women are looked up in that coding: only
    # the treated women's values are read, and each of them has a code.
    women = workbook.coded_women("participants", "injections", "contacts", "ivf_cycles")
    treated = women.per_row("participants", women.having("injections"), p.index, False)
    base = p.loc[treated, ["participant_id", "site", "arm", "birth_date", "menses_baseline"]]
    frame = with_defaults(PARTICIPANTS, base).reset_index(drop=True)
    at = women.codes["participants"][treated.to_numpy()]

    def of(per_woman: np.ndarray | pd.Series, fill: object = None) -> object:
        """``per_woman`` for each row of ``frame``."""
        if isinstance(per_woman, pd.Series):
            return per_woman.take(at).reset_index(drop=True)
        return np.append(per_woman, np.array([fill], dtype=per_woman.dtype))[at]

    n = women.count
    if pregnancy_codes is not None and pregnancy_codes[0] is women:
        preg_codes = pregnancy_codes[1]
    else:
        preg_codes = women.code(preg["participant_id"])
    codes = {**women.codes, "pregnancies": preg_codes}
    dated = inj["injection_date"].notna().to_numpy()
    injections = _count(codes["injections"], dated, n)
    frame["injections"] = pd.array(of(injections, 0), dtype="Int64")
    frame.loc[frame["injections"] == 0, "injections"] = pd.NA
    injection_ticks = date_ticks(inj["injection_date"])
    first = extreme_by_woman(codes["injections"], injection_ticks, n, "min")
    frame["first_injection"] = of(first, np.datetime64("NaT", "ns"))
    frame["last_injection"] = of(
        extreme_by_woman(codes["injections"], injection_ticks, n, "max"), np.datetime64("NaT", "ns")
    )
    contact_ticks = date_ticks(contacts["contact_date"])
    frame["end_of_followup"] = of(
        extreme_by_woman(codes["contacts"], contact_ticks, n, "max"), np.datetime64("NaT", "ns")
    )
    frame["menses_followup"] = of(_latest_menses(women, contacts))
    at_menopause = np.where(
        contacts["menses"].eq("menopause").fillna(False).to_numpy(dtype=bool), contact_ticks, NAT
    )
    frame["menopause_date"] = of(
        extreme_by_woman(codes["contacts"], at_menopause, n, "min"), np.datetime64("NaT", "ns")
    )
    every = np.ones(len(preg), dtype=bool)
    modes = {
        m: preg["mode"].eq(m).fillna(False).to_numpy(dtype=bool) for m in ("spontaneous", "ivf")
    }
    frame["pregnant_spontaneous"] = of(
        _count(codes["pregnancies"], modes["spontaneous"], n) > 0, False
    )
    frame["pregnant_ivf"] = of(_count(codes["pregnancies"], modes["ivf"], n) > 0, False)
    frame["n_pregnancies"] = of(_count(codes["pregnancies"], every, n), 0)
    frame["first_conception"] = of(
        extreme_by_woman(codes["pregnancies"], date_ticks(preg["conception_date"]), n, "min"),
        np.datetime64("NaT", "ns"),
    )
    # IVF cycles started on or after her first injection; a pregnancy conceived by IVF is
    # itself evidence of a cycle, even if the cycle row is missing: such a woman counts as
    # IVF-treated (never 0 cycles when IVF-pregnant).
    cycle_woman = codes["ivf_cycles"]
    start = date_ticks(cycles["start_date"])
    first_ticks = np.append(first.view(np.int64), NAT)[cycle_woman]
    after = (start != NAT) & (first_ticks != NAT) & (start >= first_ticks)
    ivf_cycles = _count(cycle_woman, after, n)
    ivf_pregnant = _count(codes["pregnancies"], modes["ivf"], n) > 0
    ivf_cycles[(ivf_cycles == 0) & ivf_pregnant] = 1
    frame["ivf_cycles"] = of(ivf_cycles, 0)
    frame["age"] = completed_years(frame["birth_date"], frame["first_injection"])
    frame["age_followup"] = completed_years(frame["birth_date"], frame["end_of_followup"])
    frame["age_group"] = pd.Series(
        np.where(
            frame["age"].to_numpy(dtype=float, na_value=np.nan) < AGE_GROUP_CUTOFF, *AGE_GROUPS
        ),
        index=frame.index,
        dtype="string",
    ).mask(frame["age"].isna())
    days = (frame["end_of_followup"] - frame["last_injection"]).dt.days
    frame["followup_years"] = (days / DAYS_PER_YEAR).astype("Float64")
    frame["injections"] = frame["injections"].astype("Int64")
    for column in ("n_pregnancies", "ivf_cycles"):
        frame[column] = frame[column].astype("Int64")
    for column in ("pregnant_spontaneous", "pregnant_ivf"):
        frame[column] = frame[column].astype("boolean")
    frame["pregnant"] = (frame["n_pregnancies"] > 0).astype("boolean")
    frame["both"] = frame["pregnant_spontaneous"] & frame["pregnant_ivf"]
    frame["ivf_treated"] = (frame["ivf_cycles"] > 0).astype("boolean")
    for column in ("menses_followup", "menses_baseline", "site", "arm"):
        frame[column] = frame[column].astype("string")
    for column in ("end_of_followup", "menopause_date", "first_conception"):
        frame[column] = frame[column].astype("datetime64[ns]")
    # Each row's code goes with it through the sort.
    frame["_code"] = at
    frame = frame.sort_values("participant_id", ignore_index=True)
    return frame.loc[:, list(WOMEN_COLUMNS)], women, frame["_code"].to_numpy()


def _bin_months(months: pd.Series, binning: MonthBinning) -> pd.Series:
    values = months.to_numpy(dtype=float, na_value=np.nan)
    if binning == "round":
        whole = np.floor(values + 0.5)  # half up: 2.5 months is month 3
    elif binning == "floor":
        whole = np.floor(values)
    elif binning == "ceiling":
        whole = np.ceil(values)
    else:
        raise ValueError(f"month binning must be round, floor or ceiling, not {binning!r}")
    return pd.Series(whole, index=months.index, dtype="Float64").astype("Int64")


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """For each row of ``sorted_keys`` (equal keys adjacent), the position of its group's
    first row."""
    positions = np.arange(len(sorted_keys))
    new = np.ones(len(sorted_keys), dtype=bool)
    new[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.maximum.accumulate(np.where(new, positions, 0)) if len(positions) else positions


def _dated(table: pd.DataFrame, date: str) -> np.ndarray:
    """The rows with a woman and ``date`` (``dropna(subset=["participant_id", date])``),
    as a mask over the table's rows (which the women's codes follow)."""
    return (table["participant_id"].notna() & table[date].notna()).to_numpy(dtype=bool)


def _infant_counts(workbook: Workbook) -> pd.Series:
    infants = workbook["infants"].dropna(subset=["pregnancy_id"])
    return infants.groupby("pregnancy_id").size().rename("infants_recorded")


def pregnancies(workbook: Workbook, *, month_binning: MonthBinning = "round") -> pd.DataFrame:
    """One row per pregnancy of a treated woman, conceived on or after her first injection.

    The injection each pregnancy is timed from is the **most recent injection on or before
    its conception** (``pd.merge_asof(direction="backward")`` by woman; R:
    ``findInterval(conception, injection_dates)``).

    Parameters
    ----------
    workbook
        A validated workbook.
    month_binning
        How ``month`` (the whole month of Figure 1) is taken from ``months_since_injection``:
        ``"round"`` (default; to the nearest month, halves up — a conception 0.99 months
        after the injection is month 1, as the paper's "range 1 to 24 months" implies),
        ``"floor"`` (completed months) or ``"ceiling"`` (the month in progress).

    Returns
    -------
    DataFrame
        The columns of :data:`PREGNANCY_COLUMNS`, sorted by woman and conception date:

        ``pregnancy_number`` (Int64)
            1 for her first pregnancy after the first injection, 2 for the second, …
        ``fetuses`` (Int64)
            the schema default (1) filled in where empty.
        ``injection_number`` (Int64), ``injection_date`` (date)
            which injection (1 = first) the pregnancy followed, and its date.
        ``days_since_injection`` (Int64, days), ``months_since_injection`` (Float64, months)
            from that injection to conception; months = days / 30.4375.
        ``month`` (Int64, months)
            ``months_since_injection`` as a whole month (``month_binning``).
        ``months_since_first_injection`` (Float64, months)
            from the first injection (the time scale of the survival analysis).
        ``live_birth`` (boolean)
            the outcome is ``live_birth``.
        ``infants_recorded`` (Int64)
            rows of the ``infants`` table for the pregnancy.
        ``infants`` (Int64)
            the infants born alive: ``infants_recorded``, or ``fetuses`` for a live birth
            whose infants are not recorded; 0 for every other outcome.
    """
    return pregnancies_coded(workbook, month_binning=month_binning)[0]


def pregnancies_coded(
    workbook: Workbook, *, month_binning: MonthBinning = "round"
) -> tuple[pd.DataFrame, Women, np.ndarray]:
    """:func:`pregnancies`, with the coding of the IDs it used and the code of each of
    its rows."""
    preg = with_defaults(PREGNANCIES, workbook["pregnancies"])
    inj = workbook["injections"]
    # The IDs are hashed once (validation's coding, when the workbook carries it) and
    # sorted once (as codes); each pregnancy's injection is then found by one binary
    # search over the injections sorted by (woman, date) — what
    # ``merge_asof(by=woman, direction="backward")`` does, without hashing and sorting
    # millions of text IDs in each step.
    women = workbook.coded_women("injections", "pregnancies")
    preg_kept = _dated(preg, "conception_date")
    inj_kept = _dated(inj, "injection_date")
    preg, inj = preg[preg_kept], inj[inj_kept]
    rank = women.ranks()
    inj_woman = rank[women.codes["injections"][inj_kept]]
    preg_woman = rank[women.codes["pregnancies"][preg_kept]]
    inj_ticks, preg_ticks = date_ticks(inj["injection_date"]), date_ticks(preg["conception_date"])
    # Woman and date in one sortable integer: the woman's rank, then the date's rank.
    _, day = np.unique(np.concatenate([inj_ticks, preg_ticks]), return_inverse=True)
    inj_key = (inj_woman << 32) | day[: len(inj)]
    preg_key = (preg_woman << 32) | day[len(inj) :]
    by_woman = np.argsort(inj_key, kind="stable")  # a tie stays in file order
    sorted_woman = inj_woman[by_woman]
    start = _group_starts(sorted_woman)
    # The most recent injection on or before conception (of a tie, the last row).
    hit = np.searchsorted(inj_key[by_woman], preg_key, side="right") - 1
    found = hit >= 0
    found[found] = sorted_woman[hit[found]] == preg_woman[found]
    # Sorted by woman and conception date, a tie in file order.
    kept = np.flatnonzero(found)
    kept = kept[np.lexsort((preg_ticks[kept], preg_woman[kept]))]
    at = hit[kept]
    timed = preg.iloc[kept].reset_index(drop=True)
    timed["injection_date"] = inj_ticks[by_woman][at].view("datetime64[ns]")
    timed["injection_number"] = at - start[at] + 1
    timed["first_injection"] = inj_ticks[by_woman][start[at]].view("datetime64[ns]")
    number = np.arange(len(kept)) - _group_starts(preg_woman[kept]) + 1

    days = (timed["conception_date"] - timed["injection_date"]).dt.days
    timed["days_since_injection"] = days.astype("Int64")
    timed["months_since_injection"] = (days / DAYS_PER_MONTH).astype("Float64")
    timed["month"] = _bin_months(timed["months_since_injection"], month_binning)
    since_first = (timed["conception_date"] - timed["first_injection"]).dt.days
    timed["months_since_first_injection"] = (since_first / DAYS_PER_MONTH).astype("Float64")
    timed["pregnancy_number"] = pd.array(number, dtype="Int64")
    timed["injection_number"] = timed["injection_number"].astype("Int64")

    timed = _attach(timed, _infant_counts(workbook), key="pregnancy_id")
    timed["infants_recorded"] = timed["infants_recorded"].fillna(0).astype("Int64")
    timed["live_birth"] = timed["outcome"].eq("live_birth").astype("boolean")
    unrecorded = timed["live_birth"] & timed["infants_recorded"].eq(0)
    timed["infants"] = timed["infants_recorded"].mask(unrecorded, timed["fetuses"]).astype("Int64")
    timed["fetuses"] = timed["fetuses"].astype("Int64")
    codes = women.codes["pregnancies"][preg_kept][kept]
    return timed.loc[:, list(PREGNANCY_COLUMNS)].reset_index(drop=True), women, codes
