"""Production prediction rows (windows) and per-version reference data.

Why these live together: a reference file is "what the model saw in training" and a window is
"what it sees live"; drift and performance views compare the two, so both must come from the same
feature sampler and the same per-version prediction function.  The training-metric code in
``models.py`` reuses ``reference_frame`` so logged train metrics equal what the reference implies.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import features as ft
from .common import rng_for, sample_times, to_datetime
from .fairness import SENSITIVE_COLUMN, age_bands, biased
from .joint_drift import sorted_export
from .profiles import HEALTH
from .story import (
    BASELINE_MISSING_SHARE,
    CAMPAIGNS,
    DATASETS,
    DAY,
    END,
    ETL_BREAK_AT,
    ETL_DISTANCE_FACTOR,
    ETL_FIX_AT,
    ETL_MISSING_SHARE,
    FRAUD,
    INITIAL_SERVING,
    LABEL_DELAY_DAYS,
    MODEL_DEPLOYS,
    PREDICTION_PREFIX,
    REFERENCE_ROWS,
    ROWS_PER_DAY,
    START,
    Campaign,
    DatasetPlan,
)


def dataset_for(system: str, version: int) -> DatasetPlan:
    """The training dataset plan of ``system`` at dataset ``version``."""
    return next(d for d in DATASETS if d.system == system and d.version == version)


def campaign_for(system: str, model_version: int) -> Campaign:
    """The training campaign whose best run became ``model_version``."""
    return next(c for c in CAMPAIGNS if c.system == system and c.version == model_version)


def registered_campaigns(system: str) -> list[Campaign]:
    """Campaigns that produced a model version, by version."""
    return sorted(
        (c for c in CAMPAIGNS if c.system == system and c.version is not None),
        key=lambda c: c.version or 0,
    )


def segments_and_features(system: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """(``segment.*`` column -> source column, feature columns) in output order."""
    if system == FRAUD:
        return ft.FRAUD_SEGMENTS, ft.FRAUD_FEATURES
    return ft.DEMAND_SEGMENTS, ft.DEMAND_FEATURES


def sample_rows(
    system: str, rng: np.random.Generator, ts: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Clean feature rows and true labels for ``system`` at times ``ts``."""
    return ft.sample_fraud(rng, ts) if system == FRAUD else ft.sample_demand(rng, ts)


def predict(
    system: str,
    campaign: Campaign,
    frame: pd.DataFrame,
    rng: np.random.Generator,
    noise: float | None = None,
    labels: np.ndarray | None = None,
) -> np.ndarray:
    """Predictions of a model trained in ``campaign`` (in-sample when ``labels`` are given)."""
    dataset = dataset_for(system, campaign.dataset_version)
    sigma = campaign.noise if noise is None else noise
    if system == FRAUD:
        return ft.fraud_predict(rng, frame, campaign, sigma, ft.season_belief(dataset), labels)
    return ft.demand_predict(rng, frame, sigma, ft.temperature_floor(dataset), labels is not None)


