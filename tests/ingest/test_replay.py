"""An unchanged production re-ingest is skipped; any change since makes it a full ingest.

:mod:`app.ingest.replay`: the same file, options and windows as a recorded
ingest mean nothing to store or measure again. The pipeline is replaced by
one that fails to show which ingests skip it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.ingest import IngestError, ingest_file
from app.store.models import IngestRecord
from tests.ingest.helpers import write

HEADER = "timestamp,model_version,prediction,label,prediction_id,amount"
DAY1 = [
    "2025-03-01T08:00:00Z,7,0.9,,p1,10",
    "2025-03-01T09:00:00Z,7,0.2,,p2,20",
    "2025-03-02T09:00:00Z,7,0.4,,p3,30",
]


def csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    return write(tmp_path, name, "\n".join([HEADER, *lines]) + "\n")


def no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the pipeline ran")

    monkeypatch.setattr("app.production.pipeline.ingest_production", fail)


def records(engine: Engine) -> list[tuple[int, int, str | None]]:
    with engine.connect() as connection:
        query = select(IngestRecord.rows_read, IngestRecord.rows_written, IngestRecord.state_hash)
        rows = connection.execute(query.order_by(IngestRecord.id)).all()
    return [(int(row[0]), int(row[1]), row[2]) for row in rows]


def test_an_unchanged_reingest_is_skipped_and_recorded(
    engine: Engine, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv(tmp_path, "day1.csv", DAY1)
    first = ingest_file("production", path, system="s", engine=engine)
    assert (first.rows_written, first.windows) == (3, 2)
    no_pipeline(monkeypatch)
    again = ingest_file("production", path, system="s", engine=engine)
    assert (again.rows_read, again.rows_written, again.windows) == (3, 0, 0)
    copy = csv(tmp_path, "copy.csv", DAY1)  # another name, the same content
    assert ingest_file("production", copy, system="s", engine=engine).rows_written == 0
    (one, two, three) = records(engine)
    assert one[:2] == (3, 3)
    assert two[:2] == three[:2] == (3, 0)
    assert one[2] is not None
    assert one[2] == two[2] == three[2]


def test_a_file_is_ingested_in_full_once_its_windows_changed(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """File A, then B changes p1's prediction, then A again: A's value is back (not skipped)."""
    path = csv(tmp_path, "a.csv", DAY1)
    ingest_file("production", path, system="s", engine=engine)
    change = csv(tmp_path, "b.csv", ["2025-03-01T08:00:00Z,7,0.5,,p1,10"])
    assert ingest_file("production", change, system="s", engine=engine).rows_written == 1
    again = ingest_file("production", path, system="s", engine=engine)
    assert (again.rows_written, again.windows) == (1, 1)


def test_a_changed_file_is_measured(engine: Engine, tmp_path: Path, data_dir: Path) -> None:
    ingest_file("production", csv(tmp_path, "a.csv", DAY1), system="s", engine=engine)
    labelled = [line.replace(",,", ",1,") for line in DAY1]
    summary = ingest_file("production", csv(tmp_path, "l.csv", labelled), system="s", engine=engine)
    assert (summary.rows_written, summary.windows) == (3, 2)


@pytest.mark.parametrize(
    "other",
    [
        {"system": "other"},
        {"system": "s", "reference": True},
    ],
)
def test_other_options_are_not_a_repeat(
    other: dict[str, object], engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    path = csv(tmp_path, "a.csv", DAY1)
    ingest_file("production", path, system="s", engine=engine)
    summary = ingest_file("production", path, engine=engine, **other)  # type: ignore[arg-type]
    assert summary.rows_written == 3


def test_a_shifted_repeat_is_checked_in_full(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Shifted a day, the file's ids would move to other days: refused, not skipped."""
    path = csv(tmp_path, "a.csv", DAY1)
    ingest_file("production", path, system="s", engine=engine)
    with pytest.raises(IngestError, match="stored already"):
        ingest_file("production", path, system="s", engine=engine, shift=timedelta(days=1))
