"""Propensity scores and inverse-probability weights for one arm against the reference.

The score is the fitted probability of being in the compared arm (1) rather than the
reference arm (0) from a logistic regression on the covariates (R ``glm(arm ~ age + amh +
afc + menses_regular + prior_ivf_cycles, family = binomial)``), fitted by statsmodels
(``Logit``, Newton–Raphson).

Weights, stabilized by the share of the arm among the pair (:math:`\\pi = n_1 / n`):

* **ATE** (the whole population): :math:`\\pi / e` in the compared arm,
  :math:`(1 - \\pi) / (1 - e)` in the reference arm;
* **ATT** (the population of the compared arm): 1 in the compared arm,
  :math:`\\frac{e}{1 - e} \\cdot \\frac{1 - \\pi}{\\pi}` in the reference arm.

The effective sample size of a set of weights is :math:`(\\sum w)^2 / \\sum w^2` (Kish).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from follicle.analysis.regression import FITTED_EDGE

FloatArray = NDArray[np.float64]
Estimand = Literal["ATE", "ATT"]
ESTIMANDS: tuple[Estimand, ...] = ("ATE", "ATT")
#: A propensity score this close to 0 or 1 is taken as separation: the edge at which the
#: logistic regression of Part 2 looks for separation in its fitted values.
SCORE_EDGE = FITTED_EDGE


@dataclass(frozen=True)
class Weights:
    """Propensity scores and weights of the women of one comparison, in input order."""

    estimand: Estimand
    score: FloatArray
    weight: FloatArray

    def effective_size(self, mask: NDArray[np.bool_]) -> float:
        """Kish's effective sample size of the weights of ``mask``'s women."""
        w = self.weight[mask]
        return float(w.sum() ** 2 / (w**2).sum()) if w.size else float("nan")


def propensity_score(treated: NDArray[np.bool_], x: FloatArray) -> FloatArray:
    """Fitted probability of ``treated`` from a logistic regression on ``x`` (with an
    intercept); R ``fitted(glm(treated ~ x, family = binomial))``."""
    # Imported here, not at the top: ``statsmodels.api`` also loads its graphics and time
    # series (about 0.3 s), and a cohort without arms never fits a score (issue 13).
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    design = np.column_stack([np.ones(len(x)), x])
    # Newton–Raphson on the log-likelihood (the information is X'WX): the same estimates as
    # the GLM's iteratively reweighted least squares (to about 1e-14), without a
    # least-squares solve of the whole design at each step (3x less CPU at a million women).
    with warnings.catch_warnings():
        # When the covariates separate the arms the estimates run off and the fit does not
        # converge, as R's glm does (it warns of fitted probabilities 0 or 1): the scores
        # at the edge say so, and the comparison notes it (separated), not stderr.
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = Logit(treated.astype(float), design).fit(
            method="newton", tol=1e-12, maxiter=100, disp=0
        )
    return np.asarray(fit.predict(), dtype=float)


def separated(score: FloatArray) -> bool:
    """Whether some propensity score is 0 or 1 to within :data:`SCORE_EDGE`: the covariates
    (nearly) separate the arms, and positivity fails for those women."""
    return bool(score.size) and float(np.minimum(score, 1 - score).min()) < SCORE_EDGE


def ip_weights(
    treated: NDArray[np.bool_], score: FloatArray, *, estimand: Estimand = "ATE"
) -> Weights:
    """Stabilized inverse-probability weights for ``estimand`` (``"ATE"`` or ``"ATT"``)."""
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be ATE or ATT, not {estimand!r}")
    share = treated.mean()
    if estimand == "ATE":
        weight = np.where(treated, share / score, (1 - share) / (1 - score))
    else:
        weight = np.where(treated, 1.0, score / (1 - score) * (1 - share) / share)
    return Weights(estimand, score, weight)
