"""The seeded sample data tells the same story whatever the hour of seeding.

Production windows are UTC days; a seed shifted to the minute once cut them elsewhere
each time, and the bad release's day was judged "ok" when seeded at 13:20 (issue 11).
Here ``tandem seed --now 23:55`` (the day's last minutes, where rounding the shift instead
of flooring it would move the data a day into the future) runs in a subprocess, and its
database must hold the same judged windows (relative to the seed day), the same
performance verdicts and the same ``tandem status`` as a copy of the session's seed at
13:20 (``seeded_template``, the hour the bad release was once judged "ok"; made while the
subprocess seeds if no earlier test made it). One seed, not one per clock time: the seed
reads the clock only through ``shift_to_now``, whose whole-day result at 00:05, 06:00,
13:20, 23:55 and 23:59:59.999999 tests/test_seed.py checks; a seed costs minutes.
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
from tests.conftest import SEED_NOW

RATIO = default_thresholds()["monitor.performance_ratio"]  # warn 0.95, critical 0.9
GAP = default_thresholds()["monitor.segment_gap"]  # warn 0.05, critical 0.10

pytestmark = pytest.mark.slow

SEED_DAY = datetime(2026, 12, 1, tzinfo=UTC)
CLOCKS = (SEED_NOW.strftime("%H:%M"), "23:55")  # the session's seed, and one at the day's end
METRIC = {"fraud-scoring": "roc_auc", "demand-forecast": "mae"}


@pytest.fixture(scope="module")
def roots(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Path]:
    """A data dir per clock time: a copy of the session's seed, and one `tandem seed --now`."""
    assert SEED_NOW.date() == SEED_DAY.date()
    late = tmp_path_factory.mktemp("seed-at-2355")
    shutil.copy(sqlite_template, late / "tandem.db")
    now = f"{SEED_DAY.date()}T23:55:00+00:00"
    command = [sys.executable, "-m", "app.cli", "seed", "--now", now]
    seeding = subprocess.Popen(
        command, env=os.environ | _env(late), stdout=subprocess.PIPE, text=True
    )
    try:  # the session's seed is made meanwhile, if no test has asked for it yet
        session_seed: Path = request.getfixturevalue("seeded_template")
    finally:
        output, _ = seeding.communicate(timeout=900)
    assert seeding.returncode == 0, output
    own = tmp_path_factory.mktemp("seed-at-1320") / "data"
    shutil.copytree(session_seed, own)  # `tandem status` below must not write to the shared one
    return {CLOCKS[0]: own, CLOCKS[1]: late}


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
