"""The distribution functions the statistics need, from :mod:`scipy.special`.

Quantiles and tail probabilities of the normal, t, χ², F, gamma and beta distributions,
each the special function that :mod:`scipy.stats`' distribution object itself evaluates
(``norm.ppf`` is ``ndtri``, ``chi2.sf`` is ``chdtrc``, ``beta.ppf`` is ``betaincinv`` …),
so the numbers are the same to the last bit. What :mod:`scipy.stats` adds around them is
kept here too: an invalid parameter (degrees of freedom or shape ≤ 0, or ``NaN``) gives
``NaN``, and a value below a distribution's support has the whole of its upper tail.

Why not :mod:`scipy.stats` itself: importing it builds its hundred distribution objects and
parses their docstrings, about 0.4 s of CPU in a fresh process — a fifth of a small
cohort's ``follicle report --format json`` (issue 13) — for a handful of these functions.
:mod:`scipy.special` imports in a fraction of that. The tests built on these
(Fisher's exact test of a 2 × 2 table, the binomial test, the conditional odds ratio) follow
R's algorithms on :mod:`scipy.special` in their own modules; what is left of
:mod:`scipy.stats` (the random tables of a simulated r × c Fisher test) is imported where
it is used.

Every function takes scalars or arrays (broadcast) and returns a ``numpy.float64`` for
scalar arguments, an array otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = [
    "beta_ppf",
    "chi2_sf",
    "f_sf",
    "gamma_ppf",
    "norm_ppf",
    "norm_sf",
    "t_ppf",
    "t_sf",
]


def _out(value: Any) -> Any:
    """A 0-d result as a numpy scalar (as :mod:`scipy.stats` returns), else the array."""
    array = np.asarray(value, dtype=float)
    return array[()] if array.ndim == 0 else array


def _positive(*parameters: ArrayLike) -> Any:
    """True where every parameter is a number > 0 (``NaN`` fails)."""
    valid: Any = True
    for parameter in parameters:
        valid = np.logical_and(valid, np.asarray(parameter, dtype=float) > 0)
    return valid


def norm_ppf(p: ArrayLike) -> Any:
    """Standard normal quantile (``scipy.stats.norm.ppf``; R ``qnorm``)."""
    return _out(special.ndtri(p))


def norm_sf(x: ArrayLike) -> Any:
    """Standard normal upper tail P(Z > x) (``scipy.stats.norm.sf``; R ``pnorm(x, lower =
    FALSE)``)."""
    return _out(special.ndtr(np.negative(x)))


def chi2_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """χ² upper tail P(X > x) with ``df`` degrees of freedom (``scipy.stats.chi2.sf``; R
    ``pchisq(x, df, lower = FALSE)``); 1 for x < 0, ``NaN`` for df ≤ 0."""
    x_ = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        tail = np.where(x_ < 0, 1.0, special.chdtrc(df, np.maximum(x_, 0.0)))
    return _out(np.where(_positive(df), tail, np.nan))


def f_sf(x: ArrayLike, df1: ArrayLike, df2: ArrayLike) -> Any:
    """F upper tail P(X > x) (``scipy.stats.f.sf``; R ``pf(x, df1, df2, lower = FALSE)``);
    1 for x < 0, ``NaN`` for a degree of freedom ≤ 0."""
    x_ = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        tail = np.where(x_ < 0, 1.0, special.fdtrc(df1, df2, np.maximum(x_, 0.0)))
    return _out(np.where(_positive(df1, df2), tail, np.nan))


def t_ppf(p: ArrayLike, df: ArrayLike) -> Any:
    """Student's t quantile (``scipy.stats.t.ppf``; R ``qt``); ∓∞ at p = 0 and 1, ``NaN``
    for df ≤ 0."""
    p_ = np.asarray(p, dtype=float)
    with np.errstate(invalid="ignore"):
        quantile = np.where(p_ == 0, -np.inf, np.where(p_ == 1, np.inf, special.stdtrit(df, p_)))
    return _out(np.where(_positive(df), quantile, np.nan))


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """Student's t upper tail P(T > x) (``scipy.stats.t.sf``; R ``pt(x, df, lower =
    FALSE)``); ``NaN`` for df ≤ 0."""
    with np.errstate(invalid="ignore"):
        tail = special.stdtr(df, np.negative(x))
    return _out(np.where(_positive(df), tail, np.nan))


def gamma_ppf(p: ArrayLike, shape: ArrayLike) -> Any:
    """Quantile of the gamma distribution with unit scale (``scipy.stats.gamma.ppf``; R
    ``qgamma(p, shape)``); ``NaN`` for shape ≤ 0."""
    with np.errstate(invalid="ignore"):
        quantile = special.gammaincinv(shape, p)
    return _out(np.where(_positive(shape), quantile, np.nan))


def beta_ppf(p: ArrayLike, a: ArrayLike, b: ArrayLike) -> Any:
    """Quantile of the beta distribution (``scipy.stats.beta.ppf``; R ``qbeta(p, a, b)``);
    ``NaN`` for a shape ≤ 0."""
    with np.errstate(invalid="ignore"):
        quantile = special.betaincinv(a, b, p)
    return _out(np.where(_positive(a, b), quantile, np.nan))
