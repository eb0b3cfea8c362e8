"""The simulated world: how features are distributed, how labels arise, how each model predicts.

Why simulate instead of drawing metrics directly: the dashboard recomputes performance and drift
from raw rows.  Labels come from a fixed "true" formula and every model version predicts with a
known degradation of that formula, so live AUC/MAE, training metrics and reference data all agree
and the planted events (ETL breakage, holiday season, an overfit release, a stale regressor) emerge
from the rows rather than being painted on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .common import sigmoid
from .story import (
    DAY,
    DEMAND_PROMO_AT,
    DEMAND_PROMO_SHARE,
    DEMAND_PROMO_UNTIL,
    SEASON_AMOUNT_MULT,
    SEASON_FULL,
    SEASON_HOUR_SHIFT,
    SEASON_START,
    WEB_SHARE,
    Campaign,
    DatasetPlan,
)

# ---------------------------------------------------------------------------- fraud-scoring
COUNTRIES = np.array(["DE", "FR", "US", "CA", "SG", "IN"])
COUNTRY_P = np.array([0.22, 0.14, 0.30, 0.08, 0.10, 0.16])
REGION = {"DE": "EU", "FR": "EU", "US": "US", "CA": "US", "SG": "APAC", "IN": "APAC"}
COUNTRY_EFFECT = {"DE": 0.0, "FR": 0.15, "US": 0.3, "CA": 0.0, "SG": -0.15, "IN": 0.6}
DEVICE_EFFECT = {"mobile": 0.0, "web": 0.5, "pos": -0.75}
FRAUD_BIAS = -4.5  # gives a ~5% fraud rate
MERCHANT_RISK_FILL = 0.25  # the models' imputation value for a missing merchant_risk
FRAUD_SEGMENTS = {"segment.region": "region", "segment.channel": "channel"}
FRAUD_FEATURES = (
    "amount",
    "merchant_risk",
    "account_age_days",
    "tx_hour",
    "distance_km",
    "n_tx_24h",
    "country",
    "device_type",
)


def season_level(ts: np.ndarray) -> np.ndarray:
    """0 before the holiday season, ramping to 1 by SEASON_FULL and staying there."""
    return np.clip((ts - SEASON_START) / (SEASON_FULL - SEASON_START), 0.0, 1.0)


def season_belief(dataset: DatasetPlan) -> float:
    """Amount normaliser a model learns from its training window (1.0 = pre-season data)."""
    grid = np.linspace(dataset.window_start, dataset.window_end, 500)
    return float(1.0 + (SEASON_AMOUNT_MULT - 1.0) * season_level(grid).mean())


def sample_fraud(rng: np.random.Generator, ts: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Clean transactions at times ``ts`` plus their 0/1 fraud labels."""
    n = len(ts)
    s = season_level(ts)
    country = rng.choice(COUNTRIES, size=n, p=COUNTRY_P)
    web = rng.random(n) < WEB_SHARE[0] + (WEB_SHARE[1] - WEB_SHARE[0]) * s
    u = rng.random(n)
    device = np.where(web, np.where(u < 0.9, "web", "mobile"), np.where(u < 0.75, "mobile", "pos"))
    amount = rng.lognormal(3.6, 1.0, n) * (1.0 + (SEASON_AMOUNT_MULT - 1.0) * s)
    frame = pd.DataFrame(
        {
            "region": pd.Series(country).map(REGION).to_numpy(),
            "channel": np.where(web, "web", "app"),
            "amount": np.round(np.maximum(amount, 0.5), 2),
            "merchant_risk": np.round(rng.beta(2.0, 6.0, n), 3),
            "account_age_days": np.minimum(rng.exponential(600.0, n), 5000).astype(np.int64),
            "tx_hour": (np.floor(rng.normal(14.0 + SEASON_HOUR_SHIFT * s, 4.5)) % 24).astype(
                np.int64
            ),
            "distance_km": np.round(rng.lognormal(1.5, 1.3, n), 2),
            "n_tx_24h": (rng.poisson(2.5, n) + 1).astype(np.int64),
            "country": country,
            "device_type": device,
        }
    )
    truth = fraud_logit(frame, 1.0 + (SEASON_AMOUNT_MULT - 1.0) * s)
    labels = (rng.random(n) < sigmoid(truth)).astype(np.int64)
    return frame, labels


