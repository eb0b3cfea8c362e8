"""Datasets, training runs, metric histories and the model registry (the MLOps half).

Why metrics are computed rather than invented: every run is scored on a simulated holdout drawn
from its dataset window with the same prediction function that later serves production, so a
run's test AUC/MAE predicts its live performance, and the overfit fraud v4 shows the large
train/test gap that should have stopped its release.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from .common import rng_for, stable_hex, to_datetime
from .curves import history
from .features import classification_scores, regression_scores
from .production import predict, reference_frame, training_sample
from .story import (
    CAMPAIGNS,
    DATA_SOURCE,
    DATASETS,
    DAY,
    DEMAND,
    EXPERIMENT,
    FRAUD,
    HOLDOUT_ROWS,
    HOLDOUT_SUFFIX,
    HOUR,
    MINUTE,
    MODEL_NAME,
    REFERENCE_ROWS,
    TASK,
    VALIDATION_METRIC,
    Campaign,
)

# fmt: off
PARAM_COLUMNS = ("learning_rate", "max_depth", "n_estimators", "subsample", "class_weight",
                 "min_child_weight", "loss")
PARAM_GRID = {
    FRAUD: {"learning_rate": ("0.03", "0.05", "0.1"), "max_depth": ("4", "6", "8"),
            "n_estimators": ("300", "500", "800"), "subsample": ("0.7", "0.8", "1.0"),
            "class_weight": ("balanced", "none")},
    DEMAND: {"learning_rate": ("0.03", "0.05", "0.1"), "max_depth": ("5", "7", "9"),
             "n_estimators": ("200", "400", "600"), "min_child_weight": ("1", "5", "10"),
             "loss": ("squared_error", "poisson")},
}
OVERFIT_PARAMS = {"learning_rate": "0.3", "max_depth": "14", "n_estimators": "1500",
                  "subsample": "1.0", "class_weight": "none"}
FRAUD_METRICS = ("train_auc", "test_auc", "train_accuracy", "test_accuracy", "test_precision",
                 "test_recall", "test_f1", "train_log_loss", "test_log_loss")
DEMAND_METRICS = ("train_mae", "test_mae", "train_rmse", "test_rmse", "test_mape", "test_r2")
SCHEMAS = {
    FRAUD: {"timestamp": "timestamp", "amount": "float", "merchant_risk": "float",
            "account_age_days": "int", "tx_hour": "int", "distance_km": "float",
            "n_tx_24h": "int", "country": "string", "device_type": "string",
            "region": "string", "channel": "string", "label": "int"},
    DEMAND: {"timestamp": "timestamp", "store_size": "int", "price": "float", "promo": "int",
             "day_of_week": "int", "temperature": "float", "category": "string",
             "store_type": "string", "label": "float"},
}
# fmt: on
ROWS_PER_WINDOW_DAY = {FRAUD: 148_000, DEMAND: 38_000}  # full dataset sizes, not written rows
# What a fraud-scoring prediction is worth, in EUR, against approving every transaction: a caught
# fraud saves its average loss net of review (120), a blocked customer costs review and goodwill
# (-20), a missed fraud adds the chargeback fee to the loss it would have had anyway (-15).
VALUE_MATRIX = {FRAUD: {"value_tp": 120.0, "value_fp": -20.0, "value_fn": -15.0, "value_tn": 0.0,
                        "value_unit": "EUR"}}  # fmt: skip


def build_datasets() -> pd.DataFrame:
    """Training datasets and their same-versioned holdouts, with lineage and content hashes."""
    rows = []
    for plan in DATASETS:
        schema = json.dumps(SCHEMAS[plan.system])
        days = (plan.window_end - plan.window_start) / DAY
        n = int(days * ROWS_PER_WINDOW_DAY[plan.system])
        n += int(rng_for("dataset", plan.name, plan.version).integers(0, 5000))
        for suffix, count, delay, source in (
            ("", n, 0, DATA_SOURCE[plan.name]),
            (HOLDOUT_SUFFIX, n // 5, 5 * MINUTE, DATA_SOURCE[plan.name] + "holdout/"),
        ):
            name = plan.name + suffix
            fingerprint = f"{name}|v{plan.version}|{count}|{plan.window_start}|{plan.window_end}"
            rows.append(
                {
                    "name": name,
                    "version": f"v{plan.version}",
                    "content_hash": hashlib.sha256((fingerprint + schema).encode()).hexdigest(),
                    "rows": count,
                    "created_at": plan.created_at + delay,
                    "source": source,
                    "parent_version": f"v{plan.version - 1}" if plan.version > 1 else "",
                    "schema": schema,
                }
            )
    frame = pd.DataFrame(rows).sort_values(["name", "version"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame["created_at"] = to_datetime(frame["created_at"].to_numpy())
    return frame


def code_commit(pipelines: pd.DataFrame, system: str, before: int, fallback: str) -> str:
    """Latest commit on main that passed CI before ``before`` (training code lives in the repo)."""
    ok = pipelines[
        (pipelines["system"] == system)
        & (pipelines["branch"] == "main")
        & (pipelines["status"] == "success")
        & (pipelines["finished_at"] < to_datetime([before])[0])
    ]
    if ok.empty:
        return stable_hex(40, "commit", system, fallback)
    return str(ok.sort_values("finished_at")["commit_sha"].iloc[-1])


def final_metrics(
    system: str, campaign: Campaign, run_id: str, noise: float, registered_best: bool
) -> dict[str, float]:
    """Logged final metrics: train on the training sample, test on the holdout."""
    version = campaign.dataset_version
    if registered_best and campaign.version is not None:
        reference = reference_frame(system, campaign.version)
        train_y, train_p = reference["label"].to_numpy(), reference["prediction"].to_numpy()
    else:
        _, frame, train_y = training_sample(system, version, REFERENCE_ROWS, "train")
        train_p = predict(system, campaign, frame, rng_for("fit", run_id), noise, train_y)
    _, holdout, test_y = training_sample(system, version, HOLDOUT_ROWS, "holdout")
    test_p = predict(system, campaign, holdout, rng_for("eval", run_id), noise)
    if system == FRAUD:
        train = classification_scores(train_y, train_p)
        test = classification_scores(test_y, test_p)
        out = {
            "train_auc": train["auc"],
            "test_auc": test["auc"],
            "train_accuracy": train["accuracy"],
            "test_accuracy": test["accuracy"],
            "test_precision": test["precision"],
            "test_recall": test["recall"],
            "test_f1": test["f1"],
            "train_log_loss": train["log_loss"],
            "test_log_loss": test["log_loss"],
        }
        return {k: round(v, 4) for k, v in out.items()}
    train, test = regression_scores(train_y, train_p), regression_scores(test_y, test_p)
    return {
        "train_mae": round(train["mae"], 3),
        "test_mae": round(test["mae"], 3),
        "train_rmse": round(train["rmse"], 3),
        "test_rmse": round(test["rmse"], 3),
        "test_mape": round(test["mape"], 4),
        "test_r2": round(test["r2"], 4),
    }


def _params(rng: np.random.Generator, system: str, overfit: bool) -> dict[str, str]:
    if overfit:
        return dict(OVERFIT_PARAMS)
    return {name: str(rng.choice(values)) for name, values in PARAM_GRID[system].items()}


def campaign_runs(
    pipelines: pd.DataFrame, campaign: Campaign, index: int
) -> tuple[list[dict[str, object]], list[pd.DataFrame], dict[str, object] | None]:
    """Runs of one campaign, their histories, and the registry entry of its best run."""
    system, fin = campaign.system, campaign.finished_at
    rng = rng_for("campaign", system, index)
    kinds = (
        ["best"]
        + ["sibling"] * campaign.siblings
        + ["FAILED"] * campaign.failed
        + ["KILLED"] * campaign.killed
    )
    minutes = (35, 90) if system == FRAUD else (15, 40)
    spans: list[tuple[int, int]] = []
    for kind in kinds:
        if kind == "best":
            spans.append((fin - int(rng.uniform(*minutes) * MINUTE), fin))
            continue
        start = fin - int(rng.uniform(2.5 if kind == "sibling" else 1.0, 6.0) * HOUR)
        length = {"sibling": minutes, "FAILED": (3, 25), "KILLED": (10, 45)}[kind]
        spans.append((start, start + int(rng.uniform(*length) * MINUTE)))
    commit = code_commit(pipelines, system, min(s for s, _ in spans), f"campaign-{index}")
    dataset = next(
        d for d in DATASETS if d.system == system and d.version == campaign.dataset_version
    )
    runs, histories, registry = [], [], None
    for j, (kind, (start, end)) in enumerate(zip(kinds, spans, strict=True)):
        run_id = stable_hex(32, "run", system, index, j)
        finished = kind in ("best", "sibling")
        overfit = campaign.overfit and kind == "best"
        row: dict[str, object] = {
            "system": system,
            "run_id": run_id,
            "experiment": EXPERIMENT[system],
            "started_at": start,
            "finished_at": end,
            "status": "FINISHED" if finished else kind,
            "code_commit": commit,
            "train_dataset": f"{dataset.name}@v{dataset.version}",
            "eval_dataset": f"{dataset.name}{HOLDOUT_SUFFIX}@v{dataset.version}",
            "trigger": campaign.trigger,
        }
        row.update({f"param.{k}": v for k, v in _params(rng, system, overfit).items()})
        if finished:
            worse = (0.04, 0.25) if system == FRAUD else (0.02, 0.1)
            extra = 0.0 if kind == "best" else float(rng.uniform(*worse))
            final = final_metrics(system, campaign, run_id, campaign.noise + extra, kind == "best")
            row.update({f"metric.{k}": v for k, v in final.items()})
            histories.append(
                history(rng_for("history", run_id), system, run_id, start, end, final, overfit)
            )
            if kind == "best" and campaign.version is not None:
                metric_name, source = VALIDATION_METRIC[system]
                registry = {
                    "system": system,
                    "model_name": MODEL_NAME[system],
                    "version": campaign.version,
                    "run_id": run_id,
                    "registered_at": end + int(rng.uniform(10, 45) * MINUTE),
                    "alias": campaign.alias,
                    "task": TASK[system],
                    "validation_metric": metric_name,
                    "validation_value": final[source],
                    **VALUE_MATRIX.get(system, {}),
                }
        runs.append(row)
    return runs, histories, registry


def build_training(pipelines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(runs, metric histories, model registry) for every campaign in the story."""
    runs: list[dict[str, object]] = []
    histories: list[pd.DataFrame] = []
    registry: list[dict[str, object]] = []
    for system in (FRAUD, *sorted({c.system for c in CAMPAIGNS} - {FRAUD})):
        campaigns = [c for c in CAMPAIGNS if c.system == system]
        for index, campaign in enumerate(campaigns):
            c_runs, c_hist, c_model = campaign_runs(pipelines, campaign, index)
            runs += c_runs
            histories += c_hist
            if c_model is not None:
                registry.append(c_model)
    columns = [
        "system",
        "run_id",
        "experiment",
        "started_at",
        "finished_at",
        "status",
        "code_commit",
        "train_dataset",
        "eval_dataset",
        "trigger",
    ]
    columns += [f"param.{p}" for p in PARAM_COLUMNS]
    columns += [f"metric.{m}" for m in FRAUD_METRICS + DEMAND_METRICS]
    run_frame = pd.DataFrame(runs).reindex(columns=columns)
    run_frame = run_frame.sort_values(["system", "started_at"], kind="stable")
    run_frame = run_frame.reset_index(drop=True)
    for column in ("started_at", "finished_at"):
        run_frame[column] = to_datetime(run_frame[column].to_numpy())
    for column in columns:
        if column.startswith("metric."):
            run_frame[column] = run_frame[column].astype(float)
    model_frame = pd.DataFrame(registry).sort_values(["system", "version"], kind="stable")
    model_frame = model_frame.reset_index(drop=True)
    model_frame["registered_at"] = to_datetime(model_frame["registered_at"].to_numpy())
    return run_frame, pd.concat(histories, ignore_index=True), model_frame
