"""fraud-scoring's sensitive attribute: a fairness gap v2 closed and v3's retrain reopened.

Every production row gets a ``sensitive.age_band`` (``under_35`` or
``35_plus``), drawn from its own random stream so no other column moves. v1
over-flagged the younger band (its scores there are inflated: more of its
fraud caught, but many more of its honest payments blocked); v2 was trained
with reweighted samples and treats both bands alike; v3 (and v4, trained on
the same data) dropped the reweighting in the drift retrain, so the gap comes
back: the younger band's true- and false-positive rates rise well above the
older band's, an equalized odds difference that ``monitor.fairness_gap``
shows as critical on the sample data. References stay as they were (the bias
shows in production, where it is audited).
"""

from __future__ import annotations

import numpy as np

from .common import rng_for
from .story import FRAUD

SENSITIVE_COLUMN = "sensitive.age_band"
YOUNG, OLDER = "under_35", "35_plus"
YOUNG_SHARE = 0.45
# Score multiplier on the younger band's rows per model version (1.0: no bias), capped at 1.
SCORE_FACTOR = {1: 2.0, 2: 1.0, 3: 2.5, 4: 2.5}


def age_bands(system: str, n: int) -> np.ndarray | None:
    """The rows' age bands (fraud-scoring only; None for other systems)."""
    if system != FRAUD:
        return None
    young = rng_for("sensitive", system).random(n) < YOUNG_SHARE
    return np.where(young, YOUNG, OLDER).astype(object)


def biased(predictions: np.ndarray, versions: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """The scores each version gives: the younger band's inflated by its version's factor."""
    factors = np.array([SCORE_FACTOR.get(int(v), 1.0) for v in versions])
    return np.where(bands == YOUNG, np.minimum(predictions * factors, 1.0), predictions)
