"""The sample data's joint-drift day: only the multivariate detectors see it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.drift import compute_drift
from app.production.multivariate import DOMAIN_CLASSIFIER, Detectors
from app.sample_data.joint_drift import JOINT_DRIFT_DAY, SORTED_COLUMNS
from app.sample_data.production import segments_and_features
from app.sample_data.story import FRAUD, START

FRAUD_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "production" / FRAUD


def day_rows(windows: pd.DataFrame, day: int) -> pd.DataFrame:
    start = pd.Timestamp(START, unit="s", tz="UTC") + pd.Timedelta(days=day)
    stamps = windows["timestamp"]
    return windows[(stamps >= start) & (stamps < start + pd.Timedelta(days=1))]


def test_only_the_multivariate_detector_fires_on_the_joint_drift_day() -> None:
    windows = pd.read_parquet(FRAUD_DIR / "windows.parquet")
    reference = pd.read_parquet(FRAUD_DIR / "reference_v2.parquet")
    features = list(segments_and_features(FRAUD)[1])
    detectors = Detectors(reference, tuple(features))
    joint = day_rows(windows, JOINT_DRIFT_DAY)
    assert set(joint["model_version"]) == {2}  # the version whose training data is compared
    report = compute_drift(reference, joint, columns=[*features, "prediction"])
    assert [c.column for c in report.columns if c.drifted] == []
    auc = {m.method: m for m in detectors.measure(joint)}[DOMAIN_CLASSIFIER]
    assert auc.alert
    assert auc.value > 0.75
    assert joint[list(SORTED_COLUMNS)].corr(method="spearman").iloc[0, 1] > 0.9
    for calm in (JOINT_DRIFT_DAY - 1, JOINT_DRIFT_DAY + 1):
        measures = {m.method: m for m in detectors.measure(day_rows(windows, calm))}
        assert not measures[DOMAIN_CLASSIFIER].alert
