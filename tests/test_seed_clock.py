"""The seeded sample data tells the same story whatever the hour of seeding.

Production windows are UTC days; a seed shifted to the minute once cut them elsewhere
each time, and the bad release's day was judged "ok" when seeded at 13:20 (issue 11).
Here ``tandem seed --now`` runs at four clock times across one UTC day, in parallel
subprocesses, and every database must hold the same judged windows (relative to the
seed day), the same performance verdicts and the same ``tandem status``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from app.cli import cli
from app.health import performance as views
from app.health.thresholds import default_thresholds
from app.store.models import ProductionWindow, System

RATIO = default_thresholds()["monitor.performance_ratio"]  # warn 0.95, critical 0.9
GAP = default_thresholds()["monitor.segment_gap"]  # warn 0.05, critical 0.10

pytestmark = pytest.mark.slow

SEED_DAY = datetime(2026, 12, 1, tzinfo=UTC)
CLOCKS = ("00:05", "06:00", "13:20", "23:55")
METRIC = {"fraud-scoring": "roc_auc", "demand-forecast": "mae"}


@pytest.fixture(scope="module")
def roots(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One data dir per clock time, each seeded by its own `tandem seed --now`."""
    result: dict[str, Path] = {}
    running = []
    for clock in CLOCKS:
        root = tmp_path_factory.mktemp("seed-at-" + clock.replace(":", ""))
        shutil.copy(sqlite_template, root / "tandem.db")
        env = os.environ | _env(root)
        now = f"{SEED_DAY.date()}T{clock}:00+00:00"
        command = [sys.executable, "-m", "app.cli", "seed", "--now", now]
        running.append(
            (clock, subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True))
        )
        result[clock] = root
    for clock, process in running:
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, (clock, output)
    return result


def _env(root: Path) -> dict[str, str]:
    return {"TANDEM_DATA_DIR": str(root), "TANDEM_DATABASE_URL": f"sqlite:///{root / 'tandem.db'}"}


def _story(root: Path) -> dict[str, object]:
    """What a reader would see: the windows, their verdicts and every status."""
    engine = create_engine(f"sqlite:///{root / 'tandem.db'}")
    try:
        with engine.connect() as conn:
            windows = sorted(
                (name, version, reference, str(start - SEED_DAY), rows, labelled)
                for name, version, reference, start, rows, labelled in conn.execute(
                    select(
                        System.name,
                        ProductionWindow.model_version,
                        ProductionWindow.is_reference,
                        ProductionWindow.window_start,
                        ProductionWindow.rows,
                        ProductionWindow.labelled_rows,
                    ).join(System, System.id == ProductionWindow.system_id)
                )
            )
        verdicts = {}
        for system, metric in METRIC.items():
            series = views.metric_series(views.load(engine, system), metric, RATIO)
            series = series.assign(day=(series["window_start"] - SEED_DAY).astype(str))
            verdicts[system] = series[["day", "model_version", "labelled_rows", "status"]].to_dict(
                "records"
            )
    finally:
        engine.dispose()
    result = CliRunner().invoke(cli, ["status", "--format", "json"], env=_env(root))
    assert result.exit_code == 0, result.output
    return {"windows": windows, "verdicts": verdicts, "status": json.loads(result.stdout)}


def test_every_clock_time_gives_the_same_windows_verdicts_and_status(
    roots: dict[str, Path],
) -> None:
    stories = {clock: _story(root) for clock, root in roots.items()}
    first = stories[CLOCKS[0]]
    for clock in CLOCKS[1:]:
        for part in ("windows", "verdicts", "status"):
            assert stories[clock][part] == first[part], (clock, part)


def test_the_planted_problems_show_at_every_clock_time(roots: dict[str, Path]) -> None:
    for clock, root in roots.items():
        engine = create_engine(f"sqlite:///{root / 'tandem.db'}")
        try:
            fraud = views.load(engine, "fraud-scoring")
        finally:
            engine.dispose()
        series = views.metric_series(fraud, "roc_auc", RATIO)
        judged = series[series["labelled_rows"] >= 300]
        v4, v3 = judged[judged["model_version"] == 4], judged[judged["model_version"] == 3]
        # The bad release: one full day of v4, outside its band and below every v3 day.
        assert list(v4["window_start"]) == [pd.Timestamp(SEED_DAY) - pd.Timedelta(days=15)], clock
        assert (v4["status"] != views.OK).all(), clock
        assert v4["realised"].max() < v3["realised"].min(), clock
        # The data ends at the start of the seed day, labels pending for its last week.
        pending = series[series["labelled_rows"] == 0]
        assert pending["window_start"].max() == pd.Timestamp(SEED_DAY) - pd.Timedelta(days=1)
        report = json.loads(
            CliRunner().invoke(cli, ["status", "--format", "json"], env=_env(root)).stdout
        )
        statuses = {s["system"]: s["status"] for s in report["systems"]}
        assert statuses == {
            "checkout-api": "critical",
            "demand-forecast": "critical",
            "fraud-scoring": "critical",
        }, clock
