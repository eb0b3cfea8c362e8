"""PostgreSQL stopped in the middle of ``tandem ingest production``.

Deterministic: the test holds a SHARE lock on ``ingest_records``, so the
ingest runs until its last write (the ingest record, flushed at commit) and
waits there with its window files written and everything else in its open
transaction; then the server stops (``-m fast`` ends every session).
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from tests.faults.conftest import (
    assert_one_line_error,
    files_under,
    production_file,
    start_tandem,
    stored_rows,
    tandem,
    windowed_rows,
)
from tests.support.postgres import Cluster

ROWS = 6_000


def _wait_until_ingest_waits_on_lock(url: str, process: object, log: Path) -> None:
    """Poll the server's activity until the ingest's backend waits for our lock."""
    watcher = create_engine(url, isolation_level="AUTOCOMMIT")
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE '%ingest_records%'"
    )
    deadline = time.monotonic() + 120
    try:
        with watcher.connect() as connection:
            while not connection.execute(query).scalar_one():
                assert process.poll() is None, log.read_text()  # type: ignore[attr-defined]
                assert time.monotonic() < deadline, "the ingest never reached its last write"
                time.sleep(0.2)  # between polls only; the lock wait is what we wait on
    finally:
        watcher.dispose()


def test_server_stopped_mid_ingest_leaves_nothing_and_a_reingest_is_exact(
    pg_url: str, cluster: Cluster, data_dir: Path, tmp_path: Path
) -> None:
    source = production_file(tmp_path / "production.parquet", ROWS)
    before = stored_rows(pg_url)
    log = tmp_path / "ingest.log"
    blocker = create_engine(pg_url)
    connection: Connection = blocker.connect()
    try:
        connection.execute(text("LOCK TABLE ingest_records IN SHARE MODE"))
        ingest = start_tandem("ingest", "production", str(source), "--system", "fraud", log=log)
        _wait_until_ingest_waits_on_lock(pg_url, ingest, log)
        written_meanwhile = files_under(data_dir)
        cluster.stop()
        code = ingest.wait(timeout=120)
    finally:
        connection.invalidate()  # its server is gone: close without a rollback
        blocker.dispose()
        if not cluster.is_ready():
            cluster.start()

    assert any(name.endswith(".parquet") for name in written_meanwhile), written_meanwhile
    assert code == 3, log.read_text()
    assert_one_line_error(log.read_text(), "database unavailable")
    assert stored_rows(pg_url) == before
    assert files_under(data_dir) == []

    again = tandem("ingest", "production", str(source), "--system", "fraud")
    assert again.returncode == 0, again.stderr
    assert f"{ROWS} rows read, {ROWS} written" in again.stdout
    assert windowed_rows(pg_url) == ROWS
    assert stored_rows(pg_url)["ingest_records"] == before["ingest_records"] + 1
