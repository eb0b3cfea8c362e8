"""monitor.multivariate_drift: the latest window's domain-classifier AUC, in status and what-if."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from app.health.catalog import SIGNALS_BY_KEY
from app.health.report import build_status
from app.health.status import Status
from app.health.thresholds import ThresholdSpec
from app.health.what_if import replay, signal_series
from app.health.window import Window
from tests.ingest.helpers import stored
from tests.production.test_multivariate_ingest import day, ingest

SIGNAL = "monitor.multivariate_drift"
WINDOW = Window(datetime(2025, 1, 15, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC))


def test_the_signal_is_the_latest_auc_and_replays_per_window(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    ingest(sqlite_engine, tmp_path, day("2025-01-01", 2000, 0.9, 1), "ref", ref=True)
    current = pd.concat([day("2025-02-01", 400, 0.9, 2), day("2025-02-02", 400, -0.9, 3)])
    ingest(sqlite_engine, tmp_path, current, "cur", ref=False)
    aucs = [
        r["value"]
        for r in stored(sqlite_engine, "multivariate_drift_results")
        if r["method"] == "domain_classifier"
    ]
    assert SIGNALS_BY_KEY[SIGNAL].stage == "monitor"
    report = build_status(sqlite_engine, "s", WINDOW.since, WINDOW.until)
    signal = report.system("s").signal(SIGNAL)
    assert signal.value == max(aucs) == aucs[-1]  # the joint change is the latest day
    assert signal.status is Status.CRITICAL
    series = signal_series(sqlite_engine, "s", SIGNAL, WINDOW)
    assert series is not None
    assert list(series.frame["value"]) == aucs
    old = ThresholdSpec(SIGNAL, "lower_is_better", 0.65, 0.75, "ratio", None, 0)
    looser = ThresholdSpec(SIGNAL, "lower_is_better", 0.99, 0.995, "ratio", None, 0)
    result = replay(series, old, looser)
    assert (result.buckets, result.old_critical, result.new_critical, result.new_warn) == (
        2,
        1,
        0,
        0,
    )
