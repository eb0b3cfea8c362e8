"""Values the validator used to let through and a database or the OS then refused.

Each case was a traceback (exit 3), a backend-dependent result (SQLite stored
what PostgreSQL refused), or a silent change (an integer rounded through a
float). Now each is bad input on both backends: an ``IngestError`` naming the
file, row and column, and nothing written, neither rows nor window files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from app.ingest import IngestError, ingest_file
from app.ingest.errors import PrometheusError
from app.ingest.prometheus_samples import to_frame
from tests.ingest.helpers import SAMPLES, counts, stored, write
from tests.ingest.test_bad_input import OK_ROW, health, rejected

PIPELINE_HEADER = SAMPLES["pipelines"].splitlines()[0]
PIPELINE_ROW = "checkout,p-1,9f2c1ab,main,2025-03-01T09:00:00Z,,success,412,0"
PRODUCTION_HEADER = (
    "timestamp,model_version,prediction,label,prediction_id,segment.region,amount,country"
)
PRODUCTION_ROW = "2025-03-01T08:00:00Z,7,0.9,1,p1,eu,10.5,FR"
MODELS_HEADER = SAMPLES["models"].splitlines()[0]
MODELS_ROW = (
    "checkout,fraud-detector,7,r1,2025-02-28T02:00:00Z,champion,classification,roc_auc,0.91"
)


LONG = "e" * 244  # with "region=", one more than performance_results.segment holds


def pipelines(tmp_path: Path, row: str) -> Path:
    return write(tmp_path, "pipelines.csv", f"{PIPELINE_HEADER}\n{PIPELINE_ROW}\n{row}\n")


def production(tmp_path: Path, row: str, header: str = PRODUCTION_HEADER) -> Path:
    return write(tmp_path, "production.csv", f"{header}\n{PRODUCTION_ROW}\n{row}\n")


def models(tmp_path: Path, row: str) -> Path:
    return write(tmp_path, "models.csv", f"{MODELS_HEADER}\n{row}\n")


def refused(
    engine: Engine, kind: str, path: Path, *, row: int | None, column: str | None, **options: Any
) -> IngestError:
    """As ``rejected``, for column names the message shows escaped or shortened."""
    before = counts(engine)
    with pytest.raises(IngestError) as caught:
        ingest_file(kind, path, engine=engine, **options)
    error = caught.value
    assert (error.row, error.column) == (row, column), str(error)
    assert str(error).startswith(path.name + (f", row {row}" if row is not None else ""))
    assert ('column "' in str(error)) == (column is not None)
    assert counts(engine) == before
    return error


def window_files(data_dir: Path) -> set[Path]:
    return set(data_dir.rglob("*.parquet"))


# (kind, file maker, --system, row, column, words the message must hold)
Case = tuple[str, Callable[[Path], Path], str | None, int | None, str | None, str]

CASES: dict[str, Case] = {
    "commit_sha of 65 characters": (
        "pipelines",
        lambda t: pipelines(t, PIPELINE_ROW.replace("p-1", "p-2").replace("9f2c1ab", "a" * 65)),
        None,
        2,
        "commit_sha",
        "at most 64 characters, got 65 characters",
    ),
    "system of 201 characters": (
        "health",
        lambda t: health(t, OK_ROW, OK_ROW.replace("checkout", "s" * 201)),
        None,
        2,
        "system",
        "at most 200 characters, got 201 characters",
    ),
    "model name of 201 characters": (
        "models",
        lambda t: models(t, MODELS_ROW.replace("fraud-detector", "m" * 201)),
        None,
        1,
        "model_name",
        "at most 200 characters",
    ),
    "NUL in a text column": (
        "incidents",
        lambda t: write(
            t, "incidents.csv", SAMPLES["incidents"].replace("after release", "after\x00release")
        ),
        None,
        1,
        "title",
        'NUL characters, got "Checkout 500s, after\\x00release"',
    ),
    "NUL in a categorical feature": (
        "production",
        lambda t: production(t, PRODUCTION_ROW.replace("p1", "p2").replace("FR", "F\x00R")),
        "fraud",
        2,
        "country",
        "NUL",
    ),
    "feature name of 300 characters": (
        "production",
        lambda t: production(
            t, PRODUCTION_ROW.replace("p1", "p2"), PRODUCTION_HEADER.replace("amount", "f" * 300)
        ),
        "fraud",
        None,
        "f" * 300,
        "at most 250 characters, got 300 characters",
    ),
    "param name of 251 characters": (
        "runs",
        lambda t: write(
            t, "runs.csv", SAMPLES["runs"].replace("param.max_depth", "param." + "k" * 251)
        ),
        None,
        None,
        "param." + "k" * 251,
        "at most 250 characters after param.",
    ),
    "segment key longer than its column": (
        "production",
        lambda t: production(
            t, PRODUCTION_ROW.replace("p1", "p2").replace(",eu,", f",{'e' * 244},")
        ),
        "fraud",
        2,
        "segment.region",
        "at most 243 characters",
    ),
    "integer 1e30": (
        "health",
        lambda t: health(t, OK_ROW, OK_ROW.replace("10:00", "10:01").replace("1200", "1e30")),
        None,
        2,
        "requests",
        "an integer from",
    ),
    "integer 2^63": (
        "datasets",
        lambda t: write(t, "datasets.csv", SAMPLES["datasets"].replace(",1200,", f",{2**63},")),
        None,
        2,
        "rows",
        "to 9223372036854775807",
    ),
    "integer beyond PostgreSQL's integer": (
        "pipelines",
        lambda t: pipelines(t, PIPELINE_ROW.replace("p-1", "p-2").replace(",412,", f",{2**31},")),
        None,
        2,
        "tests_total",
        "to 2147483647",
    ),
    "production model version beyond integer": (
        "production",
        lambda t: production(t, PRODUCTION_ROW.replace("p1", "p2").replace(",7,", f",{2**31},")),
        "fraud",
        2,
        "model_version",
        "to 2147483647",
    ),
    "integer a float column would round": (
        "models",
        lambda t: models(t, MODELS_ROW.replace("0.91", str(2**53 + 1))),
        None,
        1,
        "validation_value",
        "holds exactly",
    ),
    "inf in a feature": (
        "production",
        lambda t: production(t, PRODUCTION_ROW.replace("p1", "p2").replace("10.5", "inf")),
        "fraud",
        2,
        "amount",
        'a finite number, or empty, got "inf"',
    ),
    "-inf in a feature": (
        "production",
        lambda t: production(t, PRODUCTION_ROW.replace("p1", "p2").replace("10.5", "-inf")),
        "fraud",
        2,
        "amount",
        "a finite number",
    ),
    "latency 1e308": (
        "health",
        lambda t: health(t, OK_ROW, OK_ROW.replace("10:00", "10:01").replace(",120,", ",1e308,")),
        None,
        2,
        "latency_p95_ms",
        "between 0 and 86400000",
    ),
    "timestamp before 1900, in a zone": (
        "health",
        lambda t: health(
            t, OK_ROW, OK_ROW.replace("2025-03-01T10:00:00Z", "0001-01-01T00:00:00+01:00")
        ),
        None,
        2,
        "timestamp",
        "from 1900-01-01 to before 2200-01-01",
    ),
    "timestamp after 2200": (
        "health",
        lambda t: health(t, OK_ROW, OK_ROW.replace("2025-03-01T10:00:00Z", "2250-01-01T00:00:00Z")),
        None,
        2,
        "timestamp",
        "from 1900-01-01 to before 2200-01-01",
    ),
    "empty param name": (
        "runs",
        lambda t: write(t, "runs.csv", SAMPLES["runs"].replace("param.lr", "param. ")),
        None,
        None,
        "param. ",
        "param.<name>",
    ),
    "NUL in a column name": (
        "production",
        lambda t: production(
            t, PRODUCTION_ROW.replace("p1", "p2"), PRODUCTION_HEADER.replace("amount", "am\x00t")
        ),
        "fraud",
        None,
        "am\x00t",
        "NUL",
    ),
    "blank --system": ("health", lambda t: health(t, OK_ROW), "   ", None, None, "--system"),
    "empty --system": ("pipelines", lambda t: pipelines(t, ""), "", None, None, "--system"),
    "--system of 201 characters": (
        "health",
        lambda t: health(t, OK_ROW),
        "s" * 201,
        None,
        None,
        "--system: a system name of 1 to 200 characters",
    ),
    "--system of 300 characters for production": (
        "production",
        lambda t: production(t, PRODUCTION_ROW.replace("p1", "p2")),
        "s" * 300,
        None,
        None,
        "got a name of 300 characters",
    ),
    "NUL in --system": ("health", lambda t: health(t, OK_ROW), "a\x00b", None, None, "NUL"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_on_both_backends(
    engine: Engine, tmp_path: Path, data_dir: Path, case: str
) -> None:
    kind, make, system, row, column, words = CASES[case]
    if kind == "production":  # the system exists, with a window, before the bad file
        (tmp_path / "good").mkdir()
        good = production(tmp_path / "good", PRODUCTION_ROW.replace("p1", "p0"))
        ingest_file("production", good, system="fraud", engine=engine)
    files = window_files(data_dir)
    path = make(tmp_path)
    error = refused(engine, kind, path, row=row, column=column, system=system)
    assert words in str(error)
    assert window_files(data_dir) == files


def _health_frame(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(health(tmp_path, OK_ROW, OK_ROW.replace("10:00", "10:01")), dtype=str)


def test_parquet_uint64_beyond_int64(engine: Engine, tmp_path: Path) -> None:
    frame = _health_frame(tmp_path)
    frame["requests"] = np.array([1200, 2**63], dtype=np.uint64)
    frame.to_parquet(tmp_path / "health.parquet", index=False)
    error = rejected(engine, "health", tmp_path / "health.parquet", row=2, column="requests")
    assert '"9223372036854775808"' in str(error)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_parquet_timestamp_outside_the_accepted_range(
    engine: Engine, tmp_path: Path, when: str
) -> None:
    table = pa.Table.from_pandas(_health_frame(tmp_path), preserve_index=False)
    stamps = np.array(["2025-03-01T10:00:00", when], dtype="datetime64[us]")
    table = table.set_column(1, "timestamp", pa.array(stamps, pa.timestamp("us", tz="UTC")))
    pq.write_table(table, tmp_path / "health.parquet")
    error = rejected(engine, "health", tmp_path / "health.parquet", row=2, column="timestamp")
    assert "from 1900-01-01 to before 2200-01-01" in str(error)


def test_parquet_text_that_is_not_utf8(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, "i.csv", SAMPLES["incidents"]), dtype=str)
    table = pa.Table.from_pandas(frame.drop(columns="title"), preserve_index=False)
    table = table.append_column("title", pa.array([b"ok", b"caf\xe9"], pa.binary()))
    pq.write_table(table, tmp_path / "incidents.parquet")
    error = rejected(engine, "incidents", tmp_path / "incidents.parquet", row=2, column="title")
    assert "UTF-8" in str(error)


def test_parquet_integer_feature_a_float_would_round(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    frame = pd.read_csv(production(tmp_path, PRODUCTION_ROW.replace("p1", "p2")), dtype=str)
    frame["amount"] = np.array([1, 2**53 + 1], dtype=np.int64)
    frame.to_parquet(tmp_path / "production.parquet", index=False)
    rejected(
        engine, "production", tmp_path / "production.parquet", row=2, column="amount", system="x"
    )
    assert window_files(data_dir) == set()


def test_parquet_inf_feature(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    frame = pd.read_csv(production(tmp_path, PRODUCTION_ROW.replace("p1", "p2")), dtype=str)
    frame["amount"] = [1.0, np.inf]
    frame.to_parquet(tmp_path / "production.parquet", index=False)
    rejected(
        engine, "production", tmp_path / "production.parquet", row=2, column="amount", system="x"
    )
    assert window_files(data_dir) == set()


BIG = 2**53 + 1  # the first integer a float64 cannot hold


def test_values_at_their_limits_are_stored_exactly(engine: Engine, tmp_path: Path) -> None:
    """The bounds are inclusive, and an integer beyond 2^53 is not rounded on the way in."""
    text = SAMPLES["datasets"].replace(",1200,", f",{BIG},").replace(",1000,", f",{2**63 - 1},")
    ingest_file("datasets", write(tmp_path, "datasets.csv", text), engine=engine)
    assert [d["rows"] for d in stored(engine, "dataset_versions")] == [2**63 - 1, BIG]
    row = PIPELINE_ROW.replace("p-1", "p" * 200).replace("9f2c1ab", "a" * 64)
    row = row.replace(",412,0", f",{2**31 - 1},0")
    ingest_file("pipelines", pipelines(tmp_path, row), engine=engine, system="s" * 200)
    runs = stored(engine, "pipeline_runs")
    assert (runs[1]["pipeline_id"], runs[1]["commit_sha"], runs[1]["tests_total"]) == (
        "p" * 200,
        "a" * 64,
        2**31 - 1,
    )


def test_big_integers_are_stored_exactly_from_parquet(engine: Engine, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, "d.csv", SAMPLES["datasets"]), dtype=str)
    table = pa.Table.from_pandas(frame.drop(columns="rows"), preserve_index=False)
    table = table.append_column("rows", pa.array([BIG, None], pa.int64()))  # a gap: float64 once
    pq.write_table(table, tmp_path / "datasets.parquet")
    ingest_file("datasets", tmp_path / "datasets.parquet", engine=engine)
    assert [d["rows"] for d in stored(engine, "dataset_versions")] == [BIG, None]


@pytest.mark.parametrize(
    ("key", "value"),
    [("requests", 1e30), ("errors", 2.0**63), ("latency_p95_ms", 1e308)],
)
def test_prometheus_values_hold_the_health_bounds(key: str, value: float) -> None:
    """Samples from Prometheus skip the file validator, so ``to_frame`` applies its bounds."""
    values = {"requests": {120: 10.0}, "errors": {120: 0.0}, key: {120: value}}
    with pytest.raises(PrometheusError, match=f"{key} at .*: expected"):
        to_frame(values, 60)
