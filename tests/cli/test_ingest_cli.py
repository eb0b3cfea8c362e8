"""`tandem ingest` from the command line: exit 2 with file, row and column, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from app.cli import cli
from app.store.db import session_scope
from app.store.models import Base

HEADER = (
    "system,deployment_id,kind,version,commit_sha,committed_at,deployed_at,environment,"
    "status,model_version\n"
)
GOOD = "svc,d-1,service,1.0,abc123,2026-10-01T10:00:00Z,2026-10-01T12:00:00Z,production,success,\n"


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "wrong header": (
        (HEADER.replace("deployed_at", "deployed") + GOOD).encode(),
        "deployed",
    ),
    "missing column": (
        (HEADER.replace(",environment", "") + GOOD.replace(",production", "")).encode(),
        "environment",
    ),
    "wrong type": (
        (
            HEADER
            + GOOD
            + GOOD.replace("d-1", "d-2").replace(",,", ",x,").replace("service", "model")
        ).encode(),
        "row 2",
    ),
    "NaN timestamp": (
        (
            HEADER + GOOD + GOOD.replace("d-1", "d-2").replace("2026-10-01T12:00:00Z", "NaN")
        ).encode(),
        "row 2",
    ),
    "non-UTF-8 bytes": (
        (HEADER + GOOD + "svc,d-2,service,1.\xe9,").encode("latin-1")
        + GOOD.split(",", 4)[4].encode(),
        "row 2",
    ),
    "empty file": (HEADER.encode(), "no data rows"),
    "duplicate keys": ((HEADER + GOOD + GOOD).encode(), "row 2"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_exits_2_naming_row_and_column_and_writes_nothing(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    content, expected = BAD_FILES[case]
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD.replace("d-1", "d-0"))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "deployments", str(good)]).exit_code == 0
    before = row_counts(engine)

    bad = tmp_path / "deployments.csv"
    bad.write_bytes(content)
    result = runner.invoke(cli, ["ingest", "deployments", str(bad)])

    assert result.exit_code == 2, result.output
    message = result.stderr if hasattr(result, "stderr") else result.output
    assert "deployments.csv" in message
    assert expected in message
    if case not in ("empty file",):
        assert "column" in message or case in ("wrong header", "missing column")
    assert row_counts(engine) == before


def test_reingesting_the_same_file_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "deployments.csv"
    path.write_text(HEADER + GOOD)
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", "deployments", str(path)])
    assert first.exit_code == 0, first.output
    after_first = row_counts(engine)
    second = runner.invoke(cli, ["ingest", "deployments", str(path)])
    assert second.exit_code == 0
    assert "0 written" in second.output
    counts = row_counts(engine)
    counts.pop("ingest_records"), after_first.pop("ingest_records")
    assert counts == after_first


def test_missing_file_exits_2(sqlite_engine: Engine, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "pipelines", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_kind_exits_2(sqlite_engine: Engine, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "bananas", str(tmp_path)])
    assert result.exit_code == 2
