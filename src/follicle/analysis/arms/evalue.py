"""The E-value of a hazard ratio and of its confidence limit (VanderWeele & Ding 2017).

The E-value is the minimum strength of association, on the risk-ratio scale, that an
unmeasured confounder would need with both the arm and pregnancy, above the measured
covariates, to explain away the estimate. For a risk ratio :math:`RR \\ge 1`,
:math:`E = RR + \\sqrt{RR (RR - 1)}`; below 1 it is that of :math:`1 / RR`.

A hazard ratio is a risk ratio only when the outcome is rare (under about 15 % by the end
of follow-up). Pregnancy here is common, so the hazard ratio is first converted with
VanderWeele's approximation :math:`RR \\approx (1 - 0.5^{\\sqrt{HR}}) / (1 - 0.5^{\\sqrt{1/HR}})`
(VanderWeele 2020, *Epidemiology*); a rare outcome keeps :math:`RR = HR`. For the interval:
the E-value of the limit closer to 1, or 1 when the interval includes 1.
"""

from __future__ import annotations

import math

#: Cumulative incidence above which an outcome is common (the hazard ratio is converted).
COMMON_OUTCOME = 0.15


def risk_ratio(hr: float, *, common: bool) -> float:
    """The risk ratio a hazard ratio stands for (converted when the outcome is common)."""
    if not common:
        return hr
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def e_value(rr: float) -> float:
    """The E-value of a risk ratio: ``RR + sqrt(RR (RR − 1))`` on the side above 1."""
    if not math.isfinite(rr) or rr <= 0:
        return float("nan")
    r = rr if rr >= 1 else 1 / rr
    return r + math.sqrt(r * (r - 1))


def e_values(hr: float, low: float, high: float, *, common: bool) -> tuple[float, float]:
    """The E-values of a hazard ratio and of its confidence limit closer to 1; NaN for a
    hazard ratio of 0 or ∞ (no event on one side), which has no risk-ratio conversion."""
    if not 0 < hr < math.inf:
        return float("nan"), float("nan")
    estimate = e_value(risk_ratio(hr, common=common))
    if low <= 1 <= high:
        return estimate, 1.0
    limit = low if hr > 1 else high
    return estimate, e_value(risk_ratio(limit, common=common))
