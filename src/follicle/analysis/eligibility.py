"""Who counts as a poor ovarian responder: ESHRE Bologna criteria and POSEIDON groups.

Both definitions are pure, vectorised functions of one woman's baseline record: age at the
first injection (completed years, supplied by the analysis), anti-Müllerian hormone
(``amh_ng_ml``, ng/mL), antral follicle count (``afc``, follicles, both ovaries), and her
stimulation history before treatment (``prior_ivf_cycles``, ``prior_max_oocytes``,
``prior_cycle_cancelled``; see :data:`follicle.workbook.schema.PARTICIPANTS`).

Every threshold is a named, frozen parameter object (:data:`BOLOGNA_2011`,
:data:`BOLOGNA_2014_AMH`, :data:`POSEIDON_2016`) whose name and values travel with every
output, so a report can always say which definition it used (:func:`describe`).

Missing values (``pd.NA``) use three-valued (Kleene) logic: a woman gets a label when every
value the missing inputs could take leads to that same label, and ``"not_classifiable"``
when the missing inputs could change it. Nobody is put in a group by default.

What the workbook can and cannot show
-------------------------------------
The workbook records, per woman, the number of conventional cycles before treatment, the
most oocytes retrieved in any of them, and whether any was cancelled for poor response — not
a per-cycle history. Consequently:

* A *previous poor response* (Bologna criterion 2) is recognised when the best prior cycle
  yielded ≤ 3 oocytes or a cycle was cancelled. A woman whose best cycle yielded more is not
  counted, even if another of her cycles yielded ≤ 3 (the workbook cannot show it).
* *Two episodes of POR after maximal stimulation* (which suffice on their own) are
  recognised when she had ≥ 2 prior cycles and even the best yielded ≤ 3 oocytes, so every
  retrieval was poor. The workbook does not record the gonadotrophin dose, so "maximal
  stimulation" is assumed, not checked; two cancelled cycles with no oocyte count cannot be
  told from a missing count and stay undetermined. The clause can be switched off with
  ``two_poor_cycles_suffice=False``.
* The POSEIDON response category is that of the best prior cycle, and the stimulation is
  assumed conventional (≥ 150 IU/day FSH) as the column's definition says.
* An empty ``prior_max_oocytes`` means *unknown*. Record ``0`` when no oocyte was ever
  retrieved. The one exception: a woman whose only prior cycle was cancelled for poor
  response retrieved none, so her count is taken as 0.
* Because a cancelled cycle retrieves nothing, the columns imply each other in a few
  places, and an empty cell is filled from them: a count or a cancellation shows ≥ 1 cycle;
  a cancellation plus ≥ 1 oocyte retrieved shows ≥ 2 cycles; a single cycle that yielded
  oocytes was not cancelled. A recorded value is never overridden, even when it
  contradicts the others.
* Bologna's "any other risk factor for POR" (e.g. ovarian surgery, chemotherapy, genetic
  abnormalities) is not in the workbook; it counts as absent unless the caller passes an
  ``other_risk_factor`` series.

References
----------
.. [1] Ferraretti AP, La Marca A, Fauser BCJM, Tarlatzis B, Nargund G, Gianaroli L; ESHRE
   working group on Poor Ovarian Response Definition. ESHRE consensus on the definition of
   'poor response' to ovarian stimulation for in vitro fertilization: the Bologna criteria.
   Hum Reprod 2011;26:1616–24.
.. [2] Alviggi C, Andersen CY, Buehler K, Conforti A, De Placido G, Esteves SC, et al.;
   Poseidon Group. A new more detailed stratification of low responders to ovarian
   stimulation: from a poor ovarian response to a low prognosis concept. Fertil Steril
   2016;105:1452–3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from pandas.api.typing import NAType

#: A single input value; ``None``, ``pd.NA`` and ``NaN`` all mean "not recorded".
Scalar: TypeAlias = float | int | bool | NAType | None
#: What the classifiers accept for each input: a pandas Series (one row per woman) or a
#: scalar, which is broadcast to the other inputs' rows.
Values: TypeAlias = pd.Series | Scalar

BOLOGNA_LABELS: tuple[str, ...] = (
    "por",
    "expected_poor_responder",
    "not_por",
    "not_classifiable",
)
POSEIDON_LABELS: tuple[str, ...] = (
    "1a",
    "1b",
    "2a",
    "2b",
    "3",
    "4",
    "not_poseidon",
    "not_classifiable",
)
#: The categorical dtypes of the two label series (unordered: the labels are not a scale).
BOLOGNA_DTYPE = pd.CategoricalDtype(list(BOLOGNA_LABELS))
POSEIDON_DTYPE = pd.CategoricalDtype(list(POSEIDON_LABELS))

#: The columns :func:`classify` needs: ``age`` from the analysis, the rest from participants.
FRAME_COLUMNS: tuple[str, ...] = (
    "age",
    "amh_ng_ml",
    "afc",
    "prior_max_oocytes",
    "prior_cycle_cancelled",
    "prior_ivf_cycles",
)

FERRARETTI_2011 = "Ferraretti et al., Hum Reprod 2011;26:1616–24"
ALVIGGI_2016 = "Alviggi et al., Fertil Steril 2016;105:1452–3"


def _range(bounds: tuple[float, float]) -> str:
    return f"{bounds[0]:g}–{bounds[1]:g}"


@dataclass(frozen=True)
class BolognaCriteria:
    """Thresholds of the ESHRE Bologna criteria for poor ovarian response [1]_.

    The consensus publishes ranges for the ovarian reserve tests (AFC < 5–7 follicles,
    AMH < 0.5–1.1 ng/mL, revised in 2014 to < 0.7–1.3 ng/mL) and leaves the cut-off to the
    centre; the presets use the conservative upper value of each range.

    Parameters
    ----------
    name
        Identifier reported with every output (``"bologna_2011"``, ``"bologna_2014_amh"``).
    amh_below_ng_ml
        AMH strictly below this (ng/mL) is an abnormal reserve test.
    amh_published_range_ng_ml
        The published range the AMH cut-off was chosen from (ng/mL), for methods text.
    afc_below
        AFC strictly below this (follicles, both ovaries) is an abnormal reserve test.
    afc_published_range
        The published AFC range (follicles).
    age_at_least
        Age in completed years at or above which the age criterion is met. The consensus
        says ≥ 40; the seed paper writes "> 40", which we do not follow.
    poor_response_max_oocytes
        A conventional cycle yielding at most this many oocytes was a poor response.
    two_poor_cycles_suffice
        Whether two poor-response cycles make a poor responder on their own (the consensus
        says they do "after maximal stimulation", which the workbook cannot check).
    """

    name: str
    amh_below_ng_ml: float
    amh_published_range_ng_ml: tuple[float, float]
    afc_below: int = 7
    afc_published_range: tuple[int, int] = (5, 7)
    age_at_least: int = 40
    poor_response_max_oocytes: int = 3
    two_poor_cycles_suffice: bool = True

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("Bologna criteria need a name to report")
        if self.amh_below_ng_ml <= 0 or self.afc_below <= 0 or self.age_at_least <= 0:
            raise ValueError("Bologna thresholds must be positive")
        if self.poor_response_max_oocytes < 0:
            raise ValueError("poor_response_max_oocytes must be ≥ 0")

    @property
    def tag(self) -> str:
        """Name and reserve cut-offs in one line, e.g. for a table column or footnote."""
        return f"{self.name} (AMH < {self.amh_below_ng_ml:g} ng/mL, AFC < {self.afc_below})"

    def describe(self) -> str:
        """The criteria as used, in words for the methods section of a report."""
        two = (
            " Two prior cycles in which even the best retrieval yielded "
            f"≤ {self.poor_response_max_oocytes} oocytes also suffice on their own (the "
            "consensus requires maximal stimulation, which the workbook does not record)."
            if self.two_poor_cycles_suffice
            else " The clause that two poor responses suffice on their own was not applied."
        )
        return (
            f"Poor ovarian response by the ESHRE Bologna criteria ({FERRARETTI_2011}), "
            f"thresholds '{self.name}': at least two of (1) age ≥ {self.age_at_least} "
            "completed years (the consensus wording; the seed paper writes "
            f'"> {self.age_at_least}"), (2) a previous poor response '
            f"(≤ {self.poor_response_max_oocytes} oocytes in the best conventional cycle, "
            "or a cycle cancelled for poor response), (3) an abnormal ovarian reserve test "
            f"(AFC < {self.afc_below} follicles or AMH < {self.amh_below_ng_ml:g} ng/mL; "
            f"published ranges AFC < {_range(self.afc_published_range)}, "
            f"AMH < {_range(self.amh_published_range_ng_ml)} ng/mL), with at least one "
            "prior stimulated cycle." + two + " Women aged "
            f"≥ {self.age_at_least} with an abnormal reserve test but no prior cycle are "
            "reported as expected poor responders, not as Bologna-positive. Other risk "
            "factors for poor response are not recorded and were taken as absent."
        )


#: The 2011 consensus: AMH < 1.1 ng/mL (upper value of 0.5–1.1), AFC < 7 (of 5–7).
BOLOGNA_2011 = BolognaCriteria(
    name="bologna_2011",
    amh_below_ng_ml=1.1,
    amh_published_range_ng_ml=(0.5, 1.1),
)
#: The 2014 revision of the AMH range: AMH < 1.3 ng/mL (upper value of 0.7–1.3), AFC < 7.
BOLOGNA_2014_AMH = BolognaCriteria(
    name="bologna_2014_amh",
    amh_below_ng_ml=1.3,
    amh_published_range_ng_ml=(0.7, 1.3),
)


@dataclass(frozen=True)
class PoseidonParams:
    """Thresholds of the POSEIDON stratification of low-prognosis patients [2]_.

    Parameters
    ----------
    name
        Identifier reported with every output.
    amh_below_ng_ml
        AMH strictly below this (ng/mL) is a poor reserve marker.
    afc_below
        AFC strictly below this (follicles) is a poor reserve marker.
    poor_reserve
        ``"either"`` (default): poor reserve when AFC *or* AMH is below its cut-off, i.e.
        adequate reserve needs AFC ≥ 5 *and* AMH ≥ 1.2 ng/mL, as groups 1–2 are worded.
        ``"both"``: poor reserve only when both are below; published texts differ.
    age_at_least
        Age in completed years from which a woman is in groups 2/4 rather than 1/3.
    poor_response_below
        Fewer oocytes than this after conventional stimulation is a poor response (a).
    suboptimal_response_below
        From ``poor_response_below`` up to below this is a suboptimal response (b);
        at or above it the response is normal.
    """

    name: str = "poseidon_2016"
    amh_below_ng_ml: float = 1.2
    afc_below: int = 5
    poor_reserve: Literal["either", "both"] = "either"
    age_at_least: int = 35
    poor_response_below: int = 4
    suboptimal_response_below: int = 10

    def __post_init__(self) -> None:
        # Literal is not enforced at run time, and a typo here would silently change groups.
        if self.poor_reserve not in ("either", "both"):
            raise ValueError(f"poor_reserve must be 'either' or 'both', not {self.poor_reserve!r}")
        if not self.name:
            raise ValueError("POSEIDON parameters need a name to report")
        if self.amh_below_ng_ml <= 0 or self.afc_below <= 0 or self.age_at_least <= 0:
            raise ValueError("POSEIDON thresholds must be positive")
        if not 0 < self.poor_response_below < self.suboptimal_response_below:
            raise ValueError("need 0 < poor_response_below < suboptimal_response_below")

    @property
    def tag(self) -> str:
        """Name, reserve cut-offs and reserve rule in one line."""
        return (
            f"{self.name} (AMH < {self.amh_below_ng_ml:g} ng/mL, AFC < {self.afc_below}, "
            f"poor reserve = {self.poor_reserve})"
        )

    def describe(self) -> str:
        """The stratification as used, in words for the methods section of a report."""
        joiner = "or" if self.poor_reserve == "either" else "and"
        a, b = self.poor_response_below, self.suboptimal_response_below
        return (
            f"POSEIDON stratification ({ALVIGGI_2016}), parameters '{self.name}': poor "
            f"ovarian reserve when AFC < {self.afc_below} follicles {joiner} AMH "
            f"< {self.amh_below_ng_ml:g} ng/mL (poor reserve = '{self.poor_reserve}'; "
            "published texts differ on this). Groups 1 (age "
            f"< {self.age_at_least}) and 2 (age ≥ {self.age_at_least} completed years): "
            f"adequate reserve with an unexpected poor (a: < {a} oocytes) or suboptimal "
            f"(b: {a}–{b - 1} oocytes) response in the best prior conventional cycle; "
            f"groups 3 (age < {self.age_at_least}) and 4 (age ≥ {self.age_at_least}): poor "
            "reserve. Women with adequate reserve and a normal response "
            f"(≥ {b} oocytes) or no prior cycle are not POSEIDON patients; women with "
            "neither AMH nor AFC recorded, or whose missing data leave the group open, are "
            "reported as not classifiable."
        )


#: POSEIDON as published: AMH 1.2 ng/mL, AFC 5, age 35, poor reserve = either marker.
POSEIDON_2016 = PoseidonParams()


def describe(
    bologna_criteria: BolognaCriteria = BOLOGNA_2011,
    poseidon_params: PoseidonParams = POSEIDON_2016,
) -> str:
    """Methods text for both definitions, as used, with the missing-data rule.

    Parameters
    ----------
    bologna_criteria, poseidon_params
        The parameter sets passed to :func:`classify`.

    Returns
    -------
    str
        Three paragraphs separated by blank lines.
    """
    missing = (
        "Ages are in completed years at the first injection, AMH in ng/mL and AFC in "
        "follicles. Missing values were handled with three-valued logic: a woman was "
        "labelled only when every possible value of her missing items led to the same "
        "label, and otherwise reported as not classifiable. The workbook records the "
        "number of prior cycles, the most oocytes retrieved in any of them and whether one "
        "was cancelled for poor response, not each cycle; the best prior response was used."
    )
    return "\n\n".join((bologna_criteria.describe(), poseidon_params.describe(), missing))


# --------------------------------------------------------------------------- inputs


def _broadcast(inputs: Mapping[str, Values]) -> tuple[pd.Index, dict[str, pd.Series]]:
    """Bring series and scalars to one index, refusing series that do not line up.

    Silent index alignment would pair one woman's AMH with another's age, so series must
    share exactly the same index; scalars are repeated along it.
    """
    index: pd.Index | None = None
    series: dict[str, pd.Series] = {}
    for name, value in inputs.items():
        if isinstance(value, pd.Series):
            s = value
        elif pd.api.types.is_scalar(value):
            continue
        else:
            s = pd.Series(value)  # a list or array: positional, like the rows of a frame
        if index is None:
            index = s.index
        elif not s.index.equals(index):
            raise ValueError(f"{name} does not have the same index as the other inputs")
        series[name] = s
    if index is None:
        index = pd.RangeIndex(1)  # all scalars: one woman
    for name, value in inputs.items():
        if name not in series:
            series[name] = pd.Series([value] * len(index), index=index, dtype=object)
    return index, series


@dataclass(frozen=True)
class _Inputs:
    """One woman per row: the criteria's inputs on one index, in nullable dtypes."""

    index: pd.Index
    age: pd.Series
    amh: pd.Series
    afc: pd.Series
    oocytes: pd.Series
    cycles: pd.Series
    cancelled: pd.Series
    other: pd.Series


