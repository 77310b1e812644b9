"""Proportions: n of N, as percent, for a whole cohort or by group.

The paper's proportions are plain ``n / N × 100``; this module computes them vectorised
(``groupby``), with every level of the grouping shown, including empty ones (N = 0 gives a
percentage of ``nan``, never a division warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Proportion:
    """``n`` of ``total``; ``pct`` = 100 n / total (``nan`` when ``total`` is 0).

    R: ``100 * n / N``, or ``prop.table`` of a one-way table.
    """

    n: int
    total: int

    @property
    def pct(self) -> float:
        """The percentage, 0–100 (``nan`` for an empty denominator)."""
        return 100.0 * self.n / self.total if self.total else float("nan")

    def values(self, prefix: str) -> dict[str, int | float]:
        """``{prefix}.n``, ``{prefix}.total`` and ``{prefix}.pct``, for a Result's values."""
        return {f"{prefix}.n": self.n, f"{prefix}.total": self.total, f"{prefix}.pct": self.pct}


def proportion(flags: pd.Series) -> Proportion:
    """The proportion of true values in a boolean series (missing values are left out)."""
    known = flags.dropna().astype(bool)
    return Proportion(int(known.sum()), int(known.size))


def percent(n: pd.Series | np.ndarray, total: pd.Series | np.ndarray) -> np.ndarray:
    """100 n / total element-wise, ``nan`` where ``total`` is 0 (no warning)."""
    num = np.asarray(n, dtype=float)
    den = np.asarray(total, dtype=float)
    return np.divide(100.0 * num, den, out=np.full(num.shape, np.nan), where=den != 0)


def proportions_by(
    frame: pd.DataFrame,
    outcome: str,
    by: str | None = None,
    *,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How many women have ``outcome``, overall or in each group of ``by``.

    Parameters
    ----------
    frame
        One row per unit (woman); ``outcome`` is a boolean column.
    outcome
        The boolean column counted.
    by
        A grouping column, or ``None`` for the whole frame (one row, group ``"all"``).
    levels
        The groups to show, in order; groups absent from the data get n = N = 0. Groups
        present in the data but not listed are appended after them. Rows whose ``by`` is
        missing are left out.

    Returns
    -------
    DataFrame
        ``group``, ``n`` (units with the outcome), ``total`` (units in the group) and
        ``pct`` (100 n / total). R: ``table(by, outcome)`` with ``prop.table(margin = 1)``.
    """
    flags = frame[outcome].astype("boolean").fillna(False).astype(bool)
    if by is None:
        keys = pd.Series("all", index=frame.index, dtype="string")
    else:
        keys = frame[by].astype("string")
    counted = pd.DataFrame({"group": keys, "flag": flags}).dropna(subset=["group"])
    grouped = counted.groupby("group")["flag"].agg(["sum", "size"])
    order = list(levels or [])
    order += [g for g in grouped.index if g not in order]
    grouped = grouped.reindex(order, fill_value=0)
    out = pd.DataFrame(
        {
            "group": pd.Series(order, dtype="string"),
            "n": grouped["sum"].to_numpy(dtype="int64"),
            "total": grouped["size"].to_numpy(dtype="int64"),
        }
    )
    out["pct"] = percent(out["n"], out["total"])
    return out
