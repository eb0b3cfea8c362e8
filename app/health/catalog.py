"""The signal catalogue: every health signal Tandem computes, as data.

The keys are a contract (``tandem status``, ``tandem check``, the thresholds
table and the pages use them), so they are spelled exactly as in DESIGN.md's
"Signals" table. Each entry carries its built-in threshold; the thresholds
table may override it globally or for one system (see ``thresholds``).

Conventions: units are ``ratio`` (a share, 0..1, shown as a percentage),
``min``, ``h``, ``d``, ``ms``, ``per_day``, ``count`` and ``amount`` (money, in the
currency of the data: never converted); a direction is
``higher_is_better`` or ``lower_is_better``. The Impact lane's signals belong
to a system whether or not it serves a model (a plain service has KPIs too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

Direction = Literal["higher_is_better", "lower_is_better"]
HIGHER: Final = "higher_is_better"
LOWER: Final = "lower_is_better"

# Lanes and their stages, in the order the lifecycles run (and the pages draw them).
LANES: Final[dict[str, str]] = {"devops": "DevOps", "mlops": "MLOps", "impact": "Impact"}
STAGES: Final[dict[str, dict[str, str]]] = {
    "devops": {
        "build_test": "Build & test",
        "release": "Release",
        "change_risk": "Change risk",
        "operate": "Operate",
        "recover": "Recover",
    },
    "mlops": {
        "data": "Data",
        "train": "Train",
        "validate": "Validate",
        "deploy": "Deploy",
        "monitor": "Monitor",
        "retrain": "Retrain",
    },
    # What the system brings in and what it costs (issue 16): a system's, model or not.
    "impact": {
        "impact": "Business impact",
        "cost": "Cost",
    },
}


@dataclass(frozen=True)
class SignalDef:
    """One signal: where it sits, how to read it, and its built-in bounds."""

    key: str
    lane: str
    stage: str
    label: str
    unit: str
    direction: Direction
    warn: float
    critical: float
    description: str


def _s(
    key: str,
    lane: str,
    stage: str,
    label: str,
    unit: str,
    direction: Direction,
    warn: float,
    critical: float,
    description: str,
) -> SignalDef:
    return SignalDef(key, lane, stage, label, unit, direction, warn, critical, description)


# fmt: off
SIGNALS: Final[tuple[SignalDef, ...]] = (
    # --- DevOps ---------------------------------------------------------------
    _s("ci.pass_rate", "devops", "build_test", "Pipeline pass rate", "ratio", HIGHER, 0.9, 0.75,
       "Succeeded / finished CI pipelines: a red main branch blocks every release."),
    _s("ci.duration_p50_min", "devops", "build_test", "Median pipeline duration", "min", LOWER,
       20, 40, "Median CI duration: slow feedback makes changes bigger and riskier."),
    # DORA's five metrics (dora.dev guide): throughput in Release, instability in Change risk.
    _s("release.deployment_frequency_per_day", "devops", "release", "Deployment frequency",
       "per_day", HIGHER, 0.2, 0.033,
       "Successful production service deployments per day. DORA 2024 bands: elite on demand "
       "(> 1/day), high daily to weekly, medium weekly to monthly, low less often."),
    _s("release.change_lead_time_h", "devops", "release", "Change lead time", "h", LOWER, 48, 168,
       "Median commit-to-production time of successful deployments. DORA 2024 bands: elite "
       "< 1 day, high 1 day-1 week, medium 1 week-1 month, low longer."),
    _s("release.failed_deployment_recovery_time_h", "devops", "release",
       "Failed deployment recovery time", "h", LOWER, 24, 168,
       "Median time from a failed, rolled-back or incident-causing production deployment to the "
       "next successful one. DORA 2024 bands: elite < 1 h, high and medium < 1 day, low longer."),
    _s("release.change_fail_rate", "devops", "change_risk", "Change fail rate", "ratio",
       LOWER, 0.15, 0.30,
       "Share of production deployments that failed, were rolled back or caused an incident. "
       "DORA 2024 clusters: elite 5 %, medium 10 %, high 20 %, low 40 %."),
    _s("release.deployment_rework_rate", "devops", "change_risk", "Deployment rework rate",
       "ratio", LOWER, 0.10, 0.25,
       "Share of production deployments that were unplanned, made because of a production "
       "incident (hotfixes). DORA's fifth metric; the 2024 clusters do not band it."),
    _s("operate.availability", "devops", "operate", "Availability", "ratio", HIGHER, 0.999, 0.995,
       "1 - errors / requests over the window: what users experienced."),
    _s("operate.error_rate", "devops", "operate", "Error rate", "ratio", LOWER, 0.005, 0.02,
       "Errors / requests over the window."),
    _s("operate.latency_p95_ms", "devops", "operate", "Latency p95", "ms", LOWER, 300, 800,
       "Request-weighted mean of the interval p95 latencies."),
    _s("operate.error_budget_remaining", "devops", "operate", "Error budget remaining", "ratio",
       HIGHER, 0.25, 0.0,
       "Share of the system's availability SLO's error budget not yet spent over the SLO's "
       "period (`tandem slo list`; 28 days unless set). Read from the SLO, never a threshold."),
    _s("recover.time_to_restore_h", "devops", "recover", "Time to restore", "h", LOWER, 4, 24,
       "Median open-to-resolved time of incidents resolved in the window, whatever caused them "
       "(incident MTTR; DORA's recovery metric is now failed deployment recovery time)."),
    _s("recover.open_incidents", "devops", "recover", "Open incidents", "count", LOWER, 0, 1,
       "Incidents still open at the end of the window."),
    # --- MLOps ----------------------------------------------------------------
    _s("data.missing_share", "mlops", "data", "Missing values", "ratio", LOWER, 0.05, 0.2,
       "Worst production window's share of missing values."),
    _s("data.out_of_range_share", "mlops", "data", "Out-of-range values", "ratio", LOWER, 0.05,
       0.2, "Worst production window's share of values outside the reference range."),
    _s("data.schema_violations", "mlops", "data", "Schema violations", "count", LOWER, 0, 2,
       "Worst production window's count of schema violations (missing/extra/mistyped columns)."),
    _s("data.freshness_h", "mlops", "data", "Data freshness", "h", LOWER, 26, 72,
       "Hours from the newest logged production row to the end of the window."),
    _s("train.last_training_age_d", "mlops", "train", "Days since last training", "d", LOWER,
       30, 90, "Age of the newest finished training run: stale models drift away from the data."),
    _s("train.run_success_rate", "mlops", "train", "Training run success rate", "ratio", HIGHER,
       0.8, 0.5, "Finished / (finished + failed + killed) training runs started in the window."),
    _s("train.overfit_gap", "mlops", "train", "Train-test gap", "ratio", LOWER, 0.05, 0.15,
       "Relative gap between the champion's train and test metric: positive means overfitting."),
    _s("validate.champion_vs_baseline", "mlops", "validate", "Live vs validation", "ratio",
       HIGHER, 0.95, 0.9,
       "Champion's live metric relative to its validation metric: below 1 is worse."),
    _s("deploy.model_deployment_frequency_per_day", "mlops", "deploy",
       "Model deployment frequency", "per_day", HIGHER, 0.033, 0.0,
       "Successful production model deployments per day (DORA deployment frequency, 2024 bands "
       "as for services)."),
    _s("deploy.model_change_lead_time_h", "mlops", "deploy", "Model change lead time", "h", LOWER,
       72, 336, "Median time from the training run finishing to the model serving in production "
       "(DORA change lead time; 2024 bands: elite < 1 day, high < 1 week, medium < 1 month)."),
    _s("deploy.model_failed_deployment_recovery_time_h", "mlops", "deploy",
       "Model failed deployment recovery time", "h", LOWER, 24, 168,
       "Median time from a failed, rolled-back or incident-causing production model deployment "
       "to the next successful one (DORA 2024 bands: elite < 1 h, high and medium < 1 day)."),
    _s("deploy.model_change_fail_rate", "mlops", "deploy", "Model change fail rate",
       "ratio", LOWER, 0.15, 0.30,
       "Share of production model deployments that failed, were rolled back or hit an incident "
       "(DORA 2024 clusters: elite 5 %, medium 10 %, high 20 %, low 40 %)."),
    # Looser than the service's: a few model deployments a month, so one hotfix is 1 in 3.
    _s("deploy.model_deployment_rework_rate", "mlops", "deploy", "Model deployment rework rate",
       "ratio", LOWER, 0.25, 0.50,
       "Share of production model deployments that were unplanned, made because of a production "
       "incident (DORA's fifth metric; not banded by the 2024 clusters)."),
    _s("monitor.drift_share", "mlops", "monitor", "Drifted features", "ratio", LOWER, 0.3, 0.5,
       "Share of features drifted in the latest window with drift results."),
    _s("monitor.prediction_drift", "mlops", "monitor", "Prediction drift", "count", LOWER, 0, 1,
       "1 when the latest window's prediction distribution drifted, else 0."),
    _s("monitor.multivariate_drift", "mlops", "monitor", "Multivariate drift", "ratio", LOWER,
       0.65, 0.75,
       "Domain classifier's ROC AUC telling the latest window's rows from the training data's "
       "(0.5 = indistinguishable); catches features drifting jointly (app/health/monitoring.py "
       "explains the bounds)."),
    _s("monitor.performance_ratio", "mlops", "monitor", "Live performance vs baseline", "ratio",
       HIGHER, 0.95, 0.9,
       "Champion's metric in the latest labelled window relative to its validation metric."),
    _s("monitor.segment_gap", "mlops", "monitor", "Worst segment gap", "ratio", LOWER, 0.05, 0.10,
       "Largest relative gap between one segment's metric and the overall metric."),
    _s("monitor.fairness_gap", "mlops", "monitor", "Fairness gap", "ratio", LOWER, 0.15, 0.25,
       "Equalized odds difference (classifiers) or relative MAE gap (regressors) between the "
       "groups of a sensitive column, in the champion's latest labelled window (Fairlearn's "
       "definitions; app/health/fairness.py explains the bounds)."),
    _s("retrain.retrain_lag_d", "mlops", "retrain", "Drift-to-retrain time", "d", LOWER, 7, 14,
       "Days from the first drift alert to the next model deployed to production."),
    # --- Impact ---------------------------------------------------------------
    # Cost (app/health/cost.py explains each definition and its bounds); ``amount`` is
    # money in the system's own currency, never converted.
    _s("cost.training_per_retrain", "impact", "cost", "Training cost per retrain", "amount",
       LOWER, 1000, 5000,
       "What the newest production model version cost to train: its runs since the previous "
       "production version, failed ones included, in their currency."),
    _s("cost.serving_per_1k_predictions", "impact", "cost", "Serving cost per 1k predictions",
       "amount", LOWER, 1.0, 5.0,
       "Serving bills over the window / production rows served in it x 1,000."),
    _s("cost.month_to_date_vs_budget", "impact", "cost", "Spend vs monthly budget", "ratio",
       LOWER, 0.9, 1.0,
       "Spend over the 30 days ending at the window's end / the system's monthly budget "
       "(tandem budget set); only spend in the budget's currency counts."),
    _s("impact.kpi_change", "impact", "impact", "KPI change", "ratio", HIGHER, -0.05, -0.15,
       "Worst business KPI's mean over the window relative to the same-length period before, "
       "signed by the KPI's direction: below 0 is worse (app/health/impact.py explains the "
       "bounds)."),
    _s("impact.value_ratio", "impact", "impact", "Value ratio", "ratio", HIGHER, 0.8, 0.5,
       "Business value per prediction (value matrix x realised, else CBPE-estimated, "
       "confusion counts) of the worst model version over the window, relative to its "
       "reference's (app/health/value.py explains the bounds)."),
)
# fmt: on

SIGNALS_BY_KEY: Final[dict[str, SignalDef]] = {s.key: s for s in SIGNALS}

# Keys renamed to DORA's names (issue 15), accepted as aliases for one release:
# thresholds stored under them were moved by migration 0005, and ``canonical_key``
# lets the CLI and ``SystemStatus.signal`` take them.
ALIASES: Final[dict[str, str]] = {
    "release.deploy_frequency_per_day": "release.deployment_frequency_per_day",
    "release.lead_time_h": "release.change_lead_time_h",
    "release.change_failure_rate": "release.change_fail_rate",
    "deploy.model_deploy_frequency_per_day": "deploy.model_deployment_frequency_per_day",
    "deploy.model_lead_time_h": "deploy.model_change_lead_time_h",
    "deploy.model_change_failure_rate": "deploy.model_change_fail_rate",
}


def canonical_key(key: str) -> str:
    """The catalogue key of ``key``: itself, or the new name of a renamed (aliased) key."""
    return ALIASES.get(key, key)


def signals_for(lane: str, stage: str) -> tuple[SignalDef, ...]:
    """The stage's signals in catalogue order."""
    return tuple(s for s in SIGNALS if s.lane == lane and s.stage == stage)


def format_value(key: str, value: float | None) -> str:
    """A signal value for display in its unit: "97.2 %", "3.4 h", "12 ms", "0.8 /day".

    No value (or NaN) reads as an em dash, never as zero.
    """
    if value is None or math.isnan(value):
        return "—"
    unit = SIGNALS_BY_KEY[canonical_key(key)].unit
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "amount":  # money, in a currency the signal's note names
        return f"{value:,.2f}"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "per_day":
        digits = 0 if abs(value) >= 10 else 1 if abs(value) >= 1 else 2
        return f"{value:.{digits}f} /day"
    return f"{value:.1f} {unit}"