def fraud_logit(frame: pd.DataFrame, amount_norm: np.ndarray | float) -> np.ndarray:
    """Fraud log-odds; truth uses the real season, a model uses the season it was trained on."""
    risk = frame["merchant_risk"].fillna(MERCHANT_RISK_FILL).to_numpy()
    night = (frame["tx_hour"].to_numpy() < 6).astype(float)
    return (
        FRAUD_BIAS
        + 1.2 * (np.log(frame["amount"].to_numpy() / amount_norm) - 3.6)
        + 6.5 * (risk - 0.25)
        - 0.65 * (np.log1p(frame["account_age_days"].to_numpy()) - 5.5)
        + 1.5 * night
        + 0.45 * (np.log1p(frame["distance_km"].to_numpy()) - 1.7)
        + 0.3 * (frame["n_tx_24h"].to_numpy() - 3.5)
        + frame["country"].map(COUNTRY_EFFECT).to_numpy()
        + frame["device_type"].map(DEVICE_EFFECT).to_numpy()
    )


def fraud_predict(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    campaign: Campaign,
    noise: float,
    belief: float,
    labels: np.ndarray | None = None,
) -> np.ndarray:
    """Predicted fraud probability of one model on observed features.

    ``labels`` given means in-sample (training) predictions: a little label leakage for a normal
    model (train metrics slightly above test), near-perfect memorisation for the overfit one.
    Out of sample the overfit model is noisy and over-confident, which is what makes its
    release visible in production.
    """
    g = fraud_logit(frame, belief)
    n = len(frame)
    if labels is not None and campaign.overfit:
        g = g + 2.6 * (2 * labels - 1) * rng.uniform(0.6, 1.4, n) + rng.normal(0.0, 0.4, n)
    elif labels is not None:
        g = g + 0.3 * (2 * labels - 1) + rng.normal(0.0, 0.7 * noise, n)
    elif campaign.overfit:
        g = FRAUD_BIAS + 1.3 * (g - FRAUD_BIAS) + 0.8 + rng.normal(0.0, 2.5, n)
    else:
        g = g + rng.normal(0.0, noise, n)
    return np.clip(np.round(sigmoid(g), 4), 0.0001, 0.9999)


# ---------------------------------------------------------------------------- demand-forecast
STORE_TYPES = np.array(["urban", "suburban", "rural"])
STORE_TYPE_P = np.array([0.4, 0.4, 0.2])
STORE_SIZE_MEDIAN = {"urban": 1200.0, "suburban": 2500.0, "rural": 900.0}
CATEGORIES = np.array(["grocery", "beverages", "frozen", "household", "bakery"])
CATEGORY_P = np.array([0.35, 0.2, 0.15, 0.15, 0.15])
BASE_UNITS = {
    "grocery": 120.0,
    "beverages": 80.0,
    "frozen": 45.0,
    "household": 30.0,
    "bakery": 60.0,
}
BASE_PRICE = {"grocery": 3.5, "beverages": 2.5, "frozen": 5.0, "household": 7.0, "bakery": 2.0}
TEMP_SLOPE = {
    "grocery": 0.0,
    "beverages": 0.065,
    "frozen": 0.075,
    "household": 0.0,
    "bakery": -0.01,
}
DOW_FACTOR = np.array([0.9, 0.92, 0.95, 1.0, 1.12, 1.3, 1.18])
DEMAND_SEGMENTS = {"segment.store_type": "store_type"}
DEMAND_FEATURES = ("store_size", "price", "promo", "day_of_week", "temperature", "category")


def mean_temperature(ts: np.ndarray) -> np.ndarray:
    """Seasonal outdoor temperature (deg C): ~23 in early August, ~10 on 1 November."""
    day_of_year = (ts / DAY) % 365.2425
    return 12.0 + 11.0 * np.cos(2 * np.pi * (day_of_year - 205.0) / 365.2425)


