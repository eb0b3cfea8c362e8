"""Which features a model version relies on: permutation importance of a surrogate model.

Computed once per reference window at ingest (the version's training data as
logged, with the version's own predictions) and stored; the Drift page ranks
drifted features by importance × drift strength
(:func:`app.production.read_multivariate.rank_drifted`).

Conventions:

- The surrogate is a ``HistGradientBoostingRegressor`` fitted to the
  reference's ``prediction`` column when it is numerical (scores, regression
  outputs), a ``HistGradientBoostingClassifier`` when it is categorical
  (predicted classes); features are encoded as the domain classifier encodes
  them (:meth:`app.production.multivariate.Encoder.code_matrix`). It models
  what the *deployed model* does, not the labels, so it needs no labels
  (Fiddler's and NannyML's "which drift matters" questions are about the
  model's behaviour).
- At most :data:`MAX_ROWS` rows (seeded sample); 70 % fit the surrogate,
  importance is measured on the other 30 % as scikit-learn's
  ``permutation_importance`` measures it (:data:`REPEATS` shuffles per column; score R²
  for the regressor, accuracy for the classifier). ``importance`` is the mean
  drop of that score, ``importance_std`` its standard deviation: 0 means
  the surrogate does not use the column; small negative values are noise.
- :func:`permutation_drops` makes scikit-learn's shuffles (the same seeds, the
  same numbers: ``tests/production/test_importance.py``) but predicts every
  shuffled copy in one call, where scikit-learn predicts ``columns × REPEATS``
  small copies one by one (fraud-scoring's v2 reference: 0.66 s of CPU for its
  importances, 0.47 s in one call, the surrogate's fit included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.drift import is_numerical
from app.production.multivariate import SEED, fit_encoder
from app.production.windows import PREDICTION

MAX_ROWS = 3000
REPEATS = 5
MIN_ROWS = 50


@dataclass(frozen=True)
class Importance:
    """A feature's permutation importance for a model version."""

    column: str
    importance: float
    importance_std: float


def permutation_importances(reference: pd.DataFrame, features: Sequence[str]) -> list[Importance]:
    """Importance of each of ``features`` to a surrogate of the reference's predictions.

    [] when the reference has no prediction column, too few rows with a
    prediction, or no usable feature.
    """
    if PREDICTION not in reference.columns:
        return []
    frame = reference[reference[PREDICTION].notna()]
    if len(frame) < MIN_ROWS:
        return []
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=SEED)
    encoder = fit_encoder(frame, [f for f in features if f != PREDICTION])
    if encoder is None:
        return []
    from sklearn.ensemble import (  # seconds to import: ingest only
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    x = encoder.code_matrix(frame)
    categorical = [False] * len(encoder.numerical) + [True] * len(encoder.categorical)
    mask = categorical if any(categorical) else None
    target = frame[PREDICTION]
    model: HistGradientBoostingRegressor | HistGradientBoostingClassifier
    if is_numerical(target):
        y = target.to_numpy(dtype=float)
        model = HistGradientBoostingRegressor(categorical_features=mask, random_state=SEED)
    else:
        y = target.astype(str).to_numpy()
        if len(np.unique(y)) < 2:
            return []
        model = HistGradientBoostingClassifier(categorical_features=mask, random_state=SEED)
    order = np.random.default_rng(SEED).permutation(len(y))
    cut = int(len(y) * 0.7)
    train, test = order[:cut], order[cut:]
    model.fit(x[train], y[train])
    drops = permutation_drops(model, x[test], y[test], REPEATS, SEED)
    return [
        Importance(name, float(mean), float(std))
        for name, mean, std in zip(
            encoder.columns, drops.mean(axis=1), drops.std(axis=1), strict=True
        )
    ]


def permutation_drops(
    model: Any, x: np.ndarray, y: np.ndarray, repeats: int, seed: int
) -> np.ndarray:
    """Columns × repeats drops of ``model.score`` when a column is shuffled.

    The shuffles of scikit-learn's ``permutation_importance(model, x, y,
    n_repeats=repeats, random_state=seed)`` (its default scorer, every row):
    one ``RandomState`` per column, seeded from ``seed``, shuffling the column
    ``repeats`` times in a row. The copies are predicted in one call.
    """
    from sklearn.base import is_regressor
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.utils import check_random_state

    column_seed = check_random_state(seed).randint(np.iinfo(np.int32).max + 1)
    copies = [x]
    for column in range(x.shape[1]):
        state = check_random_state(column_seed)
        shuffled = x.copy()
        order = np.arange(len(x))
        for _ in range(repeats):
            state.shuffle(order)
            shuffled[:, column] = shuffled[order, column]
            copies.append(shuffled.copy())
    predicted = np.split(model.predict(np.vstack(copies)), len(copies))
    score = r2_score if is_regressor(model) else accuracy_score
    baseline = score(y, predicted[0])
    drops = [baseline - score(y, p) for p in predicted[1:]]
    return np.array(drops, dtype=float).reshape(x.shape[1], repeats)