def _inputs(
    age: Values,
    amh: Values,
    afc: Values,
    prior_max_oocytes: Values,
    prior_ivf_cycles: Values,
    prior_cycle_cancelled: Values,
    other_risk_factor: Values = False,
) -> _Inputs:
    """Broadcast and type the inputs shared by :func:`bologna` and :func:`poseidon`."""
    index, raw = _broadcast(
        {
            "age": age,
            "amh": amh,
            "afc": afc,
            "prior_max_oocytes": prior_max_oocytes,
            "prior_cycle_cancelled": prior_cycle_cancelled,
            "prior_ivf_cycles": prior_ivf_cycles,
            "other_risk_factor": other_risk_factor,
        }
    )
    return _Inputs(
        index,
        _numeric(raw["age"], "age"),
        _numeric(raw["amh"], "amh"),
        _numeric(raw["afc"], "afc"),
        _numeric(raw["prior_max_oocytes"], "prior_max_oocytes"),
        _numeric(raw["prior_ivf_cycles"], "prior_ivf_cycles"),
        _boolean(raw["prior_cycle_cancelled"], "prior_cycle_cancelled"),
        _boolean(raw["other_risk_factor"], "other_risk_factor"),
    )


def _numeric(s: pd.Series, name: str) -> pd.Series:
    """``s`` as nullable Float64 (NaN and None become ``pd.NA``); negatives are errors."""
    try:
        out = s.astype("Float64")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (or missing)") from exc
    if bool((out < 0).any()):
        raise ValueError(f"{name} cannot be negative")
    return out


