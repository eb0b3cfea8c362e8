"""`tandem import-mlflow` against stores written by MLflow's own client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from app.cli import cli
from app.ingest.mlflow_import import import_mlflow
from app.ingest.mlflow_read import SKIPPED_TAGS, default_tracking_uri
from app.store.db import session_scope
from app.store.models import (
    DatasetVersion,
    IngestRecord,
    MetricPoint,
    ModelVersion,
    RunMetric,
    RunParam,
    RunTag,
    System,
    TrainingRun,
)
from tests.mlflow.store import EXPERIMENTS, MODEL, STEPS, add_run, client_for

TABLES = (
    System,
    TrainingRun,
    RunParam,
    RunTag,
    RunMetric,
    MetricPoint,
    DatasetVersion,
    ModelVersion,
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in TABLES
        }


def _ms(text: str) -> int:
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(milliseconds=1)


def _mlflow_runs(uri: str) -> dict[str, dict]:
    """The fields `tandem runs list` prints, as MLflow's own search_runs reports them."""
    client = client_for(uri)
    experiments = {e.experiment_id: e.name for e in client.search_experiments()}
    runs = client.search_runs(list(experiments), max_results=1000)
    result = {}
    for run in runs:
        train = next(
            f"{i.dataset.name}@{i.dataset.digest}"
            for i in run.inputs.dataset_inputs
            if any(t.value == "training" for t in i.tags)
        )
        result[run.info.run_id] = {
            "run_id": run.info.run_id,
            "experiment": experiments[run.info.experiment_id],
            "status": run.info.status,
            "started_at": run.info.start_time,
            "params": dict(run.data.params),
            "metrics": dict(run.data.metrics),
            "train_dataset": train,
        }
    for run_id, tags in _search_runs_tags(uri, list(experiments)).items():
        result[run_id]["tags"] = tags
    return result


def _search_runs_tags(uri: str, experiment_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each run's ``tags.*`` columns of ``mlflow.search_runs`` (unset ones are NaN there)."""
    import mlflow

    with default_tracking_uri(uri):
        frame = mlflow.search_runs(experiment_ids, max_results=1000)
    columns = [c for c in frame.columns if c.startswith("tags.")]
    assert "tags.mlflow.log-model.history" in columns  # the store has what the import skips
    return {
        row["run_id"]: {
            c.removeprefix("tags."): row[c]
            for c in columns
            if isinstance(row[c], str) and c.removeprefix("tags.") not in SKIPPED_TAGS
        }
        for row in frame.to_dict("records")
    }


def test_runs_list_matches_mlflow_search_runs_exactly(mlflow_store: str, engine: Engine) -> None:
    summary = import_mlflow(mlflow_store, engine=engine)
    assert summary.runs_read == summary.runs_written == 2 * 6
    expected = _mlflow_runs(mlflow_store)
    listed = json.loads(_invoke("runs", "list", "--format", "json"))
    assert len(listed) == len(expected) >= 10
    for run in listed:
        want = expected[run["run_id"]]
        got = {k: run[k] for k in want}
        got["started_at"] = _ms(run["started_at"])
        assert got == want
    assert {r["experiment"] for r in listed} == set(EXPERIMENTS)


def test_histories_have_every_point(mlflow_store: str, engine: Engine) -> None:
    import_mlflow(mlflow_store, engine=engine)
    client = client_for(mlflow_store)
    with session_scope(engine) as session:
        for run_id in session.scalars(select(TrainingRun.run_id)):
            for key in ("train_loss", "test_auc"):
                history = client.get_metric_history(run_id, key)
                assert len(history) == STEPS
                stored = session.execute(
                    select(MetricPoint.step, MetricPoint.timestamp, MetricPoint.value)
                    .join(TrainingRun, TrainingRun.id == MetricPoint.run_pk)
                    .where(TrainingRun.run_id == run_id, MetricPoint.key == key)
                    .order_by(MetricPoint.step)
                ).all()
                assert [(s, _ms(t.isoformat()), v) for s, t, v in stored] == [
                    (p.step, p.timestamp, p.value) for p in sorted(history, key=lambda p: p.step)
                ]


def test_datasets_and_registered_models(mlflow_store: str, engine: Engine) -> None:
    import_mlflow(mlflow_store, engine=engine)
    with session_scope(engine) as session:
        datasets = session.scalars(select(DatasetVersion).order_by(DatasetVersion.name)).all()
        assert {(d.name, d.version) for d in datasets} >= {("fraud-train", "d0000001")}
        train = next(d for d in datasets if d.version == "d0000001")
        assert train.rows == 10_000
        assert train.content_hash == "d0000001"
        assert train.source == "s3://lake/fraud-train/d0000001.parquet"
        assert train.schema == {"amount": "double", "channel": "string", "label": "long"}
        versions = session.scalars(select(ModelVersion).order_by(ModelVersion.version)).all()
        assert [(v.model_name, v.version) for v in versions] == [(MODEL, i) for i in (1, 2, 3, 4)]
        assert [v.alias for v in versions] == [None, None, "champion", "challenger"]
        assert all(v.run_id for v in versions)
        assert versions[2].task == "classification"
        assert versions[2].validation_metric == "auc"
        assert versions[2].validation_value == pytest.approx(0.88)
        runs = dict(session.execute(select(TrainingRun.run_id, TrainingRun.system_id)).all())
        systems = dict(session.execute(select(System.id, System.name)).all())
        # without --system a run belongs to its experiment's system, and so does its model
        assert {systems[runs[v.run_id]] for v in versions} == {EXPERIMENTS[0]}
        assert {systems[v.system_id] for v in versions} == {EXPERIMENTS[0]}


def test_second_import_adds_nothing_and_new_runs_are_picked_up(
    mlflow_store: str, engine: Engine
) -> None:
    import_mlflow(mlflow_store, engine=engine, system="fraud-scoring")
    before = _counts(engine)
    with session_scope(engine) as session:
        records = session.scalar(select(func.count()).select_from(IngestRecord))
    again = import_mlflow(mlflow_store, engine=engine, system="fraud-scoring")
    assert again.written == 0
    assert _counts(engine) == before
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(IngestRecord)) == records

    client = client_for(mlflow_store)
    experiment = client.get_experiment_by_name(EXPERIMENTS[1])
    new_run = add_run(client, experiment.experiment_id, 99, steps=5)
    client.set_registered_model_alias(MODEL, "champion", "4")
    third = import_mlflow(mlflow_store, engine=engine, system="fraud-scoring")
    assert third.runs_written == 1
    assert third.points_written == 11
    assert third.models_written == 2  # v3 lost champion, v4 gained it
    after = _counts(engine)
    assert after["training_runs"] == before["training_runs"] + 1
    with session_scope(engine) as session:
        assert session.scalar(select(TrainingRun.system_id).where(TrainingRun.run_id == new_run))
        aliases = dict(session.execute(select(ModelVersion.version, ModelVersion.alias)).all())
    assert aliases[4] == "champion"
    assert aliases[3] == "prod-eu"


