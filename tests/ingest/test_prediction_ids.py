"""``prediction_id`` is unique per system (docs/data-formats.md), not only within a window.

A re-sent row lands on its prediction when it keeps its model version and
day (labels arriving later); one that names an id stored in another window
is refused with exit 2, naming the row, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.ingest import IngestError, ingest_file
from tests.ingest.helpers import counts, write
from tests.ingest.processes import orphans, race, stored_ids

HEADER = "timestamp,model_version,prediction,label,prediction_id,amount"
DAY1 = [
    "2025-03-01T08:00:00Z,7,0.9,,p1,10",
    "2025-03-01T09:00:00Z,7,0.2,,p2,20",
]


def csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    return write(tmp_path, name, "\n".join([HEADER, *lines]) + "\n")


def files(data_dir: Path) -> set[Path]:
    return set((data_dir / "production").rglob("*"))


@pytest.mark.parametrize(
    ("resent", "where"),
    [
        ("2025-03-02T09:00:00Z,7,0.2,1,p2,20", "model version 7, 2025-03-01"),  # another day
        ("2025-03-01T09:00:00Z,8,0.2,1,p2,20", "model version 7, 2025-03-01"),  # another version
    ],
)
def test_an_id_stored_in_another_window_is_refused(
    resent: str, where: str, engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    ingest_file("production", csv(tmp_path, "day1.csv", DAY1), system="s", engine=engine)
    before, stored_files = counts(engine), files(data_dir)
    lines = ["2025-03-02T10:00:00Z,7,0.5,,p3,30", resent]
    with pytest.raises(IngestError) as caught:
        ingest_file("production", csv(tmp_path, "more.csv", lines), system="s", engine=engine)
    error = caught.value
    assert (error.row, error.line, error.column) == (2, 3, "prediction_id")
    assert '"p2"' in str(error)
    assert where in str(error)
    assert counts(engine) == before
    assert files(data_dir) == stored_files


def test_a_row_resent_to_its_own_window_updates_it(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    ingest_file("production", csv(tmp_path, "day1.csv", DAY1), system="s", engine=engine)
    labels = ["2025-03-01T09:00:00Z,7,0.2,1,p2,", "2025-03-05T00:00:00Z,7,0.1,,p9,1"]
    summary = ingest_file("production", csv(tmp_path, "l.csv", labels), system="s", engine=engine)
    assert (summary.rows_written, summary.windows) == (2, 2)


def test_ids_are_per_system_and_references_have_their_own(engine: Engine, tmp_path: Path) -> None:
    path = csv(tmp_path, "day1.csv", DAY1)
    ingest_file("production", path, system="s", engine=engine)
    ingest_file("production", path, system="other", engine=engine)
    reference = csv(tmp_path, "ref.csv", ["2025-01-01T00:00:00Z,7,0.9,1,p1,10"])
    ingest_file("production", reference, system="s", reference=True, engine=engine)
    later = csv(tmp_path, "later.csv", ["2025-03-04T00:00:00Z,7,0.9,,p7,10"])
    assert ingest_file("production", later, system="s", engine=engine).rows_written == 1


@pytest.mark.slow
def test_two_ingests_racing_with_one_id_on_two_days(
    engine: Engine, tmp_path: Path, data_dir: Path
) -> None:
    """Checked under the system's lock: whichever commits second sees the first's window."""
    ingest_file("production", csv(tmp_path, "day1.csv", DAY1), system="s", engine=engine)
    one = csv(tmp_path, "one.csv", ["2025-03-02T10:00:00Z,7,0.5,,p0000100,1"])
    other = csv(tmp_path, "other.csv", ["2025-03-03T10:00:00Z,7,0.5,,p0000100,1"])
    finished = race(
        tmp_path, *(["ingest", "production", str(p), "--system", "s"] for p in (one, other))
    )
    assert sorted(done.returncode for done in finished) == [0, 2]
    refused = next(done for done in finished if done.returncode == 2)
    assert 'row 1 (line 2), column "prediction_id"' in refused.stderr
    assert orphans(engine, data_dir) == set()
    assert stored_ids(engine, data_dir, "s") == {"p1": 1, "p2": 1, "p0000100": 1}