def _boolean(s: pd.Series, name: str) -> pd.Series:
    """``s`` as the nullable ``boolean`` dtype."""
    try:
        return s.astype("boolean")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be boolean (or missing)") from exc


def _is_true(mask: pd.Series) -> np.ndarray:
    """Rows where a three-valued mask is certainly true (unknown counts as not true)."""
    return mask.to_numpy(dtype=bool, na_value=False)


@dataclass(frozen=True)
class _History:
    """Her stimulation history before treatment, three-valued, with what it implies.

    The workbook's three history columns constrain each other. A cycle cancelled for poor
    response retrieves no oocytes, and a count or a cancellation needs a cycle; reading these
    consequences back into the columns keeps a woman out of "not classifiable" when the
    recorded values already settle the question. Inferences only fill empty cells: where the
    columns contradict each other (a count of 0 cycles but an oocyte count), the recorded
    value stands and the workbook needs correcting.
    """

    had_cycle: pd.Series  # ≥ 1 prior cycle
    two_or_more: pd.Series  # ≥ 2 prior cycles
    best: pd.Series  # most oocytes retrieved in one cycle (Float64, NA unknown)
    cancelled: pd.Series  # a cycle was cancelled for poor response


def _history(cycles: pd.Series, oocytes: pd.Series, cancelled: pd.Series) -> _History:
    index = cycles.index

    def certain(mask: pd.Series) -> pd.Series:
        # Evidence enters as plain bools: where it is absent it must not turn a missing
        # count into "no", so it is False (neutral under |), never NA.
        return pd.Series(_is_true(mask), index=index)

    unknown_cycles = cycles.isna()
    # prior_ivf_cycles says so directly; a recorded count or a cancellation shows a cycle.
    had_cycle = (cycles >= 1) | certain(unknown_cycles & (oocytes.notna() | cancelled))
    # A cancellation plus a retrieval of ≥ 1 oocyte means two different cycles.
    two_or_more = (cycles >= 2) | certain(unknown_cycles & cancelled & (oocytes >= 1))
    single = cycles == 1
    # Her only cycle, cancelled: nothing was retrieved, so an empty count means 0.
    best = oocytes.mask(certain(oocytes.isna() & cancelled & single), 0.0)
    # Her only cycle yielded oocytes, so it was not cancelled; no cycle, no cancellation.
    not_cancelled = certain(single & (oocytes >= 1)) | certain(cycles == 0)
    cancelled = cancelled.mask(cancelled.isna() & not_cancelled, False)
    return _History(had_cycle, two_or_more, best, cancelled)