def temperature_floor(dataset: DatasetPlan) -> float:
    """Coldest weather a model saw in training; tree models predict flat below it."""
    grid = np.linspace(dataset.window_start, dataset.window_end, 500)
    return float(mean_temperature(grid).min() - 2.0)


def sample_demand(rng: np.random.Generator, ts: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Store x category forecast requests at times ``ts`` plus the units actually sold."""
    n = len(ts)
    store_type = rng.choice(STORE_TYPES, size=n, p=STORE_TYPE_P)
    median = pd.Series(store_type).map(STORE_SIZE_MEDIAN).to_numpy()
    category = rng.choice(CATEGORIES, size=n, p=CATEGORY_P)
    on_promotion = (ts >= DEMAND_PROMO_AT) & (ts < DEMAND_PROMO_UNTIL)
    promo_share = np.where(on_promotion, DEMAND_PROMO_SHARE[1], DEMAND_PROMO_SHARE[0])
    promo = (rng.random(n) < promo_share).astype(np.int64)
    base_price = pd.Series(category).map(BASE_PRICE).to_numpy()
    price = base_price * rng.lognormal(0.0, 0.2, n) * np.where(promo == 1, 0.8, 1.0)
    frame = pd.DataFrame(
        {
            "store_type": store_type,
            "store_size": np.round(median * rng.lognormal(0.0, 0.3, n)).astype(np.int64),
            "price": np.round(price, 2),
            "promo": promo,
            "day_of_week": ((ts // DAY + 3) % 7).astype(np.int64),
            "temperature": np.round(mean_temperature(ts) + rng.normal(0.0, 2.5, n), 1),
            "category": category,
        }
    )
    mu = demand_mean(frame, frame["temperature"].to_numpy())
    units = rng.poisson(mu * rng.gamma(20.0, 1.0 / 20.0, n)).astype(float)
    return frame, units


def demand_mean(frame: pd.DataFrame, temperature: np.ndarray) -> np.ndarray:
    """Expected units sold; temperature drives beverages and frozen food."""
    category = frame["category"]
    base_price = category.map(BASE_PRICE).to_numpy()
    slope = category.map(TEMP_SLOPE).to_numpy()
    return (
        category.map(BASE_UNITS).to_numpy()
        * (frame["store_size"].to_numpy() / 1500.0) ** 0.6
        * (frame["price"].to_numpy() / base_price) ** -1.4
        * np.where(frame["promo"].to_numpy() == 1, 1.35, 1.0)
        * DOW_FACTOR[frame["day_of_week"].to_numpy()]
        * np.exp(slope * (temperature - 18.0))
    )


def demand_predict(
    rng: np.random.Generator, frame: pd.DataFrame, noise: float, floor: float, in_sample: bool
) -> np.ndarray:
    """Forecast units: the true mean seen through the training temperature range, plus noise."""
    temperature = np.maximum(frame["temperature"].to_numpy(), floor)
    sigma = 0.85 * noise if in_sample else noise
    mu = demand_mean(frame, temperature) * np.exp(rng.normal(0.0, sigma, len(frame)))
    return np.round(mu, 1)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC via the Mann-Whitney rank statistic (ties averaged)."""
    ranks = rankdata(scores)
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def classification_scores(labels: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """AUC, log loss and threshold-0.5 metrics, as a training job would log them."""
    hard = probs >= 0.5
    pos = labels == 1
    tp = float((hard & pos).sum())
    precision = tp / max(float(hard.sum()), 1.0)
    recall = tp / max(float(pos.sum()), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    log_loss = -np.mean(np.where(pos, np.log(probs), np.log(1.0 - probs)))
    return {
        "auc": auc(labels, probs),
        "accuracy": float((hard == pos).mean()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "log_loss": float(log_loss),
    }


def regression_scores(labels: np.ndarray, preds: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, MAPE (over non-zero actuals) and R^2."""
    err = preds - labels
    nonzero = labels > 0
    ss_tot = float(((labels - labels.mean()) ** 2).sum())
    return {
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "mape": float(np.abs(err[nonzero] / labels[nonzero]).mean()),
        "r2": 1.0 - float((err**2).sum()) / ss_tot,
    }
