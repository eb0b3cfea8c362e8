"""Read an MLflow tracking store into plain tables, with MLflow's own client.

``mlflow`` is imported lazily (it is the optional extra ``[mlflow]`` and costs
seconds to import). Reading happens before anything is written, so a store
that fails half way leaves Tandem's database untouched.

Mapping (MLflow → Tandem):

- a run's ``start_time``/``end_time`` (ms since the epoch) → ``started_at``/``finished_at``;
  tag ``mlflow.source.git.commit`` → ``code_commit``; tag ``trigger`` (or
  ``tandem.trigger``) → ``trigger``; params as logged (strings); every tag as
  logged (``mlflow.runName`` is the run's name) except ``mlflow.log-model.history``,
  a JSON blob of logged models that grows with each one; final metrics
  are MLflow's own latest values (``run.data.metrics``), histories come from
  ``get_metric_history`` point by point (NaN values are skipped: no database
  stores them alike);
- a dataset input → a dataset version named by the dataset's name, versioned
  by its digest, with its source, schema (column → type, from MLflow's
  ``mlflow_colspec``) and row count (``profile.num_rows``); the input's context
  ``training``/``train`` makes it the run's ``train_dataset``, ``eval``,
  ``evaluation``, ``validation`` or ``test`` its ``eval_dataset``; written
  ``name@digest`` as ingested runs write ``name@version``;
- a registered model version → a model version; of several aliases the one
  kept is ``champion``, then ``challenger``, then the first alphabetically;
  without an alias the legacy stage maps Production → champion, Staging →
  challenger, Archived → archived. Tags ``task``, ``validation_metric`` and
  ``validation_value`` of the version (or its registered model) fill those columns;
- a run's ``tandem.cost`` and ``tandem.compute_hours`` (metric, else tag) and
  ``tandem.currency`` (tag) → its cost columns (:mod:`app.ingest.mlflow_costs`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
from tqdm import tqdm

from app.ingest.mlflow_costs import run_costs

__all__ = ["SKIPPED_TAGS", "MlflowSnapshot", "default_tracking_uri", "read_mlflow"]

TRAIN_CONTEXTS = frozenset({"training", "train"})
EVAL_CONTEXTS = frozenset({"eval", "evaluation", "validation", "test", "testing"})
ALIAS_PRIORITY = ("champion", "challenger")
STAGE_ALIASES = {"production": "champion", "staging": "challenger", "archived": "archived"}
_PAGE = 1_000
# Tags not imported: the JSON of every model logged by the run, large and shown elsewhere.
SKIPPED_TAGS = frozenset({"mlflow.log-model.history"})


@dataclass(frozen=True)
class MlflowSnapshot:
    """What a store holds, as frames ready for Tandem's tables (run ids as keys)."""

    experiments: tuple[str, ...]
    runs: pd.DataFrame  # run_id, experiment, system_tag, started_at, finished_at, status, ...
    params: pd.DataFrame  # run_id, key, value
    tags: pd.DataFrame  # run_id, key, value
    metrics: pd.DataFrame  # run_id, key, value
    points: pd.DataFrame  # run_id, key, step, timestamp, value
    datasets: pd.DataFrame  # name, version, content_hash, rows, source, schema
    models: pd.DataFrame  # model_name, version, run_id, registered_at, alias, task, ...


