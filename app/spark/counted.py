"""Aggregate-level stand-ins for the local engine's inputs, so its own functions score them.

:class:`CountedColumn` is a :class:`~app.drift.columns.ColumnData` that holds
exact counts instead of the sorted values: the local engine's method choice,
chi-square, Z and the binned methods read only counts, so they run unchanged
on it. :func:`ks_p_value` turns an exact KS statistic (as two cumulative
counts) into SciPy's p-value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.drift.columns import ColumnData

KS_AUTO_EXACT_MAX = 10_000  # scipy.stats.ks_2samp(method="auto") is exact up to this size


@dataclass
class CountedColumn(ColumnData):
    """A column known by its counts: sizes, distinct counts and (when needed) keys or bins.

    ``table`` is ``(keys, ref_counts, cur_counts)``: per distinct value for
    categorical methods, or per Sturges bin (empty bins included) for the
    binned methods on numerical columns.
    """

    sizes: tuple[int, int] = (0, 0)
    distinct: tuple[int, int] = (0, 0)  # distinct values over both sides, in the reference
    table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_ref(self) -> int:
        return self.sizes[0]

    @property
    def n_cur(self) -> int:
        return self.sizes[1]

    def distinct_ref(self, cap: int) -> int:
        return self.distinct[1]

    def distinct_union(self, cap: int) -> int:
        return self.distinct[0]

    @property  # type: ignore[override]
    def counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.table is None:
            raise RuntimeError(f"column {self.name!r}: counts were not collected")
        return self.table


def counted(
    name: str,
    numeric: bool,
    integer: bool,
    sizes: tuple[int, int],
    distinct: tuple[int, int],
    table: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> CountedColumn:
    empty = np.empty(0)
    return CountedColumn(name, numeric, empty, empty, integer, None, sizes, distinct, table)


def ks_p_value(n_ref: int, n_cur: int, at: tuple[int, int]) -> float:
    """``scipy.stats.ks_2samp(ref, cur).pvalue`` from the sizes and the statistic's counts.

    ``at`` is (reference values <= x, current values <= x) where
    ``|F_ref - F_cur|`` peaks. Up to 10,000 values a side SciPy's ``auto``
    rule computes the exact distribution (falling back to the asymptotic one
    where it cannot): it gets two 0/1 samples with the same sizes and the same
    statistic, so every branch and warning is SciPy's own. Above that SciPy
    uses Smirnov's asymptotic formula, called here directly, as ``ks_2samp``
    does, with no sample at all.
    """
    from scipy import stats

    c_ref, c_cur = at
    if max(n_ref, n_cur) <= KS_AUTO_EXACT_MAX:
        ref = np.repeat(np.array([0, 1], np.int8), [c_ref, n_ref - c_ref])
        cur = np.repeat(np.array([0, 1], np.int8), [c_cur, n_cur - c_cur])
        return float(stats.ks_2samp(ref, cur).pvalue)
    d = abs(c_ref / n_ref - c_cur / n_cur)
    m, n = sorted([float(n_ref), float(n_cur)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1))