def _labelled(
    conditions: list[pd.Series], dtype: pd.CategoricalDtype, index: pd.Index, name: str
) -> pd.Series:
    """The categorical series giving each row the label whose condition is certainly true.

    ``conditions`` are three-valued and in the order of ``dtype``'s categories, the last
    category (``not_classifiable``) excepted: it is what a row gets when no condition is
    certain. The conditions are mutually exclusive wherever they are certain.
    """
    codes = np.select(
        [_is_true(c) for c in conditions],
        list(range(len(conditions))),
        default=len(dtype.categories) - 1,
    )
    labels = pd.Categorical.from_codes(codes.astype(np.int8), dtype=dtype)
    return pd.Series(labels, index=index, name=name)


# --------------------------------------------------------------------------- Bologna


def bologna(
    age: Values,
    amh: Values,
    afc: Values,
    prior_max_oocytes: Values,
    prior_cycle_cancelled: Values,
    prior_ivf_cycles: Values,
    *,
    criteria: BolognaCriteria = BOLOGNA_2011,
    other_risk_factor: Values = False,
) -> pd.Series:
    """Poor ovarian response by the ESHRE Bologna criteria [1]_, per woman.

    A woman is a poor responder (``"por"``) when at least two of these hold and she has had
    at least one stimulated cycle, which the consensus makes part of the diagnosis:

    1. *advanced maternal age*: ``age ≥ criteria.age_at_least`` (40 completed years), or
       another risk factor for POR. The consensus says ≥ 40; the seed paper's "> 40" is
       not followed.
    2. *a previous poor response*: ``prior_max_oocytes ≤ 3`` in a conventional cycle, or a
       cycle cancelled for poor response.
    3. *an abnormal ovarian reserve test*: ``afc < criteria.afc_below`` (7 follicles) or
       ``amh < criteria.amh_below_ng_ml`` (1.1 ng/mL for :data:`BOLOGNA_2011`, 1.3 for
       :data:`BOLOGNA_2014_AMH`).

    Two poor-response episodes after maximal stimulation suffice on their own; with the
    workbook's summary columns this is ``prior_ivf_cycles ≥ 2`` (or, where that is empty,
    a cancelled cycle plus a retrieval) and ``prior_max_oocytes ≤ 3`` (see the module notes
    for what this cannot see).

    Parameters
    ----------
    age
        Age at the first injection, completed years.
    amh
        Anti-Müllerian hormone, ng/mL.
    afc
        Antral follicle count, follicles (both ovaries).
    prior_max_oocytes
        Most oocytes retrieved in any conventional cycle before treatment.
    prior_cycle_cancelled
        A prior cycle was cancelled for poor response.
    prior_ivf_cycles
        Number of conventional stimulation cycles before treatment.
    criteria
        The thresholds; their ``name`` is stored in the result's ``attrs``.
    other_risk_factor
        Another risk factor for POR (not in the workbook; absent by default).

    Each input is a pandas Series (nullable dtypes welcome; ``pd.NA``/``None``/``NaN`` is
    missing) or a scalar. Series must share one index; scalars are broadcast. With only
    scalars the result has one row.

    Returns
    -------
    pandas.Series
        Categorical (:data:`BOLOGNA_DTYPE`) named ``"bologna"``, one of

        - ``"por"``: poor ovarian responder;
        - ``"expected_poor_responder"``: age criterion and abnormal reserve test, but no
          prior stimulated cycle;
        - ``"not_por"``;
        - ``"not_classifiable"``: missing inputs could make her either.

        ``attrs["criteria"]`` holds ``criteria.name`` and ``attrs["criteria_tag"]`` its
        :attr:`~BolognaCriteria.tag`.

    Examples
    --------
    >>> bologna(41, 0.6, 4, 6, False, 1).tolist()
    ['por']
    >>> bologna(41, 0.6, 4, pd.NA, pd.NA, 0).tolist()
    ['expected_poor_responder']
    """
    x = _inputs(
        age, amh, afc, prior_max_oocytes, prior_ivf_cycles, prior_cycle_cancelled,
        other_risk_factor,
    )  # fmt: skip
    index, age_s, amh_s, afc_s = x.index, x.age, x.amh, x.afc
    oocytes, cycles, cancelled, other = x.oocytes, x.cycles, x.cancelled, x.other

    # Every expression below is pandas' Kleene logic on nullable booleans, NA meaning
    # "could be either". For these formulas it is exact: NA only where filling the gaps
    # could give either answer (the tests check this against every completion of the gaps).
    older = age_s >= criteria.age_at_least
    risk = older | other
    abnormal_reserve = (afc_s < criteria.afc_below) | (amh_s < criteria.amh_below_ng_ml)
    history = _history(cycles, oocytes, cancelled)
    had_cycle = history.had_cycle
    poor_best_cycle = history.best <= criteria.poor_response_max_oocytes
    previous_por = had_cycle & (poor_best_cycle | history.cancelled)

    two_of_three = (
        (risk & previous_por) | (risk & abnormal_reserve) | (previous_por & abnormal_reserve)
    )
    # One stimulated cycle is part of the diagnosis: without it the two criteria that can
    # still hold (age, reserve) make an *expected* poor responder at most.
    por = two_of_three & had_cycle
    if criteria.two_poor_cycles_suffice:
        # ≥ 2 cycles whose best retrieval was poor: every retrieval was a poor response.
        por = por | (history.two_or_more & poor_best_cycle)
    # The consensus names age ≥ 40 (not other risk factors) for the expected poor responder.
    expected = older & abnormal_reserve & ~had_cycle

    out = _labelled([por, ~por & expected, ~por & ~expected], BOLOGNA_DTYPE, index, "bologna")
    out.attrs["criteria"] = criteria.name
    out.attrs["criteria_tag"] = criteria.tag
    return out


