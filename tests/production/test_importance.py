"""Permutation importance: scikit-learn's numbers, with the shuffled copies predicted at once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance

from app.production.importance import REPEATS, permutation_drops

SEED = 13


def _data(rng: np.random.Generator, rows: int = 600) -> np.ndarray:
    x = rng.normal(size=(rows, 4))
    x[:, 3] = rng.integers(0, 5, rows)  # a categorical as codes
    return x


@pytest.mark.parametrize("seed", [1, 2])
def test_regressor_drops_equal_scikit_learns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = _data(rng)
    y = 3 * x[:, 0] + x[:, 1] * x[:, 3] + rng.normal(scale=0.5, size=len(x))
    model = HistGradientBoostingRegressor(categorical_features=[False] * 3 + [True], max_iter=30)
    model.fit(x[:400], y[:400])
    drops = permutation_drops(model, x[400:], y[400:], REPEATS, SEED)
    expected = permutation_importance(model, x[400:], y[400:], n_repeats=REPEATS, random_state=SEED)
    np.testing.assert_array_equal(drops, expected.importances)
    assert drops.mean(axis=1)[0] > 0.5  # the column the target is made of matters


def test_classifier_drops_equal_scikit_learns() -> None:
    rng = np.random.default_rng(3)
    x = _data(rng)
    y = np.where(x[:, 0] + 0.3 * rng.normal(size=len(x)) > 0, "fraud", "ok")
    model = HistGradientBoostingClassifier(max_iter=30).fit(x[:400], y[:400])
    drops = permutation_drops(model, x[400:], y[400:], REPEATS, SEED)
    expected = permutation_importance(model, x[400:], y[400:], n_repeats=REPEATS, random_state=SEED)
    np.testing.assert_array_equal(drops, expected.importances)
    np.testing.assert_array_equal(drops.std(axis=1), expected.importances_std)
