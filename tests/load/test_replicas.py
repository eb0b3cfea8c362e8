"""Two replicas on one PostgreSQL: what one process writes, the other shows on its next rerun.

Tandem keeps no state in a Streamlit process besides caches keyed on the data
version, so replicas behind a load balancer agree. Two real servers share one
PostgreSQL database and one data directory; a session on each stays open (a
user's tab), and after a write from outside both processes (as a CLI job or a
third replica would) each session's next rerun must show it. The threshold is
saved through the service function the Thresholds page calls; the ingest is
``tandem ingest`` in a process of its own.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.config import PROJECT_ROOT
from app.health.threshold_edits import save_threshold, thresholds_at, version_at
from app.roles import EDITOR
from tests.support.streamlit_client import PageRun, StreamlitSession
from tests.support.streamlit_server import serve_apps

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SIGNAL = "monitor.drift_share"
NEW_SYSTEM = "replica-probe"
PIPELINES = (
    "pipeline_id,commit_sha,branch,started_at,finished_at,status,tests_total,tests_failed\n"
    "r-1,abc1234,main,2026-11-20T09:00:00Z,2026-11-20T09:08:00Z,success,40,0\n"
    "r-2,abc1235,main,2026-11-21T09:00:00Z,2026-11-21T09:09:00Z,failed,40,3\n"
)


def _tandem(*args: str, url: str, data_dir: Path) -> None:
    """Run the ``tandem`` command in a process of its own against the shared database."""

    env = {**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _warn_bound(run: PageRun, signal: str) -> float:
    """The Warn cell of ``signal``'s row in the Thresholds page's table."""
    assert run.errors == (), run.errors
    for table in run.tables():
        if {"Signal", "Warn"} <= set(table.column_names):
            rows = table.select(["Signal", "Warn"]).to_pylist()
            return next(float(row["Warn"]) for row in rows if row["Signal"] == signal)
    raise AssertionError(f"no thresholds table on the page: {list(run.texts())[:40]}")


def _shows_system(run: PageRun, system: str) -> bool:
    assert run.errors == (), run.errors
    return system in set(run.texts())


def test_a_write_through_one_process_shows_on_both_replicas_next_rerun(
    postgres_engine: Engine, data_dir: Path
) -> None:
    url = postgres_engine.url.render_as_string(hide_password=False)
    pipelines = data_dir / "pipelines.csv"
    pipelines.write_text(PIPELINES)

    async def scenario(first: str, second: str) -> None:
        async with (
            StreamlitSession(first, keep_elements=True) as one,
            StreamlitSession(second, keep_elements=True) as two,
        ):
            before = {_warn_bound(await tab.open("thresholds"), SIGNAL) for tab in (one, two)}
            assert len(before) == 1
            new_warn = before.pop() + 0.05
            assert not _shows_system(await one.open(""), NEW_SYSTEM)
            assert not _shows_system(await two.open(""), NEW_SYSTEM)

            (spec,) = [s for s in thresholds_at(postgres_engine, "") if s.signal == SIGNAL]
            save_threshold(
                postgres_engine, "", SIGNAL, new_warn, spec.critical, version_at(spec, ""),
                "replica-test", EDITOR, "replicas",
            )  # fmt: skip
            for tab in (one, two):
                assert _warn_bound(await tab.open("thresholds"), SIGNAL) == pytest.approx(new_warn)

            _tandem(
                "ingest", "pipelines", str(pipelines), "--system", NEW_SYSTEM,
                url=url, data_dir=data_dir,
            )  # fmt: skip
            for tab in (one, two):
                assert _shows_system(await tab.open("", {"system": NEW_SYSTEM}), NEW_SYSTEM)

    with serve_apps(2, data_dir, url) as (first, second):
        asyncio.run(scenario(first.url, second.url))
