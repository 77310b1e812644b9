"""Synthetic cohorts with several arms and a known effect: confounded assignment, true HR.

``follicle synth --arms MenSC:0.5,PRP:0.25,control:0.25 --hazard-ratio 1.5`` draws each
woman's arm from a multinomial logistic model in age and AMH (younger women and women
with more AMH are more often treated, so a crude comparison is confounded), then her times
from proportional hazards, in months from time zero:

* pregnancy: :math:`\\lambda_P = 0.012 \\cdot HR_{arm} \\cdot e^{-0.07 (age - 35)} \\cdot
  (AMH / 0.7)^{0.3}` per month, with :math:`HR = 1` in the reference arm (``control``
  when present, else the first arm in alphabetical order);
* menopause (competing): :math:`\\lambda_M = 0.002 \\cdot e^{0.1 (age - 35)}` per month,
  the same in every arm;
* administrative censoring 30 to 72 months after time zero.

The arm's log-odds against the reference are :math:`\\log(p_k / p_{ref}) - 0.08 (age - 35)
+ 0.5 \\log(AMH / 0.7)` (:data:`ASSIGNMENT_AGE`, :data:`ASSIGNMENT_AMH`), so the shares
are near, not exactly, the ones asked for. The true conditional hazard ratio of every
arm against the reference is ``HR`` (or per arm, ``MenSC:1.5,PRP:1.2``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: Effects on an arm's log-odds of assignment (against the reference arm): per year of age
#: above 35, and per unit of log(AMH / 0.7).
ASSIGNMENT_AGE = -0.08
ASSIGNMENT_AMH = 0.5
#: Pregnancy hazard per month at age 35, AMH 0.7 ng/mL, reference arm.
PREGNANCY_BASE = 0.012
PREGNANCY_AGE = -0.07
PREGNANCY_AMH = 0.3
#: Menopause hazard per month at age 35, and its rise per year of age.
MENOPAUSE_BASE = 0.002
MENOPAUSE_AGE = 0.1
#: Administrative censoring, months after time zero.
FOLLOWUP_MONTHS = (30.0, 72.0)
CONTROL = "control"


def parse_arms(text: str) -> dict[str, float]:
    """``"MenSC:0.5,PRP:0.25,control:0.25"`` as shares that sum to 1.

    Raises
    ------
    ValueError
        With the offending part, for a malformed pair, a share that is not a positive
        number, a repeated arm, or fewer than two arms.
    """
    shares: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"arm {part!r} is not ARM:SHARE (e.g. MenSC:0.5)")
        try:
            share = float(value)
        except ValueError:
            raise ValueError(f"the share of {name} ({value!r}) is not a number") from None
        if not share > 0 or not np.isfinite(share):
            raise ValueError(f"the share of {name} must be positive, not {value}")
        if name in shares:
            raise ValueError(f"arm {name} is given twice")
        shares[name] = share
    if len(shares) < 2:
        raise ValueError("--arms needs at least two arms, e.g. MenSC:0.5,control:0.5")
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def reference_arm(arms: Mapping[str, float]) -> str:
    """``control`` when it is an arm, else the first arm in alphabetical order."""
    return CONTROL if CONTROL in arms else sorted(arms)[0]


def parse_hazard_ratios(text: str, arms: Mapping[str, float]) -> dict[str, float]:
    """A hazard ratio for every arm: one number for every arm but the reference, or
    ``ARM:HR`` pairs (arms not named keep 1); the reference's is 1."""
    reference = reference_arm(arms)
    ratios = dict.fromkeys(arms, 1.0)
    text = text.strip()
    try:
        single = float(text)
    except ValueError:
        single = None
    if single is not None:
        if not single > 0:
            raise ValueError(f"the hazard ratio must be positive, not {text}")
        return {a: (1.0 if a == reference else single) for a in arms}
    for part in text.split(","):
        name, sep, value = part.partition(":")
        name = name.strip()
        if not sep or name not in arms:
            raise ValueError(f"hazard ratio {part!r} is not ARM:HR for an arm of --arms")
        try:
            ratio = float(value)
        except ValueError:
            raise ValueError(f"the hazard ratio of {name} ({value!r}) is not a number") from None
        if not ratio > 0:
            raise ValueError(f"the hazard ratio of {name} must be positive, not {value}")
        ratios[name] = ratio
    ratios[reference] = 1.0
    return ratios


@dataclass(frozen=True)
class ArmDraw:
    """Women drawn from the known model: arm, covariates and latent times (months)."""

    arm: np.ndarray
    age: np.ndarray
    amh: np.ndarray
    pregnancy: np.ndarray
    menopause: np.ndarray
    censoring: np.ndarray

    @property
    def months(self) -> np.ndarray:
        """The observed time: the first of the three."""
        return np.minimum(np.minimum(self.pregnancy, self.menopause), self.censoring)

    @property
    def status(self) -> np.ndarray:
        """0 censored, 1 pregnancy, 2 menopause (the first of the three)."""
        m = self.months
        return np.select([self.pregnancy == m, self.menopause == m], [1, 2], 0)


def assign(
    rng: np.random.Generator, age: np.ndarray, amh: np.ndarray, shares: Mapping[str, float]
) -> np.ndarray:
    """Each woman's arm, drawn from the multinomial logistic assignment model."""
    names = list(shares)
    reference = reference_arm(shares)
    confounding = ASSIGNMENT_AGE * (age - 35) + ASSIGNMENT_AMH * np.log(amh / 0.7)
    logits = np.column_stack(
        [
            np.log(shares[a] / shares[reference]) + (0.0 if a == reference else 1.0) * confounding
            for a in names
        ]
    )
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(age))[:, None]
    code = np.minimum((np.cumsum(p, axis=1) <= u).sum(axis=1), len(names) - 1)
    return np.array(names, dtype=object)[code]


def draw_times(
    rng: np.random.Generator,
    arm: np.ndarray,
    age: np.ndarray,
    amh: np.ndarray,
    hazard_ratios: Mapping[str, float],
) -> ArmDraw:
    """Latent exponential times of pregnancy and menopause and the censoring time."""
    n = len(arm)
    hr = np.array([hazard_ratios[a] for a in np.unique(arm)])[
        np.unique(arm, return_inverse=True)[1]
    ]
    rate_p = PREGNANCY_BASE * hr * np.exp(PREGNANCY_AGE * (age - 35)) * (amh / 0.7) ** PREGNANCY_AMH
    rate_m = MENOPAUSE_BASE * np.exp(MENOPAUSE_AGE * (age - 35))
    return ArmDraw(
        arm=arm,
        age=age,
        amh=amh,
        pregnancy=rng.exponential(1 / rate_p, n),
        menopause=rng.exponential(1 / rate_m, n),
        censoring=rng.uniform(*FOLLOWUP_MONTHS, n),
    )


def draw_women(
    rng: np.random.Generator,
    n: int,
    shares: Mapping[str, float],
    hazard_ratios: Mapping[str, float],
) -> ArmDraw:
    """``n`` women: age 24–45 (uniform), AMH Gamma(2, 0.35) ng/mL, arm, times."""
    age = rng.integers(24, 46, n).astype(float)
    amh = np.maximum(np.round(rng.gamma(2.0, 0.35, n), 2), 0.01)
    arm = assign(rng, age, amh, shares)
    return draw_times(rng, arm, age, amh, hazard_ratios)
