"""Two replicas on one PostgreSQL: what one process writes, the other shows on its next rerun.

Tandem keeps no state in a Streamlit process besides caches keyed on the data
version, so replicas behind a load balancer agree. Two real servers share one
PostgreSQL database and one data directory; a session on each stays open (a
user's tab). A threshold saved on one replica's Thresholds page (a value typed
into the table, Save clicked: the widget states a browser sends) must show on
the other replica's next rerun, and an ingest from outside both (``tandem
ingest`` in a process of its own, as a CI job runs it) on both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.config import PROJECT_ROOT
from app.health.threshold_edits import change_history
from tests.support.streamlit_client import PageRun, StreamlitSession, WidgetState
from tests.support.streamlit_load import run_in_own_loop
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


async def _save_warn_through_the_page(tab: StreamlitSession, signal: str, warn: float) -> None:
    """Type ``warn`` into ``signal``'s Warn cell of the Thresholds table and click Save."""
    run = await tab.open("thresholds")
    (table,) = [t for t in run.tables() if {"Signal", "Warn", "From"} <= set(t.column_names)]
    row = table.column("Signal").to_pylist().index(signal)
    (editor,) = [i for key, i in run.widget_ids().items() if key.startswith("threshold_editor_")]
    edit = WidgetState(
        id=editor,
        string_value=json.dumps(
            {"edited_rows": {str(row): {"Warn": warn}}, "added_rows": [], "deleted_rows": []}
        ),
    )
    pending = await tab.open("thresholds", widgets=[edit])
    assert pending.errors == (), pending.errors
    click = WidgetState(id=pending.widget_ids()["threshold_save"], trigger_value=True)
    saved = await tab.open("thresholds", widgets=[edit, click])
    assert saved.errors == (), saved.errors


def _shows_system(run: PageRun, system: str) -> bool:
    assert run.errors == (), run.errors
    return system in set(run.texts())


def test_a_save_on_one_replica_and_an_ingest_show_on_both_replicas_next_rerun(
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

            await _save_warn_through_the_page(one, SIGNAL, new_warn)
            assert [c.signal for c in change_history(postgres_engine)] == [SIGNAL]
            for tab in (one, two):
                assert _warn_bound(await tab.open("thresholds"), SIGNAL) == pytest.approx(new_warn)

            _tandem(
                "ingest", "pipelines", str(pipelines), "--system", NEW_SYSTEM,
                url=url, data_dir=data_dir,
            )  # fmt: skip
            for tab in (one, two):
                assert _shows_system(await tab.open("", {"system": NEW_SYSTEM}), NEW_SYSTEM)

    with serve_apps(2, data_dir, url) as (first, second):
        run_in_own_loop(scenario(first.url, second.url))
