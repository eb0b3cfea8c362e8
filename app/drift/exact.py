"""Exactly rounded sums, so that both drift engines print the same digits.

A floating-point sum depends on the order of its terms; the local engine
sums in NumPy's order, the Spark engine over partitions in whatever order
rows arrive. Summed exactly and rounded once, as :func:`math.fsum` does, the
result depends on the terms only: both engines compute the same terms (the
same IEEE operations on the same values) and get the same float, bit for bit.

The exact sum is kept as an integer count of ``2**-SHIFT`` (every finite
double, times a count, is one): :func:`exact_total` gives it for an array of
terms (optionally each repeated ``counts`` times), totals of parts add up as
Python integers, and :func:`rounded` turns a total into the nearest double
(Python's integer division is correctly rounded). ``rounded(exact_total(x))
== math.fsum(x)`` for finite ``x``.
"""

from __future__ import annotations

import numpy as np

SHIFT = 1126  # frexp's exponent minus 53 is at least -1126 (the smallest subnormal)


def exact_total(values: np.ndarray, counts: np.ndarray | None = None) -> int:
    """``sum(counts * values)`` exactly, in units of ``2**-SHIFT`` (finite values only).

    Vectorised: the values are grouped by binary exponent; within a group the
    53-bit integer mantissas, split in halves and times their counts, are
    summed in int64 over chunks short enough never to overflow; only the
    chunks' sums become Python integers.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        return 0
    weights = np.ones(x.size, np.int64) if counts is None else np.asarray(counts, np.int64).ravel()
    mantissa, exponent = np.frexp(x)
    whole = (mantissa * 2.0**53).astype(np.int64)  # exact: x == whole * 2**(exponent - 53)
    order = np.argsort(exponent, kind="stable")
    shift = exponent[order].astype(np.int64) + (SHIFT - 53)
    whole, weights = whole[order], weights[order]
    bits = max(int(weights.max()).bit_length(), 1)
    if bits > 62 - _HALF - 1:  # a value counted 2**35 times or more: Python integers
        products = whole.astype(object) * weights.astype(object)
        return sum(int(p) << int(s) for p, s in zip(products, shift, strict=True))
    high, low = (whole >> _HALF) * weights, (whole & _LOW) * weights  # each under 2**(27+bits)
    chunk = 1 << max(0, min(20, 62 - _HALF - 1 - bits))  # a chunk's sum stays under 2**62
    groups = np.flatnonzero(np.diff(shift)) + 1
    starts = np.unique(np.concatenate(([0], groups, np.arange(0, x.size, chunk))))
    high_sums = np.add.reduceat(high, starts).tolist()
    low_sums = np.add.reduceat(low, starts).tolist()
    total = 0
    for h, lo, power in zip(high_sums, low_sums, shift[starts].tolist(), strict=True):
        total += ((h << _HALF) + lo) << power
    return total


_HALF = 26
_LOW = (1 << _HALF) - 1


def rounded(total: int) -> float:
    """The double nearest to ``total * 2**-SHIFT`` (ties to even, as ``math.fsum``)."""
    return total / (1 << SHIFT)


def exact_sum(values: np.ndarray, counts: np.ndarray | None = None) -> float:
    """``math.fsum`` of ``values`` (each repeated ``counts`` times), vectorised."""
    return rounded(exact_total(values, counts))


def exact_std(values: np.ndarray, counts: np.ndarray | None = None) -> float:
    """Population standard deviation from exactly rounded sums.

    ``mean = fsum(x) / n``; ``std = sqrt(fsum((x - mean)**2) / n)``: NumPy's
    ``std`` formula with its two sums rounded once, so it depends on the
    values (and their counts), not on their order.
    """
    x = np.asarray(values, dtype=np.float64)
    n = int(x.size if counts is None else np.asarray(counts, dtype=np.int64).sum())
    mean = exact_sum(x, counts) / n
    deviation = x - mean
    return float(np.sqrt(exact_sum(deviation * deviation, counts) / n))