# --------------------------------------------------------------------------- POSEIDON


def poseidon(
    age: Values,
    amh: Values,
    afc: Values,
    prior_max_oocytes: Values,
    *,
    params: PoseidonParams = POSEIDON_2016,
    prior_ivf_cycles: Values = None,
    prior_cycle_cancelled: Values = None,
) -> pd.Series:
    """POSEIDON group of each woman [2]_.

    ========  ==========  ===============  ==========================================
    group     age         ovarian reserve  response in the best prior cycle
    ========  ==========  ===============  ==========================================
    1a / 1b   < 35        adequate         < 4 / 4–9 oocytes (unexpected low prognosis)
    2a / 2b   ≥ 35        adequate         < 4 / 4–9 oocytes (unexpected)
    3         < 35        poor             any, or none (expected low prognosis)
    4         ≥ 35        poor             any, or none (expected)
    ========  ==========  ===============  ==========================================

    Poor reserve is AFC < 5 follicles or AMH < 1.2 ng/mL (``params.poor_reserve ==
    "either"``, the default) or both below (``"both"``). Adequate reserve with ≥ 10 oocytes,
    or with no prior cycle, is ``"not_poseidon"``. Responses are counted after conventional
    stimulation (≥ 150 IU/day FSH), which the workbook's prior cycles are by definition.

    Parameters
    ----------
    age
        Age at the first injection, completed years.
    amh
        Anti-Müllerian hormone, ng/mL.
    afc
        Antral follicle count, follicles.
    prior_max_oocytes
        Most oocytes retrieved in any conventional cycle before treatment; missing means
        unknown (or no cycle, if ``prior_ivf_cycles`` is 0).
    params
        The thresholds; their ``name`` is stored in the result's ``attrs``.
    prior_ivf_cycles
        Number of prior conventional cycles. Without it, a woman with adequate reserve and
        no oocyte count cannot be told from one who never had a cycle: not classifiable.
    prior_cycle_cancelled
        A prior cycle was cancelled for poor response. When it was her only cycle and no
        count is recorded, she retrieved none (a poor response).

    Inputs are Series or scalars as for :func:`bologna`.

    Returns
    -------
    pandas.Series
        Categorical (:data:`POSEIDON_DTYPE`) named ``"poseidon"``: ``"1a"``, ``"1b"``,
        ``"2a"``, ``"2b"``, ``"3"``, ``"4"``, ``"not_poseidon"``, or
        ``"not_classifiable"`` (neither AMH nor AFC recorded, or missing inputs leave the
        group open). ``attrs["params"]`` holds ``params.name`` and ``attrs["params_tag"]``
        its :attr:`~PoseidonParams.tag`.

    Examples
    --------
    >>> poseidon(33, 2.5, 9, 2).tolist()
    ['1a']
    >>> poseidon(38, 0.4, 3, pd.NA).tolist()
    ['4']
    """
    x = _inputs(age, amh, afc, prior_max_oocytes, prior_ivf_cycles, prior_cycle_cancelled)
    index, age_s, amh_s, afc_s = x.index, x.age, x.amh, x.afc
    oocytes, cycles, cancelled = x.oocytes, x.cycles, x.cancelled

    low_amh = amh_s < params.amh_below_ng_ml
    low_afc = afc_s < params.afc_below
    poor_reserve = (low_afc | low_amh) if params.poor_reserve == "either" else (low_afc & low_amh)
    adequate = ~poor_reserve
    younger = age_s < params.age_at_least
    older = ~younger

    history = _history(cycles, oocytes, cancelled)
    had_cycle, best = history.had_cycle, history.best
    poor_response = had_cycle & (best < params.poor_response_below)
    suboptimal = (
        had_cycle & (best >= params.poor_response_below) & (best < params.suboptimal_response_below)
    )
    normal_or_none = ~had_cycle | (best >= params.suboptimal_response_below)

    groups = [
        adequate & younger & poor_response,  # 1a
        adequate & younger & suboptimal,  # 1b
        adequate & older & poor_response,  # 2a
        adequate & older & suboptimal,  # 2b
        poor_reserve & younger,  # 3
        poor_reserve & older,  # 4
        adequate & normal_or_none,  # not_poseidon
    ]
    # Three-valued logic already leaves a woman with no reserve marker unclassified (every
    # group depends on reserve); this says so explicitly, so no future edit can change it.
    no_marker = pd.Series(_is_true(amh_s.isna() & afc_s.isna()), index=index)
    groups = [g & ~no_marker for g in groups]

    out = _labelled(groups, POSEIDON_DTYPE, index, "poseidon")
    out.attrs["params"] = params.name
    out.attrs["params_tag"] = params.tag
    return out


