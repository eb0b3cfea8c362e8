"""The drift statistics, each a pure function of a prepared :class:`ColumnData`.

Each function reproduces the Evidently 0.7 stat test of the same name
(``evidently/legacy/calculations/stattests/``) to floating-point rounding,
but reads the sorted arrays or per-key counts prepared once per column
instead of re-scanning the raw data. SciPy is imported inside the tests that
need it: ``scipy.stats`` takes seconds to import, and the large-data default
(``wasserstein``) needs none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.drift.columns import ColumnData
from app.drift.exact import exact_std, exact_sum

STURGES_DISTINCT_LIMIT = 20  # get_binned_data bins numerical data with more reference values


def ks(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``ks``: two-sample Kolmogorov–Smirnov, two-sided, p-value."""
    from scipy import stats

    return float(stats.ks_2samp(col.ref, col.cur).pvalue)


def wasserstein(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``wasserstein``: first Wasserstein distance / max(std(ref), 0.001).

    ``std`` is the population standard deviation (ddof=0). The distance is
    SciPy's ``wasserstein_distance``, the integral of ``|F_ref - F_cur|``,
    computed from the two sorted samples. Both sums (the area's terms and the
    standard deviation's) are rounded once (:mod:`app.drift.exact`), so the
    score depends on the values only: the Spark engine, summing the same terms
    over partitions, gets the same float. Equal to SciPy's to ~1e-15.
    """
    u = col.ref.astype(np.float64, copy=False)
    v = col.cur.astype(np.float64, copy=False)
    norm = max(exact_std(u), 0.001)
    return wasserstein_area(u, v) / norm


def wasserstein_area(u: np.ndarray, v: np.ndarray) -> float:
    """``sum |F_u(x_k) - F_v(x_k)| * (x_{k+1} - x_k)`` over the merged sorted values, summed
    exactly; each term is ``|cu/n - cv/m| * gap`` with the cumulative counts at ``x_k``."""
    n, m = len(u), len(v)
    # A stable merge of the two sorted runs (linear for timsort) tells, at every
    # merged value, how many reference values lie at or below it; where the next
    # merged value is larger this is the cumulative count at the value, and where
    # it is equal the term is 0 either way.
    both = np.concatenate((u, v))
    order = np.argsort(both, kind="stable")
    u_count = np.cumsum(order[:-1] < n, dtype=np.int64)
    v_count = np.arange(1, n + m, dtype=np.int64) - u_count
    cdf_gap = np.abs(u_count / n - v_count / m)
    return exact_sum(cdf_gap * np.diff(both[order]))


def chisquare(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``chisquare``: Pearson's chi-squared, p-value.

    Observed: current counts per key over the union of keys; expected:
    reference counts scaled by ``n_current / n_reference``. A key seen only in
    the current data has expected count 0, so the statistic is infinite and
    the p-value 0, as in Evidently.
    """
    from scipy import stats

    _, ref_counts, cur_counts = col.counts
    f_exp = ref_counts * (col.n_cur / col.n_ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(stats.chisquare(cur_counts.astype(np.float64), f_exp)[1])


def z(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``z``: two-proportion z-test, two-sided, p-value.

    The proportion compared is the share of values other than the smallest
    key; p-value is ``2 * (1 - Phi(|z|))`` (Evidently's formula, not ``sf``,
    so tiny p-values round to 0 the same way). Both sides constant and equal
    gives p = 1.
    """
    from scipy.special import ndtr  # the standard normal CDF, as scipy.stats.norm.cdf

    _, ref_counts, cur_counts = col.counts
    if np.count_nonzero(ref_counts) == 1 and np.count_nonzero(cur_counts) == 1:
        if np.argmax(ref_counts) == np.argmax(cur_counts):
            return 1.0
    n1, n2 = col.n_ref, col.n_cur
    p1 = float(n1 - int(ref_counts[0])) / n1
    p2 = float(n2 - int(cur_counts[0])) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(2 * (1 - ndtr(np.abs(statistic))))


def _sturges_edges(lo: Any, hi: Any, size: int, integer: bool) -> np.ndarray:
    """``np.histogram_bin_edges(data, bins="sturges")`` from the data's min, max and size."""
    first, last = lo, hi
    if first == last:
        first, last = first - 0.5, last + 0.5
    width = (hi - lo) / (np.log2(size) + 1.0)
    if width:
        if integer and width < 1:
            width = 1
        bins = int(np.ceil((last - first) / width))
    else:
        bins = 1
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)


def _histogram(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.histogram(data, edges)[0]`` for sorted data: half-open bins, last one closed."""
    cuts = np.concatenate(
        (
            np.searchsorted(ordered, edges[:-1], "left"),
            np.searchsorted(ordered, edges[-1:], "right"),
        )
    )
    return np.diff(cuts)


def binned_shares(
    col: ColumnData, kind: str, fill_zeroes: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Matches Evidently 0.7 ``get_binned_data``: each side's share per bin.

    Numerical columns with more than 20 distinct reference values use Sturges
    bins over both sides combined; anything else uses one bin per distinct
    value. With ``fill_zeroes`` an empty bin gets the side's smallest non-zero
    share / 1e6 (if that is <= 1e-4), else 1e-4 — psi and kl_div need it.
    """
    if kind == "numerical" and col.distinct_ref(STURGES_DISTINCT_LIMIT) > STURGES_DISTINCT_LIMIT:
        lo, hi = min(col.ref[0], col.cur[0]), max(col.ref[-1], col.cur[-1])
        edges = _sturges_edges(lo, hi, col.n_ref + col.n_cur, col.integer)
        ref_shares = _histogram(col.ref, edges) / col.n_ref
        cur_shares = _histogram(col.cur, edges) / col.n_cur
    else:
        _, ref_counts, cur_counts = col.counts
        ref_shares = ref_counts / col.n_ref
        cur_shares = cur_counts / col.n_cur
    if fill_zeroes:
        for shares in (ref_shares, cur_shares):
            smallest = shares[shares != 0].min()
            shares[shares == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return ref_shares, cur_shares


def jensenshannon(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``jensenshannon``: Jensen–Shannon distance, ln, no zero fill.

    Evidently calls ``scipy.spatial.distance.jensenshannon`` with ``base=None``
    (natural log): ``sqrt((KL(p || m) + KL(q || m)) / 2)`` with ``m = (p + q) / 2``
    over the normalised shares. The same arithmetic is done here in NumPy, as
    SciPy's ``rel_entr`` does it (``x * ln(x / y)``, 0 where ``x == 0``),
    because importing ``scipy.spatial`` costs seconds on a cold page load.
    """
    ref_shares, cur_shares = binned_shares(col, kind, fill_zeroes=False)
    p = ref_shares / np.sum(ref_shares)
    q = cur_shares / np.sum(cur_shares)
    m = (p + q) / 2.0
    return float(np.sqrt((_rel_entr_sum(p, m) + _rel_entr_sum(q, m)) / 2.0))


def _rel_entr_sum(x: np.ndarray, y: np.ndarray) -> float:
    """``scipy.special.rel_entr(x, y).sum()`` where ``y > 0`` wherever ``x > 0`` (a mixture)."""
    positive = x > 0
    xs = x[positive]
    return float(np.sum(xs * np.log(xs / y[positive])))


def psi(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``psi``: sum((ref - cur) * ln(ref / cur)) over zero-filled bins."""
    ref_shares, cur_shares = binned_shares(col, kind)
    return float(np.sum((ref_shares - cur_shares) * np.log(ref_shares / cur_shares)))


def kl_div(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``kl_div``: KL(reference || current) over zero-filled bins."""
    from scipy import stats

    ref_shares, cur_shares = binned_shares(col, kind)
    return float(stats.entropy(ref_shares, cur_shares))


def hellinger(col: ColumnData, kind: str) -> float:
    """Matches Evidently 0.7 ``hellinger``: sqrt(1 - Bhattacharyya coefficient).

    Categorical: over the shares of each key. Numerical: over density
    histograms with Sturges bins computed on the *distinct* values of both
    sides (not on the data), weighted by the mean bin width. The coefficient
    is summed left to right (``cumsum``) as Evidently's loop does, because
    ``sqrt(1 - x)`` magnifies rounding when the distributions nearly agree.
    """
    if kind == "categorical":
        _, ref_counts, cur_counts = col.counts
        terms = np.sqrt((ref_counts / col.n_ref) * (cur_counts / col.n_cur))
    else:
        keys = col.counts[0]
        edges = _sturges_edges(keys[0], keys[-1], len(keys), col.integer)
        ref_hist, cur_hist = _histogram(col.ref, edges), _histogram(col.cur, edges)
        return hellinger_histograms(edges, ref_hist, cur_hist)
    coefficient = float(np.clip(np.cumsum(terms)[-1], 0, 1))
    return float(np.sqrt(1 - coefficient))


def hellinger_histograms(edges: np.ndarray, ref_hist: np.ndarray, cur_hist: np.ndarray) -> float:
    """Numerical ``hellinger`` from each side's counts on ``edges`` (see :func:`hellinger`)."""
    widths = np.diff(edges).astype(float)
    ref_density = ref_hist / widths / ref_hist.sum()
    cur_density = cur_hist / widths / cur_hist.sum()
    width = (max(edges) - min(edges)) / (len(edges) - 1)
    terms = np.sqrt(ref_density * cur_density) * width
    coefficient = float(np.clip(np.cumsum(terms)[-1], 0, 1))
    return float(np.sqrt(1 - coefficient))


STATTESTS: dict[str, Callable[[ColumnData, str], float]] = {
    "ks": ks,
    "wasserstein": wasserstein,
    "chisquare": chisquare,
    "z": z,
    "jensenshannon": jensenshannon,
    "psi": psi,
    "kl_div": kl_div,
    "hellinger": hellinger,
}
