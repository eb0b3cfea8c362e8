"""Exactly rounded sums: ``math.fsum``'s float, whatever the order or split of the terms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.drift.exact import exact_std, exact_sum, exact_total, rounded


def _terms(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, size=n)
    return np.concatenate([values, -values[: n // 2], np.round(rng.standard_normal(n), 2)])


@pytest.mark.parametrize("seed", range(20))
def test_the_sum_is_fsums_in_any_order_and_any_split(seed: int) -> None:
    x = _terms(seed)
    assert exact_sum(x) == math.fsum(x)
    shuffled = np.random.default_rng(seed + 100).permutation(x)
    parts = np.array_split(shuffled, 7)
    assert rounded(sum(exact_total(p) for p in parts)) == math.fsum(x)


@pytest.mark.parametrize("seed", range(10))
def test_counts_repeat_their_value(seed: int) -> None:
    x = _terms(seed)[:500]
    counts = np.random.default_rng(seed).integers(1, 40, size=x.size)
    assert exact_sum(x, counts) == math.fsum(np.repeat(x, counts))


def test_huge_counts_and_subnormals() -> None:
    assert exact_sum(np.array([0.1]), np.array([2**40])) == 0.1 * 2**40
    assert exact_sum(np.array([0.1, 0.3]), np.array([2**50, 3])) == math.fsum(
        [0.1 * 2**50, 0.3, 0.3, 0.3]
    )
    tiny = np.array([5e-324, 5e-324, -1e-320, 1e308, -1e308])
    assert exact_sum(tiny) == math.fsum(tiny)
    assert exact_sum(np.array([])) == 0.0


def test_std_is_numpys_to_rounding_and_order_free() -> None:
    x = np.random.default_rng(3).normal(5.0, 2.0, 10_001).round(3)
    assert math.isclose(exact_std(x), float(np.std(x)), rel_tol=1e-13)
    assert exact_std(x[::-1]) == exact_std(x)
    values, counts = np.unique(x, return_counts=True)
    assert exact_std(values, counts) == exact_std(x)