# --------------------------------------------------------------------------- both


def classify(
    frame: pd.DataFrame,
    *,
    bologna_criteria: BolognaCriteria = BOLOGNA_2011,
    poseidon_params: PoseidonParams = POSEIDON_2016,
) -> pd.DataFrame:
    """Bologna and POSEIDON labels for each woman of a per-woman frame.

    Parameters
    ----------
    frame
        One row per woman with the columns :data:`FRAME_COLUMNS`: ``age`` (completed years
        at the first injection, from the analysis) and the participants columns
        ``amh_ng_ml``, ``afc``, ``prior_max_oocytes``, ``prior_cycle_cancelled``,
        ``prior_ivf_cycles``. An optional boolean ``other_risk_factor`` column feeds
        Bologna criterion 1. Other columns are ignored.
    bologna_criteria
        :data:`BOLOGNA_2011` (default) or :data:`BOLOGNA_2014_AMH`, or a variant.
    poseidon_params
        :data:`POSEIDON_2016` (default) or a variant, e.g. with ``poor_reserve="both"``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``, with columns ``bologna`` and ``poseidon`` (categorical
        labels, see :func:`bologna` and :func:`poseidon`) and ``bologna_criteria`` and
        ``poseidon_params`` (the :attr:`tag` of the parameters used, on every row, so the
        definition survives any later filtering or export). ``attrs["methods"]`` holds
        :func:`describe` for the parameters used.

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"classify needs the columns {', '.join(missing)}")
    other: Values = frame["other_risk_factor"] if "other_risk_factor" in frame.columns else False
    bologna_labels = bologna(
        frame["age"],
        frame["amh_ng_ml"],
        frame["afc"],
        frame["prior_max_oocytes"],
        frame["prior_cycle_cancelled"],
        frame["prior_ivf_cycles"],
        criteria=bologna_criteria,
        other_risk_factor=other,
    )
    poseidon_labels = poseidon(
        frame["age"],
        frame["amh_ng_ml"],
        frame["afc"],
        frame["prior_max_oocytes"],
        params=poseidon_params,
        prior_ivf_cycles=frame["prior_ivf_cycles"],
        prior_cycle_cancelled=frame["prior_cycle_cancelled"],
    )
    out = pd.DataFrame(
        {
            "bologna": bologna_labels,
            "poseidon": poseidon_labels,
            "bologna_criteria": pd.Series(bologna_criteria.tag, index=frame.index, dtype="string"),
            "poseidon_params": pd.Series(poseidon_params.tag, index=frame.index, dtype="string"),
        },
        index=frame.index,
    )
    out.attrs["methods"] = describe(bologna_criteria, poseidon_params)
    out.attrs["bologna_criteria"] = bologna_criteria.name
    out.attrs["poseidon_params"] = poseidon_params.name
    return out
