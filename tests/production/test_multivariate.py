"""Multivariate drift detectors: a joint change no column test sees, and quiet on no change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.drift import compute_drift
from app.production.multivariate import (
    DOMAIN_CLASSIFIER,
    PCA,
    REFERENCE_CHUNKS,
    fit_pca,
    measure_window,
)

FEATURES = ["x1", "x2", "x3", "colour"]


def generated(rng: np.random.Generator, n: int, correlation: float = 0.9) -> pd.DataFrame:
    """x1, x2 standard normal with the given correlation; x3 independent; a categorical."""
    x1 = rng.normal(size=n)
    x2 = correlation * x1 + np.sqrt(1 - correlation**2) * rng.normal(size=n)
    return pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "x3": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        }
    )


def decorrelated(reference: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` reference rows with x2 shuffled among them: same marginals, correlation gone."""
    rows = reference.sample(n, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    rows["x2"] = rng.permutation(rows["x2"].to_numpy())
    return rows


def test_a_correlation_change_is_seen_jointly_and_by_no_column() -> None:
    rng = np.random.default_rng(7)
    reference = generated(rng, 2000)
    pca = fit_pca(reference, FEATURES)
    assert pca is not None
    for _ in range(3):
        window = decorrelated(reference, rng, 400)
        assert abs(window["x1"].corr(window["x2"])) < 0.2
        report = compute_drift(reference[FEATURES], window[FEATURES])
        assert [c.drifted for c in report.columns] == [False] * len(FEATURES)
        measures = {m.method: m for m in measure_window(pca, reference, window)}
        assert measures[PCA].alert, measures[PCA]
        assert measures[PCA].value > measures[PCA].upper
        assert measures[DOMAIN_CLASSIFIER].alert, measures[DOMAIN_CLASSIFIER]
        assert measures[DOMAIN_CLASSIFIER].value > 0.65


def test_no_change_fires_on_at_most_five_percent_of_windows() -> None:
    rng = np.random.default_rng(11)
    reference = generated(rng, 2000)
    pca = fit_pca(reference, FEATURES)
    windows = 20
    alerts = {PCA: 0, DOMAIN_CLASSIFIER: 0}
    for _ in range(windows):
        for m in measure_window(pca, reference, generated(rng, 400)):
            alerts[m.method] += m.alert
    assert alerts[PCA] <= 0.05 * windows
    assert alerts[DOMAIN_CLASSIFIER] <= 0.05 * windows


def test_pca_follows_scikit_learn_and_nannyml_conventions() -> None:
    """Standardise, keep 65 % of variance, mean Euclidean error; band of 10 chunks ± 3 std."""
    from sklearn.decomposition import PCA as SkPCA
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    reference = generated(rng, 1000)
    window = generated(rng, 300, correlation=0.2)
    pca = fit_pca(reference, FEATURES)
    assert pca is not None

    def encoded(frame: pd.DataFrame) -> np.ndarray:
        shares = reference["colour"].value_counts(normalize=True)
        colour = frame["colour"].map(shares).fillna(0.0).to_numpy()
        return np.column_stack([frame[["x1", "x2", "x3"]].to_numpy(), colour])

    scaler = StandardScaler().fit(encoded(reference))
    sk = SkPCA(n_components=0.65, svd_solver="full").fit(scaler.transform(encoded(reference)))
    assert pca.components.shape[0] == sk.n_components_

    def errors(frame: pd.DataFrame) -> np.ndarray:
        z = scaler.transform(encoded(frame))
        return np.linalg.norm(z - sk.inverse_transform(sk.transform(z)), axis=1)

    assert pca.error(window) == pytest.approx(errors(window).mean(), rel=1e-9)
    chunks = [c.mean() for c in np.array_split(errors(reference), REFERENCE_CHUNKS)]
    assert pca.upper == pytest.approx(np.mean(chunks) + 3 * np.std(chunks), rel=1e-9)
    assert pca.lower == pytest.approx(max(0.0, np.mean(chunks) - 3 * np.std(chunks)), rel=1e-9)


def test_too_few_rows_give_no_value() -> None:
    rng = np.random.default_rng(5)
    reference = generated(rng, 1000)
    assert measure_window(fit_pca(reference, FEATURES), reference, generated(rng, 5)) == []
    assert fit_pca(reference.head(50), FEATURES) is None


def test_a_categorical_with_more_values_than_bins_is_measured() -> None:
    """Ids, postcodes, free text: more distinct values than the classifier has bins."""
    rng = np.random.default_rng(8)
    reference = generated(rng, 1000)
    reference["shop"] = [f"shop-{i}" for i in rng.integers(0, 300, len(reference))]
    current = generated(rng, 400)
    current["shop"] = [f"shop-{i}" for i in rng.integers(0, 300, len(current))]
    pca = fit_pca(reference, [*FEATURES, "shop"])
    methods = {measure.method for measure in measure_window(pca, reference, current)}
    assert methods == {PCA, DOMAIN_CLASSIFIER}
