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
  importance is measured on the other 30 % with scikit-learn's
  ``permutation_importance`` (:data:`REPEATS` shuffles per column; score R²
  for the regressor, accuracy for the classifier). ``importance`` is the mean
  drop of that score, ``importance_std`` its standard deviation: 0 means
  the surrogate does not use the column; small negative values are noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    from sklearn.inspection import permutation_importance

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
    result = permutation_importance(model, x[test], y[test], n_repeats=REPEATS, random_state=SEED)
    return [
        Importance(name, float(mean), float(std))
        for name, mean, std in zip(
            encoder.columns, result.importances_mean, result.importances_std, strict=True
        )
    ]
