"""A real MLflow store written by MLflow's own client, for the import tests.

Two experiments, twelve runs with 60-step histories of two metrics, dataset
inputs with digest, source, schema and profile, and one registered model with
four versions, two of them aliased.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXPERIMENTS = ("fraud-training", "fraud-tuning")
RUNS_PER_EXPERIMENT = 6
STEPS = 60
MODEL = "fraud-model"
BASE_MS = 1_790_000_000_000


def tracking_uri(kind: str, root: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{root / 'mlflow.db'}"
    return str(root / "mlruns")  # a plain ./mlruns-style path: MLflow's file store


def client_for(uri: str) -> Any:
    import os

    from mlflow.tracking import MlflowClient

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _dataset(name: str, digest: str, rows: int) -> Any:
    from mlflow.entities import Dataset

    schema = {
        "mlflow_colspec": [
            {"type": "double", "name": "amount", "required": True},
            {"type": "string", "name": "channel", "required": True},
            {"type": "long", "name": "label", "required": True},
        ]
    }
    return Dataset(
        name=name,
        digest=digest,
        source_type="s3",
        source=json.dumps({"uri": f"s3://lake/{name}/{digest}.parquet"}),
        schema=json.dumps(schema),
        profile=json.dumps({"num_rows": rows, "num_elements": rows * 3}),
    )


def add_run(client: Any, experiment_id: str, index: int, steps: int = STEPS) -> str:
    """One finished run with params, tags, two metric histories and two dataset inputs."""
    from mlflow.entities import DatasetInput, InputTag, Metric, Param, RunTag

    start = BASE_MS + index * 3_600_000 + 7  # odd milliseconds survive the round trip
    run = client.create_run(experiment_id, start_time=start, run_name=f"run-{index}")
    run_id = run.info.run_id
    lr = 0.01 * (1 + index % 3)
    params = [
        Param("learning_rate", str(lr)),
        Param("max_depth", str(3 + index % 4)),
        Param("n_estimators", "400" if index % 2 else "200"),
    ]
    if index % 5 == 0:
        params.append(Param("class_weight", "balanced"))
    tags = [
        RunTag("mlflow.source.git.commit", f"{index:040x}"),
        RunTag("trigger", "schedule"),
        RunTag("team", "risk" if index % 2 else "payments"),
        # what mlflow.<flavor>.log_model records; the import leaves this blob out
        RunTag("mlflow.log-model.history", json.dumps([{"run_id": "x", "flavors": {}}])),
    ]
    metrics = []
    for step in range(steps):
        ts = start + 1_000 * step
        metrics.append(Metric("train_loss", 1.0 / (1 + step * lr * 10), ts, step))
        auc = 0.7 + 0.2 * (1 - 1 / (1 + step / 10)) + index / 1e3
        metrics.append(Metric("test_auc", auc, ts, step))
    metrics.append(Metric("train_auc", 0.95 + index / 1e3, start + 1_000 * steps, 0))
    for chunk in range(0, len(metrics), 500):
        client.log_batch(run_id, metrics=metrics[chunk : chunk + 500])
    client.log_batch(run_id, params=params, tags=tags)
    version = 1 + index // 4
    client.log_inputs(
        run_id,
        datasets=[
            DatasetInput(
                _dataset("fraud-train", f"d{version:07d}", 10_000 * version),
                tags=[InputTag("mlflow.data.context", "training")],
            ),
            DatasetInput(
                _dataset("fraud-holdout", f"h{version:07d}", 2_000 * version),
                tags=[InputTag("mlflow.data.context", "eval")],
            ),
        ],
    )
    status = "FAILED" if index == 3 else "FINISHED"
    client.set_terminated(run_id, status=status, end_time=start + 1_000 * steps + 500)
    return run_id


def build_store(kind: str, root: Path) -> str:
    """Write the store; return its tracking URI."""
    from app.ingest.mlflow_read import default_tracking_uri

    uri = tracking_uri(kind, root)
    # MLflow's file registry opens a client on the default URI: keep it on this store.
    with default_tracking_uri(uri):
        _write(client_for(uri), root)
    return uri


def _write(client: Any, root: Path) -> None:
    run_ids = []
    index = 0
    for name in EXPERIMENTS:
        experiment_id = client.create_experiment(
            name, artifact_location=(root / "artifacts" / name).as_uri()
        )
        for _ in range(RUNS_PER_EXPERIMENT):
            run_ids.append(add_run(client, experiment_id, index))
            index += 1
    client.create_registered_model(MODEL, tags={"task": "classification"})
    for version, run_id in enumerate(run_ids[:4], start=1):
        client.create_model_version(
            MODEL,
            source=f"runs:/{run_id}/model",
            run_id=run_id,
            tags={"validation_metric": "auc", "validation_value": str(0.85 + version / 100)},
        )
    client.set_registered_model_alias(MODEL, "champion", "3")
    client.set_registered_model_alias(MODEL, "challenger", "4")
    client.set_registered_model_alias(MODEL, "prod-eu", "3")
