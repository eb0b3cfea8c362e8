"""The planted timeline that every other generator module reads.

Why one module of constants: the dashboard is only convincing if events line up across the DevOps
and MLOps halves (an upstream ETL change shows up as feature drift, an incident and a fix deploy on
the same days).  Keeping every event time here means services, model history and production rows
cannot disagree.  Times are integer epoch seconds (UTC); ``at(day, hh, mm)`` converts story days,
where day 0 starts at ``ENDS_AT - 90 days`` and day 89 is the last day.  Negative days predate the
window (initial model training only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SEED = 20261101
ENDS_AT = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DAYS = 90
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
END = int(ENDS_AT.timestamp())
START = END - DAYS * DAY


def at(day: int, hour: int = 0, minute: int = 0) -> int:
    """Epoch seconds of story ``day`` at ``hour:minute`` UTC."""
    return START + day * DAY + hour * HOUR + minute * MINUTE


FRAUD = "fraud-scoring"
DEMAND = "demand-forecast"
CHECKOUT = "checkout-api"
SYSTEMS = (FRAUD, DEMAND, CHECKOUT)
ML_SYSTEMS = (FRAUD, DEMAND)
MODEL_NAME = {FRAUD: "fraud-model", DEMAND: "demand-model"}
EXPERIMENT = {FRAUD: "fraud-model-training", DEMAND: "demand-model-training"}
TASK = {FRAUD: "classification", DEMAND: "regression"}
# (name shown in models.csv, run metric it is copied from)
VALIDATION_METRIC = {FRAUD: ("auc", "test_auc"), DEMAND: ("mae", "test_mae")}
PREDICTION_PREFIX = {FRAUD: "fs", DEMAND: "df"}
LABEL_DELAY_DAYS = {FRAUD: 7, DEMAND: 2}
ROWS_PER_DAY = {FRAUD: 1000, DEMAND: 400}
REFERENCE_ROWS = 5000
HOLDOUT_ROWS = 20000

# --- fraud-scoring: drift episode 1, upstream ETL change (days 30-36) -----------------------------
ETL_BREAK_AT = at(30, 3, 0)  # upstream ETL change lands; rows are corrupted from here ...
ETL_FIX_AT = at(36, 15, 30)  # ... until the service deploy "fix: restore merchant_risk join"
ETL_INCIDENT_AT = at(31, 8, 15)  # the incident that fix answers (an unplanned deployment)
ETL_MISSING_SHARE = 0.42  # share of rows via the changed ETL path: no merchant_risk, metres
BASELINE_MISSING_SHARE = 0.01  # new merchants without a risk score, always
ETL_DISTANCE_FACTOR = 1000.0  # distance_km arrives in metres on those rows

# --- fraud-scoring: drift episode 2, holiday season (days 55-64) ----------------------------------
SEASON_START = at(55)  # shift ramps in linearly ...
SEASON_FULL = at(57)  # ... and stays at full strength until the end of the data
SEASON_AMOUNT_MULT = 1.8
SEASON_HOUR_SHIFT = 2.5  # tx_hour distribution moves this many hours later
WEB_SHARE = (0.35, 0.60)  # segment.channel == "web" share before / during the season
DRIFT_EPISODE_DAYS = (55, 64)  # drift visible against the serving model's reference


FRAUD_DATA, DEMAND_DATA = "fraud-transactions", "demand-sales"
DATA_SOURCE = {
    FRAUD_DATA: "s3://tandem-lake/fraud/transactions/",
    DEMAND_DATA: "warehouse://analytics.sales_daily",
}
HOLDOUT_SUFFIX = "-holdout"  # each training dataset has a same-versioned holdout dataset


@dataclass(frozen=True)
class DatasetPlan:
    """One version of a training dataset, drawn from the [window_start, window_end) period."""

    system: str
    name: str
    version: int
    created_at: int
    window_start: int
    window_end: int


# fmt: off
DATASETS = (
    DatasetPlan(FRAUD, FRAUD_DATA, 1, at(-42, 2), at(-49), at(-42)),
    DatasetPlan(FRAUD, FRAUD_DATA, 2, at(7, 2), at(0), at(7)),
    DatasetPlan(FRAUD, FRAUD_DATA, 3, at(60, 2), at(57), at(60)),  # since the drift alert
    DatasetPlan(FRAUD, FRAUD_DATA, 4, at(83, 2), at(62), at(83)),
    DatasetPlan(DEMAND, DEMAND_DATA, 1, at(-52, 3), at(-66), at(-52)),
    DatasetPlan(DEMAND, DEMAND_DATA, 2, at(20, 3), at(0), at(20)),  # last data the model saw
)
# fmt: on


@dataclass(frozen=True)
class Campaign:
    """A burst of training runs on one dataset version; its best run may become a model version.

    ``noise`` is the best run's prediction noise (lower is a better model); siblings are worse.
    """

    system: str
    dataset_version: int
    finished_at: int  # the best run's finished_at == the version's training time
    trigger: str  # manual | schedule | drift | code_change
    version: int | None  # registered model version, None for exploratory campaigns
    alias: str  # alias at the end of the window ("" when not registered or no alias)
    noise: float
    siblings: int = 2
    failed: int = 0
    killed: int = 0
    overfit: bool = False


# fmt: off
CAMPAIGNS = (
    Campaign(FRAUD, 1, at(-40, 16, 20), "manual", 1, "archived", 0.55, siblings=2, failed=1),
    Campaign(FRAUD, 2, at(8, 11, 5), "schedule", 2, "archived", 0.40, siblings=3, killed=1),
    Campaign(FRAUD, 2, at(41, 14, 30), "manual", None, "", 0.47, siblings=1, failed=1),
    Campaign(FRAUD, 3, at(61, 9, 40), "drift", 3, "champion", 0.35, siblings=2),
    Campaign(FRAUD, 3, at(72, 17, 10), "code_change", 4, "archived", 0.35, siblings=0, failed=1,
             overfit=True),
    Campaign(FRAUD, 4, at(84, 13, 0), "schedule", 5, "challenger", 0.25, siblings=3),
    Campaign(DEMAND, 1, at(-50, 15, 0), "manual", 1, "archived", 0.24, siblings=2, failed=1),
    Campaign(DEMAND, 2, at(21, 13, 30), "schedule", 2, "champion", 0.18, siblings=2, killed=1),
)
# fmt: on
# Incidents that unplanned deployments answer (the hotfixes of DORA's deployment rework rate).
FRAUD_V4_INCIDENT_AT = at(75, 13, 20)  # fraud-model v4 badly calibrated -> v3 restored
CHECKOUT_SEV1_AT = at(86, 15, 5)  # checkout regression after "bad-release" -> "attempted-fix"
INITIAL_SERVING = {FRAUD: 1, DEMAND: 1}  # deployed before the window; no deployment row


@dataclass(frozen=True)
class ModelDeploy:
    """A model version rolled out to an environment; commit and lead time come from its run."""

    system: str
    version: int
    environment: str
    deployed_at: int
    status: str = "success"
    tag: str = ""
    answers: int = 0  # opened_at of the incident an unplanned deployment answers (a hotfix)


# fmt: off
MODEL_DEPLOYS = (
    ModelDeploy(FRAUD, 2, "staging", at(9, 14, 0)),
    ModelDeploy(FRAUD, 2, "production", at(10, 10, 0)),
    ModelDeploy(FRAUD, 3, "staging", at(62, 8, 30)),
    ModelDeploy(FRAUD, 3, "production", at(62, 11, 0)),
    ModelDeploy(FRAUD, 4, "staging", at(74, 15, 0)),
    ModelDeploy(FRAUD, 4, "production", at(75, 8, 0), "rolled_back", tag="fraud-v4"),
    ModelDeploy(FRAUD, 3, "production", at(76, 2, 0), tag="fraud-v3-restore",
                answers=FRAUD_V4_INCIDENT_AT),
    ModelDeploy(DEMAND, 2, "staging", at(22, 9, 0)),
    ModelDeploy(DEMAND, 2, "production", at(22, 14, 0)),
)
# fmt: on


@dataclass(frozen=True)
class ServiceDeploy:
    """A hand-placed service deployment that the story refers to."""

    system: str
    tag: str
    deployed_at: int
    lead_hours: float
    status: str = "success"
    answers: int = 0  # opened_at of the incident an unplanned deployment answers (a hotfix)


SERVICE_DEPLOYS = (
    # "fix: restore merchant_risk join"
    ServiceDeploy(FRAUD, "etl-fix", ETL_FIX_AT, 3.0, answers=ETL_INCIDENT_AT),
    ServiceDeploy(CHECKOUT, "checkout-day12", at(12, 12, 50), 4.0),
    ServiceDeploy(CHECKOUT, "checkout-day51", at(51, 10, 5), 2.5),
    ServiceDeploy(CHECKOUT, "bad-release", at(86, 13, 40), 6.0),  # succeeds, breaks checkout
    ServiceDeploy(
        CHECKOUT, "attempted-fix", at(87, 11, 0), 1.5, "rolled_back", answers=CHECKOUT_SEV1_AT
    ),
)
DEPLOY_FREEZE = {CHECKOUT: (at(86, 13, 40), END)}  # no routine deploys while the sev1 is open

# --- demand-forecast: a promotion on the last day, before its labels arrive ----------------------
# Most forecast requests are for promoted (cheaper, busier) items: a covariate shift inside the
# reference's range that raises the forecast error; DLE's estimate flags it with labels pending.
DEMAND_PROMO_AT = at(89)
DEMAND_PROMO_UNTIL = at(90)
DEMAND_PROMO_SHARE = (0.15, 0.75)  # share of promoted rows on other days / on the promotion day

# --- demand-forecast: delivery decays in the last 30 days, CI breaks in the last 21 ---------------
DEMAND_SLOW_FROM = at(60)  # routine deploys stop; only the late deploys below happen
DEMAND_LATE_DEPLOYS = ((63, 11), (68, 15), (74, 10), (80, 16), (86, 12))  # (day, hour)
DEMAND_LATE_FAILED_DAY = 80
DEMAND_LATE_LEAD_H = (48.0, 120.0)
DEMAND_CI_BROKEN_FROM = at(69)
DEMAND_BROKEN_PASS_RATE = 0.6
DEMAND_PIPELINE_MINUTES_END = 35.0  # durations grow linearly from DEMAND_SLOW_FROM to the end


@dataclass(frozen=True)
class HealthEffect:
    """How an incident shows in the 5-minute health series while active.

    ``start``/``end`` default to 15 minutes before opening until resolution (or end of data).
    ``min_load`` gates the effect to busy intervals (0..1 diurnal load), giving hours-long episodes.
    """

    error_rate: float
    latency_mult: float
    cpu: float | None = None
    min_load: float = 0.0
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class IncidentPlan:
    """A planted incident; ``deploy_tag`` links it to a story deployment of the same system."""

    system: str
    severity: str
    opened_at: int
    resolved_at: int | None
    cause: str
    title: str
    deploy_tag: str = ""
    effects: tuple[HealthEffect, ...] = ()


# fmt: off
INCIDENTS = (
    IncidentPlan(CHECKOUT, "sev3", at(12, 14, 5), at(12, 15, 35), "code",
                 "Checkout 5xx on coupon validation after release", "checkout-day12",
                 (HealthEffect(0.025, 1.8),)),
    IncidentPlan(FRAUD, "sev3", at(19, 9, 40), at(19, 11, 25), "infra",
                 "Elevated 5xx from fraud-scoring pods after node pool upgrade",
                 effects=(HealthEffect(0.03, 2.0),)),
    IncidentPlan(FRAUD, "sev2", ETL_INCIDENT_AT, at(36, 17, 10), "data",
                 "merchant_risk missing and distance_km in metres after upstream ETL change"),
    IncidentPlan(CHECKOUT, "sev2", at(33, 19, 20), at(33, 23, 40), "infra",
                 "Database connection pool exhaustion on checkout-db",
                 effects=(HealthEffect(0.06, 3.5, cpu=0.7),)),
    IncidentPlan(DEMAND, "sev4", at(40, 6, 10), at(40, 7, 55), "infra",
                 "Forecast API workers OOM-killed during batch refresh",
                 effects=(HealthEffect(0.05, 1.5),)),
    IncidentPlan(CHECKOUT, "sev3", at(51, 10, 50), at(51, 11, 50), "code",
                 "Checkout cart totals rounding error after release", "checkout-day51",
                 (HealthEffect(0.02, 1.3),)),
    IncidentPlan(FRAUD, "sev4", at(57, 10, 0), at(57, 16, 30), "data",  # triaged, retrain queued
                 "Drift alert: amount, tx_hour and channel mix shifted (holiday season)"),
    IncidentPlan(CHECKOUT, "sev2", at(68, 16, 0), at(68, 21, 50), "unknown",
                 "Intermittent timeouts to payment provider",
                 effects=(HealthEffect(0.015, 2.5),)),
    IncidentPlan(FRAUD, "sev2", FRAUD_V4_INCIDENT_AT, at(76, 2, 30), "model",
                 "fraud-model v4 scores badly calibrated: alert rate tripled, precision collapsed",
                 "fraud-v4"),
    # still open at the end: hours-long error/latency episodes whenever load is high
    IncidentPlan(CHECKOUT, "sev1", CHECKOUT_SEV1_AT, None, "code",
                 "Checkout error rate and p95 latency regression after release", "bad-release",
                 (HealthEffect(0.009, 1.6, start=at(86, 13, 40)),
                  HealthEffect(0.04, 4.8, cpu=0.9, min_load=0.55, start=at(86, 13, 40)),
                  HealthEffect(0.08, 6.0, cpu=0.95, start=at(87, 11, 0), end=at(87, 11, 45)))),
    IncidentPlan(CHECKOUT, "sev3", at(88, 3, 10), at(88, 6, 10), "infra",
                 "Node failure in eu-west-1b, pods rescheduled",
                 effects=(HealthEffect(0.012, 1.8, cpu=0.85),)),
)
# fmt: on
INCIDENT_ID_BASE = 1001
