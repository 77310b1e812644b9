"""Standardized mean differences between groups, as R's tableone computes them.

A standardized mean difference (SMD) says how far apart two groups are on a variable in
units of its spread, independent of sample size — the balance measure of Table 1 by a
group, where a p-value mostly measures n. Conventionally an SMD above 0.1 is a meaningful
imbalance (Austin 2009).

* **Continuous** (Cohen's d with the average variance):
  :math:`|\\bar x_1 - \\bar x_2| / \\sqrt{(s_1^2 + s_2^2) / 2}`, with sample SDs (n − 1).
* **Categorical** (Yang & Dalton 2012, the multinomial generalisation): with
  :math:`p_1, p_2` the two groups' proportions of each level but the first,
  :math:`T = p_1 - p_2` and :math:`S = (S_1 + S_2) / 2`, where :math:`S_g` is the
  multinomial covariance :math:`\\operatorname{diag}(p_g) - p_g p_g^\\top`,
  :math:`\\mathrm{SMD} = \\sqrt{T^\\top S^{-} T}`; :math:`S^{-}` is the Moore–Penrose inverse
  with R's ``MASS::ginv`` tolerance (singular values below :math:`\\sqrt{\\epsilon}` times
  the largest are dropped), so that a level absent from both groups does not make it
  undefined. For two levels it is the SMD of a proportion,
  :math:`|p_1 - p_2| / \\sqrt{(p_1(1-p_1) + p_2(1-p_2))/2}`.
* **More than two groups**: the mean of the SMDs of every pair of groups, as tableone's
  printed "SMD" column (undefined when one pair's is).

References
----------
.. [1] Yang D, Dalton JE. A unified approach to measuring the effect size between two
   groups using SAS. SAS Global Forum 2012, paper 335.
.. [2] Austin PC. Balance diagnostics for comparing the distribution of baseline covariates
   between treatment groups in propensity-score matched samples. Stat Med 2009;28:3083–107.
.. [3] Yoshida K, Bartel A. tableone: Create "Table 1" to describe baseline characteristics
   (R package), functions ``StdDiff`` and ``StdDiffMulti``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

#: ``MASS::ginv``'s relative tolerance for a singular value.
GINV_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def ginv(matrix: np.ndarray) -> np.ndarray:
    """The Moore–Penrose inverse, as R's ``MASS::ginv`` (singular values at or below
    :data:`GINV_TOLERANCE` × the largest count as zero)."""
    u, d, vt = np.linalg.svd(matrix)
    if d.size == 0 or d[0] == 0:
        return np.zeros_like(matrix.T)
    keep = d > GINV_TOLERANCE * d[0]
    return (vt[keep].T / d[keep]) @ u[:, keep].T


def smd_continuous(mean1: float, sd1: float, mean2: float, sd2: float) -> float:
    """The absolute SMD of two means with their sample SDs (``nan`` when undefined: a
    missing SD, or no spread in either group)."""
    pooled = np.sqrt((sd1**2 + sd2**2) / 2)
    if not np.isfinite(pooled) or pooled == 0:
        return float("nan")
    return float(abs(mean1 - mean2) / pooled)


def smd_categorical(counts1: Sequence[float], counts2: Sequence[float]) -> float:
    """The Yang–Dalton SMD of two groups' counts over the same levels (in the same order).

    ``nan`` when a group has no value, or there are fewer than two levels.
    """
    c1, c2 = np.asarray(counts1, dtype=float), np.asarray(counts2, dtype=float)
    if c1.size < 2 or c1.sum() == 0 or c2.sum() == 0:
        return float("nan")
    p1, p2 = (c1 / c1.sum())[1:], (c2 / c2.sum())[1:]
    covariance = (np.diag(p1) - np.outer(p1, p1) + np.diag(p2) - np.outer(p2, p2)) / 2
    t = p1 - p2
    squared = float(t @ ginv(covariance) @ t)
    return float(np.sqrt(max(squared, 0.0)))


def mean_pairwise(values: np.ndarray) -> float:
    """The mean of the upper triangle of a matrix of pairwise SMDs; ``nan`` when a pair is
    undefined (a group of one woman, or without a value), as tableone's average
    (``rowMeans`` without ``na.rm``): an average over the other pairs would describe
    fewer groups than the table shows."""
    k = values.shape[0]
    pairs = np.array([values[i, j] for i, j in combinations(range(k), 2)], dtype=float)
    return float(pairs.mean()) if pairs.size and np.isfinite(pairs).all() else float("nan")
