"""PostgreSQL stopped in the middle of ``tandem seed``: one line, as every command says it.

Deterministic as the ingest's test: a SHARE lock on ``ingest_records`` holds the
seed's first file at its last write; then the server stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from app.config import PROJECT_ROOT
from tests.faults.conftest import assert_one_line_error
from tests.faults.test_ingest_database_lost import _wait_until_ingest_waits_on_lock
from tests.support.postgres import Cluster


def test_server_stopped_mid_seed_is_reported_in_one_line(
    pg_url: str, cluster: Cluster, data_dir: Path, tmp_path: Path
) -> None:
    log, errors = tmp_path / "seed.log", tmp_path / "seed.err"
    blocker = create_engine(pg_url)
    connection: Connection = blocker.connect()
    try:
        connection.execute(text("LOCK TABLE ingest_records IN SHARE MODE"))
        with log.open("w") as out, errors.open("w") as err:
            seed = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "seed"],
                cwd=PROJECT_ROOT,
                env=dict(os.environ),
                stdout=out,
                stderr=err,
                text=True,
            )
        _wait_until_ingest_waits_on_lock(pg_url, seed, errors)
        cluster.stop()
        code = seed.wait(timeout=120)
    finally:
        connection.invalidate()  # its server is gone: close without a rollback
        blocker.dispose()
        if not cluster.is_ready():
            cluster.start()

    assert code == 3, errors.read_text()
    stderr = errors.read_text()
    assert "internal error" not in stderr
    assert "[SQL:" not in stderr
    assert_one_line_error(stderr, "database unavailable", "run `tandem seed` again")