def _client(tracking_uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    if "://" not in tracking_uri or tracking_uri.startswith("file:"):
        # MLflow 3 refuses to open a ./mlruns file store unless told; reading one is our job.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


@contextmanager
def default_tracking_uri(tracking_uri: str) -> Iterator[None]:
    """Point MLflow's *default* tracking URI at the store meanwhile, then restore it.

    MLflow's file registry opens a client on the default URI while reading a
    model version, which would otherwise create ``./mlflow.db`` in the working
    directory. ``mlflow.set_tracking_uri`` also rewrites the environment
    variable, so that is restored as well.
    """
    from mlflow.tracking._tracking_service import utils

    previous = getattr(utils, "_tracking_uri", None)
    previous_env = os.environ.get("MLFLOW_TRACKING_URI")
    utils.set_tracking_uri(tracking_uri)
    try:
        yield
    finally:
        utils.set_tracking_uri(previous)  # type: ignore[arg-type]  # None resets it
        if previous_env is not None:
            os.environ["MLFLOW_TRACKING_URI"] = previous_env


def _paged(call: Any, **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = call(max_results=_PAGE, page_token=token, **kwargs)
        yield from page
        token = page.token
        if not token:
            return


def _utc(ms: int | None) -> pd.Timestamp | None:
    return None if ms is None else pd.Timestamp(ms, unit="ms", tz="UTC")


def read_mlflow(
    tracking_uri: str, *, experiment: str | None = None, progress: bool = False
) -> MlflowSnapshot:
    """Everything Tandem imports from the store at ``tracking_uri``.

    Raises ``LookupError`` if ``experiment`` names no experiment.
    """
    with default_tracking_uri(tracking_uri):
        return _read(_client(tracking_uri), tracking_uri, experiment, progress)


def _read(client: Any, tracking_uri: str, experiment: str | None, progress: bool) -> MlflowSnapshot:
    from mlflow.entities import ViewType

    if experiment is not None:
        found = client.get_experiment_by_name(experiment)
        if found is None:
            raise LookupError(f"{tracking_uri}: no experiment named {experiment!r}")
        experiments = [found]
    else:
        experiments = list(_paged(client.search_experiments, view_type=ViewType.ACTIVE_ONLY))
    names = {e.experiment_id: e.name for e in experiments}
    runs = (
        list(
            _paged(
                client.search_runs,
                experiment_ids=list(names),
                run_view_type=ViewType.ACTIVE_ONLY,
            )
        )
        if names
        else []
    )
    run_rows: list[dict[str, Any]] = []
    params: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    metrics: list[dict[str, Any]] = []
    points: list[tuple[str, str, int, int, float]] = []
    datasets: dict[tuple[str, str], dict[str, Any]] = {}
    for run in tqdm(runs, desc="MLflow runs", unit="run", disable=not progress):
        info, data = run.info, run.data
        train, evaluation = _inputs(run, datasets)
        run_rows.append(
            {
                "run_id": info.run_id,
                "experiment": names[info.experiment_id],
                "system_tag": data.tags.get("tandem.system"),
                "started_at": _utc(info.start_time),
                "finished_at": _utc(info.end_time),
                "status": info.status,
                "code_commit": data.tags.get("mlflow.source.git.commit"),
                "train_dataset": train,
                "eval_dataset": evaluation,
                "trigger": data.tags.get("trigger") or data.tags.get("tandem.trigger"),
                **run_costs(data.metrics, data.tags),
            }
        )
        params += [{"run_id": info.run_id, "key": k, "value": v} for k, v in data.params.items()]
        tags += [
            {"run_id": info.run_id, "key": k, "value": v}
            for k, v in data.tags.items()
            if k not in SKIPPED_TAGS
        ]
        for key, value in data.metrics.items():
            if not math.isnan(value):
                metrics.append({"run_id": info.run_id, "key": key, "value": float(value)})
            for point in client.get_metric_history(info.run_id, key):
                if not math.isnan(point.value):
                    points.append(
                        (info.run_id, key, int(point.step), int(point.timestamp), point.value)
                    )
    run_ids = {r["run_id"] for r in run_rows}
    return MlflowSnapshot(
        experiments=tuple(sorted(names.values())),
        runs=_frame(run_rows, RUN_COLUMNS),
        params=_frame(params, ("run_id", "key", "value")),
        tags=_frame(tags, ("run_id", "key", "value")),
        metrics=_frame(metrics, ("run_id", "key", "value")),
        points=_points(points),
        datasets=_frame(list(datasets.values()), DATASET_COLUMNS),
        models=_models(client, run_ids if experiment is not None else None),
    )


RUN_COLUMNS = (
    "run_id",
    "experiment",
    "system_tag",
    "started_at",
    "finished_at",
    "status",
    "code_commit",
    "train_dataset",
    "eval_dataset",
    "trigger",
    "cost",
    "currency",
    "compute_hours",
)
DATASET_COLUMNS = ("name", "version", "content_hash", "rows", "source", "schema")
MODEL_COLUMNS = (
    "model_name",
    "version",
    "run_id",
    "registered_at",
    "alias",
    "task",
    "validation_metric",
    "validation_value",
)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _points(points: list[tuple[str, str, int, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(points, columns=["run_id", "key", "step", "timestamp", "value"])
    frame["step"] = frame["step"].astype("int64")
    frame["value"] = frame["value"].astype(float)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"].astype("int64"), unit="ms", utc=True)
    # MLflow keeps two values logged at the same step and millisecond; Tandem's key keeps one.
    return frame.drop_duplicates(["run_id", "key", "step", "timestamp"], keep="last")


def _inputs(run: Any, datasets: dict[tuple[str, str], dict[str, Any]]) -> tuple[str | None, ...]:
    """(train, eval) dataset references of a run; collects its datasets into ``datasets``.

    An input without a known context is the training data unless one says ``training``.
    """
    train = evaluation = other = None
    inputs = run.inputs.dataset_inputs if run.inputs is not None else []
    for item in inputs:
        dataset = item.dataset
        reference = f"{dataset.name}@{dataset.digest}"
        datasets[(dataset.name, dataset.digest)] = {
            "name": dataset.name,
            "version": dataset.digest,
            "content_hash": dataset.digest,
            "rows": _num_rows(dataset.profile),
            "source": _source(dataset.source),
            "schema": _schema(dataset.schema),
        }
        context = next((t.value.lower() for t in item.tags if t.key == "mlflow.data.context"), None)
        if context in EVAL_CONTEXTS:
            evaluation = evaluation or reference
        elif context in TRAIN_CONTEXTS:
            train = train or reference
        else:
            other = other or reference
    return train or other, evaluation


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _num_rows(profile: str | None) -> int | None:
    parsed = _loads(profile)
    rows = parsed.get("num_rows") if isinstance(parsed, dict) else None
    return int(rows) if isinstance(rows, int | float) else None


def _source(source: str | None) -> str | None:
    parsed = _loads(source)
    if isinstance(parsed, dict):
        for key in ("uri", "url", "path", "table_name"):
            if isinstance(parsed.get(key), str):
                return str(parsed[key])
    return source


def _schema(schema: str | None) -> dict[str, str] | None:
    """Column → type from MLflow's ``{"mlflow_colspec": [{"name", "type"}, ...]}``."""
    parsed = _loads(schema)
    if not isinstance(parsed, dict):
        return None
    columns = parsed.get("mlflow_colspec") or parsed.get("mlflow_tensorspec") or []
    result = {
        str(c["name"]): str(c.get("type", ""))
        for c in columns
        if isinstance(c, dict) and "name" in c
    }
    return result or None


def _models(client: Any, run_ids: set[str] | None) -> pd.DataFrame:
    """Registered model versions (only those of ``run_ids`` when given)."""
    rows = []
    for model in _paged(client.search_registered_models):
        aliases: dict[int, list[str]] = {}
        for alias, version in (model.aliases or {}).items():
            aliases.setdefault(int(version), []).append(alias)
        escaped = model.name.replace("'", "\\'")
        for version in _paged(client.search_model_versions, filter_string=f"name='{escaped}'"):
            if run_ids is not None and version.run_id not in run_ids:
                continue
            tags = {**(model.tags or {}), **(version.tags or {})}
            rows.append(
                {
                    "model_name": model.name,
                    "version": int(version.version),
                    "run_id": version.run_id or None,
                    "registered_at": _utc(version.creation_timestamp),
                    "alias": _alias(aliases.get(int(version.version), []), version.current_stage),
                    "task": tags.get("task"),
                    "validation_metric": tags.get("validation_metric"),
                    "validation_value": _float(tags.get("validation_value")),
                }
            )
    return _frame(rows, MODEL_COLUMNS)


def _alias(aliases: list[str], stage: str | None) -> str | None:
    for preferred in ALIAS_PRIORITY:
        if preferred in aliases:
            return preferred
    if aliases:
        return sorted(aliases)[0]
    return STAGE_ALIASES.get((stage or "").lower())


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
