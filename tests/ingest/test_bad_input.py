"""Bad input: an IngestError naming row and column, and not one row written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import IngestError, ingest_file
from tests.ingest.helpers import SAMPLES, as_parquet, counts, write

HEALTH_HEADER = SAMPLES["health"].splitlines()[0]


def rejected(
    engine: Engine, kind: str, path: Path, *, row: int | None, column: str | None, **options: object
) -> IngestError:
    """Ingest must fail with an error at (row, column) and leave every table as it was."""
    before = counts(engine)
    with pytest.raises(IngestError) as caught:
        ingest_file(kind, path, engine=engine, **options)  # type: ignore[arg-type]
    error = caught.value
    assert (error.row, error.column) == (row, column), str(error)
    if row is not None:
        assert f"row {row}" in str(error)
    if column is not None:
        assert f'column "{column}"' in str(error)
    assert str(error).startswith(path.name)
    assert counts(engine) == before
    return error


def health(tmp_path: Path, *rows: str, suffix: str = "csv") -> Path:
    path = write(tmp_path, "health.csv", "\n".join([HEALTH_HEADER, *rows]) + "\n")
    return as_parquet(path) if suffix == "parquet" else path


OK_ROW = "checkout,2025-03-01T10:00:00Z,1200,3,41.5,120,310,0.42,0.61"


def test_message_format(sqlite_engine: Engine, tmp_path: Path) -> None:
    lines = SAMPLES["deployments"].splitlines()
    bad = lines[1].replace("2025-03-01T10:00:00Z", "yesterday")
    path = write(tmp_path, "deployments.csv", "\n".join([lines[0], lines[2], bad]) + "\n")
    error = rejected(sqlite_engine, "deployments", path, row=2, column="deployed_at")
    assert str(error) == (
        'deployments.csv, row 2 (line 3), column "deployed_at": '
        'expected an ISO 8601 timestamp, got "yesterday"'
    )
    assert (error.line, error.expected, error.got) == (3, "an ISO 8601 timestamp", '"yesterday"')


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_wrong_header(engine: Engine, tmp_path: Path, suffix: str) -> None:
    text = SAMPLES["pipelines"].replace("pipeline_id", "pipeline", 1)
    path = write(tmp_path, "pipelines.csv", text)
    path = as_parquet(path) if suffix == "parquet" else path
    error = rejected(engine, "pipelines", path, row=None, column="pipeline_id")
    assert '"pipeline"' in str(error)  # the unknown column is named too


def test_missing_column(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, "d.csv", SAMPLES["deployments"]), dtype=str)
    frame.drop(columns="deployed_at").to_csv(tmp_path / "deployments.csv", index=False)
    error = rejected(
        engine, "deployments", tmp_path / "deployments.csv", row=None, column="deployed_at"
    )
    assert "required column" in str(error)


def test_unknown_column(engine: Engine, tmp_path: Path) -> None:
    text = (
        SAMPLES["incidents"]
        .replace(",title\n", ",title,colour\n")
        .replace('release"\n', 'release",red\n')
    )
    text = text.replace("unknown,\n", "unknown,,\n")
    rejected(engine, "incidents", write(tmp_path, "incidents.csv", text), row=None, column="colour")


def test_system_column_missing_without_argument(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, "h.csv", SAMPLES["health"]), dtype=str)
    frame.drop(columns="system").to_csv(tmp_path / "health.csv", index=False)
    rejected(engine, "health", tmp_path / "health.csv", row=None, column="system")
    assert (
        ingest_file("health", tmp_path / "health.csv", system="x", engine=engine).rows_written == 2
    )


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_wrong_type(engine: Engine, tmp_path: Path, suffix: str) -> None:
    path = health(
        tmp_path, OK_ROW, OK_ROW.replace("10:00", "10:01").replace("1200", "many"), suffix=suffix
    )
    error = rejected(engine, "health", path, row=2, column="requests")
    assert str(error).endswith('expected an integer, got "many"')


def test_fractional_integer(engine: Engine, tmp_path: Path) -> None:
    rejected(
        engine, "health", health(tmp_path, OK_ROW.replace(",3,", ",2.5,")), row=1, column="errors"
    )


@pytest.mark.parametrize("value", ["inf", "-inf", "abc"])
def test_non_finite_number(engine: Engine, tmp_path: Path, value: str) -> None:
    path = health(tmp_path, OK_ROW, OK_ROW.replace("10:00", "10:01").replace("41.5", value))
    error = rejected(engine, "health", path, row=2, column="latency_p50_ms")
    assert f'got "{value}"' in str(error)


def test_nan_where_a_value_is_required(engine: Engine, tmp_path: Path) -> None:
    ingest_file("runs", write(tmp_path, "runs.csv", SAMPLES["runs"]), engine=engine)
    text = SAMPLES["metrics"].replace(",0.4", ",NaN")
    error = rejected(engine, "metrics", write(tmp_path, "metrics.csv", text), row=2, column="value")
    assert 'expected a finite number, got "NaN"' in str(error)


def test_nan_means_empty_where_allowed(engine: Engine, tmp_path: Path) -> None:
    path = health(tmp_path, OK_ROW.replace("41.5", "NaN"))
    assert ingest_file("health", path, engine=engine).rows_written == 1


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_nan_timestamp(engine: Engine, tmp_path: Path, suffix: str) -> None:
    path = health(tmp_path, OK_ROW, OK_ROW.replace("2025-03-01T10:00:00Z", "NaN"), suffix=suffix)
    error = rejected(engine, "health", path, row=2, column="timestamp")
    assert "expected an ISO 8601 timestamp" in str(error)


def test_nat_in_parquet_timestamp_column(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(
        write(tmp_path, "h.csv", SAMPLES["health"]), dtype=str, keep_default_na=False
    )
    frame["timestamp"] = pd.to_datetime(["2025-03-01T10:00:00Z", None], utc=True)
    frame.to_parquet(tmp_path / "health.parquet", index=False)
    error = rejected(engine, "health", tmp_path / "health.parquet", row=2, column="timestamp")
    assert "(line" not in str(error)  # Parquet has no lines
    assert "got an empty value" in str(error)


def test_non_utf8(engine: Engine, tmp_path: Path) -> None:
    data = SAMPLES["incidents"].encode().replace(b"Checkout 500s", b"Checkout \xff500s")
    error = rejected(
        engine, "incidents", write(tmp_path, "incidents.csv", data), row=1, column="title"
    )
    assert "UTF-8" in str(error)
    assert error.line == 2


def test_non_utf8_later_row_first_field(engine: Engine, tmp_path: Path) -> None:
    data = SAMPLES["health"].encode() + b"\xe9checkout,2025-03-01T10:05:00Z,1,0,1,1,1,0.1,0.1\n"
    rejected(engine, "health", write(tmp_path, "health.csv", data), row=3, column="system")


@pytest.mark.parametrize("content", ["", HEALTH_HEADER + "\n"])
def test_empty_file(engine: Engine, tmp_path: Path, content: str) -> None:
    error = rejected(
        engine, "health", write(tmp_path, "health.csv", content), row=None, column=None
    )
    assert ("no data rows" in str(error)) == bool(content)


def test_empty_parquet(engine: Engine, tmp_path: Path) -> None:
    path = as_parquet(write(tmp_path, "health.csv", SAMPLES["health"]))
    pd.read_parquet(path).iloc[:0].to_parquet(path, index=False)
    error = rejected(engine, "health", path, row=None, column=None)
    assert "no data rows" in str(error)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_duplicate_keys(engine: Engine, tmp_path: Path, suffix: str) -> None:
    later = OK_ROW.replace("10:00:00Z", "10:01:00Z")
    same = OK_ROW.replace("10:00:00Z", "12:00:00+02:00").replace("1200", "99")
    error = rejected(
        engine,
        "health",
        health(tmp_path, OK_ROW, later, same, suffix=suffix),
        row=3,
        column="timestamp",
    )
    assert "first seen in row 1" in str(error)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_unknown_enum(engine: Engine, tmp_path: Path, suffix: str) -> None:
    text = SAMPLES["pipelines"].replace(",failed,", ",broken,")
    path = write(tmp_path, "pipelines.csv", text)
    path = as_parquet(path) if suffix == "parquet" else path
    error = rejected(engine, "pipelines", path, row=2, column="status")
    assert 'expected one of success, failed, cancelled, got "broken"' in str(error)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_errors_above_requests(engine: Engine, tmp_path: Path, suffix: str) -> None:
    path = health(
        tmp_path, OK_ROW, OK_ROW.replace("10:00", "10:01").replace(",3,", ",1300,"), suffix=suffix
    )
    error = rejected(engine, "health", path, row=2, column="errors")
    assert "at most requests" in str(error)


def test_out_of_range(engine: Engine, tmp_path: Path) -> None:
    rejected(
        engine, "health", health(tmp_path, OK_ROW.replace("0.42", "1.5")), row=1, column="cpu_util"
    )
    rejected(
        engine,
        "health",
        health(tmp_path, OK_ROW.replace("1200,3", "-1,0")),
        row=1,
        column="requests",
    )


def test_earliest_row_wins(engine: Engine, tmp_path: Path) -> None:
    path = health(
        tmp_path,
        OK_ROW,
        OK_ROW.replace("10:00", "10:01").replace("0.42", "2"),
        OK_ROW.replace("10:00", "10:02").replace("1200", "x"),
    )
    rejected(engine, "health", path, row=2, column="cpu_util")


def test_resolved_before_opened(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["incidents"].replace("2025-03-02T15:30:00Z", "2025-03-02T13:30:00Z")
    rejected(
        engine, "incidents", write(tmp_path, "incidents.csv", text), row=1, column="resolved_at"
    )


def test_model_deployment_needs_version(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["deployments"].replace("rolled_back,7", "rolled_back,")
    rejected(
        engine,
        "deployments",
        write(tmp_path, "deployments.csv", text),
        row=2,
        column="model_version",
    )


def test_required_value_empty(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["deployments"].replace(",production,success", ",,success")
    error = rejected(
        engine, "deployments", write(tmp_path, "deployments.csv", text), row=1, column="environment"
    )
    assert "got an empty value" in str(error)


def test_bad_dataset_reference_and_json(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["runs"].replace("transactions@v2,", "transactions,", 1)
    rejected(engine, "runs", write(tmp_path, "runs.csv", text), row=1, column="train_dataset")
    text = SAMPLES["datasets"].replace('"{""amount"": ""float""}"', "[1]")
    rejected(engine, "datasets", write(tmp_path, "datasets.csv", text), row=1, column="schema")


def test_bad_run_metric(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["runs"].replace(",0.95,0.91", ",0.95,inf")
    rejected(engine, "runs", write(tmp_path, "runs.csv", text), row=1, column="metric.test_auc")


def test_metrics_need_known_runs(engine: Engine, tmp_path: Path) -> None:
    ingest_file("runs", write(tmp_path, "runs.csv", SAMPLES["runs"]), engine=engine)
    text = SAMPLES["metrics"] + "r9,val_loss,0,2025-02-28T01:10:00Z,0.5\n"
    error = rejected(
        engine, "metrics", write(tmp_path, "metrics.csv", text), row=3, column="run_id"
    )
    assert '"r9"' in str(error)


def test_wrong_field_count(engine: Engine, tmp_path: Path) -> None:
    path = health(tmp_path, OK_ROW, OK_ROW.replace("10:00", "10:01") + ",extra")
    error = rejected(engine, "health", path, row=2, column=None)
    assert "9 fields" in str(error)


def test_line_counts_quoted_newlines(engine: Engine, tmp_path: Path) -> None:
    text = SAMPLES["incidents"].replace("Checkout 500s, after", "Checkout 500s,\nafter")
    text += "checkout,INC-3,sev9,2025-03-03T09:00:00,,,code,x\n"
    error = rejected(
        engine, "incidents", write(tmp_path, "incidents.csv", text), row=3, column="severity"
    )
    assert error.line == 5


def test_bad_kind_suffix_and_missing_file(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "health.csv", SAMPLES["health"])
    rejected(engine, "logs", path, row=None, column=None)
    rejected(engine, "health", write(tmp_path, "health.json", "{}"), row=None, column=None)
    rejected(engine, "health", tmp_path / "absent.csv", row=None, column=None)


def test_parquet_wrong_native_type(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(
        write(tmp_path, "h.csv", SAMPLES["health"]), dtype=str, keep_default_na=False
    )
    frame["timestamp"] = np.array([1_700_000_000, 1_700_000_060])
    frame.to_parquet(tmp_path / "health.parquet", index=False)
    rejected(engine, "health", tmp_path / "health.parquet", row=1, column="timestamp")