@lru_cache(maxsize=32)
def training_sample(
    system: str, dataset_version: int, n: int, purpose: str
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Rows drawn from a dataset version's window; same (dataset, purpose) -> same rows.

    Versions trained on the same dataset (fraud v3 and v4) therefore share reference features.
    """
    dataset = dataset_for(system, dataset_version)
    rng = rng_for("sample", system, dataset_version, purpose)
    ts = np.sort(rng.integers(dataset.window_start, dataset.window_end, size=n))
    frame, labels = sample_rows(system, rng, ts)
    return ts, frame, labels


def assemble(
    system: str,
    ts: np.ndarray,
    ids: list[str],
    versions: np.ndarray,
    preds: np.ndarray,
    labels: np.ndarray,
    frame: pd.DataFrame,
) -> pd.DataFrame:
    """Rows in the ingest contract's column order."""
    segments, feature_cols = segments_and_features(system)
    out = pd.DataFrame(
        {
            "timestamp": to_datetime(ts),
            "prediction_id": ids,
            "model_version": versions.astype(np.int64),
            "prediction": preds.astype(float),
            "label": labels.astype(float),
        }
    )
    for column, source in segments.items():
        out[column] = frame[source].to_numpy()
    for column in feature_cols:
        out[column] = frame[column].to_numpy()
    return out


def reference_frame(system: str, model_version: int) -> pd.DataFrame:
    """Training-data sample of one model version with its in-sample predictions, all labelled."""
    campaign = campaign_for(system, model_version)
    ts, frame, labels = training_sample(system, campaign.dataset_version, REFERENCE_ROWS, "train")
    preds = predict(system, campaign, frame, rng_for("fit", system, model_version), labels=labels)
    prefix = PREDICTION_PREFIX[system]
    ids = [f"{prefix}-ref-v{model_version}-{i:06d}" for i in range(1, len(ts) + 1)]
    versions = np.full(len(ts), model_version)
    return assemble(system, ts, ids, versions, preds, labels.astype(float), frame)


def serving_version(system: str, ts: np.ndarray) -> np.ndarray:
    """Model version answering requests at each time, from production model deployments.

    A rolled-back deployment serves until the next production deployment (the rollback).
    """
    deploys = sorted(
        (
            d
            for d in MODEL_DEPLOYS
            if d.system == system
            and d.environment == "production"
            and d.status in ("success", "rolled_back")
        ),
        key=lambda d: d.deployed_at,
    )
    versions = np.full(len(ts), INITIAL_SERVING[system], dtype=np.int64)
    for deploy in deploys:
        versions[ts >= deploy.deployed_at] = deploy.version
    return versions


def corrupt_upstream(rng: np.random.Generator, ts: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """What the fraud service actually receives.

    Always: ~1% of rows lack merchant_risk (new merchants).  Between ETL break and fix, rows that
    went through the changed ETL path (~42%) lose the merchant_risk join *and* carry distance in
    metres, so the damage is uneven across rows and live AUC drops, not just calibration.
    """
    observed = frame.copy()
    window = (ts >= ETL_BREAK_AT) & (ts < ETL_FIX_AT)
    u = rng.random(len(ts))
    broken = window & (u < ETL_MISSING_SHARE)
    missing = broken | (~window & (u < BASELINE_MISSING_SHARE))
    observed.loc[missing, "merchant_risk"] = np.nan
    distance = observed["distance_km"].to_numpy()
    metres = np.round(distance * ETL_DISTANCE_FACTOR, 2)
    observed["distance_km"] = np.where(broken, metres, distance)
    return observed


def prediction_ids(system: str, ts: np.ndarray) -> list[str]:
    """IDs like ``fs-20261001-000123``: date plus a per-day counter (``ts`` must be sorted)."""
    days = (ts - START) // DAY
    first = np.searchsorted(days, days, side="left")
    counter = np.arange(len(ts)) - first + 1
    dates = {
        int(d): to_datetime([START + int(d) * DAY]).strftime("%Y%m%d")[0] for d in np.unique(days)
    }
    prefix = PREDICTION_PREFIX[system]
    return [f"{prefix}-{dates[int(d)]}-{c:06d}" for d, c in zip(days, counter, strict=True)]


def windows(system: str) -> pd.DataFrame:
    """All production rows of ``system`` over the 90 days (labels NaN within the label delay)."""
    rng = rng_for("production", system)
    profile = HEALTH[system]
    ts = sample_times(rng, ROWS_PER_DAY[system], profile.peak_hour, profile.weekend_factor)
    frame, labels = sample_rows(system, rng, ts)
    if system == FRAUD:
        frame = corrupt_upstream(rng, ts, frame)
    versions = serving_version(system, ts)
    preds = np.zeros(len(ts))
    for version in np.unique(versions):
        mask = versions == version
        campaign = campaign_for(system, int(version))
        preds[mask] = predict(system, campaign, frame.loc[mask], rng_for("serve", system, version))
    bands = age_bands(system, len(ts))
    if bands is not None:
        preds = biased(preds, versions, bands)
    if system == FRAUD:
        frame = sorted_export(ts, frame)  # logged after serving: predictions saw the true rows
    pending = ts >= END - LABEL_DELAY_DAYS[system] * DAY
    label_values = np.where(pending, np.nan, labels.astype(float))
    out = assemble(system, ts, prediction_ids(system, ts), versions, preds, label_values, frame)
    if bands is not None:  # beside the segments: a sensitive attribute, not a feature
        first_feature = segments_and_features(system)[1][0]
        out.insert(list(out.columns).index(first_feature), SENSITIVE_COLUMN, bands)
    return out


def reference_versions(system: str) -> list[int]:
    """Model versions with reference data: every registered version that ever served or was
    trained to serve (fraud v1-v4, demand v1-v2); the undeployed challenger has none."""
    deployed = {d.version for d in MODEL_DEPLOYS if d.system == system}
    deployed.add(INITIAL_SERVING[system])
    return [
        c.version
        for c in registered_campaigns(system)
        if c.version is not None and c.version in deployed
    ]