def test_tags_are_stored_and_a_changed_tag_updates(mlflow_store: str, engine: Engine) -> None:
    import_mlflow(mlflow_store, engine=engine)

    def tags_of(run_id: str) -> dict[str, str]:
        with session_scope(engine) as session:
            query = (
                select(RunTag.key, RunTag.value)
                .join(TrainingRun, TrainingRun.id == RunTag.run_pk)
                .where(TrainingRun.run_id == run_id)
            )
            return dict(session.execute(query).all())

    client = client_for(mlflow_store)
    run = client.search_runs([client.get_experiment_by_name(EXPERIMENTS[0]).experiment_id])[0]
    tags = tags_of(run.info.run_id)
    assert tags["mlflow.runName"] == run.info.run_name
    assert tags["team"] == run.data.tags["team"]
    assert "mlflow.log-model.history" in run.data.tags
    assert "mlflow.log-model.history" not in tags
    before = _counts(engine)

    client.set_tag(run.info.run_id, "team", "fraud-ops")
    client.set_tag(run.info.run_id, "mlflow.runName", "renamed")
    again = import_mlflow(mlflow_store, engine=engine)
    assert (again.runs_written, again.points_written) == (1, 0)
    assert _counts(engine) == before  # updated in place, not added
    assert tags_of(run.info.run_id) == tags | {"team": "fraud-ops", "mlflow.runName": "renamed"}


def test_cli_imports_one_experiment(mlflow_store: str, sqlite_engine: Engine) -> None:
    out = _invoke(
        "import-mlflow",
        "--tracking-uri",
        mlflow_store,
        "--experiment",
        EXPERIMENTS[1],
        "--system",
        "fraud-scoring",
    )
    assert "6 runs read" in out
    listed = json.loads(_invoke("runs", "list", "--system", "fraud-scoring", "--format", "json"))
    assert {r["experiment"] for r in listed} == {EXPERIMENTS[1]}
    with session_scope(sqlite_engine) as session:
        # the registered versions come from the other experiment's runs: not imported
        assert session.scalar(select(func.count()).select_from(ModelVersion)) == 0


def test_unknown_experiment_is_bad_input(mlflow_store: str, sqlite_engine: Engine) -> None:
    result = CliRunner().invoke(
        cli, ["import-mlflow", "--tracking-uri", mlflow_store, "--experiment", "nope"]
    )
    assert result.exit_code == 2
    assert "nope" in result.output
