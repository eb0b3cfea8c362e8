"""Happy paths of the fixed-schema kinds: exact stored values, and idempotent re-ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import IngestSummary, ingest_file
from tests.ingest.helpers import SAMPLES, as_parquet, counts, stored, write


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(params=["csv", "parquet"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


def sample(tmp_path: Path, kind: str, fmt: str) -> Path:
    path = write(tmp_path, f"{kind}.csv", SAMPLES[kind])
    return as_parquet(path) if fmt == "parquet" else path


def ingest_twice(engine: Engine, kind: str, path: Path, **options: object) -> IngestSummary:
    """Ingest, then re-ingest and check the second adds nothing."""
    first = ingest_file(kind, path, engine=engine, **options)  # type: ignore[arg-type]
    before = counts(engine)
    again = ingest_file(kind, path, engine=engine, **options)  # type: ignore[arg-type]
    after = counts(engine)
    assert again.rows_written == 0
    assert again.systems_created == ()
    assert after == before | {"ingest_records": before["ingest_records"] + 1}
    return first


def test_pipelines(engine: Engine, tmp_path: Path, fmt: str) -> None:
    summary = ingest_twice(engine, "pipelines", sample(tmp_path, "pipelines", fmt))
    assert (summary.rows_read, summary.rows_written) == (2, 2)
    assert summary.systems_created == ("checkout",)
    rows = stored(engine, "pipeline_runs")
    assert [r["pipeline_id"] for r in rows] == ["p-1", "p-2"]
    first, second = rows
    assert first["started_at"] == utc(2025, 3, 1, 9)  # naive → UTC
    assert first["finished_at"] == utc(2025, 3, 1, 9, 10)  # +02:00 converted
    assert (first["commit_sha"], first["tests_total"], first["tests_failed"]) == ("9f2c1ab", 412, 0)
    assert (second["commit_sha"], second["finished_at"], second["tests_total"]) == (
        None,
        None,
        None,
    )
    assert (second["status"], second["branch"]) == ("failed", "feature/x")
    assert stored(engine, "systems")[0]["name"] == "checkout"


def test_deployments(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ingest_twice(engine, "deployments", sample(tmp_path, "deployments", fmt))
    service, model = stored(engine, "deployments")
    assert service["kind"] == "service"
    assert service["committed_at"] == utc(2025, 3, 1, 8)
    assert service["model_version"] is None
    assert model["deployed_at"] == utc(2025, 3, 2, 8)
    assert (model["model_version"], model["status"], model["commit_sha"]) == (
        7,
        "rolled_back",
        None,
    )


def test_incidents(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ingest_twice(engine, "incidents", sample(tmp_path, "incidents", fmt))
    resolved, open_ = stored(engine, "incidents")
    assert resolved["title"] == "Checkout 500s, after release"
    assert resolved["resolved_at"] - resolved["opened_at"] == timedelta(minutes=90)
    assert (resolved["deployment_id"], resolved["cause"]) == ("d-1", "code")
    assert (open_["resolved_at"], open_["deployment_id"], open_["title"]) == (None, None, "")
    assert open_["opened_at"] == utc(2025, 3, 3, 9)


def test_health(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ingest_twice(engine, "health", sample(tmp_path, "health", fmt))
    first, second = stored(engine, "health_samples")
    assert first["timestamp"] == utc(2025, 3, 1, 10)
    assert (first["requests"], first["errors"], first["latency_p50_ms"]) == (1200, 3, 41.5)
    assert (first["latency_p99_ms"], first["cpu_util"], first["mem_util"]) == (310.0, 0.42, 0.61)
    assert second["timestamp"] == utc(2025, 3, 1, 10, 1)
    assert (second["latency_p95_ms"], second["cpu_util"]) == (None, None)


def test_health_native_parquet(engine: Engine, tmp_path: Path) -> None:
    """Parquet timestamp columns: naive ones are UTC, aware ones are converted."""
    path = tmp_path / "health.parquet"
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2025-03-01 10:00", "2025-03-01 10:01"]),
            "requests": [10, 20],
            "errors": [0, 1],
            "latency_p50_ms": [1.0, None],
            "latency_p95_ms": [2.0, 3.0],
            "latency_p99_ms": [3.0, 4.0],
            "cpu_util": [0.1, 0.2],
            "mem_util": [0.3, 0.4],
        }
    )
    frame.to_parquet(path, index=False)
    ingest_twice(engine, "health", path, system="search")
    rows = stored(engine, "health_samples")
    assert [r["timestamp"] for r in rows] == [utc(2025, 3, 1, 10), utc(2025, 3, 1, 10, 1)]
    assert rows[1]["latency_p50_ms"] is None
    aware = frame.assign(timestamp=frame["timestamp"].dt.tz_localize("Europe/Paris"))
    aware.to_parquet(path, index=False)
    summary = ingest_file("health", path, system="search", engine=engine)
    assert summary.rows_written == 2  # 09:00 and 09:01 UTC: new keys
    assert stored(engine, "health_samples")[2]["timestamp"] == utc(2025, 3, 1, 9)


def test_datasets(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ingest_twice(engine, "datasets", sample(tmp_path, "datasets", fmt))
    v1, v2 = stored(engine, "dataset_versions")
    assert v1["schema"] == {"amount": "float"}
    assert (v1["rows"], v1["parent_version"], v1["created_at"]) == (1000, None, utc(2025, 2, 1))
    assert (v2["parent_version"], v2["schema"], v2["created_at"]) == ("v1", None, utc(2025, 2, 15))


def test_runs_and_metrics(engine: Engine, tmp_path: Path, fmt: str) -> None:
    summary = ingest_twice(engine, "runs", sample(tmp_path, "runs", fmt))
    assert summary.rows_written == 2
    r1, r2 = stored(engine, "training_runs")
    assert (r1["status"], r2["status"]) == ("FINISHED", "RUNNING")  # lower case accepted
    assert (r1["train_dataset"], r1["trigger"]) == ("transactions@v2", "schedule")
    assert r2["finished_at"] is None
    params = {(p["run_pk"], p["key"]): p["value"] for p in stored(engine, "run_params")}
    assert params == {
        (r1["id"], "max_depth"): "6",
        (r1["id"], "lr"): "0.1",
        (r2["id"], "max_depth"): "8",
    }
    tags = {(t["run_pk"], t["key"]): t["value"] for t in stored(engine, "run_tags")}
    assert tags == {(r1["id"], "mlflow.runName"): "gbm-nightly"}  # empty = not set
    metrics = {(m["run_pk"], m["key"]): m["value"] for m in stored(engine, "run_metrics")}
    assert metrics == {(r1["id"], "train_auc"): 0.95, (r1["id"], "test_auc"): 0.91}

    ingest_twice(engine, "metrics", sample(tmp_path, "metrics", fmt))
    points = stored(engine, "metric_points")
    assert [(p["run_pk"], p["step"], p["value"]) for p in points] == [
        (r1["id"], 0, 0.5),
        (r1["id"], 1, 0.4),
    ]
    assert points[1]["timestamp"] == utc(2025, 2, 28, 1, 20)


def test_runs_metric_change_counts_the_row(engine: Engine, tmp_path: Path) -> None:
    ingest_file("runs", write(tmp_path, "runs.csv", SAMPLES["runs"]), engine=engine)
    changed = SAMPLES["runs"].replace(",0.95,0.91", ",0.95,0.92")
    summary = ingest_file("runs", write(tmp_path, "runs2.csv", changed), engine=engine)
    assert summary.rows_written == 1
    assert {m["value"] for m in stored(engine, "run_metrics")} == {0.95, 0.92}


def test_runs_tag_change_updates_the_tag(engine: Engine, tmp_path: Path) -> None:
    ingest_file("runs", write(tmp_path, "runs.csv", SAMPLES["runs"]), engine=engine)
    renamed = SAMPLES["runs"].replace(",gbm-nightly,", ",gbm-weekly,")
    summary = ingest_file("runs", write(tmp_path, "runs2.csv", renamed), engine=engine)
    assert summary.rows_written == 1
    assert [(t["key"], t["value"]) for t in stored(engine, "run_tags")] == [
        ("mlflow.runName", "gbm-weekly")
    ]
    again = ingest_file("runs", write(tmp_path, "runs3.csv", renamed), engine=engine)
    assert again.rows_written == 0


def test_models(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ingest_twice(engine, "models", sample(tmp_path, "models", fmt))
    v7, v8 = stored(engine, "model_versions")
    assert (v7["version"], v7["alias"], v7["task"], v7["validation_value"]) == (
        7,
        "champion",
        "classification",
        0.91,
    )
    assert (v8["alias"], v8["task"], v8["validation_metric"], v8["validation_value"]) == (
        None,
        None,
        None,
        None,
    )
    assert v8["registered_at"] == utc(2025, 3, 1, 2)


def test_system_argument_overrides_and_shift(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "health.csv", SAMPLES["health"])
    summary = ingest_file("health", path, system="search", shift=timedelta(days=2), engine=engine)
    assert summary.systems_created == ("search",)
    assert [s["name"] for s in stored(engine, "systems")] == ["search"]
    assert stored(engine, "health_samples")[0]["timestamp"] == utc(2025, 3, 3, 10)


def test_changed_rows_are_updated_not_duplicated(engine: Engine, tmp_path: Path) -> None:
    ingest_file("pipelines", write(tmp_path, "p.csv", SAMPLES["pipelines"]), engine=engine)
    changed = SAMPLES["pipelines"].replace("failed,,", "failed,10,2")
    summary = ingest_file("pipelines", write(tmp_path, "p2.csv", changed), engine=engine)
    assert summary.rows_written == 1
    rows = stored(engine, "pipeline_runs")
    assert len(rows) == 2
    assert (rows[1]["tests_total"], rows[1]["tests_failed"]) == (10, 2)


def test_ingest_record(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "health.csv", SAMPLES["health"])
    ingest_file("health", path, engine=engine)
    (record,) = stored(engine, "ingest_records")
    assert (record["kind"], record["rows_read"], record["rows_written"]) == ("health", 2, 2)
    assert record["source"] == str(path.resolve())
    assert len(record["content_hash"]) == 64


def test_default_engine(sqlite_engine: Engine, tmp_path: Path) -> None:
    """engine=None means the configured database (the fixture configures it)."""
    ingest_file("health", write(tmp_path, "health.csv", SAMPLES["health"]))
    assert counts(sqlite_engine)["health_samples"] == 2


@pytest.mark.filterwarnings("error::FutureWarning")
def test_blank_dataset_reference_and_text_ingest_without_pandas_warnings(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A blank ``eval_dataset`` and NUL-checked text used to warn about ``fillna`` downcasting."""
    path = write(
        tmp_path,
        "runs.csv",
        "system,run_id,experiment,started_at,finished_at,status,code_commit,"
        "train_dataset,eval_dataset,trigger\n"
        "sys,r1,exp,2026-06-14T09:47:11Z,2026-06-14T09:57:03Z,FINISHED,abc,d@v1,,manual\n"
        "sys,r2,exp,2026-06-14T10:47:11Z,,RUNNING,,,,\n",
    )
    summary = ingest_file("runs", path, engine=sqlite_engine)
    assert summary.rows_written == 2
    runs = stored(sqlite_engine, "training_runs")
    assert [(r["eval_dataset"], r["code_commit"]) for r in runs] == [(None, "abc"), (None, None)]
