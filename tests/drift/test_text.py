"""Free-text columns: tested with Evidently's text content drift, counted in the dataset share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.drift import apply_family_thresholds, compute_drift
from app.drift.text import _random_auc_percentile
from tests.drift.oracle import assert_same, evidently_drift

WORDS = [f"w{i}" for i in range(200)]
OTHER = [f"z{i}" for i in range(200)]


def _frame(rng: np.random.Generator, n: int, shift: float, words: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": rng.normal(shift, 1, n),
            "age": rng.normal(0, 1, n),
            "note": [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(n)],
        }
    )


def test_issue_reproduction_text_counts_in_the_share() -> None:
    """300 vs 300 rows: one shifted numeric, one unchanged, random two-word strings."""
    rng = np.random.default_rng(0)
    reference, current = _frame(rng, 300, 0.0, WORDS), _frame(rng, 300, 1.0, WORDS)
    ours = compute_drift(reference, current).to_dict()
    assert (ours["drifted_columns"], ours["total_columns"], ours["dataset_drift"]) == (1, 3, False)
    assert_same(ours, evidently_drift(reference, current))


@pytest.mark.parametrize(
    ("seed", "n_reference", "mixed"),
    [
        (1, 300, 0.0),  # perc, no change
        (2, 300, 0.3),  # perc, some new words
        (3, 400, 1.0),  # perc, new vocabulary
        (4, 1500, 0.0),  # abs, no change
        (5, 1500, 0.15),  # abs, a little change
        (6, 1500, 1.0),  # abs, new vocabulary
    ],
)
def test_text_decisions_equal_evidently(seed: int, n_reference: int, mixed: float) -> None:
    rng = np.random.default_rng(seed)
    reference = _frame(rng, n_reference, 0.0, WORDS)
    current = _frame(rng, 300, 0.0, WORDS)
    changed = rng.random(300) < mixed
    new_notes = [f"{rng.choice(OTHER)} {rng.choice(WORDS)}" for _ in range(int(changed.sum()))]
    current.loc[changed, "note"] = new_notes
    current.loc[::17, "note"] = None  # missing text is dropped per side, as Evidently does
    ours = compute_drift(reference, current).to_dict()
    assert {c["column"]: c["kind"] for c in ours["columns"]}["note"] == "text"
    assert_same(ours, evidently_drift(reference, current))


def test_random_classifier_percentile_equals_evidently() -> None:
    from evidently.legacy.utils.data_drift_utils import roc_auc_random_classifier_percentile

    y = (np.random.default_rng(9).random(301) < 0.45).astype(int)
    for p_value in (0.05, 0.01, 0.2):
        theirs = roc_auc_random_classifier_percentile(pd.Series(y), p_value=p_value)
        assert _random_auc_percentile(y, p_value) == pytest.approx(theirs, abs=1e-12)


def test_stored_text_decisions_are_redecided_as_evidently_decides() -> None:
    stored = pd.DataFrame(
        {
            "method": ["abs_text_content_drift", "perc_text_content_drift", "ks"],
            "score": [0.6, 0.58, 0.01],
            "threshold": [0.55, 0.95, 0.05],
            "drifted": [True, True, True],
        }
    )
    out = apply_family_thresholds(stored, {"p_value": 0.001, "distance": 0.2})
    assert out["drifted"].tolist() == [True, True, False]  # text keeps its own thresholds
    out = apply_family_thresholds(stored, {"text": 0.65})
    assert out["drifted"].tolist() == [False, True, True]  # perc's decision is the stored one
    assert (out["relative"] > 1).tolist() == out["drifted"].tolist()
