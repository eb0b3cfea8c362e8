"""Production files: windows as Parquet, their metadata, quality and performance."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from app.ingest import IngestError, ingest_file
from tests.ingest.helpers import SAMPLES, counts, stored, write

HEADER = "timestamp,model_version,prediction,label,prediction_id,segment.region,amount,country"
ROWS = [
    # day 1: two labelled rows
    "2025-03-01T08:00:00Z,7,0.9,1,p1,eu,10.5,FR",
    "2025-03-01T09:00:00,7,0.2,0,p2,us,20,US",
    "2025-03-01T10:00:00Z,7,0.7,,p3,eu,,FR",
    # day 2: 01:00+02:00 is 2025-03-01T23:00Z, so day 1 as well
    "2025-03-02T01:00:00+02:00,7,0.4,,p4,us,30,",
    "2025-03-02T12:00:00Z,7,0.6,,p5,eu,40,DE",
    # day 3
    "2025-03-03T12:00:00Z,7,0.1,,p6,us,1000,US",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def production(tmp_path: Path, rows: list[str], name: str = "production.csv") -> Path:
    return write(tmp_path, name, "\n".join([HEADER, *rows]) + "\n")


def parquet_files(data_dir: Path) -> set[Path]:
    return set((data_dir / "production").rglob("*.parquet"))


def quality(engine: Engine, window_id: int) -> dict[tuple[str, str], float]:
    return {
        (q["column"], q["check"]): q["value"]
        for q in stored(engine, "quality_results")
        if q["window_id"] == window_id
    }


def performance(engine: Engine, window_id: int) -> dict[str, float]:
    return {
        p["metric"]: p["value"]
        for p in stored(engine, "performance_results")
        if p["window_id"] == window_id
    }


def test_three_days_three_windows(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    summary = ingest_file(
        "production", production(tmp_path, ROWS), system="checkout", engine=engine
    )
    assert (summary.rows_read, summary.rows_written, summary.windows) == (6, 6, 3)
    assert summary.systems_created == ("checkout",)
    windows = stored(engine, "production_windows")
    assert [w["window_start"] for w in windows] == [
        utc(2025, 3, 1),
        utc(2025, 3, 2),
        utc(2025, 3, 3),
    ]
    first = windows[0]
    assert first["window_end"] == utc(2025, 3, 2)
    assert (first["rows"], first["labelled_rows"], first["newest_row_at"]) == (
        4,
        2,
        utc(2025, 3, 1, 23),
    )
    assert (first["feature_columns"], first["segment_columns"]) == (
        ["amount", "country"],
        ["segment.region"],
    )
    assert first["is_reference"] is False
    assert first["model_version"] == 7
    assert first["path"].startswith(f"production/system_id={first['system_id']}/v7/2025-03-01-")
    assert {data_dir / w["path"] for w in windows} == parquet_files(data_dir)

    rows = pd.read_parquet(data_dir / first["path"])
    assert rows["prediction_id"].tolist() == ["p1", "p2", "p3", "p4"]
    assert rows["timestamp"].tolist()[-1] == pd.Timestamp("2025-03-01T23:00:00Z")
    assert rows["amount"].isna().tolist() == [False, False, True, False]

    q = quality(engine, first["id"])
    assert q[("amount", "missing_share")] == 0.25
    assert q[("country", "missing_share")] == 0.25
    assert q[("", "missing_share")] == 0.25
    assert q[("", "schema_violations")] == 0.0
    assert ("", "out_of_range_share") not in q  # no reference yet
    perf = performance(engine, first["id"])
    assert perf == {"accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "roc_auc": 1.0}
    assert performance(engine, windows[1]["id"]) == {}  # no labels yet

    before, files = counts(engine), parquet_files(data_dir)
    again = ingest_file("production", production(tmp_path, ROWS), system="checkout", engine=engine)
    assert (again.rows_written, again.windows) == (0, 0)
    assert counts(engine) == before | {"ingest_records": before["ingest_records"] + 1}
    assert parquet_files(data_dir) == files


def test_labels_arriving_later(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    ingest_file("production", production(tmp_path, ROWS), system="checkout", engine=engine)
    old = {w["window_start"]: w for w in stored(engine, "production_windows")}
    labels = [
        "2025-03-02T12:00:00Z,7,0.6,1,p5,,,",  # only the label is new; features are kept
        "2025-03-03T12:00:00Z,7,0.1,0,p6,,,",
    ]
    summary = ingest_file(
        "production", production(tmp_path, labels, "labels.csv"), system="checkout", engine=engine
    )
    assert (summary.rows_written, summary.windows) == (2, 2)
    windows = {w["window_start"]: w for w in stored(engine, "production_windows")}
    assert len(windows) == 3
    day2 = windows[utc(2025, 3, 2)]
    assert (day2["rows"], day2["labelled_rows"], day2["id"]) == (1, 1, old[utc(2025, 3, 2)]["id"])
    assert windows[utc(2025, 3, 1)]["path"] == old[utc(2025, 3, 1)]["path"]
    assert not (data_dir / old[utc(2025, 3, 2)]["path"]).exists()  # replaced file deleted
    rows = pd.read_parquet(data_dir / day2["path"])
    assert rows[["label", "amount", "country", "segment.region"]].iloc[0].tolist() == [
        1.0,
        40.0,
        "DE",
        "eu",
    ]
    assert performance(engine, day2["id"])["accuracy"] == 1.0
    assert parquet_files(data_dir) == {data_dir / w["path"] for w in windows.values()}


def test_reference_and_out_of_range(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    reference = [
        "2025-01-01T00:00:00Z,7,0.9,1,r1,eu,10,FR",
        "2025-01-05T00:00:00Z,7,0.1,0,r2,us,100,US",
    ]
    ref = ingest_file(
        "production",
        production(tmp_path, reference, "ref.csv"),
        system="checkout",
        reference=True,
        engine=engine,
    )
    assert ref.windows == 1
    (window,) = stored(engine, "production_windows")
    assert window["is_reference"] is True
    assert (window["window_start"], window["window_end"]) == (
        utc(2025, 1, 1),
        datetime(2025, 1, 5, 0, 0, 0, 1, tzinfo=UTC),
    )
    assert window["path"].startswith(f"production/system_id={window['system_id']}/v7/reference-")

    ingest_file("production", production(tmp_path, ROWS), system="checkout", engine=engine)
    windows = stored(engine, "production_windows")
    day3 = next(w for w in windows if w["window_start"] == utc(2025, 3, 3))
    q = quality(engine, day3["id"])
    assert q[("amount", "out_of_range_share")] == 1.0  # 1000 > 100
    assert q[("", "out_of_range_share")] == 1.0
    assert q[("", "schema_violations")] == 0.0

    # A new reference replaces the old one, whatever its start.
    newer = ["2024-12-01T00:00:00Z,7,0.5,1,r9,eu,5,FR"]
    ingest_file(
        "production",
        production(tmp_path, newer, "ref2.csv"),
        system="checkout",
        reference=True,
        engine=engine,
    )
    references = [w for w in stored(engine, "production_windows") if w["is_reference"]]
    assert len(references) == 1
    assert references[0]["window_start"] == utc(2024, 12, 1)
    assert references[0]["rows"] == 1
    assert not (data_dir / window["path"]).exists()


def test_schema_violations_against_reference(engine: Engine, tmp_path: Path) -> None:
    reference = ["2025-01-01T00:00:00Z,7,0.9,1,r1,eu,10,FR"]
    ingest_file(
        "production",
        production(tmp_path, reference, "ref.csv"),
        system="s",
        reference=True,
        engine=engine,
    )
    path = write(
        tmp_path,
        "p.csv",
        "timestamp,model_version,prediction,amount\n2025-03-01T00:00:00Z,7,3.5,high\n",
    )
    ingest_file("production", path, system="s", engine=engine)
    window = next(w for w in stored(engine, "production_windows") if not w["is_reference"])
    # country is absent, amount became categorical
    assert quality(engine, window["id"])[("", "schema_violations")] == 2.0


def test_regression_task_from_registry(engine: Engine, tmp_path: Path) -> None:
    models = SAMPLES["models"].replace("champion,classification", "champion,regression")
    ingest_file("models", write(tmp_path, "models.csv", models), engine=engine)
    rows = ["2025-03-01T08:00:00Z,7,2,1,a,eu,1,FR", "2025-03-01T09:00:00Z,7,2,3,b,eu,1,FR"]
    ingest_file("production", production(tmp_path, rows), system="checkout", engine=engine)
    (window,) = stored(engine, "production_windows")
    perf = performance(engine, window["id"])
    assert perf["mae"] == 1.0
    assert perf["rmse"] == 1.0
    assert perf["mape"] == pytest.approx(2 / 3)
    assert perf["r2"] == 0.0
    assert set(perf) == {"mae", "rmse", "mape", "r2"}


def test_parquet_input_and_rows_without_ids(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2025-03-01 10:00", "2025-03-01 11:00"]),  # naive: UTC
            "model_version": [3, 3],
            "prediction": [0.5, 0.25],
            "score": [1, 2],
            "flag": ["a", None],
        }
    )
    path = tmp_path / "prod.parquet"
    frame.to_parquet(path, index=False)
    first = ingest_file("production", path, system="s", engine=engine)
    again = ingest_file("production", path, system="s", engine=engine)
    assert (first.rows_written, again.rows_written, again.windows) == (2, 0, 0)
    (window,) = stored(engine, "production_windows")
    assert (window["newest_row_at"], window["labelled_rows"]) == (utc(2025, 3, 1, 11), 0)
    assert window["feature_columns"] == ["score", "flag"]
    rows = pd.read_parquet(data_dir / window["path"])
    assert rows["score"].dtype == float
    assert rows["flag"].tolist() == ["a", None]


def test_needs_system(engine: Engine, tmp_path: Path) -> None:
    before = counts(engine)
    with pytest.raises(IngestError, match="--system"):
        ingest_file("production", production(tmp_path, ROWS), engine=engine)
    assert counts(engine) == before


def test_duplicate_prediction_id(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    rows = [*ROWS, "2025-03-04T12:00:00Z,7,0.1,,p2,us,1,US"]
    with pytest.raises(IngestError) as caught:
        ingest_file("production", production(tmp_path, rows), system="s", engine=engine)
    assert (caught.value.row, caught.value.column) == (7, "prediction_id")
    assert parquet_files(data_dir) == set()


def test_failed_ingest_leaves_no_new_files(
    engine: Engine, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_file("production", production(tmp_path, ROWS[:2]), system="checkout", engine=engine)
    before, files = counts(engine), parquet_files(data_dir)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("app.ingest.importers.record", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_file(
            "production", production(tmp_path, ROWS, "more.csv"), system="checkout", engine=engine
        )
    assert parquet_files(data_dir) == files
    assert counts(engine) == before
    assert not list((data_dir / "production").rglob("*.tmp"))


def test_pipeline_takes_rows_and_calls_back_inside_its_transaction(
    engine: Engine, data_dir: Path
) -> None:
    """The pipeline needs nothing of app.ingest: validated rows in, windows out.

    ``check`` runs under the system's lock before any file is written (raising
    stops the ingest, nothing kept); ``record`` sees the windows before commit.
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from app.production.pipeline import WindowsWritten, ingest_production
    from app.store.models import ProductionWindow

    stamps = pd.to_datetime(["2025-03-01T08:00:00Z", "2025-03-02T08:00:00Z"], utc=True)
    frame = pd.DataFrame(
        {
            "timestamp": stamps.astype("datetime64[us, UTC]"),
            "model_version": [7, 7],
            "prediction": [0.9, 0.2],
            "label": [1.0, None],
            "prediction_id": [None, None],
            "segment.region": ["eu", "us"],
            "amount": [10.5, 20.0],
        }
    )
    rows = {"segments": ["segment.region"], "features": ["amount"], "system": "s"}
    files_at_check: list[set[Path]] = []

    def refuse(session: Session, system_id: int) -> None:
        files_at_check.append(parquet_files(data_dir))
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        ingest_production(frame, **rows, reference=False, engine=engine, check=refuse)
    assert files_at_check == [set()]
    assert counts(engine)["production_windows"] == 0
    assert counts(engine)["systems"] == 0  # created in the transaction that rolled back
    assert parquet_files(data_dir) == set()

    recorded: list[tuple[WindowsWritten, int]] = []

    def record(session: Session, written: WindowsWritten) -> None:
        windows = session.execute(select(func.count()).select_from(ProductionWindow)).scalar()
        recorded.append((written, int(windows or 0)))

    written = ingest_production(frame, **rows, reference=False, engine=engine, record=record)
    assert written == WindowsWritten(rows_read=2, rows_written=2, windows=2, created=("s",))
    assert recorded == [(written, 2)]
    assert len(parquet_files(data_dir)) == 2
