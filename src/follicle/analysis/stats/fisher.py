"""Fisher's exact test of an r × c contingency table, as R's ``fisher.test`` computes it.

With both margins fixed, a table :math:`x` has the multivariate hypergeometric probability

.. math:: P(x) = \\frac{\\prod_i r_i! \\prod_j c_j!}{n! \\prod_{ij} x_{ij}!}

and the two-sided p-value is the total probability of the tables no more probable than the
observed one (R: ``sum(d[d <= d_obs * (1 + 1e-7)])``). R computes it with Mehta and Patel's
network algorithm (FEXACT). Here the same sum is enumerated exactly through the same kind of
network: the columns are filled one at a time, a node is the multiset of the row totals still
to fill (rows are exchangeable, so sorting them merges equivalent nodes), and each node keeps
the distinct partial values of :math:`-\\sum \\log x_{ij}!` reached so far with their
multiplicities. The last column is forced by the margins.

SciPy's ``fisher_exact`` accepts r × c tables from 1.15 only, and then by permutation or Monte
Carlo resampling, not exactly; follicle supports SciPy 1.13, hence this module.

When the network grows past ``max_nodes`` partial values in one layer, or its enumeration
past ``50 * max_nodes`` steps (large registries with a rare level: a 4 × 4 table of 600
women is beyond it, while R's FEXACT still enumerates it), the p-value is simulated
instead, as R's ``fisher.test(simulate.p.value = TRUE, B = 2000)``: random tables with the
observed margins (``scipy.stats.random_table``), fixed seed,
:math:`p = (1 + \\#\\{T_b \\le T_{obs}\\}) / (B + 1)`, and the test is named "simulated".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

#: R's relative tolerance when comparing a table's probability with the observed one.
RELATIVE_TOLERANCE = 1e-7
#: Partial log-values are merged when they agree to this many decimals (float sums along
#: different paths to the same cells differ in the last bits).
_DECIMALS = 9
#: Past this many (node, partial value) pairs in one layer, the p-value is simulated.
MAX_NODES = 2_000_000
#: … and past this many (partial value, column) pairs per allowed node, in all (about 10
#: seconds of enumeration on one core), it is simulated too.
WORK_PER_NODE = 50
#: Simulated tables when the network is too large (R's default ``B``) and their seed.
SIMULATED_TABLES = 2000
SEED = 20260101


@dataclass(frozen=True)
class FisherResult:
    """The p-value of Fisher's exact test on an r × c table and how it was computed.

    ``method`` is ``"exact"`` (network enumeration, R's default ``fisher.test``) or
    ``"simulated"`` (R's ``simulate.p.value = TRUE`` with ``tables`` random tables).
    """

    p_value: float
    method: Literal["exact", "simulated"]
    tables: int = 0


def _compositions(total: int, capacities: np.ndarray, limit: int) -> np.ndarray | None:
    """Every column of non-negative counts bounded by ``capacities`` that sums to ``total``
    (rows of the answer), or ``None`` when the grid to search is larger than ``limit``."""
    bounds = np.minimum(capacities[:-1], total) + 1
    if float(np.prod(bounds.astype(float))) > limit:
        return None
    grid = np.indices(tuple(int(b) for b in bounds)).reshape(len(bounds), -1).T
    last = total - grid.sum(axis=1)
    keep = (last >= 0) & (last <= capacities[-1])
    return np.column_stack([grid[keep], last[keep]])


def _log_cells(cells: np.ndarray) -> np.ndarray:
    """``-sum(lfactorial(x))`` over the last two axes: the part of log P(x) that varies."""
    return -special.gammaln(cells + 1.0).sum(axis=(-2, -1))


def _bounds(rows: np.ndarray, cols: np.ndarray, lfact: np.ndarray) -> tuple[np.ndarray, ...]:
    """For sub-tables with row totals ``rows`` (one node per row of the array) and column
    totals ``cols``: a lower and an upper bound of ``-sum(lfactorial(x))`` over all of them,
    and the log of its sum of ``exp`` (closed form: N! / (prod r! prod c!)).

    Lower: each column (or each row) in one cell — concentrating lowers the value, so the
    larger of the two relaxations still bounds it. Upper: each column spread evenly over the
    rows ignoring the row totals, or each row over the columns ignoring the column totals
    (relaxations, so no table does better than the smaller).
    """
    k = rows.shape[1]
    lower = np.maximum(-lfact[cols].sum(), -lfact[rows].sum(axis=1))
    q, r = np.divmod(cols, k)
    by_columns = -float((r * lfact[q + 1] + (k - r) * lfact[q]).sum())
    # … and each row spread evenly over the columns, ignoring the column totals.
    q, r = np.divmod(rows, len(cols))
    by_rows = -(r * lfact[q + 1] + (len(cols) - r) * lfact[q]).sum(axis=1)
    upper = np.minimum(by_columns, by_rows)
    total = lfact[rows.sum(axis=1)] - lfact[rows].sum(axis=1) - lfact[cols].sum()
    return lower, upper, total


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of an integer array (sorted) and, for each row, its one's index:
    ``np.unique(rows, axis=0, return_inverse=True)``.

    By ``lexsort`` over the columns, the same rows in the same order: ``unique`` along an
    axis took half of a large enumeration's CPU (12 of 23 s on a 6 × 3 table of 2,000
    women, which is then simulated), this a quarter of that.
    """
    if len(rows) == 0:
        return rows, np.zeros(0, dtype=np.int64)
    order = np.lexsort(rows.T[::-1])
    ordered = rows[order]
    start = np.ones(len(rows), dtype=bool)
    start[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.cumsum(start) - 1
    return ordered[start], inverse


def _exact(rows: np.ndarray, cols: np.ndarray, observed: float, max_nodes: int) -> float | None:
    n = int(rows.sum())
    lfact = special.gammaln(np.arange(n + 2) + 1.0)
    threshold = observed + np.log1p(RELATIVE_TOLERANCE)
    # One entry per (node, partial value): the node's remaining row totals (sorted: rows
    # are exchangeable), -sum log x! of the columns filled so far (rounded, to merge
    # paths), and the summed exp of the exact partial values over that rounding.
    nodes: np.ndarray = np.sort(rows)[None, :]
    partial: np.ndarray = np.zeros(1)
    weight: np.ndarray = np.ones(1)
    log_k = lfact[rows].sum() + lfact[cols].sum() - lfact[n]
    settled: list[np.ndarray] = []  # log-probabilities of whole sets of extreme tables
    order = np.argsort(-cols, kind="stable")  # big columns first: fewer nodes early
    cols = cols[order]
    work = 0  # (partial value, column) pairs looked at: the time the enumeration takes
    for j, total in enumerate(int(c) for c in cols[:-1]):
        future = cols[j + 1 :]
        new_nodes, new_partial, new_weight = [], [], []
        unique, inverse = _unique_rows(nodes)
        for u, remaining in enumerate(unique):
            column = _compositions(total, remaining, max_nodes)
            if column is None:
                return None
            step = -lfact[column].sum(axis=1)
            after = np.sort(remaining[None, :] - column, axis=1)
            lower, upper, log_sum = _bounds(after, future, lfact)
            mine = inverse == u
            work += int(mine.sum()) * len(column)
            if work > max_nodes * WORK_PER_NODE:
                return None
            past = partial[mine][:, None] + step[None, :]
            w = np.broadcast_to(weight[mine][:, None], past.shape)
            every = past + upper[None, :] <= threshold
            settled.append((np.log(w) + past + log_sum[None, :])[every])
            open_ = ~every & (past + lower[None, :] <= threshold)
            rows_i, cols_i = np.nonzero(open_)
            new_nodes.append(after[cols_i])
            new_partial.append(past[rows_i, cols_i])
            new_weight.append(w[rows_i, cols_i])
        nodes = np.concatenate(new_nodes)
        exact = np.concatenate(new_partial)
        weights = np.concatenate(new_weight)
        if len(nodes) == 0:
            break
        if len(nodes) > 10 * max_nodes:  # give up before sorting more than memory allows
            return None
        rounded = np.round(exact, _DECIMALS)
        # The weight carries what rounding took off, so the sums stay exact.
        weights = weights * np.exp(exact - rounded)
        keys = np.column_stack([nodes, rounded.view(np.int64)])
        unique_keys, where = _unique_rows(keys)
        if len(unique_keys) > max_nodes:
            return None
        nodes = unique_keys[:, :-1]
        partial = np.ascontiguousarray(unique_keys[:, -1]).view(np.float64)
        weight = np.bincount(where.ravel(), weights=weights, minlength=len(unique_keys))
    else:
        # The last column takes what is left of each row.
        value = partial - lfact[nodes].sum(axis=1)
        extreme = value <= threshold
        settled.append(np.log(weight[extreme]) + value[extreme])
    found = np.concatenate(settled) if settled else np.empty(0)
    if len(found) == 0:
        return 0.0
    return float(min(1.0, np.exp(special.logsumexp(found + log_k))))


def hypergeometric_log_density(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The support of cell ``a`` of a 2 × 2 table given its margins, and the log of its
    (central) hypergeometric probability at each value (R ``dhyper(support, m, n, k, log =
    TRUE)``).

    ``cells`` is ``[[a, b], [c, d]]``; with ``m = a + c`` (first column), ``n = b + d`` and
    ``k = a + b`` (first row), ``a`` runs from ``max(0, k − n)`` to ``min(k, m)`` and
    ``log P(a) = log C(m, a) + log C(n, k − a) − log C(m + n, k)`` (log-gamma).
    """
    first_column, second_column = (float(v) for v in cells.sum(axis=0))
    first_row = float(cells[0].sum())
    support = np.arange(max(0.0, first_row - second_column), min(first_row, first_column) + 1.0)
    lfact = special.gammaln
    log_density = (
        lfact(first_column + 1)
        - lfact(support + 1)
        - lfact(first_column - support + 1)
        + lfact(second_column + 1)
        - lfact(first_row - support + 1)
        - lfact(second_column - first_row + support + 1)
        - lfact(first_column + second_column + 1)
        + lfact(first_row + 1)
        + lfact(first_column + second_column - first_row + 1)
    )
    return support, log_density


def fisher_exact_2x2(table: np.ndarray) -> float:
    """The two-sided p-value of Fisher's exact test of a 2 × 2 table (R ``fisher.test(x)$
    p.value``): the probability, given both margins, of the values of cell ``a`` no more
    probable than the observed one, within R's relative tolerance 1e-7.

    R's own algorithm for 2 × 2 tables (``dnhyper`` at odds ratio 1 over the support),
    instead of ``scipy.stats.fisher_exact``, whose import costs about 0.3 s of CPU (issue 13);
    held to R by ``tests/analysis/test_r_proportions.py``.
    """
    cells = np.asarray(table, dtype=float)
    support, log_density = hypergeometric_log_density(cells)
    density = np.exp(log_density - log_density.max())
    density /= density.sum()
    observed = density[int(cells[0, 0] - support[0])]
    return float(min(1.0, density[density <= observed * (1 + RELATIVE_TOLERANCE)].sum()))


def fisher_exact_rxc(table: np.ndarray, *, max_nodes: int = MAX_NODES) -> FisherResult:
    """Fisher's exact test of independence in an r × c table (R: ``fisher.test(x)``).

    Parameters
    ----------
    table
        Counts (women), r × c, non-negative integers. Rows or columns with no count are
        dropped first, as R's ``fisher.test`` does.
    max_nodes
        The network's largest layer before the p-value is simulated instead (see the
        module's docstring).

    Returns
    -------
    FisherResult
        The two-sided p-value: the probability, with both margins fixed, of the tables no
        more probable than the observed one (R's relative tolerance 1e-7).
    """
    cells = np.asarray(table, dtype=np.int64)
    cells = cells[cells.sum(axis=1) > 0][:, cells.sum(axis=0) > 0]
    if cells.shape[0] < 2 or cells.shape[1] < 2:
        return FisherResult(1.0, "exact")
    # Fewer rows than columns keeps the nodes (sorted row totals) short.
    if cells.shape[0] > cells.shape[1]:
        cells = cells.T
    rows, cols = cells.sum(axis=1), cells.sum(axis=0)
    observed = float(_log_cells(cells.astype(float)))
    p = _exact(rows, cols, observed, max_nodes)
    if p is not None:
        return FisherResult(p, "exact")
    # Imported here: scipy.stats costs about 0.3 s of CPU to import (issue 13), and only a
    # table too large to enumerate is simulated.
    from scipy import stats

    sampled = stats.random_table(rows, cols, seed=SEED).rvs(size=SIMULATED_TABLES)
    simulated = _log_cells(sampled.astype(float))
    # R: STATISTIC <= obs / almost.1, almost.1 = 1 + 64 * .Machine$double.eps (on -sum lx!).
    hits = np.count_nonzero(simulated <= observed + abs(observed) * 64 * np.finfo(float).eps)
    return FisherResult(float((1 + hits) / (SIMULATED_TABLES + 1)), "simulated", SIMULATED_TABLES)
